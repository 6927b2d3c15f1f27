"""Input checks of :mod:`netgraph.tpl` (private).

Moved as they were from ``netgraph/tpl.py``; the shared helpers of
:mod:`netgraph.utils.check` and :mod:`netgraph.utils.seeds` replace them next.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from netgraph.exceptions import InvalidParameterError

__all__: list[str] = []


def _check_degrees(degrees, name="degrees") -> np.ndarray:
    """Degrees as a 1-D int64 array; InvalidParameterError naming the first bad value."""
    try:
        arr = np.asarray(degrees)
    except Exception as exc:  # ragged lists and the like
        raise InvalidParameterError(f"{name} must be a 1-D array of non-negative integers: {exc}") from None
    if arr.ndim != 1:
        raise InvalidParameterError(f"{name} must be a 1-D array of non-negative integers; got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidParameterError(f"{name} is empty: there is nothing to fit")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"{name} must hold integers; got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise InvalidParameterError(f"{name} must be finite numbers; {name}[{bad[0]}] = {arr[bad[0]]!r}")
        bad = np.flatnonzero(arr != np.floor(arr))
        if bad.size:
            raise InvalidParameterError(f"{name} must be integers; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    if arr.min() < 0:
        bad = np.flatnonzero(arr < 0)
        raise InvalidParameterError(f"{name} must be non-negative; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    if arr.max() > 2**53:
        bad = np.flatnonzero(arr > 2**53)
        raise InvalidParameterError(f"{name} must be at most 2**53; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    return arr.astype(np.int64, copy=False)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_k(k) -> float:
    if not _is_real(k) or not math.isfinite(k) or not 0.0 < k <= 0.5:
        raise InvalidParameterError(f"k must be a number in (0, 0.5]; got {k!r}")
    return float(k)


def _check_int(value, name, minimum=None) -> int:
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral)
                                       or (_is_real(value) and math.isfinite(value) and value == int(value))):
        raise InvalidParameterError(f"{name} must be an integer; got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidParameterError(f"{name} must be at least {minimum}; got {value!r}")
    return value


def _check_choice(value, name, choices):
    if value not in choices:
        raise InvalidParameterError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _check_n_jobs(n_jobs) -> int:
    if n_jobs is None or (not isinstance(n_jobs, bool) and isinstance(n_jobs, numbers.Integral) and n_jobs == -1):
        return os.cpu_count() or 1
    return _check_int(n_jobs, "n_jobs", 1)


def _check_seed(seed):
    """``seed`` unchanged if it is an accepted random source (nothing is drawn from it)."""
    ok = (seed is None or isinstance(seed, (np.random.SeedSequence, np.random.Generator))
          or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0))
    if not ok:
        raise InvalidParameterError(
            f"seed must be None, a non-negative integer, a SeedSequence or a Generator; got {seed!r}")
    return seed


def _seed_sequence(seed) -> np.random.SeedSequence:
    """A SeedSequence from None, an integer, a SeedSequence or a Generator (one draw)."""
    _check_seed(seed)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(int(seed))


def _child_seed(ss: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``ss`` named by ``key``: the same key gives the same stream, in any order."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(k) for k in key))
