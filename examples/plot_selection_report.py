"""
==========================================
A selection report: counts, gaps, picture
==========================================

:class:`~skl_synthsel.inspection.SelectionReport` summarises what a fitted selector chose: rows
per class, the covariance gap of the selection against random selections of the same size
(below 1 in ``gap_ratio`` when the selection beats chance), the relaxed weights where the
selector has them, and a picture of the real, pool and selected rows on the first two principal
components of the selector's feature space (the PCA is fit on the real rows).
"""

# %%
# A small real table and a flawed pool
# ------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine

from skl_synthsel import CovarianceMatchingSelector, RandomSelector
from skl_synthsel.datasets import make_flawed_pool
from skl_synthsel.inspection import SelectionReport

X, y = load_wine(return_X_y=True)
rng = np.random.default_rng(0)
real_rows = np.concatenate(
    [rng.choice(np.flatnonzero(y == k), 15, replace=False) for k in range(3)]
)
other_rows = np.setdiff1d(np.arange(len(y)), real_rows)
X_real, y_real = X[real_rows], y[real_rows]
X_pool, y_pool = make_flawed_pool(
    X[other_rows], y[other_rows], n_samples=900, mode_collapse=0.3, over_dispersion=0.3,
    random_state=0,
)  # fmt: skip

# %%
# The text summary
# ----------------
covariance = CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0)
covariance.fit(X_real, y_real)
report = SelectionReport.from_selector(covariance, X_real, y_real)
print(report)

# %%
# The same as a DataFrame, for a random selection of the same size (no gaps: a random selector
# does not compute them).
random = RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0).fit(X_real, y_real)
random_report = SelectionReport.from_selector(random, X_real, y_real)
print(random_report.to_frame())

# %%
# The picture
# -----------
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
report.plot(ax=axes[0])
random_report.plot(ax=axes[1])
axes[0].set_title("covariance matching")
axes[1].set_title("random")
fig.tight_layout()
plt.show()
