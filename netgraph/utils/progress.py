"""Progress bars for long work: tqdm on standard error, shown only where someone watches.

netgraph chose tqdm once (it is light to import, works in terminals and notebooks
through ``tqdm.auto``, and writes to standard error, so piped output stays clean).
Every long loop (training epochs, bootstrap replicates, per-layer fits) asks
:func:`progress_bar` for its bar.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["show_progress", "progress_bar"]


def show_progress(progress=None) -> bool:
    """Whether to draw a progress bar.

    Parameters
    ----------
    progress : bool or None, default None
        True or False decide; None shows the bar only when standard error is a terminal
        and netgraph's messages are not silenced (the ``netgraph`` logger at WARNING or
        more verbose, as the command line's ``-q`` sets it otherwise).

    Returns
    -------
    bool

    Examples
    --------
    >>> show_progress(False), show_progress(True)
    (False, True)
    """
    if progress is not None:
        return bool(progress)
    if logging.getLogger("netgraph").getEffectiveLevel() > logging.WARNING:
        return False
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def progress_bar(total=None, *, desc: str = "", unit: str = "it", progress=None, leave: bool = False):
    """A tqdm bar on standard error, disabled (a no-op with the same methods) when not shown.

    Parameters
    ----------
    total : int, optional
        The number of steps.
    desc : str
        The label in front of the bar.
    unit : str, default "it"
        What one step is ("batch", "replicate", "layer").
    progress : bool or None
        See :func:`show_progress`.
    leave : bool, default False
        Keep the finished bar on screen.

    Returns
    -------
    tqdm.tqdm
        Use it as a context manager, or call ``update`` and ``close``.

    Examples
    --------
    >>> with progress_bar(3, desc="fits", unit="layer", progress=False) as bar:
    ...     for _ in range(3):
    ...         _ = bar.update(1)
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave,
                disable=not show_progress(progress))
