"""What ``AutoSelector``'s gate sees: the curation's label-noise estimate per table and pool kind.

``AutoSelector`` adds only verified rows when ``LearningDynamicsSelector(drop="excess")``
estimates that more than ``label_noise_tolerance`` (0.15) of the pool's labels are wrong. This
script fits that curation on the tabular benchmark's cells (the same splits and pools as
``paper_tabular.py``) and prints, per table and pool kind, the mean, smallest and largest
estimate over the seeds, with how often each crosses the tolerance::

    python benchmarks/label_noise_estimates.py                      # 6 tables, 6 seeds (3 min)
    python benchmarks/label_noise_estimates.py --tables iris --seeds 1

A faithful pool should stay below the tolerance and a pool with 25 % wrong labels above it.
"""

import argparse
import inspect
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tabular as harness  # noqa: E402

from skl_synthsel import AutoSelector, LearningDynamicsSelector  # noqa: E402

TOLERANCE = inspect.signature(AutoSelector).parameters["label_noise_tolerance"].default


def estimates(tables, kinds, n_seeds, pool_factor=15):
    """One record per (table, kind, seed): the curation's ``label_noise_``."""
    records = []
    for table in tables:
        for seed in range(n_seeds):
            split = harness.split_table(table, seed)
            (X_real, y_real), (X_gen, y_gen) = split["real"], split["generator"]
            for kind in kinds:
                X_pool, y_pool, _ = harness._draw_pool(
                    kind, X_gen, y_gen, pool_factor * len(y_real), seed
                )
                curation = LearningDynamicsSelector(
                    (X_pool, y_pool), n_select="all", drop="excess", random_state=seed
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    curation.fit(X_real, y_real)
                records.append(
                    dict(
                        table=table,
                        kind=kind,
                        family=harness.POOL_KINDS[kind][0],
                        seed=seed,
                        label_noise=curation.label_noise_,
                    )
                )
    return pd.DataFrame(records)


def summary(records, tolerance=TOLERANCE):
    """Per (kind, table): mean, min and max estimate, and the share above ``tolerance``."""
    grouped = records.groupby(["kind", "table"], sort=False)["label_noise"]
    table = grouped.agg(["mean", "min", "max"])
    table["above"] = grouped.apply(lambda values: float((values > tolerance).mean()))
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=harness.available_tables())
    parser.add_argument("--kinds", nargs="+", default=list(harness.POOL_KINDS))
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args(argv)
    records = estimates(args.tables, args.kinds, args.seeds)
    table = summary(records)
    print(f"label_noise_ of LearningDynamicsSelector(drop='excess'); 'above': share > {TOLERANCE}")
    print(table.to_string(float_format=lambda value: f"{value:.2f}"))
    return table


if __name__ == "__main__":
    main()
