"""Byte mutations of a serialised file (a model, an ``.npz``, a GraphML file): flips, cuts, insertions.

Each is ``mutate(data, rng) -> (new data, description)``; :func:`byte_mutation` applies a
few of them. What netgraph makes of the result may be anything but a traceback, a hang
or a silent loss.
"""

import numpy as np

__all__ = ["BYTE_MUTATIONS", "byte_mutation"]


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


def _flip(data, rng):
    data = bytearray(data)
    n = int(rng.integers(1, 9))
    for _ in range(n):
        i = int(rng.integers(len(data)))
        data[i] ^= 1 << int(rng.integers(8))
    return bytes(data), f"{n} bit flips"


def _truncate(data, rng):
    cut = int(rng.integers(len(data)))
    return data[:cut], f"truncated to {cut} of {len(data)} bytes"


def _insert(data, rng):
    i = int(rng.integers(len(data) + 1))
    n = int(rng.integers(1, 17))
    junk = bytes(rng.integers(0, 256, n, dtype=np.uint8)) if rng.random() < 0.7 else b"\xff" * n
    return data[:i] + junk + data[i:], f"{n} bytes inserted at {i}"


def _overwrite(data, rng):
    data = bytearray(data)
    i = int(rng.integers(len(data)))
    n = min(int(rng.integers(1, 9)), len(data) - i)
    data[i:i + n] = _pick(rng, [b"\xff", b"\x00", b"\x7f", b"\x80"]) * n
    return bytes(data), f"{n} bytes overwritten at {i}"


def _repeat(data, rng):
    i = int(rng.integers(len(data)))
    j = min(len(data), i + int(rng.integers(1, 64)))
    return data[:j] + data[i:j] * int(rng.integers(1, 4)) + data[j:], f"bytes {i}:{j} repeated"


#: Byte mutations: ``mutate(data, rng) -> (new data, description)``.
BYTE_MUTATIONS = {"flip": _flip, "truncate": _truncate, "insert": _insert, "overwrite": _overwrite,
                  "repeat": _repeat}


def byte_mutation(data: bytes, rng, count: int = 0):
    """Apply ``count`` (1 to 3 when 0) random byte mutations; return the bytes and what was done."""
    count = count or int(rng.integers(1, 4))
    done = []
    for _ in range(count):
        if not data:
            break
        name = _pick(rng, BYTE_MUTATIONS)
        data, what = BYTE_MUTATIONS[name](data, rng)
        done.append(what)
    return data, "; ".join(done)
