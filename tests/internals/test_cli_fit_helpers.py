"""Private helpers of ``netgraph fit`` (netgraph/cli/fit.py): the per-layer seeds and the JSON clean-up."""

import json
import math

import numpy as np

import netgraph.cli.fit as cli_fit
from netgraph.utils.seeds import spawn_seeds


def test_layer_seeds():
    # fit_document gives each layer its own seed, spawned from --seed (the streams of earlier releases)
    a = spawn_seeds(7, 4)
    assert a == spawn_seeds(7, 4) and len(set(a)) == 4 and all(isinstance(s, int) for s in a)
    assert a != spawn_seeds(8, 4)
    assert spawn_seeds(None, 3) == [None, None, None]
    assert a == [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(7).spawn(4)]


def test_clean_makes_valid_json():
    doc = cli_fit._clean({"a": np.float64("nan"), "b": [np.int64(3), math.inf, -math.inf], "c": np.bool_(True),
                          "d": {"e": 1.5, "f": None}})
    assert doc == {"a": None, "b": [3, None, None], "c": True, "d": {"e": 1.5, "f": None}}
    json.dumps(doc, allow_nan=False)
