"""Three-step magnitude pruning: exact per-layer fractions, masks that hold through retraining
(gradients and optimiser state), determinism down to the ONNX bytes, and the reproduction of the
paper's dense-vs-sparse comparison on digits."""

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from netgraph.exceptions import InvalidParameterError  # noqa: E402
from trainers.data import load_dataset  # noqa: E402
from trainers.export import export_onnx  # noqa: E402
from trainers.models import build_model, mlp  # noqa: E402
from trainers.prune import (  # noqa: E402
    TrainingConfig,
    apply_masks,
    default_config,
    deterministic,
    layer_sparsity,
    magnitude_masks,
    prune_and_retrain,
    train,
)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def initializers(onnx_bytes):
    import onnx

    return {t.name: t.SerializeToString() for t in onnx.load_from_string(onnx_bytes).graph.initializer}


# ---------------------------------------------------------------------- masks
@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.33, 0.5, 0.9, 0.97, 0.999])
def test_fraction_pruned_per_layer_is_s_up_to_one_weight(sparsity):
    net = build_model("cnn", (1, 8, 8), seed=1)
    masks = magnitude_masks(net, sparsity)
    assert list(masks) == ["conv1", "conv2", "fc1"]  # never the output layer fc2
    apply_masks(net, masks)
    modules = dict(net.named_children())
    for name, mask in masks.items():
        n = mask.numel()
        pruned = int((~mask).sum())
        assert abs(pruned - sparsity * n) <= 0.5  # round(s * n): off by less than one weight
        assert int((modules[name].weight == 0).sum()) == pruned
    assert bool((net.fc2.weight != 0).all())
    assert layer_sparsity(net)["fc2"] == 0.0


def test_masks_drop_the_smallest_magnitudes():
    net = build_model("mlp", (1, 8, 8), seed=0)
    weights = {n: m.weight.detach().clone() for n, m in net.prunable_layers()}
    masks = magnitude_masks(net, 0.7)
    for name, mask in masks.items():
        w = weights[name].abs()
        assert w[~mask].max() <= w[mask].min()


def test_ties_are_broken_by_position():
    net = mlp((4,), 2, hidden=(5,))
    with torch.no_grad():
        net.fc1.weight.fill_(0.5)
    mask = magnitude_masks(net, 0.3)["fc1"]
    assert int((~mask).sum()) == 6  # round(0.3 * 20) despite 20 equal magnitudes
    assert (~mask).reshape(-1).tolist() == [True] * 6 + [False] * 14


@pytest.mark.parametrize("sparsity", [1.0, -0.1, 1.5, float("nan"), "0.5", True])
def test_bad_sparsity(sparsity):
    with pytest.raises(InvalidParameterError, match="sparsity"):
        magnitude_masks(mlp((4,), 2, hidden=(5,)), sparsity)


def alive_network_and_batch():
    """A seeded 6-8-3 MLP and 16 samples on which every fc1 weight has a positive gradient.

    By construction, not by luck: the inputs are in [0.5, 1.5], fc1's biases (10) keep
    every pre-activation positive (|W1 x| <= 6 * 0.41 * 1.5 < 4 at initialisation, and two
    small steps cannot close the margin), so no ReLU unit is dead; every label is class 0
    and only the class-0 row of fc2 is nonzero (-1), so dL/dh_j = 1 - p_0 > 0 for every
    unit and sample, and dL/dW1[j, i] = mean of (1 - p_0) x_i > 0.
    """
    net = build_model("mlp", (6,), 3, hidden=(8,), seed=0)
    with torch.no_grad():
        net.fc1.bias.fill_(10.0)
        net.fc2.weight.zero_()
        net.fc2.weight[0].fill_(-1.0)
        net.fc2.bias.zero_()
    x = 0.5 + torch.rand(16, 6, generator=torch.Generator().manual_seed(0))
    return net, x, torch.zeros(16, dtype=torch.int64)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_apply_masks_zeroes_optimizer_state(optimizer):
    net, x, y = alive_network_and_batch()
    config = TrainingConfig(optimizer=optimizer, lr=0.01)
    opt = (torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9) if optimizer == "sgd"
           else torch.optim.RMSprop(net.parameters(), lr=0.01, momentum=0.5))
    for _ in range(2):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    state = opt.state[net.fc1.weight]
    assert any(torch.is_tensor(v) and v.shape == net.fc1.weight.shape and bool((v != 0).all())
               for v in state.values())
    masks = magnitude_masks(net, 0.5)
    apply_masks(net, masks, opt)
    for value in state.values():
        if torch.is_tensor(value) and value.shape == net.fc1.weight.shape:
            assert bool((value[~masks["fc1"]] == 0).all())
    assert config.optimizer == optimizer


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_pruned_weights_stay_exactly_zero_while_retraining(digits, optimizer):
    net = build_model("cnn", (1, 8, 8), seed=0)
    masks = magnitude_masks(net, 0.8)
    apply_masks(net, masks)
    config = TrainingConfig(optimizer=optimizer, lr=0.01, retrain_lr=0.01, weight_decay=1e-3)
    before = {n: m.weight.detach().clone() for n, m in net.learnable_layers()}
    with deterministic(0):
        train(net, digits, epochs=1, config=config, lr=0.01, generator=torch.Generator().manual_seed(0), masks=masks,
              progress=False)
    modules = dict(net.named_children())
    for name, mask in masks.items():
        w = modules[name].weight
        assert bool((w[~mask] == 0).all()) and not bool(torch.signbit(w[~mask]).any())  # +0.0, not -0.0
        assert bool((w[mask] != before[name][mask]).any())  # the kept weights did train
    assert not torch.equal(net.fc2.weight, before["fc2"])


# ---------------------------------------------------------------------- the three steps
def test_prune_and_retrain_result(digits):
    net = build_model("mlp", digits.image_shape, hidden=(48, 48), seed=0)
    result = prune_and_retrain(net, digits, sparsity=0.75, epochs=2, retrain_epochs=1, seed=0, progress=False)
    assert result.sparse is net and result.dense is not net
    assert result.sparsity_per_layer == {"fc1": 0.75, "fc2": 0.75, "fc3": 0.0}
    assert layer_sparsity(result.dense)["fc1"] < 0.01
    assert [(h["phase"], h["epoch"]) for h in result.history] == [("dense", 1), ("dense", 2), ("retrain", 1)]
    assert set(result.accuracy) == {"dense", "pruned", "sparse"}
    for acc in result.accuracy.values():
        assert set(acc) == {"validation", "test"} and all(0 <= v <= 100 for v in acc.values())
    summary = result.summary()
    assert summary["epochs"] == 2 and summary["retrain_epochs"] == 1 and summary["config"]["optimizer"] == "sgd"
    assert set(summary["seconds"]) == {"dense", "retrain", "total"}
    assert not result.sparse.training and not result.dense.training


def test_prune_and_retrain_checks_before_training(digits, monkeypatch):
    import trainers.prune

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(trainers.prune, "train", no_training)
    net = build_model("mlp", digits.image_shape, hidden=(8,), seed=0)
    for kwargs, match in [({"sparsity": 1.0, "epochs": 1}, "sparsity"), ({"sparsity": 0.5, "epochs": 0}, "epochs"),
                          ({"sparsity": 0.5, "epochs": 1, "retrain_epochs": 0}, "retrain_epochs"),
                          ({"sparsity": 0.5, "epochs": 1, "seed": -1}, "seed")]:
        with pytest.raises(InvalidParameterError, match=match):
            prune_and_retrain(net, digits, **kwargs)
    wrong = build_model("mlp", (1, 28, 28), hidden=(8,), seed=0)
    with pytest.raises(InvalidParameterError, match="takes inputs of shape 1x28x28, the data has 1x8x8"):
        prune_and_retrain(wrong, digits, sparsity=0.5, epochs=1)


def test_training_on_an_empty_part_is_an_error_naming_the_sizes(digits):
    from trainers.data import Dataset, Split

    def emptied(part):
        parts = {name: getattr(digits, name) for name in ("train", "validation", "test")}
        parts[part] = Split(parts[part].images[:0], parts[part].labels[:0])
        return Dataset("digits", **parts, n_classes=10, seed=0, source="here")

    net = build_model("mlp", digits.image_shape, hidden=(8,), seed=0)
    for part in ("train", "validation", "test"):
        data = emptied(part)
        with pytest.raises(InvalidParameterError, match=rf"data set 'digits' has no {part} images \(train "):
            prune_and_retrain(net, data, sparsity=0.5, epochs=1, progress=False)
    with pytest.raises(InvalidParameterError, match=r"has no train images \(train 0, validation 180, test 359\)"):
        train(net, emptied("train"), epochs=1, config=default_config("mlp"), lr=0.1,
              generator=torch.Generator().manual_seed(0), progress=False)


def test_deterministic_restores_torch_settings():
    threads = torch.get_num_threads()
    torch.manual_seed(5)
    state = torch.random.get_rng_state()
    with deterministic(0, num_threads=1):
        assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
        torch.rand(3)
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.get_num_threads() == threads and torch.equal(torch.random.get_rng_state(), state)
    with pytest.raises(InvalidParameterError, match="num_threads"):
        with deterministic(0, num_threads=0):
            pass


@pytest.mark.parametrize("model", ["mlp", "cifar-cnn"])  # cifar-cnn: RMSprop and dropout
def test_same_seed_same_onnx_weights(digits, model):
    def run(seed):
        net = build_model(model, digits.image_shape, seed=seed)
        result = prune_and_retrain(net, digits, sparsity=0.9, epochs=1, seed=seed, progress=False)
        sample = digits.test.images[:8]
        return initializers(export_onnx(result.dense, sample)), initializers(export_onnx(result.sparse, sample))

    first, second, other = run(3), run(3), run(4)
    assert first == second  # byte-identical initializers, dense and sparse
    assert first[1]["fc1.weight"] != other[1]["fc1.weight"]


def test_default_configs():
    assert default_config("mlp").optimizer == default_config("cnn").optimizer == "sgd"
    assert default_config("mlp").momentum == 0.9
    assert default_config("cifar-cnn").optimizer == "rmsprop"
    with pytest.raises(InvalidParameterError, match=r"^model must be one of 'mlp', 'cnn', 'cifar-cnn'; got 'vgg'$"):
        default_config("vgg")
    with pytest.raises(InvalidParameterError, match=r"^optimizer must be one of 'sgd', 'rmsprop', 'adam'; got 'adagrad'$"):
        TrainingConfig(optimizer="adagrad")
    assert TrainingConfig(optimizer="adam").optimizer == "adam"  # the pre-defined sparse networks train with Adam
    with pytest.raises(InvalidParameterError, match="lr"):
        dataclasses.replace(default_config("mlp"), lr=0.0)


# ---------------------------------------------------------------------- reproduction (docs/reproduction.rst)
@pytest.fixture(scope="module")
def reproduction(digits):
    """What ``netgraph train prune --model M --dataset digits --sparsity 0.9 --epochs 20 --seed 0`` trains."""
    results = {}
    for model in ("mlp", "cnn"):
        net = build_model(model, digits.image_shape, digits.n_classes, seed=0)
        results[model] = prune_and_retrain(net, digits, sparsity=0.9, epochs=20, seed=0, progress=False)
    return results


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_sparse_is_within_one_and_a_half_points_of_dense_on_digits(reproduction, model):
    acc = reproduction[model].accuracy
    dense, sparse = acc["dense"]["test"], acc["sparse"]["test"]
    assert dense >= 95.0, acc
    assert abs(dense - sparse) <= 1.5, acc
    # pruning without retraining costs more than that: the retraining step matters
    assert acc["pruned"]["test"] < sparse
    per_layer = reproduction[model].sparsity_per_layer
    assert all(abs(v - 0.9) < 1e-4 for v in list(per_layer.values())[:-1]) and list(per_layer.values())[-1] == 0.0
