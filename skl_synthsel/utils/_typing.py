"""Type aliases of the public API (the package ships ``py.typed``)."""

from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike


class PoolGenerator(Protocol):
    """What a generator pool provides: ``fit(X, y)`` and ``sample(n_samples) -> (X, y)``."""

    def fit(self, X: Any, y: Any) -> Any: ...

    def sample(self, n_samples: int) -> tuple[Any, Any]: ...


#: A pool: a pair (X_pool, y_pool), a generator, or None inside a composite's steps.
PoolLike: TypeAlias = tuple[ArrayLike, ArrayLike] | list[Any] | PoolGenerator | None
#: Rows to select: a number, a ratio of the real rows, per-class counts, none, all, or auto.
NSelect: TypeAlias = int | float | dict[Any, int] | Literal["all", "auto"]
#: What scikit-learn's ``check_random_state`` accepts.
RandomStateLike: TypeAlias = int | np.random.RandomState | None

__all__ = ["ArrayLike", "NSelect", "PoolGenerator", "PoolLike", "RandomStateLike"]
