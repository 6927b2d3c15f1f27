"""The Examples sections of the trainers' docstrings run as doctests (they are kept fast)."""

import doctest
import importlib

import pytest

MODULES = ["trainers", "trainers.data", "trainers.models", "trainers.prune", "trainers.export", "trainers.cli"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    if name not in ("trainers", "trainers.data", "trainers.cli"):
        pytest.importorskip("torch")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) of {name} failed"
