"""The argument checks every public function of netgraph uses.

Each ``check_*`` helper takes the value and the name the caller knows it by (a keyword
such as ``"k"``, or a command-line flag such as ``"--k"``), returns the value in a
canonical type, and raises :class:`~netgraph.InvalidParameterError` with a message of
one form everywhere::

    <name> must be <rule>; got <value!r>

so the same mistake gets the same exception class and the same message wherever it is
made. The model is scikit-network's ``utils/check.py``; unlike it, every message names
the parameter and shows the bad value.

Examples
--------
>>> from netgraph.utils.check import check_int, check_real
>>> check_int(3.0, "epochs", minimum=1)
3
>>> check_real(0.7, "k", minimum=0, maximum=0.5, open_minimum=True)
Traceback (most recent call last):
...
netgraph.exceptions.InvalidParameterError: k must be a number in (0, 0.5]; got 0.7
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping

import numpy as np

from netgraph.exceptions import InvalidParameterError, ResourceLimitError

__all__ = [
    "check_int",
    "check_real",
    "check_bool",
    "check_choice",
    "check_seed",
    "check_n_jobs",
    "check_integers",
    "check_fields",
    "interval",
    "DEFAULT_MAX_BYTES",
    "check_budget",
]


def _fail(name: str, rule: str, value) -> InvalidParameterError:
    return InvalidParameterError(f"{name} must be {rule}; got {value!r}")


def _is_real(value) -> bool:
    """True for a real number that is not a bool (numpy scalars included)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def interval(minimum=None, maximum=None, *, open_minimum=False, open_maximum=False) -> str:
    """The words for a range of numbers, as the messages of this module write it.

    Parameters
    ----------
    minimum, maximum : float, optional
        The bounds; None for no bound.
    open_minimum, open_maximum : bool, default False
        Whether a bound itself is excluded.

    Returns
    -------
    str
        ``"in [0, 1)"``, ``">= 1"``, ``"> 0"``, ``"<= 5"`` or ``""`` (no bound).

    Examples
    --------
    >>> interval(0, 1, open_maximum=True), interval(1), interval(0, open_minimum=True)
    ('in [0, 1)', '>= 1', '> 0')
    """
    if minimum is not None and maximum is not None:
        return f"in {'(' if open_minimum else '['}{minimum:g}, {maximum:g}{')' if open_maximum else ']'}"
    if minimum is not None:
        return f"{'>' if open_minimum else '>='} {minimum:g}"
    if maximum is not None:
        return f"{'<' if open_maximum else '<='} {maximum:g}"
    return ""


def _in_range(value, minimum, maximum, open_minimum, open_maximum) -> bool:
    if minimum is not None and (value < minimum or (open_minimum and value == minimum)):
        return False
    return not (maximum is not None and (value > maximum or (open_maximum and value == maximum)))


def check_int(value, name: str, *, minimum=None, maximum=None) -> int:
    """Check an integer parameter (a float with an integer value is accepted, a bool is not).

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The parameter's name, as the caller knows it.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    InvalidParameterError
        If ``value`` is not an integer or is out of range.

    Examples
    --------
    >>> check_int(4, "bootstrap", minimum=0)
    4
    >>> check_int(True, "bootstrap")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: bootstrap must be an integer; got True
    >>> check_int(-1, "--seed", minimum=0)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --seed must be an integer >= 0; got -1
    """
    whole = isinstance(value, numbers.Integral) or (_is_real(value) and math.isfinite(value)
                                                    and value == int(value))
    rule = " ".join(filter(None, ("an integer", interval(minimum, maximum))))
    if isinstance(value, bool) or not whole:
        raise _fail(name, rule, value)
    if not _in_range(value, minimum, maximum, False, False):
        raise _fail(name, rule, value)
    return int(value)


def check_real(value, name: str, *, minimum=None, maximum=None, open_minimum=False, open_maximum=False,
               finite: bool = True) -> float:
    """Check a real-number parameter.

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The parameter's name.
    minimum, maximum : float, optional
        The bounds.
    open_minimum, open_maximum : bool, default False
        Whether a bound itself is excluded.
    finite : bool, default True
        Refuse infinities (NaN is always refused).

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError

    Examples
    --------
    >>> check_real(0.9, "sparsity", minimum=0, maximum=1, open_maximum=True)
    0.9
    >>> check_real(float("nan"), "lr", minimum=0, open_minimum=True)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: lr must be a number > 0; got nan
    """
    rule = " ".join(filter(None, ("a finite number" if finite and minimum is None and maximum is None else "a number",
                                  interval(minimum, maximum, open_minimum=open_minimum, open_maximum=open_maximum))))
    if not _is_real(value) or math.isnan(value) or (finite and math.isinf(value)):
        raise _fail(name, rule, value)
    if not _in_range(value, minimum, maximum, open_minimum, open_maximum):
        raise _fail(name, rule, value)
    return float(value)


def check_bool(value, name: str) -> bool:
    """Check a flag: True or False (numpy booleans included), nothing else.

    Examples
    --------
    >>> check_bool(True, "include_output")
    True
    >>> check_bool(1, "include_output")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: include_output must be True or False; got 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(name, "True or False", value)
    return bool(value)


def check_choice(value, name: str, choices):
    """Check that ``value`` is one of ``choices``; return it.

    Examples
    --------
    >>> check_choice("in", "direction", ("in", "out", "both"))
    'in'
    >>> check_choice("up", "direction", ("in", "out", "both"))
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: direction must be one of 'in', 'out', 'both'; got 'up'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a set or dict
        ok = False
    if not ok:
        raise _fail(name, "one of " + ", ".join(map(repr, choices)), value)
    return value


def check_seed(seed, name: str = "seed"):
    """Check a random source: None, a non-negative integer, a SeedSequence or a Generator.

    The seed is returned unchanged: nothing is drawn from a Generator here.

    Examples
    --------
    >>> check_seed(0)
    0
    >>> check_seed(-3)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: seed must be None, a non-negative integer, a SeedSequence or a Generator; got -3
    """
    ok = (seed is None or isinstance(seed, (np.random.SeedSequence, np.random.Generator))
          or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0))
    if not ok:
        raise _fail(name, "None, a non-negative integer, a SeedSequence or a Generator", seed)
    return seed


def check_n_jobs(n_jobs, name: str = "n_jobs") -> int:
    """The number of worker processes: None or -1 for every CPU, else an integer >= 1.

    Examples
    --------
    >>> check_n_jobs(2)
    2
    >>> check_n_jobs(None) == (os.cpu_count() or 1)
    True
    """
    if n_jobs is None or (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool) and n_jobs == -1):
        return os.cpu_count() or 1
    return check_int(n_jobs, name, minimum=1)


def check_integers(data, name: str, *, minimum: int = 0, maximum: int = 2**53, allow_empty: bool = False) -> np.ndarray:
    """Check a 1-D array of integers (degrees, counts); return it as int64.

    Floats with integer values are accepted. The message names the first bad element
    by its index.

    Parameters
    ----------
    data : array_like
        The values.
    name : str
        The parameter's name.
    minimum, maximum : int
        Inclusive bounds on every element (default 0 and 2**53, the integers a float holds exactly).
    allow_empty : bool, default False
        Whether an empty array is accepted.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    InvalidParameterError

    Examples
    --------
    >>> check_integers([3, 1.0, 2], "degrees")
    array([3, 1, 2])
    >>> check_integers([3, -1], "degrees")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: degrees must be >= 0; degrees[1] = -1
    """
    try:
        arr = np.asarray(data)
    except Exception as exc:  # ragged lists and the like
        raise InvalidParameterError(f"{name} must be a 1-D array of integers; got {type(data).__name__} ({exc})") \
            from None
    if arr.ndim != 1:
        raise InvalidParameterError(f"{name} must be a 1-D array of integers; got shape {arr.shape}")
    if arr.size == 0:
        if allow_empty:
            return arr.astype(np.int64)
        raise InvalidParameterError(f"{name} is empty: there is nothing to fit")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"{name} must hold integers; got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        for bad, rule in ((~np.isfinite(arr), "finite numbers"), (arr != np.floor(arr), "integers")):
            index = np.flatnonzero(bad)
            if index.size:
                raise InvalidParameterError(f"{name} must be {rule}; {name}[{index[0]}] = {arr[index[0]].item()!r}")
    for bad, rule in ((arr < minimum, f">= {minimum}"), (arr > maximum, f"<= {maximum}")):
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise InvalidParameterError(f"{name} must be {rule}; {name}[{index}] = {arr[index].item()!r}")
    return arr.astype(np.int64, copy=False)



def check_fields(mapping, name: str, required=(), optional=(), *, strings=()):
    """Check the fields of a record (a mapping, such as a JSON object read from a file).

    Parameters
    ----------
    mapping : object
        The record given.
    name : str
        What the record is, for the messages (``"layer"``, ``"junction 3"``).
    required, optional : sequence of str
        The fields it must have, and those it may have; any other field is an error.
    strings : sequence of str
        Fields whose value, when present, must be a string.

    Returns
    -------
    Mapping
        ``mapping``, unchanged.

    Raises
    ------
    InvalidParameterError
        If ``mapping`` is not a mapping, lacks a required field, has an unknown one, or
        has a non-string value in one of ``strings``.

    Examples
    --------
    >>> check_fields({"name": "x", "size": 2}, "layer", ("name", "size"), ("kind",), strings=("name",))
    {'name': 'x', 'size': 2}
    >>> check_fields({"name": "x", "colour": "red"}, "layer", ("name",), ("size",))
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: layer must be a mapping with no fields but name, size; got 'colour'
    >>> check_fields({"name": 3}, "layer", ("name",), strings=("name",))
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: name of layer must be a string; got 3
    """
    if not isinstance(mapping, Mapping):
        raise InvalidParameterError(f"{name} must be a mapping of fields; got {type(mapping).__name__}")
    missing = [f for f in required if f not in mapping]
    if missing:
        raise InvalidParameterError(f"{name} must have the field(s) {', '.join(map(repr, required))}; "
                                    f"{', '.join(map(repr, missing))} missing")
    fields = (*required, *optional)
    unknown = [f for f in mapping if f not in fields]
    if unknown:
        raise _fail(name, f"a mapping with no fields but {', '.join(fields)}", unknown[0] if len(unknown) == 1 else unknown)
    for field in strings:
        if field in mapping and not isinstance(mapping[field], str):
            raise _fail(f"{field} of {name}", "a string", mapping[field])
    return mapping


#: The default memory budget of the file readers (their ``max_bytes``): 4 GiB.
DEFAULT_MAX_BYTES = 4 * 2**30


def check_budget(n_bytes: int, max_bytes: int, where: str, what: str) -> None:
    """Check that ``n_bytes``, a size that a file declares, is within the memory budget.

    A reader calls it before it allocates anything from a size it has not yet seen the
    data for (an array's declared shape, an input's dimensions), so that a tiny file
    declaring terabytes is refused in one line instead of raising :class:`MemoryError`
    or exhausting the machine.

    Parameters
    ----------
    n_bytes : int
        The bytes the allocation would take (a Python int: no overflow).
    max_bytes : int
        The budget (the reader's ``max_bytes``, :data:`DEFAULT_MAX_BYTES` by default).
    where : str
        The file, for the message.
    what : str
        What declares the size (``"the sparse value of Constant node 'c'"``).

    Raises
    ------
    ResourceLimitError
        If ``n_bytes`` exceeds ``max_bytes``.

    Examples
    --------
    >>> check_budget(1024, DEFAULT_MAX_BYTES, "m.onnx", "input 'x'")
    >>> check_budget(8 * 10**12, DEFAULT_MAX_BYTES, "m.onnx", "the nodes of input 'x'")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.ResourceLimitError: m.onnx: the nodes of input 'x' take 8,000,000,000,000 bytes, more than \
the memory budget max_bytes=4,294,967,296; pass a larger max_bytes if you trust the file and have the memory
    """
    if n_bytes > max_bytes:
        raise ResourceLimitError(
            f"{where}: {what} take {n_bytes:,} bytes, more than the memory budget max_bytes={max_bytes:,}; "
            "pass a larger max_bytes if you trust the file and have the memory"
        )
