"""
=============================================
Choosing ``n_select`` with GridSearchCV
=============================================

How many synthetic rows to add is a hyper-parameter: tune it by cross-validation on real rows.
The recommended grid spans the whole range: ``0`` (the real rows alone), ratios of synthetic
rows per real row, and ``"all"`` (the whole pool), so the search itself says whether synthetic
rows help at all. Here the pool is a *generator* (a Gaussian mixture per class), so each fold
fits it on its own training rows and no validation row ever reaches the generator. The grid
compares the amounts and two selectors (covariance matching and random) in one search.
"""

# %%
# A small real table and a generator pool
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline as make_sklearn_pipeline
from sklearn.preprocessing import StandardScaler

from skl_synthsel import (
    ClassConditionalSampler,
    CovarianceMatchingSelector,
    RandomSelector,
    make_pipeline,
)

X, y = load_wine(return_X_y=True)
rng = np.random.default_rng(0)
train_rows = np.concatenate(
    [rng.choice(np.flatnonzero(y == k), 12, replace=False) for k in range(3)]
)
test_rows = np.setdiff1d(np.arange(len(y)), train_rows)
X_real, y_real, X_test, y_test = X[train_rows], y[train_rows], X[test_rows], y[test_rows]

# One Gaussian per class, fit on whatever rows the selector is given: in each fold, that fold's
# training rows only.
generator = ClassConditionalSampler(GaussianMixture(), random_state=0)

# %%
# The search
# ----------
# ``covariancematchingselector`` names the selector step: the grid swaps in a random selector
# too. Each fold generates ``pool_size=5`` times its real rows, so ``"all"`` adds 5 synthetic
# rows per real row and ``0`` none. With 36 real rows the
# validation folds are small and their scores coarse, so the cross-validation is repeated.
pipe = make_pipeline(
    CovarianceMatchingSelector(generator, random_state=0),
    StandardScaler(),
    LogisticRegression(C=0.1, max_iter=1000),
)
ratios = [0, 1.0, 2.0, 4.0, "all"]
grid = {
    "covariancematchingselector": [
        CovarianceMatchingSelector(generator, pool_size=5.0, random_state=0),
        RandomSelector(generator, pool_size=5.0, random_state=0),
    ],
    "covariancematchingselector__n_select": ratios,
}
cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0)
search = GridSearchCV(pipe, grid, cv=cv).fit(X_real, y_real)

real_only = make_sklearn_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))
real_only_cv = cross_val_score(real_only, X_real, y_real, cv=cv)
print(
    "best:",
    type(search.best_params_["covariancematchingselector"]).__name__,
    search.best_params_["covariancematchingselector__n_select"],
    f"cv accuracy {search.best_score_:.3f}",
)
print(f"real rows only: cv accuracy {real_only_cv.mean():.3f}")
print(
    f"test accuracy: best pipeline {search.score(X_test, y_test):.3f}, "
    f"real rows only {real_only.fit(X_real, y_real).score(X_test, y_test):.3f}"
)

# %%
# Cross-validated accuracy against ``n_select``
# ---------------------------------------------
# Each point is the mean over the folds' *real* validation rows (bars: one standard deviation);
# ``"all"`` is drawn at 5 synthetic rows per real row, the whole generated pool.
# On this easy table the real rows alone are as good as any augmentation: a generator fit on the
# same 36 rows has little to add, and the search says so. That is the point of validating on
# real rows: whether synthetic rows help is measured, not assumed.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for k, name in enumerate(("CovarianceMatchingSelector", "RandomSelector")):
    mask = [type(s).__name__ == name for s in results["param_covariancematchingselector"]]
    amounts = results["param_covariancematchingselector__n_select"][mask]
    x = np.array([5.0 if a == "all" else float(a) for a in amounts])
    ax.errorbar(
        x + 0.05 * k,
        results["mean_test_score"][mask],
        yerr=results["std_test_score"][mask],
        marker="o",
        capsize=3,
        label=name,
    )
ax.axhline(real_only_cv.mean(), color="grey", ls="--", label="real rows only")
ax.set_xticks([0, 1.0, 2.0, 4.0, 5.0], ["0", "1", "2", "4", "all (5)"])
ax.set(
    xlabel="n_select (synthetic rows per real row)",
    ylabel="cross-validated accuracy",
    title="Tuning n_select on real validation rows",
)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
