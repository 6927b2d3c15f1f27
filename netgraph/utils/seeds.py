"""Random streams from a user's seed: one SeedSequence, children named by keys.

Every random thing in netgraph takes a ``seed`` (None, a non-negative integer, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`, checked by
:func:`netgraph.utils.check.check_seed`). These helpers turn it into independent
streams, so that a result is the same for a seed whatever the order in which parts
of the work run (one stream per layer, per bootstrap replicate, per worker).
"""

from __future__ import annotations

import numpy as np

from netgraph.utils.check import check_seed

__all__ = ["seed_sequence", "child_seed", "spawn_seeds"]


def seed_sequence(seed, name: str = "seed") -> np.random.SeedSequence:
    """A SeedSequence from None, an integer, a SeedSequence or a Generator (one draw).

    Examples
    --------
    >>> seed_sequence(7).entropy
    7
    >>> isinstance(seed_sequence(None), np.random.SeedSequence)
    True
    """
    check_seed(seed, name)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(int(seed))


def child_seed(ss: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``ss`` named by ``key``: the same key gives the same stream, in any order.

    Examples
    --------
    >>> ss = np.random.SeedSequence(1)
    >>> child_seed(ss, 2, 5).generate_state(1) == child_seed(ss, 2, 5).generate_state(1)
    array([ True])
    """
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(k) for k in key))


def spawn_seeds(seed, n: int, name: str = "seed") -> list:
    """``n`` independent integer seeds spawned from ``seed``; ``[None] * n`` when ``seed`` is None.

    Examples
    --------
    >>> len(spawn_seeds(0, 3)), spawn_seeds(None, 2)
    (3, [None, None])
    >>> spawn_seeds(0, 2) == spawn_seeds(0, 2)
    True
    """
    if seed is None:
        return [None] * n
    return [int(s.generate_state(1)[0]) for s in seed_sequence(seed, name).spawn(n)]
