"""The swap partner of the random pattern's repair: a valid edge, from rejection sampling or the scan."""

import numpy as np

from trainers.predefined import _swap_partner


def one_candidate():
    """Edges (right, left) = (0,0) twice, (1,1), (1,2), (2,1): the pair (0, 0) to repair."""
    right = np.array([0, 0, 1, 1, 2])
    left = np.array([0, 0, 1, 2, 1])
    count = np.zeros((3, 3), dtype=np.int64)
    np.add.at(count, (right, left), 1)
    return count, left, right


def brute_force(count, left, right, j, k):
    return [p for p in range(len(left)) if count[j, left[p]] == 0 and count[right[p], k] == 0]


def test_the_partners_are_found_by_sampling_and_by_the_scan():
    count, left, right = one_candidate()
    expected = brute_force(count, left, right, 0, 0)
    assert len(expected) == 3  # (1,1), (1,2) and (2,1) all have (0, k') and (j', 0) absent
    for tries in (0, 64):
        for seed in range(20):
            p = _swap_partner(count, left, right, 0, 0, np.random.default_rng(seed), tries=tries)
            assert p in expected


def test_a_partner_whose_swap_would_repeat_a_pair_is_never_drawn():
    count, left, right = one_candidate()
    count[0, 2] = 1  # now (1, 2) is excluded: (0, 2) exists
    left, right = np.append(left, 2), np.append(right, 0)
    expected = brute_force(count, left, right, 0, 0)
    assert sorted(expected) == [2, 4]
    seen = {_swap_partner(count, left, right, 0, 0, np.random.default_rng(s), tries=t) for s in range(40)
            for t in (0, 64)}
    assert seen == {2, 4}
