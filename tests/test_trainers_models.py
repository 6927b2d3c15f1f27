"""The paper's networks: layer sizes, the padding rule for small inputs, shape checks, and the
Hou & Kwok connection count of the MNIST CNN read back through the ONNX reader."""

import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from netgraph.exceptions import InvalidParameterError  # noqa: E402
from trainers.models import MODELS, build_model, check_input_shape, cifar_cnn, mlp, mnist_cnn  # noqa: E402


def shapes_through(net, input_shape):
    """Output shape of every named child for one input."""
    x = torch.zeros(1, *input_shape)
    out = {}
    for name, module in net.named_children():
        x = module(x)
        out[name] = tuple(x.shape[1:])
    return out


def test_mlp_layers():
    net = mlp((1, 28, 28), 10)
    assert net.architecture == "1x28x28-1024FC-1024FC-10"
    assert [(n, m.in_features, m.out_features) for n, m in net.learnable_layers()] == [
        ("fc1", 784, 1024), ("fc2", 1024, 1024), ("fc3", 1024, 10)]
    assert net.output_layer == "fc3" and [n for n, _ in net.prunable_layers()] == ["fc1", "fc2"]
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    small = mlp((64,), 3, hidden=(7,))
    assert small.architecture == "64-7FC-3" and small(torch.zeros(2, 64)).shape == (2, 3)


def test_mnist_cnn_matches_the_paper_on_28x28():
    net = mnist_cnn((1, 28, 28))
    assert net.padding == "valid"
    assert net.architecture == "1x28x28-32C5-MP2-32C5-MP2-256FC-10"
    s = shapes_through(net, (1, 28, 28))
    assert s["conv1"] == (32, 24, 24) and s["pool1"] == (32, 12, 12)
    assert s["conv2"] == (32, 8, 8) and s["pool2"] == (32, 4, 4)
    assert s["fc1"] == (256,) and s["fc2"] == (10,)
    assert [n for n, _ in net.prunable_layers()] == ["conv1", "conv2", "fc1"]


def test_cifar_cnn_matches_the_paper_on_32x32():
    net = cifar_cnn((3, 32, 32))
    s = shapes_through(net.eval(), (3, 32, 32))
    assert [s[k] for k in ("conv1", "conv2", "pool1", "conv3", "conv4", "pool2", "fc1", "fc2")] == [
        (32, 30, 30), (32, 28, 28), (32, 14, 14), (64, 12, 12), (64, 10, 10), (64, 5, 5), (512,), (10,)]
    assert sum(isinstance(m, torch.nn.Dropout) for m in net) == 3
    assert not any(isinstance(m, torch.nn.Dropout) for m in cifar_cnn(dropout=None))


def test_small_inputs_get_same_padding_and_say_so(caplog):
    with caplog.at_level(logging.INFO, logger="trainers"):
        net = mnist_cnn((1, 8, 8))
    assert net.padding == "same" and "'same' padding" in net.architecture
    assert any("too small for unpadded convolutions" in r.getMessage() and "1x8x8" in r.getMessage()
               for r in caplog.records)
    s = shapes_through(net, (1, 8, 8))
    assert s["conv1"] == (32, 8, 8) and s["pool1"] == (32, 4, 4) and s["conv2"] == (32, 4, 4)
    assert s["pool2"] == (32, 2, 2) and net.fc1.in_features == 128
    assert net.conv1.padding == (2, 2) and net.conv2.padding == (2, 2)
    c = cifar_cnn((1, 8, 8))
    assert c.padding == "same" and [m.padding for m in (c.conv1, c.conv2, c.conv3, c.conv4)] == [(1, 1)] * 4
    assert c.fc1.in_features == 64 * 2 * 2


def test_padding_options():
    assert mnist_cnn((1, 28, 28), padding="same").fc1.in_features == 32 * 7 * 7
    with pytest.raises(InvalidParameterError, match="too small for 'cnn' without padding"):
        mnist_cnn((1, 8, 8), padding="valid")
    with pytest.raises(InvalidParameterError, match="even with 'same' padding"):
        mnist_cnn((1, 3, 3))
    with pytest.raises(InvalidParameterError, match="padding must be"):
        mnist_cnn((1, 28, 28), padding="full")


@pytest.mark.parametrize("shape", [(28, 28), (1, 0, 28), "1x28x28", (1, 2.5, 3)])
def test_bad_cnn_shapes(shape):
    with pytest.raises(InvalidParameterError, match="input_shape"):
        mnist_cnn(shape)


@pytest.mark.parametrize("kwargs, match", [({"n_classes": 1}, "n_classes"), ({"hidden": ()}, "hidden"),
                                           ({"hidden": (0,)}, "hidden")])
def test_bad_mlp_options(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        mlp((4,), **kwargs)


def test_build_model_is_seeded_and_leaves_global_state_alone():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = build_model("cnn", (1, 8, 8), seed=7)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = build_model("cnn", (1, 8, 8), seed=7)
    c = build_model("cnn", (1, 8, 8), seed=8)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.conv1.weight, c.conv1.weight)
    assert set(MODELS) == {"mlp", "cnn", "cifar-cnn"}
    with pytest.raises(InvalidParameterError, match=r"^name must be one of 'mlp', 'cnn', 'cifar-cnn'; got 'resnet'$"):
        build_model("resnet", (1, 8, 8))


def test_check_input_shape():
    net = build_model("mlp", (1, 8, 8))
    check_input_shape(net, (1, 8, 8))
    with pytest.raises(InvalidParameterError, match="takes inputs of shape 1x8x8, the data has 3x32x32"):
        check_input_shape(net, (3, 32, 32))


def test_mnist_cnn_counts_of_hou_and_kwok():
    """A conv1 node of the unpruned MNIST CNN has degree 14,400 + 51,200 = 65,600 (appendix B)."""
    from exporters import read_onnx
    from netgraph import layer_degrees
    from trainers.export import export_onnx

    net = build_model("cnn", (1, 28, 28), seed=0)
    data = export_onnx(net, np.zeros((2, 1, 28, 28), np.float32))
    graph = read_onnx(data)
    assert [layer.size for layer in graph.layers] == [1, 32, 32, 256, 10]
    degrees = layer_degrees(graph)
    conv1 = graph.layers[1].name
    assert set(degrees[conv1].tolist()) == {25 * 24 * 24 + 32 * 25 * 8 * 8} == {65_600}
