"""Nonlinear least squares: minimize ½‖r(x)‖² with trust regions on the Gauss–Newton model.

At x with residuals r and Jacobian J the Gauss–Newton model of
f(x) = ½‖r(x)‖² is

    m(p) = ½‖r + Jp‖² = f + gᵀp + ½ pᵀJᵀJp,   g = Jᵀr,

a quadratic with the positive semidefinite Hessian JᵀJ (a
:class:`~trustopt.gauss_newton.GaussNewton` operator), built from one
linearization. :func:`least_squares` minimizes it in a trust region three ways:

* ``"lm"`` — Levenberg–Marquardt as Moré (1978), "The Levenberg–Marquardt
  algorithm: implementation and theory", Lecture Notes in Math. 630: the step
  solves min m(p) subject to ‖Dp‖ ≤ Δ, i.e. (JᵀJ + λDᵀD)p = −g, with D the
  running maximum of J's column norms (invariance under diagonal scaling of
  x), the λ-search being :class:`~trustopt.subproblems.Exact` on the scaled
  model; radius and stopping rules are Moré's (those of MINPACK's ``lmder``,
  which ``scipy.optimize.least_squares(method='lm')`` calls).
* ``"dogleg"`` and ``"steihaug"`` — the library's
  :class:`~trustopt.trust_region.TrustRegion` driver on f with the
  Gauss–Newton model: Dogleg on the dense JᵀJ, or Steihaug's truncated CG on
  matrix-free JᵀJv products (autograd's reverse-mode J·v and vᵀJ).

J comes from autograd unless ``jac`` is given: a dense ``jacobian`` for
"lm" and "dogleg", Jacobian-vector and vector-Jacobian products for
"steihaug".
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .gauss_newton import GaussNewton
from .objective import Objective, as_flat_vector
from .result import History, Status
from .subproblems import Dogleg, Exact, QuadraticModel, Steihaug
from .trust_region import TrustRegion

__all__ = ["LeastSquaresResult", "LeastSquaresObjective", "least_squares", "levenberg_marquardt_model"]

ResidualFn = Callable[[np.ndarray], Any]


@dataclass
class LeastSquaresResult:
    """The outcome of :func:`least_squares`, with ``scipy.optimize.least_squares``'s field names.

    Attributes
    ----------
    x : the final point. cost : ½‖r(x)‖². fun : r(x) (m). jac : J(x) (m×n),
    or None when only products were used. grad : Jᵀr. optimality : ‖grad‖_∞.
    nfev : residual evaluations. njev : Jacobian evaluations (linearizations).
    nhev : Gauss–Newton products (``"steihaug"`` only). nit : iterations
    (trial steps). status : a :class:`~trustopt.Status`. message : a sentence.
    history : per-trial rows (see :class:`~trustopt.History`).
    """

    x: np.ndarray
    cost: float
    fun: np.ndarray
    jac: np.ndarray | None
    grad: np.ndarray
    optimality: float
    nfev: int
    njev: int
    nhev: int
    nit: int
    status: Status
    message: str = ""
    history: History = field(default_factory=History)

    def __post_init__(self) -> None:
        if not self.message:
            self.message = self.status.description

    @property
    def success(self) -> bool:
        return self.status.success


def _flat_residual(residual: ResidualFn, x: np.ndarray) -> np.ndarray:
    return np.asarray(residual(x), dtype=np.float64).ravel()


class LeastSquaresObjective(Objective):
    """f(x) = ½‖r(x)‖² as an :class:`~trustopt.Objective` whose curvature is Gauss–Newton.

    ``value`` evaluates r (one ``nfev``); ``grad`` forms Jᵀr from one
    linearization at x (one ``njev``), which ``hessian`` (JᵀJ, dense) and
    ``hvp_operator`` (the :class:`GaussNewton` operator; each product one
    ``nhev``) reuse at the same x. The residuals at the last evaluated point
    are kept so the gradient there needs no second evaluation.

    Parameters
    ----------
    residual : ``x -> r(x)``, written with ``autograd.numpy`` unless ``jac`` is given.
    jac : optional ``x -> J(x)`` (dense m×n).
    dense : linearize with a dense J (True) or with autograd's J·v and vᵀJ
        products (False; needs ``jac`` None).
    """

    def __init__(self, residual: ResidualFn, jac: Callable[[np.ndarray], Any] | None = None, dense: bool = True) -> None:
        if not callable(residual):
            raise TypeError(f"residual must be callable; got {type(residual).__name__}")
        if jac is not None and not callable(jac):
            raise TypeError(f"jac must be callable or None; got {type(jac).__name__}")
        if jac is not None and not dense:
            raise ValueError("a user jac is a dense Jacobian; use dense=True with it")
        super().__init__(lambda x: 0.5 * float(np.sum(_flat_residual(residual, x) ** 2)))
        self.residual_fn = residual
        self.jac_fn = jac
        self.dense = dense
        self._r_x: np.ndarray | None = None
        self._r: np.ndarray | None = None
        self._lin: tuple[np.ndarray, GaussNewton, np.ndarray | None, np.ndarray] | None = None

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """r(x), flat (one ``nfev``)."""
        self.nfev += 1
        r = _flat_residual(self.residual_fn, x)
        self._r_x, self._r = np.array(x, dtype=np.float64), r
        return r

    def value(self, x: np.ndarray) -> float:
        r = self.residuals(x)
        return 0.5 * float(r @ r)

    __call__ = value

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        r = self.residuals(x)
        return 0.5 * float(r @ r), self.grad(x)

    def linearization(self, x: np.ndarray) -> tuple[GaussNewton, np.ndarray | None, np.ndarray]:
        """(JᵀJ operator, dense J or None, r) at x, computed once per point (one ``njev``)."""
        if self._lin is not None and np.array_equal(self._lin[0], x):
            return self._lin[1], self._lin[2], self._lin[3]
        x = np.array(x, dtype=np.float64)
        r = self._r if self._r is not None and np.array_equal(self._r_x, x) else self.residuals(x)
        self.njev += 1
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Output seems independent of input")
            if self.dense:
                if self.jac_fn is not None:
                    J = np.asarray(self.jac_fn(x), dtype=np.float64)
                else:
                    from autograd import jacobian

                    J = np.asarray(jacobian(lambda z: self.residual_fn(z))(x), dtype=np.float64)
                J = J.reshape(r.size, x.size)
                op = GaussNewton.from_jacobian(J)
            else:
                from autograd.differential_operators import make_jvp_reversemode, make_vjp

                vjp, traced = make_vjp(self.residual_fn)(x)
                shape = np.shape(traced)
                jvp = make_jvp_reversemode(self.residual_fn)(x)
                J = None
                op = GaussNewton(jvp, lambda u: vjp(u.reshape(shape)), n_out=r.size)
        self._lin = (x, op, J, r)
        return op, J, r

    def grad(self, x: np.ndarray) -> np.ndarray:
        op, J, r = self.linearization(x)
        return J.T @ r if J is not None else np.asarray(op.vjp(r), dtype=np.float64).ravel()

    def hvp_operator(self, x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        op = self.linearization(x)[0]

        def product(v: np.ndarray) -> np.ndarray:
            self.nhev += 1
            return op(v)

        return product

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """JᵀJ from the dense J at x (no new evaluation)."""
        J = self.linearization(x)[1]
        if J is None:
            raise ValueError("a dense Gauss–Newton Hessian needs dense=True")
        return J.T @ J


def levenberg_marquardt_model(J: np.ndarray, r: np.ndarray, scale: np.ndarray) -> QuadraticModel:
    """The Gauss–Newton model in the scaled variable y = Dp, D = diag(scale) > 0.

    m(y) = (D⁻¹Jᵀr)ᵀy + ½ yᵀ D⁻¹JᵀJD⁻¹ y, so minimizing it over ‖y‖ ≤ Δ is
    Moré's (1978) step: p = D⁻¹y solves (JᵀJ + λDᵀD)p = −Jᵀr with the
    multiplier λ the subproblem reports — the Gauss–Newton step when λ = 0 (a
    large Δ) and, as λ → ∞ (Δ → 0), p → −D⁻²Jᵀr/λ, scaled steepest descent.
    """
    J = np.asarray(J, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    if not np.all(scale > 0):
        raise ValueError("scale must be positive")
    Js = J / scale
    return QuadraticModel.from_matrix((J.T @ np.asarray(r, dtype=np.float64)) / scale, Js.T @ Js)


def least_squares(
    residual: ResidualFn,
    x0: Any,
    method: str = "lm",
    jac: Callable[[np.ndarray], Any] | None = None,
    *,
    ftol: float = 1e-8,
    xtol: float = 1e-8,
    gtol: float = 1e-8,
    max_nfev: int | None = None,
    initial_radius_factor: float = 100.0,
) -> LeastSquaresResult:
    """Minimize ½‖r(x)‖² from ``x0``.

    Parameters
    ----------
    residual : ``x -> r(x)`` (any shape, flattened; m ≥ 1 values), written
        with ``autograd.numpy`` unless ``jac`` is given.
    x0 : starting point, a flat vector of finite numbers.
    method : "lm" (default; Levenberg–Marquardt with Moré's scaling),
        "dogleg" or "steihaug" (see the module docstring).
    jac : optional ``x -> J(x)`` (m×n). Not for "steihaug", which uses
        autograd's products.
    ftol : "lm" stops when the actual and predicted relative reductions of
        ‖r‖² are both ≤ ftol (Moré 1978). Default 1e-8 (scipy's).
    xtol : "lm" stops when Δ ≤ xtol·‖Dx‖. Default 1e-8 (scipy's).
    gtol : "lm" stops when max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol (MINPACK's
        scale-free test, as scipy's "lm"); "dogleg" and "steihaug" stop when
        ‖Jᵀr‖₂ ≤ gtol (the driver's test). Default 1e-8 (scipy's).
    max_nfev : residual evaluations allowed. None means 100·n (scipy's
        default for "lm" with a Jacobian).
    initial_radius_factor : "lm"'s Δ₀ = factor·‖D x₀‖ (factor itself when
        that is 0). Default 100 (MINPACK's ``factor``, as scipy passes it).
    """
    x = as_flat_vector(x0, "x0")
    if not isinstance(method, str) or method not in ("lm", "dogleg", "steihaug"):
        raise ValueError(f"method must be 'lm', 'dogleg' or 'steihaug'; got {method!r}")
    for name, tol in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol)):
        if not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"{name} must be ≥ 0 and finite; got {tol}")
    if max_nfev is not None and max_nfev < 1:
        raise ValueError(f"max_nfev must be ≥ 1 or None; got {max_nfev}")
    if not (math.isfinite(initial_radius_factor) and initial_radius_factor > 0):
        raise ValueError(f"initial_radius_factor must be positive; got {initial_radius_factor}")
    if method == "steihaug" and jac is not None:
        raise ValueError("method='steihaug' uses autograd's Jacobian products; pass jac=None")
    objective = LeastSquaresObjective(residual, jac, dense=method != "steihaug")
    max_nfev = 100 * x.size if max_nfev is None else max_nfev
    if method == "lm":
        return _levenberg_marquardt(objective, x, ftol, xtol, gtol, max_nfev, initial_radius_factor)
    sub = Dogleg() if method == "dogleg" else Steihaug()
    res = TrustRegion(sub, gtol=gtol, maxfev=max_nfev).minimize(objective, x)
    op, J, r = objective.linearization(res.x)
    g = res.jac if res.jac is not None else objective.grad(res.x)
    return LeastSquaresResult(
        res.x, res.fun, r, J, g, float(np.max(np.abs(g))), objective.nfev, objective.njev, objective.nhev,
        res.nit, res.status, res.message, res.history,
    )


def _levenberg_marquardt(
    objective: LeastSquaresObjective, x: np.ndarray, ftol: float, xtol: float, gtol: float, max_nfev: int,
    factor: float,
) -> LeastSquaresResult:
    """Moré's (1978) Levenberg–Marquardt iteration (MINPACK ``lmder``'s outer loop)."""
    history = History()
    subproblem = Exact()
    r = objective.residuals(x)

    def result(status: Status, nit: int, message: str = "") -> LeastSquaresResult:
        g = J.T @ r
        return LeastSquaresResult(
            x, 0.5 * rnorm * rnorm, r, J, g, float(np.max(np.abs(g))), objective.nfev, objective.njev, 0,
            nit, status, message, history,
        )

    rnorm = float(np.linalg.norm(r))
    if not np.all(np.isfinite(r)):
        raise ValueError("residual is not finite at x0")
    _, J, _ = objective.linearization(x)
    if not np.all(np.isfinite(J)):
        return result(Status.NONFINITE, 0, "the Jacobian is not finite at x0")
    col = np.linalg.norm(J, axis=0)
    scale = np.where(col > 0, col, 1.0)
    radius = factor * float(np.linalg.norm(scale * x)) or factor
    history.append(cost=0.5 * rnorm * rnorm, radius=radius, nfev=objective.nfev, njev=objective.njev)
    nit = 0
    while True:
        g = J.T @ r
        if rnorm == 0.0:
            return result(Status.FTOL, nit, "the residuals are zero")
        # MINPACK's gtol: the largest cosine between r and a column of J.
        cosines = np.abs(g[col > 0]) / (col[col > 0] * rnorm)
        if cosines.size == 0 or float(np.max(cosines)) <= gtol:
            return result(Status.GTOL, nit)
        model = levenberg_marquardt_model(J, r, scale)
        while True:
            nit += 1
            sub = subproblem.solve(model, radius)
            p = sub.step / scale
            dnorm = float(np.linalg.norm(sub.step))
            lam = float(sub.info.get("lambda", 0.0))
            r_new = objective.residuals(x + p)
            rnorm_new = float(np.linalg.norm(r_new)) if np.all(np.isfinite(r_new)) else math.inf
            actred = 1.0 - (rnorm_new / rnorm) ** 2 if 0.1 * rnorm_new < rnorm else -1.0
            jp = float(np.linalg.norm(J @ p)) / rnorm
            lp = math.sqrt(lam) * dnorm / rnorm
            prered = jp * jp + 2.0 * lp * lp
            dirder = -(jp * jp + lp * lp)
            rho = actred / prered if prered != 0.0 else 0.0
            if rho <= 0.25:
                # Moré's choice: the minimizer of the quadratic through the directional derivative and actred.
                shrink = 0.5 if actred >= 0 else 0.5 * dirder / (dirder + 0.5 * actred)
                if 0.1 * rnorm_new >= rnorm or shrink < 0.1:
                    shrink = 0.1
                radius = shrink * min(radius, 10.0 * dnorm)
            elif lam == 0.0 or rho >= 0.75:
                radius = 2.0 * dnorm
            accepted = rho >= 1e-4
            if accepted:
                x = x + p
                r, rnorm = r_new, rnorm_new
                _, J, _ = objective.linearization(x)
                if not np.all(np.isfinite(J)):
                    return result(Status.NONFINITE, nit, "the Jacobian is not finite at the accepted point")
                col = np.linalg.norm(J, axis=0)
                scale = np.maximum(scale, col)
            history.append(
                cost=0.5 * rnorm * rnorm, radius=radius, rho=rho, step_norm=dnorm, accepted=accepted,
                nfev=objective.nfev, njev=objective.njev, **sub.info,
            )
            if abs(actred) <= ftol and prered <= ftol and 0.5 * rho <= 1.0:
                return result(Status.FTOL, nit)
            if radius <= xtol * float(np.linalg.norm(scale * x)):
                return result(Status.XTOL, nit)
            if objective.nfev >= max_nfev:
                return result(Status.MAXFEV, nit)
            if accepted:
                break
