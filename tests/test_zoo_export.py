"""The torchvision classification families, exported by torch.onnx, read by the exporter.

Strict mode reads every family, squeeze-excitation gates included: AlexNet, VGG, ResNet,
DenseNet, MobileNetV2, MobileNetV3, EfficientNet, SqueezeNet and ShuffleNetV2, with no
cut (a gate multiplies the map it gates, which keeps its nodes). The learnable layers of each graph are checked against
the torch modules: one layer per Conv2d / Linear, with the module's output size, and
for every layer the number of edges into it equals the number of (output, input) channel
pairs with a nonzero kernel, computed from the torch weights.
"""

import json
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import zoo  # noqa: E402
from exporters import read_onnx  # noqa: E402

GATED = {"mobilenet_v3_small", "efficientnet_b0"}  # squeeze-excitation: read in strict mode since issue 11
STRICT = list(zoo.FAMILIES)


def _learnable_modules(model):
    return [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]


#: Positions per channel of the map that the first Linear reads after Flatten (AdaptiveAvgPool output).
FLATTENED_POSITIONS = {"alexnet": 36, "vgg11": 49, "vgg16": 49}


def _expected_edges(modules, positions=1):
    """Edges into each learnable layer, from the torch weights.

    A Linear after Flatten of a C-channel map of k positions per channel has in_features
    = C * k; its edges are the (unit, channel) pairs with a nonzero weight in the block.
    """
    out, first_linear = [], True
    for m in modules:
        w = np.abs(m.weight.detach().numpy())
        if isinstance(m, torch.nn.Linear):
            block = positions if first_linear else 1
            first_linear = False
            out.append(int(np.count_nonzero(w.reshape(w.shape[0], -1, block).sum(axis=2))))
        else:
            out.append(int(np.count_nonzero(w.reshape(w.shape[0], w.shape[1], -1).sum(axis=2))))
    return out


def _check_against_torch(model, g, name):
    modules = _learnable_modules(model)
    learnable = [n for n in g.layer_names if g.layer(n).kind in ("dense", "conv")]
    sizes_graph = sorted(g.layer(n).size for n in learnable)
    sizes_torch = sorted(m.out_channels if isinstance(m, torch.nn.Conv2d) else m.out_features for m in modules)
    assert sizes_graph == sizes_torch
    edges_graph = sorted(sum(j.edges for j in g.junctions_into(n) if j.learnable) for n in learnable)
    edges_torch = sorted(_expected_edges(modules, FLATTENED_POSITIONS.get(name, 1)))
    assert edges_graph == edges_torch


@pytest.fixture(scope="module")
def exported():
    cache = {}

    def get(name, dynamo=False, full=False):
        key = (name, dynamo, full)
        if key not in cache:
            model, x = zoo.build(name, seed=0, full=full)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[key] = (model, zoo.export_onnx(model, x, dynamo=dynamo))
        return cache[key]

    return get


@pytest.mark.parametrize("name", STRICT)
def test_strict_mode_reads_the_family(name, exported):
    model, proto = exported(name)
    g = read_onnx(proto)
    assert g.cuts == ()
    _check_against_torch(model, g, name)
    assert g.outputs and g.layer(g.outputs[0]).size == 10


@pytest.mark.parametrize("name", sorted(GATED))
def test_gated_families_keep_the_gated_maps_nodes(name, exported):
    """Each squeeze-excitation Mul keeps the nodes of the map it gates: no cut, no merge layer from it."""
    _, proto = exported(name)
    g = read_onnx(proto)
    assert g.cuts == () and json.loads(g.metadata["not_junctions"]) == []
    made, total = g.metadata["coverage"].split(" learnable")[0].split(" of ")
    assert made == total


def test_resnet18_has_eight_merges_with_skip_edges(exported):
    _, proto = exported("resnet18")
    g = read_onnx(proto)
    merges = [n for n in g.layer_names if g.layer(n).kind == "merge"]
    assert len(merges) == 8
    for n in merges:
        kinds = sorted(j.kind for j in g.junctions_into(n))
        assert kinds == ["skip", "skip"]


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "shufflenet_v2_x0_5", "mobilenet_v2"])
def test_dynamo_export_gives_the_same_graph(name, exported):
    model, legacy = exported(name)
    _, dyn = exported(name, dynamo=True)
    a, b = read_onnx(legacy), read_onnx(dyn)
    assert [L.kind for L in a.layers] == [L.kind for L in b.layers]
    assert [L.size for L in a.layers] == [L.size for L in b.layers]
    assert [(j.edges, j.connections) for j in a.junctions] == [(j.edges, j.connections) for j in b.junctions]
    _check_against_torch(model, b, name)


@pytest.mark.slow
@pytest.mark.parametrize("dynamo", [False, True])
@pytest.mark.parametrize("name", zoo.FAMILIES)
def test_full_size_families(name, dynamo, exported):
    model, proto = exported(name, dynamo=dynamo, full=True)
    g = read_onnx(proto)
    _check_against_torch(model, g, name)
