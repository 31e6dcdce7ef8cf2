"""
====================================================
What covariance matching keeps: a 2-D projection
====================================================

A flawed pool mixes faithful rows, collapsed rows (a few real rows memorised with tiny noise)
and over-dispersed rows. We project one class's real rows, pool rows and selected rows onto the
first two principal components of the real rows, and colour the pool rows by flaw
(:func:`skl_synthsel.datasets.make_flawed_pool` with ``return_flaws=True``).
"""

# %%
# Data, pool and three selections
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skl_synthsel import CenterMatchingSelector, CovarianceMatchingSelector, RandomSelector
from skl_synthsel.datasets import make_flawed_pool

X, y = load_wine(return_X_y=True)
rng = np.random.default_rng(1)
real_rows = np.concatenate(
    [rng.choice(np.flatnonzero(y == k), 20, replace=False) for k in range(3)]
)
other_rows = np.setdiff1d(np.arange(len(y)), real_rows)
X_real, y_real = X[real_rows], y[real_rows]
X_pool, y_pool, flaws = make_flawed_pool(
    X[other_rows],
    y[other_rows],
    n_samples=900,
    mode_collapse=0.3,
    over_dispersion=0.3,
    return_flaws=True,
    random_state=1,
)

selectors = {
    "covariance matching": CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=2.0, random_state=0
    ),
    "random": RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0),
    "center matching": CenterMatchingSelector((X_pool, y_pool), n_select=2.0),
}
chosen = {name: s.fit(X_real, y_real).selected_indices_ for name, s in selectors.items()}

# %%
# Which flaws each selector keeps (all classes)
# ---------------------------------------------
# Covariance matching drops the dispersed rows and most collapsed rows; center matching keeps
# the collapsed rows, which sit near the centroid; random keeps the pool's proportions.
names = ("faithful", "collapsed", "dispersed")
print(f"{'':22s}" + "".join(f"{n:>11s}" for n in names))
print(f"{'whole pool':22s}" + "".join(f"{np.mean(flaws == n):11.2f}" for n in names))
for name, rows in chosen.items():
    print(f"{name:22s}" + "".join(f"{np.mean(flaws[rows] == n):11.2f}" for n in names))

# %%
# The projection of class 0
# -------------------------
label = 0
projection = make_pipeline(StandardScaler(), PCA(n_components=2)).fit(X_real[y_real == label])
colours = {"faithful": "tab:blue", "collapsed": "tab:orange", "dispersed": "tab:purple"}
in_class = np.flatnonzero(y_pool == label)

fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharex=True, sharey=True)
panels = {
    "the pool": in_class,
    **{name: rows[y_pool[rows] == label] for name, rows in chosen.items()},
}
for ax, (title, rows) in zip(axes, panels.items(), strict=True):
    for flaw, colour in colours.items():
        subset = rows[flaws[rows] == flaw]
        if len(subset) == 0:
            continue
        ax.scatter(
            *projection.transform(X_pool[subset]).T,
            s=10,
            alpha=0.6,
            color=colour,
            label=f"{flaw} ({len(subset)})",
        )
    ax.scatter(
        *projection.transform(X_real[y_real == label]).T,
        s=50,
        marker="*",
        color="black",
        label="real rows",
    )
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_xlabel("PC 1 of the real rows")
axes[0].set_ylabel("PC 2 of the real rows")
axes[0].set_xlim(-8, 8)
axes[0].set_ylim(-8, 8)
fig.suptitle(f"Class {label}: real rows, pool rows and the rows each selector adds")
fig.tight_layout()
plt.show()
