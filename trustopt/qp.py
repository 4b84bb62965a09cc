"""A small dense strictly convex quadratic program, by the dual active-set method of Goldfarb & Idnani.

    minimize ½ pᵀBp + gᵀp   subject to   A_eq p = b_eq,   A_in p ≥ b_in,

with B symmetric positive definite (the damped-BFGS matrix of SQP is). The
method (Goldfarb & Idnani, "A numerically stable dual method for solving
strictly convex quadratic programs", Math. Programming 27, 1983) starts at
the unconstrained minimizer −B⁻¹g, which is dual feasible, and adds violated
constraints one at a time, dropping active ones whose multiplier would turn
negative; so it needs no feasible starting point, and a constraint it cannot
satisfy even with every dual step taken proves the QP infeasible. The
projections are recomputed from B⁻¹ at each step, which is O(n²q) and meant
for n up to a few hundred.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = ["QPResult", "solve_qp"]


@dataclass
class QPResult:
    """Solution of :func:`solve_qp`.

    ``p`` the minimizer; ``eq_multipliers`` and ``ineq_multipliers`` u with
    Bp + g = A_eqᵀu_eq + A_inᵀu_in, u_in ≥ 0; ``feasible`` False when the
    constraints were proven inconsistent (then ``p`` is meaningless);
    ``iterations`` constraint additions and drops.
    """

    p: np.ndarray
    eq_multipliers: np.ndarray
    ineq_multipliers: np.ndarray
    feasible: bool
    iterations: int


def solve_qp(
    B: np.ndarray, g: np.ndarray, A_eq: np.ndarray, b_eq: np.ndarray, A_in: np.ndarray, b_in: np.ndarray,
    *, tol: float = 1e-10, maxiter: int | None = None,
) -> QPResult:
    """Solve the QP above; ``tol`` scales the feasibility and dependence tests.

    Parameters
    ----------
    B : n×n positive definite. g : n. A_eq : m_eq×n, b_eq : m_eq. A_in : m_in×n, b_in : m_in.
    tol : relative tolerance for "satisfied" (s ≥ −tol·(1 + |b|)) and for a
        zero projected direction. Default 1e-10.
    maxiter : additions + drops allowed. Default 10·(n + m_eq + m_in) + 10.
    """
    n = g.size
    m_eq, m_in = b_eq.size, b_in.size
    cho = scipy.linalg.cho_factor(B)
    Binv = scipy.linalg.cho_solve(cho, np.eye(n))
    x = -(Binv @ g)
    normals: list[np.ndarray] = []
    # Each active entry: ('eq', j, sign) or ('in', j, 1.0); u holds its multiplier.
    active: list[tuple[str, int, float]] = []
    u: list[float] = []
    limit = maxiter if maxiter is not None else 10 * (n + m_eq + m_in) + 10
    iterations = 0

    def directions(normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z = H·normal (primal step) and r = N*·normal (dual step) for the current active set."""
        Bn = Binv @ normal
        if not normals:
            return Bn, np.zeros(0)
        N = np.column_stack(normals)
        BN = Binv @ N
        r = np.linalg.lstsq(N.T @ BN, BN.T @ normal, rcond=None)[0]
        return Bn - BN @ r, r

    def add(normal: np.ndarray, b: float, kind: str, j: int, sign: float) -> bool:
        """Make constraint normalᵀx ≥ b active (GI's step 2); False if proven infeasible."""
        nonlocal x, iterations
        up = 0.0
        scale = tol * (1.0 + abs(b)) * max(1.0, float(np.max(np.abs(normal))) if normal.size else 1.0)
        while True:
            iterations += 1
            if iterations > limit:
                return False
            s = float(normal @ x) - b
            if s >= -scale and kind == "in":
                if up > 0.0:
                    normals.append(normal)
                    active.append((kind, j, sign))
                    u.append(up)
                return True
            z, r = directions(normal)
            zn = float(z @ normal)
            t2 = -s / zn if zn > tol * float(normal @ normal) else math.inf
            if kind == "eq" and t2 == math.inf and abs(s) <= scale:
                return True  # dependent on the active equalities and consistent with them
            t1, drop = math.inf, -1
            for k, (kind_k, _, _) in enumerate(active):
                if kind_k == "in" and r[k] > tol:
                    ratio = u[k] / r[k]
                    if ratio < t1:
                        t1, drop = ratio, k
            t = min(t1, t2)
            if t == math.inf:
                return False
            if t2 < math.inf:
                x = x + t * z
            for k in range(len(u)):
                u[k] -= t * r[k]
            up += t
            if t2 <= t1:
                normals.append(normal)
                active.append((kind, j, sign))
                u.append(up)
                return True
            del normals[drop], active[drop], u[drop]

    for j in range(m_eq):
        a, b = A_eq[j], float(b_eq[j])
        sign = -1.0 if float(a @ x) - b > 0 else 1.0
        if not add(sign * a, sign * b, "eq", j, sign):
            return _result(x, active, u, m_eq, m_in, False, iterations)
    while True:
        if m_in == 0:
            break
        s = A_in @ x - b_in
        scale = tol * (1.0 + np.abs(b_in)) * np.maximum(1.0, np.max(np.abs(A_in), axis=1))
        in_active = {j for kind, j, _ in active if kind == "in"}
        viol = np.where(s < -scale, s / scale, 0.0)
        for j in in_active:
            viol[j] = 0.0
        p = int(np.argmin(viol))
        if viol[p] >= 0.0:
            break
        if not add(A_in[p], float(b_in[p]), "in", p, 1.0):
            return _result(x, active, u, m_eq, m_in, False, iterations)
    return _result(x, active, u, m_eq, m_in, True, iterations)


def _result(x: np.ndarray, active: list[tuple[str, int, float]], u: list[float], m_eq: int, m_in: int,
            feasible: bool, iterations: int) -> QPResult:
    u_eq, u_in = np.zeros(m_eq), np.zeros(m_in)
    for (kind, j, sign), value in zip(active, u):
        if kind == "eq":
            u_eq[j] = sign * value
        else:
            u_in[j] = max(value, 0.0)
    return QPResult(x, u_eq, u_in, feasible, iterations)
