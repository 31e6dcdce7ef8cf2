"""Closed forms of ``skl_synthsel.theory`` next to Monte Carlo simulation.

Section 1 (covariance shift): excess risk of least squares without intercept on
real rows (KMS covariance, rho_t = 0.9) plus synthetic rows (KMS(rho_s),
rescaled so that Tr(M^T M) = p), over rho_s. Theory: the T1 formula.

Section 3 (verifier pruning): accuracy of ``Ridge(alpha=N * gamma,
fit_intercept=False)`` on real rows plus noisy synthetic rows kept by a
verifier, over the label-noise rate eps, for a keep-all and a selective
verifier. Theory: the deterministic equivalent.

Run ``python benchmarks/theory_vs_simulation.py`` (well under a minute) or add
``--quick`` for a smoke run; ``--plot out.png`` also draws both curves.
"""

import argparse
import time

import numpy as np
from scipy.stats import norm
from sklearn.linear_model import LinearRegression, Ridge
from threadpoolctl import threadpool_limits

from skl_synthsel.datasets import (
    make_covariance_shift_regression,
    make_label_noise_pool,
)
from skl_synthsel.theory import (
    critical_label_noise,
    mixed_least_squares_risk,
    pruned_ridge_accuracy,
)


def covariance_shift_table(p, n_target, n_synthetic, rho_grid, reps, seed):
    """Rows (rho_s, theory, (mean, s.e.) of the fitted risk and of its design average).

    The fitted risk is ``(beta_hat - beta)^T Sigma_t (beta_hat - beta)`` of each
    fit; its design average ``sigma^2 Tr[Sigma_t (X^T X)^{-1}]`` averages out
    the noise exactly and so has a much smaller Monte Carlo error.
    """
    rng = np.random.RandomState(seed)
    rows = []
    for rho_s in rho_grid:
        risks, design_risks = [], []
        for _ in range(reps):
            X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
                n_target,
                n_synthetic,
                p,
                rho_target=0.9,
                rho_synthetic=rho_s,
                noise=1.0,
                return_params=True,
                random_state=rng,
            )
            model = LinearRegression(fit_intercept=False).fit(
                np.vstack([X_t, X_s]), np.r_[y_t, y_s]
            )
            error = model.coef_ - params["coef"]
            risks.append(error @ params["cov_target"] @ error)
            X = np.vstack([X_t, X_s])
            design_risks.append(np.trace(np.linalg.solve(X.T @ X, params["cov_target"])))
        theory = mixed_least_squares_risk(
            params["cov_target"], params["cov_synthetic"], n_target, n_synthetic, 1.0
        )
        rows.append((rho_s, theory, _mean_se(risks), _mean_se(design_risks)))
    return rows


def _mean_se(values):
    return np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))


def pruning_table(p, n, m, mu_norm, gamma, verifiers, eps_grid, reps, seed):
    """Rows (eps, [(theory, simulated mean, standard error) per verifier])."""
    rng = np.random.RandomState(seed)
    mu = np.full(p, mu_norm / np.sqrt(p))
    rows = []
    for eps in eps_grid:
        cells = []
        for rho, phi in verifiers:
            theory = pruned_ridge_accuracy(n, m, mu, eps=eps, rho=rho, phi=phi, gamma=gamma)[
                "accuracy"
            ]
            accuracies = []
            for _ in range(reps):
                X_r, y_r, X_s, y_s = make_label_noise_pool(
                    n, m, p, mu=mu, eps=eps, rho=rho, phi=phi, random_state=rng
                )
                ridge = Ridge(alpha=(n + m) * gamma, fit_intercept=False)
                w = ridge.fit(np.vstack([X_r, X_s]), np.r_[y_r, y_s]).coef_
                # Exact accuracy of sign(w^T x) on fresh real rows.
                accuracies.append(norm.cdf(w @ mu / np.linalg.norm(w)))
            cells.append((theory, *_mean_se(accuracies)))
        rows.append((eps, cells))
    return rows


def print_covariance_table(rows, p, n_target, n_synthetic, reps):
    print(
        f"## Section 1: least-squares excess risk vs rho_s "
        f"(p={p}, n_t={n_target}, n_s={n_synthetic}, rho_t=0.9, Tr(M'M)=p, "
        f"{reps} repetitions)\n"
    )
    print(
        "| rho_s | T1 theory | fitted risk +- s.e. | design average +- s.e. "
        "| gap (design average) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for rho_s, theory, (mean, se), (design, design_se) in rows:
        print(
            f"| {rho_s:.2f} | {theory:.4f} | {mean:.4f} +- {se:.4f} | "
            f"{design:.4f} +- {design_se:.4f} | {design / theory - 1:+.2%} |"
        )
    best = min(rows, key=lambda row: row[1])[0]
    print(f"\nTheory is minimal at rho_s = {best:.2f} (matching rho_t = 0.9).\n")


def print_pruning_table(rows, verifiers, p, n, m, mu_norm, gamma, reps):
    print(
        f"## Section 3: ridge accuracy vs label noise eps "
        f"(p={p}, n={n}, m={m}, ||mu||={mu_norm}, gamma={gamma}, {reps} repetitions)\n"
    )
    header = "| eps |"
    rule = "|---:|"
    for rho, phi in verifiers:
        header += f" theory (rho={rho}, phi={phi}) | simulation +- s.e. |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for eps, cells in rows:
        line = f"| {eps:.2f} |"
        for theory, mean, se in cells:
            line += f" {theory:.4f} | {mean:.4f} +- {se:.4f} |"
        print(line)
    stars = ", ".join(
        f"eps*(rho={rho}, phi={phi}) = {critical_label_noise(rho, phi):.3f}"
        for rho, phi in verifiers
    )
    print(f"\nCritical noise: {stars}.\n")


def plot(path, cov_rows, prune_rows, verifiers):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    rho = np.array([row[0] for row in cov_rows])
    theory = np.array([row[1] for row in cov_rows])
    design = np.array([row[3] for row in cov_rows])
    left.plot(rho, theory, label="T1 theory")
    left.errorbar(rho, design[:, 0], yerr=2 * design[:, 1], fmt="o", label="simulation")
    left.set(xlabel="rho_s", ylabel="excess risk", title="Covariance shift")
    left.legend()
    eps = np.array([row[0] for row in prune_rows])
    for k, (rho_v, phi_v) in enumerate(verifiers):
        cells = np.array([row[1][k] for row in prune_rows])
        (line,) = right.plot(eps, cells[:, 0], label=f"theory rho={rho_v}, phi={phi_v}")
        right.errorbar(eps, cells[:, 1], yerr=2 * cells[:, 2], fmt="o", color=line.get_color())
    right.axhline(0.5, color="grey", lw=0.5)
    right.set(xlabel="eps", ylabel="accuracy", title="Verifier pruning")
    right.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"Plot written to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="PATH", help="also save a matplotlib figure")
    args = parser.parse_args(argv)

    if args.quick:
        p1, reps1, p3, reps3 = 20, 40, 40, 20
    else:
        p1, reps1, p3, reps3 = 40, 600, 100, 300
    n_target, n_synthetic = 2 * p1, 4 * p1
    rho_grid = [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95]
    n, m, mu_norm, gamma = p3 // 2, 2 * p3, 1.5, 0.5
    verifiers = [(1.0, 1.0), (0.2, 0.9)]
    eps_grid = np.round(np.arange(0.0, 1.01, 0.1), 2)

    start = time.perf_counter()
    # Many small fits: BLAS threads only add contention.
    with threadpool_limits(limits=1):
        cov_rows = covariance_shift_table(p1, n_target, n_synthetic, rho_grid, reps1, args.seed)
        prune_rows = pruning_table(p3, n, m, mu_norm, gamma, verifiers, eps_grid, reps3, args.seed)
    print_covariance_table(cov_rows, p1, n_target, n_synthetic, reps1)
    print_pruning_table(prune_rows, verifiers, p3, n, m, mu_norm, gamma, reps3)
    print(f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        plot(args.plot, cov_rows, prune_rows, verifiers)


if __name__ == "__main__":
    main()
