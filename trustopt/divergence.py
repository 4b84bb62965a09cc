"""A divergence D(x) ≥ 0 anchored at x₀, with its metric as a product.

The solvers of :class:`~trustopt.divergence_problem.DivergenceProblem` minimize f(x) subject
to D(x) ≤ δ. They need D at trial points and the *metric*
F = ∇²D(x₀), the Hessian of D at its anchor, only through products v ↦ F·v.
Near the anchor D(x) ≈ ½(x − x₀)ᵀF(x − x₀), because D(x₀) = 0 and
∇D(x₀) = 0 (x₀ minimizes a non-negative function); so ‖x − x₀‖_F =
sqrt((x − x₀)ᵀF(x − x₀)) ≈ sqrt(2·D(x)) is the step length D measures.

Three ways to build one:

* ``Divergence(fun, anchor)`` — ``fun`` written with ``autograd.numpy``;
  value, gradient and metric product all come from autograd. The metric
  product is the reverse pass through ∇D traced once at the anchor and reused
  for every v (a CG solve asks for many).
* ``Divergence(fun, anchor, metric_vp=...)`` — the caller's own metric
  product (e.g. a Fisher-vector product in Gauss–Newton form, Jᵀ·M·J·v, which
  is cheaper than differentiating D twice); ``grad``/``value_and_grad`` may be
  given too for solvers that need ∇D (the penalty method).
* ``Divergence.from_matrix(A, anchor)`` — D(x) = ½(x − x₀)ᵀA(x − x₀) for a
  fixed symmetric positive definite A (array, sparse matrix,
  ``LinearOperator`` or callable). Then D ≤ δ is an ellipsoid and the
  divergence-constrained solvers are elliptic trust-region steps.

Evaluations are counted: ``ndev`` (values of D), ``ngdev`` (gradients of D)
and ``nmvp`` (metric-vector products).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.linalg
import scipy.sparse

from .cg import as_matvec
from .objective import Objective, as_flat_vector

__all__ = ["Divergence"]

Matvec = Callable[[np.ndarray], Any]


class Divergence:
    """D(x) ≥ 0 with D(x₀) = 0 and ∇D(x₀) = 0, and products with F = ∇²D(x₀).

    Parameters
    ----------
    fun : callable ``x -> float``, the divergence. Without ``grad``,
        ``value_and_grad`` and ``metric_vp`` it must be written with
        ``autograd.numpy``.
    anchor : x₀, a flat vector of finite numbers (copied, stored read-only).
    grad : optional ``x -> ∇D(x)``.
    value_and_grad : optional ``x -> (D(x), ∇D(x))`` in one pass.
    metric_vp : optional ``v -> F·v`` with F = ∇²D(x₀) (symmetric positive
        semi-definite). Default: autograd's Hessian-vector product at x₀.

    The contract D ≥ 0, D(x₀) = 0 is the caller's; it is not checked, so that
    building a Divergence costs no evaluation.
    """

    def __init__(
        self,
        fun: Callable[[np.ndarray], Any],
        anchor: Any,
        *,
        grad: Callable[[np.ndarray], Any] | None = None,
        value_and_grad: Callable[[np.ndarray], tuple[Any, Any]] | None = None,
        metric_vp: Matvec | None = None,
    ) -> None:
        if metric_vp is not None and not callable(metric_vp):
            raise TypeError(f"metric_vp must be callable or None; got {type(metric_vp).__name__}")
        self._anchor = as_flat_vector(anchor, "anchor")
        self._anchor.flags.writeable = False
        self.objective = Objective(fun, grad=grad, value_and_grad=value_and_grad)
        self._metric_vp = metric_vp
        self.nmvp = 0

    @classmethod
    def from_matrix(cls, A: Any, anchor: Any) -> Divergence:
        """D(x) = ½(x − x₀)ᵀA(x − x₀) for a fixed symmetric positive definite A.

        ``A`` may be an ndarray, a scipy sparse matrix, a ``LinearOperator`` or
        a callable ``v -> A v``. A dense A is checked for symmetry and
        positive definiteness (by a Cholesky factorization) here, so a bad
        matrix fails at construction rather than mid-solve.
        """
        x0 = as_flat_vector(anchor, "anchor")
        n = x0.size
        if isinstance(A, np.ndarray) or scipy.sparse.issparse(A):
            dense = A.toarray() if scipy.sparse.issparse(A) else np.asarray(A, dtype=np.float64)
            if dense.shape != (n, n):
                raise ValueError(f"A must have shape {(n, n)} to match the anchor; got {dense.shape}")
            if not np.allclose(dense, dense.T, rtol=1e-12, atol=1e-14 * np.max(np.abs(dense), initial=0.0)):
                raise ValueError("A must be symmetric")
            try:
                scipy.linalg.cholesky(dense, lower=True)
            except np.linalg.LinAlgError as exc:
                raise ValueError("A must be positive definite (its Cholesky factorization failed)") from exc
        matvec = as_matvec(A, n)

        def value_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            d = np.asarray(x, dtype=np.float64) - x0
            Ad = np.asarray(matvec(d), dtype=np.float64)
            return 0.5 * float(d @ Ad), Ad

        def value(x: np.ndarray) -> float:
            return value_and_grad(x)[0]

        def metric(v: np.ndarray) -> np.ndarray:
            return np.asarray(matvec(np.asarray(v, dtype=np.float64)), dtype=np.float64)

        return cls(value, x0, value_and_grad=value_and_grad, metric_vp=metric)

    @property
    def anchor(self) -> np.ndarray:
        """x₀ (read-only)."""
        return self._anchor

    @property
    def n(self) -> int:
        return self._anchor.size

    @property
    def ndev(self) -> int:
        """Evaluations of D (value-and-gradient calls included)."""
        return self.objective.nfev

    @property
    def ngdev(self) -> int:
        """Evaluations of ∇D."""
        return self.objective.njev

    def counts(self) -> dict[str, int]:
        return {"ndev": self.ndev, "ngdev": self.ngdev, "nmvp": self.nmvp}

    def value(self, x: np.ndarray) -> float:
        """D(x)."""
        return self.objective.value(x)

    __call__ = value

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇D(x)."""
        return self.objective.grad(x)

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """(D(x), ∇D(x))."""
        return self.objective.value_and_grad(x)

    def metric_vp(self, v: np.ndarray) -> np.ndarray:
        """F·v with F = ∇²D(x₀)."""
        return self.metric_operator()(v)

    def metric_operator(self) -> Callable[[np.ndarray], np.ndarray]:
        """The map v ↦ F·v (with autograd: the Objective's Hessian-vector operator at x₀).

        Solvers fetch it once per solve and hand it to conjugate gradient, so
        every CG iteration reuses the same linearization.
        """
        if self._metric_vp is not None:
            raw = self._metric_vp
        elif self.objective.uses_autograd:
            raw = self.objective.hvp_operator(self._anchor)
        else:
            raise ValueError(
                "this Divergence has a user-supplied gradient but no metric_vp; "
                "pass metric_vp=... (v -> F v at the anchor)"
            )
        n = self.n

        def product(v: np.ndarray) -> np.ndarray:
            self.nmvp += 1
            Fv = np.asarray(raw(v), dtype=np.float64)
            if Fv.shape != (n,):
                raise ValueError(f"the metric product must return shape {(n,)}; got {Fv.shape}")
            return Fv

        return product

    def __repr__(self) -> str:
        source = "user metric product" if self._metric_vp is not None else "autograd metric"
        return f"Divergence(n={self.n}, {source})"
