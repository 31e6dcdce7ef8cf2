"""
===================================================
The theory: risk against the synthetic covariance
===================================================

Least squares on ``n_t`` real rows (covariance ``Sigma_t = KMS(0.9)``) plus ``n_s`` synthetic
rows with covariance ``KMS(rho_s)``, rescaled so that ``Tr(M^T M) = p``: the T1 formula of
Rezaei et al. (:func:`skl_synthsel.theory.mixed_least_squares_risk`) predicts the excess risk.
It is smallest at ``rho_s = rho_t``: matching the covariance is optimal under this
normalisation. A small simulation checks it, and shows that a synthetic mean shift changes
nothing.
"""

# %%
# The T1 curve for three synthetic:real ratios
# --------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skl_synthsel.datasets import make_covariance_shift_regression
from skl_synthsel.theory import mixed_least_squares_risk

p, n_target, rho_target = 20, 40, 0.9
rho_grid = np.unique(np.r_[np.linspace(0.0, 0.96, 25), rho_target])


def t1_risk(rho_s, n_synthetic):
    *_, params = make_covariance_shift_regression(
        1, 1, p, rho_target=rho_target, rho_synthetic=rho_s, return_params=True, random_state=0
    )
    return mixed_least_squares_risk(
        params["cov_target"], params["cov_synthetic"], n_target, n_synthetic
    )


theory = {ratio: [t1_risk(r, ratio * n_target) for r in rho_grid] for ratio in (1, 2, 4)}
for ratio, risks in theory.items():
    best = rho_grid[int(np.argmin(risks))]
    print(f"{ratio}:1  smallest T1 risk {min(risks):.4f} at rho_s = {best:.2f}")

# %%
# A simulation at 2:1, with and without a mean shift
# --------------------------------------------------
# The excess risk of each fit is ``(beta_hat - beta)^T Sigma_t (beta_hat - beta)``; 40 fits per
# point. The shifted synthetic rows have a mean of norm 3 (the real rows have mean 0).
rng = np.random.RandomState(0)
rho_points = [0.0, 0.5, 0.8, 0.9, 0.95]
simulated = {}
for shift in (0.0, 3.0):
    means, errors = [], []
    for rho_s in rho_points:
        risks = []
        for _ in range(40):
            direction = rng.standard_normal(p)
            X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
                n_target,
                2 * n_target,
                p,
                rho_target=rho_target,
                rho_synthetic=rho_s,
                mean_synthetic=shift * direction / np.linalg.norm(direction),
                return_params=True,
                random_state=rng,
            )
            beta = np.linalg.lstsq(np.vstack([X_t, X_s]), np.r_[y_t, y_s], rcond=None)[0]
            error = beta - params["coef"]
            risks.append(error @ params["cov_target"] @ error)
        means.append(np.mean(risks))
        errors.append(np.std(risks) / np.sqrt(len(risks)))
    simulated[shift] = (means, errors)

# %%
# Theory next to simulation
# -------------------------
# The simulated points (mean ± one standard error) follow the 2:1 curve, with or without the
# mean shift; every curve has its minimum at ``rho_s = rho_t``.
fig, ax = plt.subplots(figsize=(7, 4.5))
for ratio, risks in theory.items():
    ax.plot(rho_grid, risks, label=f"T1 theory, {ratio}:1")
for (shift, (means, errors)), marker in zip(simulated.items(), "os", strict=True):
    ax.errorbar(
        rho_points,
        means,
        yerr=errors,
        fmt=marker,
        color="C1",
        capsize=3,
        mfc="none" if shift else "C1",
        label=f"simulation 2:1, synthetic mean shift {shift:g}",
    )
ax.axvline(rho_target, color="grey", ls=":", lw=1)
ax.set(
    xlabel="rho_s, the synthetic rows' KMS correlation",
    ylabel="excess risk",
    title=f"Least squares, p={p}, n_t={n_target}, rho_t={rho_target}, Tr(M^T M)=p",
)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
