"""Progress of a selection, class by class, for ``verbose=1`` and above.

A selector's work is one problem per class, so progress is counted in pool rows of the classes
done. Everything goes to standard error: the command line writes its table to standard output.
"""

import sys
import time


class GroupProgress:
    """Report each group's selection as it finishes.

    ``verbose=0`` reports nothing. ``verbose=1`` shows a progress bar over the pool's rows when
    the optional `tqdm <https://tqdm.github.io>`_ is installed (``pip install
    skl-synthsel[progress]``), else one line per class; ``verbose>=2`` shows both.

    Parameters
    ----------
    name : str
        Who is selecting, e.g. the selector's class name.
    n_rows : int
        The pool rows of all groups together.
    verbose : int
        The selector's ``verbose``.
    stream : file or None, default=None
        Where to write; None means standard error at the time of writing.
    """

    def __init__(self, name, n_rows, verbose, *, stream=None):
        self.name = name
        self.verbose = verbose
        self.stream = stream
        self._bar = None
        self._start = None
        if verbose >= 1:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=n_rows, desc=name, unit="row", unit_scale=True, file=self._file()
                )

    def _file(self):
        return sys.stderr if self.stream is None else self.stream

    def start(self):
        """Mark the start of a group."""
        self._start = time.perf_counter()

    def done(self, label, n_pool, n_selected):
        """A group has finished: ``n_selected`` of its ``n_pool`` rows chosen."""
        if not self.verbose:
            return
        seconds = time.perf_counter() - self._start
        who = "all rows" if label is None else f"class {label!r}"
        line = f"[{self.name}] {who}: {n_selected} of {n_pool} pool rows in {seconds:.2f} s"
        if self._bar is None:
            print(line, file=self._file(), flush=True)
            return
        if self.verbose >= 2:
            self._bar.write(line, file=self._file())
        self._bar.update(n_pool)

    def close(self):
        """Close the progress bar, if any."""
        if self._bar is not None:
            self._bar.close()
