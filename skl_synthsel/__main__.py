"""``python -m skl_synthsel demo`` and ``python -m skl_synthsel select``: see :mod:`.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
