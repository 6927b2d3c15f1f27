"""Pre-defined sparsity (Dey et al.): fans checked with their numbers, every density of Dey's Table 1,
exact and seeded random and windowed patterns, and a trained MLP whose absent weights are exact
zeros in the ONNX that the exporter reads back in strict mode."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from netgraph.exceptions import InvalidParameterError
from trainers.predefined import (
    check_data_fits,
    connection_densities,
    fan_ins,
    random_pattern,
    sparse_masks,
    windowed_pattern,
)

# Dey et al., Table 1: (net, layer sizes, fan-outs, junction densities %, overall density % as printed).
# Sizes from section 2: CIFAR conv+2CLs (4096, 512, C), conv+3CLs (4096, 512, 256, C) with C = 16 outputs
# for CIFAR-10 (10 padded to 16) and 128 for CIFAR-100; MNIST conv+2CLs (3136, 784, 10); MNIST CL
# (784, 224, 10); Morse CL (64, 1024, 64).
TABLE_1 = [
    ("CIFAR10 conv+2CLs", (4096, 512, 16), (1, 1), ("0.2", "6.3"), "0.22"),
    ("CIFAR10 conv+2CLs", (4096, 512, 16), (1, 8), ("0.2", "50"), "0.39"),
    ("CIFAR100 conv+2CLs", (4096, 512, 128), (1, 1), ("0.2", "0.8"), "0.21"),
    ("CIFAR100 conv+2CLs", (4096, 512, 128), (1, 8), ("0.2", "6.3"), "0.38"),
    ("CIFAR100 conv+2CLs", (4096, 512, 128), (1, 32), ("0.2", "25"), "0.95"),
    ("MNIST conv+2CLs", (3136, 784, 10), (1, 5), ("0.1", "50"), "0.29"),
    ("MNIST conv+2CLs", (3136, 784, 10), (4, 10), ("0.5", "100"), "0.83"),
    ("MNIST conv+2CLs", (3136, 784, 10), (16, 10), ("2", "100"), "2.35"),
    ("CIFAR10 conv+3CLs", (4096, 512, 256, 16), (1, 1, 1), ("0.2", "0.4", "6.3"), "0.22"),
    ("CIFAR10 conv+3CLs", (4096, 512, 256, 16), (1, 1, 8), ("0.2", "0.4", "50"), "0.3"),
    ("CIFAR100 conv+3CLs", (4096, 512, 256, 128), (1, 1, 1), ("0.2", "0.4", "0.8"), "0.22"),
    ("CIFAR100 conv+3CLs", (4096, 512, 256, 128), (1, 1, 16), ("0.2", "0.4", "13"), "0.39"),
    ("CIFAR100 conv+3CLs", (4096, 512, 256, 128), (1, 2, 32), ("0.2", "0.8", "25"), "0.59"),
    ("MNIST CL (x = 224)", (784, 224, 10), (4, 10), ("1.79", "100"), "3.02"),
    ("MNIST CL (x = 224)", (784, 224, 10), (112, 10), ("50", "100"), "50.63"),
    ("Morse CL", (64, 1024, 64), (512, 32), ("50", "50"), "50"),
]


#: Table 1 prints 0.39 for 0.38496%: rounded twice, to 0.385 and then half up to 0.39.
DOUBLE_ROUNDED = {("CIFAR100 conv+3CLs", (1, 1, 16))}


def printed(value: float, text: str, *, twice: bool = False) -> bool:
    """``value`` (a fraction) shows as ``text`` percent: rounded half up to the printed digits
    (within 1e-9, as 12.5 prints 13), or (``twice``) first to one more digit, then to the printed ones."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    percent = 100 * value
    if twice:
        percent = float(Decimal(repr(percent)).quantize(Decimal(10) ** -(decimals + 1), rounding=ROUND_HALF_UP))
    return abs(percent - float(text)) <= 0.5 * 10.0 ** -decimals + 1e-9


# ---------------------------------------------------------------------- densities
@pytest.mark.parametrize("net, layers, fanouts, junction, overall", TABLE_1)
def test_every_density_of_deys_table_1(net, layers, fanouts, junction, overall):
    d = connection_densities(layers, fanouts)
    assert len(d["junction"]) == len(junction)
    for value, text in zip(d["junction"], junction):
        assert printed(value, text), (net, value, text)
    twice = (net, fanouts) in DOUBLE_ROUNDED
    assert printed(d["overall"], overall, twice=twice), (net, d["overall"], overall)
    if twice:
        assert not printed(d["overall"], overall) and round(100 * d["overall"], 3) == 0.385


def test_the_papers_worked_example_in_weights():
    d = connection_densities((4096, 512, 16), (1, 1))
    assert d["weights"] == [4096, 512] and d["total_weights"] == 4608
    assert d["possible"] == [2_097_152, 8192] and d["total_possible"] == 2_105_344
    assert d["overall"] == 4608 / 2_105_344
    assert 2_105_344 // 4608 == 456  # "457 times less" (2,105,344 / 4,608 = 456.9)
    assert fan_ins((4096, 512, 16), (1, 1)) == (8, 32)


# ---------------------------------------------------------------------- impossible fans
@pytest.mark.parametrize(
    "layers, fanouts, kw, fragments",
    [
        ((64, 128, 10), (8, 3), {}, ["fanouts[1]", "fan-in of junction 2", "128 * 3 / 10", "got 3", "38.4"]),
        ((64, 128, 10), (200, 10), {}, ["fanouts[0] must be an integer in [1, 128]; got 200"]),
        ((64, 128, 10), (0, 10), {}, ["fanouts[0] must be an integer in [1, 128]; got 0"]),
        ((64, 128, 10), (8, 2.5), {}, ["fanouts[1]", "2.5"]),
        ((64, 128, 10), (8,), {}, ["fanouts must be 2 fan-outs, one per junction of layers 64,128,10; got (8,)"]),
        ((12, 8), (6,), {"windowed": True}, ["windows that divide", "12 / 9", "8 / 6", "1.33"]),
        ((64,), (), {}, ["layers must be at least two layer sizes; got (64,)"]),
        ((64, 0), (1,), {}, ["layers[1] must be an integer >= 1; got 0"]),
    ],
)
def test_impossible_fans_say_which_constraint_fails(layers, fanouts, kw, fragments):
    with pytest.raises(InvalidParameterError) as info:
        fan_ins(layers, fanouts, **kw)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_fan_in_never_exceeds_its_layer():
    # fo <= N_{i+1} is checked, so fi = N_i fo / N_{i+1} <= N_i: the largest fan-out gives the full layer
    assert fan_ins((6, 4), (4,)) == (6,)


def test_the_data_must_fit_the_layers():
    with pytest.raises(InvalidParameterError, match=r"layers\[-1\] must be at least the data's 10 classes; got 8"):
        check_data_fits((64, 8), (1, 8, 8), 10)
    check_data_fits((64, 16), (1, 8, 8), 10)  # more outputs than classes, as Dey pads 10 to 16


def test_the_registry_knows_the_data_shapes():
    from trainers._registry import DATASET_SHAPES
    from trainers.data import load_dataset

    data = load_dataset("digits")
    assert DATASET_SHAPES["digits"] == (data.image_shape, data.n_classes)


# ---------------------------------------------------------------------- patterns
def brute_force_fans(a):
    """Fan-outs (column sums) and fan-ins (row sums) of a 0/1 matrix, by loops."""
    rows, cols = a.shape
    fo = [sum(int(a[j, k]) for j in range(rows)) for k in range(cols)]
    fi = [sum(int(a[j, k]) for k in range(cols)) for j in range(rows)]
    return fo, fi


@pytest.mark.parametrize(
    "n_left, n_right, fanout",
    [(8, 4, 1), (8, 4, 2), (64, 128, 8), (64, 128, 32), (128, 10, 10), (64, 128, 64), (64, 128, 100),
     (30, 20, 18), (10, 10, 5), (784, 224, 4), (784, 224, 112), (64, 1024, 512)],
)
def test_random_pattern_has_exactly_the_fans(n_left, n_right, fanout):
    a = random_pattern(n_left, n_right, fanout, seed=5)
    assert a.dtype == bool and a.shape == (n_right, n_left)
    fi = n_left * fanout // n_right
    fo_seen, fi_seen = brute_force_fans(a) if a.size < 5000 else (a.sum(axis=0), a.sum(axis=1))
    assert set(np.asarray(fo_seen).tolist()) == {fanout} and set(np.asarray(fi_seen).tolist()) == {fi}
    assert int(a.sum()) == n_left * fanout


def test_random_pattern_is_deterministic_for_a_seed():
    a = random_pattern(64, 128, 32, seed=1)
    assert (a == random_pattern(64, 128, 32, seed=1)).all()
    assert not (a == random_pattern(64, 128, 32, seed=2)).all()
    assert not (random_pattern(64, 128, 96, seed=1) == random_pattern(64, 128, 96, seed=2)).all()


def test_the_repair_removes_the_repeated_pairs_of_the_stub_pairing():
    # with fo = 32 of 128 (density 1/4) the stub pairing repeats some pairs for almost every seed;
    # the result still has W distinct edges, so each repeat was moved, not dropped
    rng = np.random.default_rng(0)
    left = rng.permutation(np.repeat(np.arange(64), 32))
    right = np.repeat(np.arange(128), 16)
    assert len(set(zip(right.tolist(), left.tolist()))) < 64 * 32  # the raw pairing has repeats
    assert int(random_pattern(64, 128, 32, seed=0).sum()) == 64 * 32


def test_random_pattern_is_spread_over_the_possible_pairs():
    # each pair is an edge with probability fo / N_right = 1/4; over 200 seeds every pair is seen
    total = sum(random_pattern(8, 4, 1, seed=s).astype(int) for s in range(200))
    assert total.min() > 20 and total.max() < 80


def test_windowed_blocks_are_permutations():
    n_left, n_right, fo = 64, 128, 8  # fi = 4 left windows of 16, fo = 8 right windows of 16
    a = windowed_pattern(n_left, n_right, fo, seed=3)
    fo_seen, fi_seen = a.sum(axis=0), a.sum(axis=1)
    assert set(fo_seen.tolist()) == {8} and set(fi_seen.tolist()) == {4}
    m = 16
    for b in range(8):
        for w in range(4):
            block = a[b * m:(b + 1) * m, w * m:(w + 1) * m].astype(int)
            assert (block.sum(axis=0) == 1).all() and (block.sum(axis=1) == 1).all()
    assert (a == windowed_pattern(n_left, n_right, fo, seed=3)).all()
    assert not (a == windowed_pattern(n_left, n_right, fo, seed=4)).all()


def test_windowed_single_junction_scatter_is_one():
    # Dey's window matrices: each right neuron sums over each of the fi left windows, each left neuron
    # over each of the fo right windows; every entry is at least 1 (here exactly 1)
    a = windowed_pattern(12, 8, 2, seed=0)  # fi = 3 windows of 4 left neurons, fo = 2 of 4 right
    left_windows = a.reshape(8, 3, 4).sum(axis=2)
    right_windows = a.reshape(2, 4, 12).sum(axis=1)
    assert (left_windows == 1).all() and (right_windows == 1).all()


def test_windowed_pattern_refuses_windows_that_do_not_divide():
    with pytest.raises(InvalidParameterError, match="windows that divide"):
        windowed_pattern(12, 8, 6, seed=0)
    random_pattern(12, 8, 6, seed=0)  # the random pattern has no windows


def test_sparse_masks_one_seed_per_junction():
    masks = sparse_masks((64, 32, 10), (4, 5), seed=7)
    assert [m.shape for m in masks] == [(32, 64), (10, 32)]
    assert [int(m.sum()) for m in masks] == [256, 160]
    again = sparse_masks((64, 32, 10), (4, 5), seed=7)
    assert all((a == b).all() for a, b in zip(masks, again))
    with pytest.raises(InvalidParameterError, match="pattern must be one of 'random', 'windowed'; got 'grid'"):
        sparse_masks((64, 32, 10), (4, 5), pattern="grid")


# ---------------------------------------------------------------------- training and export
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def digits():
    from trainers.data import load_dataset

    return load_dataset("digits")


@pytest.fixture(scope="module")
def trained(digits):
    from trainers.predefined import train_predefined

    return train_predefined(digits, layers=(64, 32, 10), fanouts=(4, 5), epochs=2, seed=3, progress=False)


def test_absent_weights_never_exist(trained):
    for name, module in trained.network.learnable_layers():
        mask = trained.masks[name]
        weight = module.weight.detach().numpy()
        assert (weight[~mask] == 0).all()  # exact zeros
        assert (weight[mask] != 0).all()   # the weights that exist were trained
    assert trained.config["optimizer"] == "adam" and trained.epochs == 2
    assert [r["epoch"] for r in trained.history] == [1, 2]
    assert trained.fanins == (8, 16) and trained.densities["junction"] == [0.125, 0.5]


def test_training_is_deterministic(digits, trained):
    from trainers.predefined import train_predefined

    again = train_predefined(digits, layers=(64, 32, 10), fanouts=(4, 5), epochs=2, seed=3, progress=False)
    for (_, a), (_, b) in zip(trained.network.named_parameters(), again.network.named_parameters()):
        assert torch.equal(a, b)
    assert again.accuracy == trained.accuracy


def test_the_masks_come_from_the_seed(trained):
    masks = sparse_masks((64, 32, 10), (4, 5), seed=3)
    assert all((trained.masks[f"fc{i + 1}"] == m).all() for i, m in enumerate(masks))


def test_exported_graph_has_the_masks_as_junctions(digits, trained):
    from exporters import read_onnx
    from trainers.export import export_onnx, read_metadata

    data = export_onnx(trained.network, digits.test.images[:8], metadata={"fanouts": [4, 5]})
    graph = read_onnx(data)  # strict: an operator it cannot read would be an error, not a cut
    assert not graph.cuts
    junctions = [j for j in graph.junctions if j.learnable]
    assert len(junctions) == 2
    for junction, name, fo, fi in zip(junctions, ("fc1", "fc2"), (4, 5), (8, 16)):
        count = junction.count.toarray()
        assert (count == trained.masks[name].astype(int)).all()
        assert set(count.sum(axis=0).tolist()) == {fo} and set(count.sum(axis=1).tolist()) == {fi}
    assert read_metadata(data) == {"fanouts": [4, 5]}


def test_windowed_network_trains_with_its_blocks(digits):
    from trainers.predefined import train_predefined

    result = train_predefined(digits, layers=(64, 16, 10), fanouts=(2, 5), epochs=1, pattern="windowed", seed=0,
                              progress=False)
    fc1 = result.masks["fc1"]  # fi = 8 windows of 8 left neurons, fo = 2 windows of 8 right neurons
    blocks = fc1.reshape(2, 8, 8, 8).sum(axis=1)  # (right window, left window, left neuron in window)
    assert (blocks == 1).all()


def test_bad_settings_fail_before_training(digits):
    from trainers.predefined import train_predefined

    with pytest.raises(InvalidParameterError, match=r"layers\[0\] must be the data's 64 input features"):
        train_predefined(digits, layers=(784, 32, 10), fanouts=(4, 5), epochs=1)
    with pytest.raises(InvalidParameterError, match="lr must be a number > 0; got 0"):
        train_predefined(digits, layers=(64, 32, 10), fanouts=(4, 5), epochs=1, lr=0)
