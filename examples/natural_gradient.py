"""Natural gradient is invariant to reparametrization; gradient descent is not.

A maximum-likelihood fit of a small softmax-regression model (K classes, d
features, the last class's weights fixed at zero) on seeded synthetic data.
Each natural-gradient iteration is one call to ``DivergenceTrustRegion``
anchored at the current parameters, with the model's own mean KL divergence

    D(x) = mean_i KL(p_{x_k}(·|a_i) ‖ p_x(·|a_i))

as the divergence (its Hessian at the anchor is the Fisher information), and
an ``AdaptiveBound`` adapting δ between iterations.

The same fit is run in a second parametrization x = M z (M a fixed random
invertible matrix): f̃(z) = f(Mz), D̃(z) = D(Mz). Natural-gradient iterates
satisfy x_k = M z_k up to rounding, because the step solves F s = −g, and F
and g transform as MᵀFM and Mᵀg. Gradient descent steps along −g, which
transforms as Mᵀg, so its iterates in the two parametrizations part ways.
CG is run to convergence with no damping here, since a truncated or damped
solve is only approximately invariant.

Run ``python examples/natural_gradient.py`` for the table and the plot
(``examples/output/natural_gradient.png``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import autograd.numpy as anp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from autograd.scipy.special import logsumexp  # noqa: E402

from trustopt.adaptive_bound import AdaptiveBound  # noqa: E402
from trustopt.divergence import Divergence  # noqa: E402
from trustopt.divergence_problem import DivergenceProblem  # noqa: E402
from trustopt.first_order import GradientDescent  # noqa: E402
from trustopt.lbfgs import LBFGS  # noqa: E402
from trustopt.natural_gradient import DivergenceTrustRegion  # noqa: E402
from trustopt.objective import Objective  # noqa: E402


def make_problem(n_data: int, n_features: int, n_classes: int, seed: int) -> dict[str, Any]:
    """Features a_i (with an intercept), labels from a true softmax model, and M."""
    rng = np.random.default_rng(seed)
    A = np.column_stack([np.ones(n_data), rng.standard_normal((n_data, n_features - 1))])
    W = rng.standard_normal((n_features, n_classes)) / np.sqrt(n_features)
    logits = A @ W
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = (p.cumsum(axis=1) > rng.random((n_data, 1))).argmax(axis=1)
    n = n_features * (n_classes - 1)
    # A well-conditioned but far from orthogonal M: singular values from 0.3 to 3.
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (U * np.geomspace(0.3, 3.0, n)) @ V.T
    return {"A": A, "labels": labels, "K": n_classes, "M": M, "n": n}


def model(problem: dict[str, Any]) -> tuple[Any, Any]:
    """Return (nll, kl): nll(x) the mean negative log-likelihood, kl(x0, x) the mean KL."""
    A, labels, K = problem["A"], problem["labels"], problem["K"]
    d = A.shape[1]
    onehot = np.eye(K)[labels]

    def log_probs(x: Any) -> Any:
        W = anp.concatenate([anp.reshape(x, (d, K - 1)), anp.zeros((d, 1))], axis=1)
        logits = anp.dot(A, W)
        return logits - logsumexp(logits, axis=1, keepdims=True)

    def nll(x: Any) -> Any:
        return -anp.mean(anp.sum(onehot * log_probs(x), axis=1))

    def kl(x0: np.ndarray, x: Any) -> Any:
        lp0 = log_probs(x0)
        return anp.mean(anp.sum(anp.exp(lp0) * (lp0 - log_probs(x)), axis=1))

    return nll, kl


def natural_gradient_path(nll: Any, kl: Any, x0: np.ndarray, iterations: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Iterates of repeated DivergenceTrustRegion steps with an adaptive bound."""
    f = Objective(nll)
    solver = DivergenceTrustRegion(cg_iters=10 * x0.size, cg_damping=0.0, cg_rtol=1e-14)
    bound = AdaptiveBound(delta=0.01)
    x, path, rows = x0, [x0], []
    for _ in range(iterations):
        anchor = x
        divergence = Divergence(lambda z, a=anchor: kl(a, z), anchor)
        res = solver.minimize(DivergenceProblem(f, divergence), max_divergence=bound.delta)
        rows.append(dict(res.report.row(), status=res.status.name))
        bound.update(res)
        x = res.x
        path.append(x)
    return np.array(path), rows


def gradient_descent_path(nll: Any, x0: np.ndarray, iterations: int, learning_rate: float) -> np.ndarray:
    path = [x0]
    solver = GradientDescent(learning_rate=learning_rate, maxiter=iterations, gtol=0.0,
                             callback=lambda r: path.append(r.x))
    solver.minimize(Objective(nll), x0)
    return np.array(path)


def main(fast: bool = False, out_dir: Path | str = Path(__file__).parent / "output") -> dict[str, Any]:
    """Run both methods in both parametrizations; print a table; save the plot."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_data, iterations = (300, 12) if fast else (3000, 15)
    problem = make_problem(n_data, n_features=3, n_classes=3, seed=0)
    M = problem["M"]
    nll, kl = model(problem)

    def nll_z(z: Any) -> Any:
        return nll(anp.dot(M, z))

    def kl_z(z0: np.ndarray, z: Any) -> Any:
        return kl(M @ z0, anp.dot(M, z))

    x0 = np.zeros(problem["n"])
    z0 = np.linalg.solve(M, x0)
    f_star = LBFGS(gtol=1e-12, ftol=0.0).minimize(Objective(nll), x0).fun

    runs: dict[str, dict[str, Any]] = {}
    t = time.perf_counter()
    ng_x, ng_rows = natural_gradient_path(nll, kl, x0, iterations)
    ng_z, _ = natural_gradient_path(nll_z, kl_z, z0, iterations)
    runs["natural gradient"] = {"x": ng_x, "xz": ng_z @ M.T, "time": time.perf_counter() - t}
    t = time.perf_counter()
    gd_x = gradient_descent_path(nll, x0, iterations, learning_rate=0.1)
    gd_z = gradient_descent_path(nll_z, z0, iterations, learning_rate=0.1)
    runs["gradient descent"] = {"x": gd_x, "xz": gd_z @ M.T, "time": time.perf_counter() - t}

    rows = []
    for name, run in runs.items():
        deviation = np.max(np.abs(run["x"] - run["xz"]), axis=1)
        run["deviation"] = deviation
        run["gap_x"] = np.array([nll(x) for x in run["x"]]) - f_star
        run["gap_z"] = np.array([nll(x) for x in run["xz"]]) - f_star
        rows.append({
            "method": name, "iterations": iterations,
            "f - f* (x)": run["gap_x"][-1], "f - f* (z)": run["gap_z"][-1],
            "max |x_k - M z_k|": float(deviation.max()), "time [s]": run["time"],
        })

    header = f"{'method':<18} {'iters':>5} {'f - f* (x)':>11} {'f - f* (z)':>11} {'max|x_k - M z_k|':>17} {'time [s]':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['method']:<18} {r['iterations']:>5} {r['f - f* (x)']:>11.2e} {r['f - f* (z)']:>11.2e} "
              f"{r['max |x_k - M z_k|']:>17.2e} {r['time [s]']:>9.3f}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for (name, run), color in zip(runs.items(), ("C0", "C1")):
        k = np.arange(len(run["x"]))
        ax1.semilogy(k, np.maximum(run["gap_x"], 1e-16), color=color, label=f"{name}, x")
        ax1.semilogy(k, np.maximum(run["gap_z"], 1e-16), color=color, ls="--", marker=".", label=f"{name}, z = M⁻¹x")
        ax2.semilogy(k, np.maximum(run["deviation"], 1e-17), color=color, marker="o", label=name)
    ax1.set(xlabel="iteration", ylabel="f(x_k) − f*", title="Softmax regression: negative log-likelihood")
    ax2.set(xlabel="iteration", ylabel="max |x_k − M z_k|", title="Same iterates in both parametrizations?")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    plot = out_dir / "natural_gradient.png"
    fig.savefig(plot, dpi=110)
    plt.close(fig)
    return {"rows": rows, "runs": runs, "ng_rows": ng_rows, "f_star": f_star, "plot": plot}


if __name__ == "__main__":
    main()
