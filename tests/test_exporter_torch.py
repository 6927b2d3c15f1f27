"""Models exported from torch: MLP, the paper's MNIST CNN, residual, depthwise and concat blocks.

Expected degrees are computed from the torch modules' own weights (by hand formulas),
and the same degrees are recomputed through igraph and networkx.
"""

import io
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import netgraph  # noqa: E402
from exporters import read_onnx  # noqa: E402


def export(model, x, *, dynamo=False):
    model.eval()
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), f, dynamo=dynamo, verbose=False)
    return f.getvalue()


def prune_(module, fraction, seed):
    """Zero a seeded random fraction of every weight (not the biases)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight") and p.dim() > 1:
                p[torch.rand(p.shape, generator=gen) < fraction] = 0.0
    return module


def mnist_cnn():
    # 32C5-MP2-32C5-MP2-256FC-10 (Hou & Kwok)
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10), nn.Softmax(dim=1),
    )


@pytest.mark.parametrize("dynamo", [False, True])
def test_unpruned_mnist_cnn_conv1_degree_is_65600(dynamo):
    torch.manual_seed(0)
    g = read_onnx(export(mnist_cnn(), torch.randn(1, 1, 28, 28), dynamo=dynamo))
    names = g.layer_names
    assert [g.layer(n).size for n in names] == [1, 32, 32, 256, 10]
    assert [g.layer(n).kind for n in names] == ["input", "conv", "conv", "dense", "dense"]
    deg = netgraph.layer_degrees(g)
    # conv1 node: 25 taps x 24x24 positions below + 32 channels x 25 taps x 8x8 positions above
    np.testing.assert_array_equal(deg[names[1]], np.full(32, 14_400 + 51_200))
    # input node: 32 x 25 x 576; conv2 node: 32 x 25 x 64 below + 256 units x 16 features above
    np.testing.assert_array_equal(deg[names[0]], [32 * 14_400])
    np.testing.assert_array_equal(deg[names[2]], np.full(32, 51_200 + 256 * 16))
    # the last hidden layer counts only its lower connections by default: every feature of every channel
    np.testing.assert_array_equal(deg[names[3]], np.full(256, 32 * 16))  # 16 features per channel
    np.testing.assert_array_equal(deg[names[4]], np.zeros(10))
    assert g.outputs == (names[4],)


def test_pruned_mnist_cnn_degrees_from_the_torch_weights_and_through_igraph():
    torch.manual_seed(1)
    model = prune_(mnist_cnn(), 0.7, seed=2)
    g = read_onnx(export(model, torch.randn(1, 1, 28, 28)))
    w1 = model[0].weight.detach().numpy()
    w2 = model[3].weight.detach().numpy()
    fc = model[7].weight.detach().numpy()
    names = g.layer_names
    nz1 = np.count_nonzero(w1.reshape(32, -1), axis=1)  # per conv1 channel
    nz2_in = np.count_nonzero(w2, axis=(0, 2, 3))  # taps from each conv1 channel
    expected_conv1 = nz1 * 576 + nz2_in * 64
    deg = netgraph.layer_degrees(g)
    np.testing.assert_array_equal(deg[names[1]], expected_conv1)
    fc_from_channel = np.count_nonzero(fc.reshape(256, 32, 16), axis=(0, 2))
    expected_conv2 = np.count_nonzero(w2, axis=(1, 2, 3)) * 64 + fc_from_channel
    np.testing.assert_array_equal(deg[names[2]], expected_conv2)
    # the same through igraph: strengths on learnable edges, leaving out the junction into the output
    ig = g.igraph
    keep = [e.index for e in ig.es if g.junctions[e["junction"]].target not in g.outputs]
    sub = ig.subgraph_edges(keep, delete_vertices=False)
    strength = np.array(sub.strength(mode="all", weights="count"))
    off = g.offsets
    for name in names:
        n = g.layer(name).size
        np.testing.assert_array_equal(deg[name], strength[off[name]:off[name] + n])
    # and through networkx
    G = g.to_networkx()
    out_junctions = {k for k, j in enumerate(g.junctions) if j.target in g.outputs}
    G.remove_edges_from([(a, b) for a, b, d in G.edges(data=True) if d["junction"] in out_junctions])
    nx_deg = dict(G.degree(weight="count"))
    np.testing.assert_array_equal(deg[names[2]], [nx_deg[off[names[2]] + u] for u in range(32)])


def test_mlp_on_images_and_pruned_weights_are_edges():
    torch.manual_seed(3)
    model = prune_(nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                                 nn.Linear(32, 10)), 0.9, seed=4)
    g = read_onnx(export(model, torch.randn(1, 1, 8, 8)))
    assert [g.layer(n).size for n in g.layer_names] == [64, 32, 32, 10]
    weights = [model[i].weight.detach().numpy() for i in (1, 3, 5)]
    for j, w in zip(g.junctions, weights):
        np.testing.assert_array_equal(j.count.toarray(), (w != 0).astype(int))
        np.testing.assert_allclose(j.weight.toarray(), np.where(w != 0, w, 0), rtol=1e-6)
        assert j.edges == np.count_nonzero(w)
    deg_in = netgraph.degrees(g, g.layer_names[0])
    np.testing.assert_array_equal(deg_in, np.count_nonzero(weights[0], axis=0))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.c1 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        s = torch.relu(self.stem(x))
        y = self.c2(torch.relu(self.bn(self.c1(s))))
        z = torch.relu(y + s)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(z, 1), 1))


@pytest.mark.parametrize("dynamo", [False, True])
def test_residual_block(dynamo):
    torch.manual_seed(5)
    g = read_onnx(export(Residual(), torch.randn(1, 3, 6, 6), dynamo=dynamo))
    kinds = [g.layer(n).kind for n in g.layer_names]
    assert kinds == ["input", "conv", "conv", "conv", "merge", "dense"]
    merge = g.layer_names[4]
    skip = sorted((g.layer_index(j.source), j.count.toarray().diagonal().tolist()) for j in g.junctions if j.kind == "skip")
    assert skip == [(1, [36] * 8), (3, [36] * 8)]
    head = g.junctions_into(g.layer_names[5])[0]
    assert head.source == merge and head.count.toarray().max() == 1
    # padded 3x3 conv on 6x6: per dim tap 0 reads a real input at 5 of 6 output rows, tap 1 at 6, tap 2 at 5
    expected = (5 + 6 + 5) ** 2  # connections per channel pair for a dense kernel
    assert g.junctions_into(g.layer_names[2])[0].count.toarray().max() == expected


def test_depthwise_separable_block():
    torch.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(2, 6, 1), nn.ReLU6(), nn.Conv2d(6, 6, 3, groups=6, padding=1, stride=2),
                          nn.BatchNorm2d(6), nn.ReLU6(), nn.Conv2d(6, 4, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(4, 3))
    g = read_onnx(export(model, torch.randn(1, 2, 8, 8)))
    dw = g.junctions_into(g.layer_names[2])[0]
    assert dw.edges == 6
    # stride 2, pad 1 on 8 -> 4 outputs; per dim tap 0 reads 3 real inputs, taps 1-2 read 4: (3+4+4)^2
    np.testing.assert_array_equal(dw.count.toarray(), np.diag(np.full(6, 121)))


class ConcatBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 2, 3, padding=1)
        self.c = nn.Conv2d(6, 5, 1)

    def forward(self, x):
        return self.c(torch.cat([torch.relu(self.a(x)), torch.relu(self.b(x))], dim=1))


@pytest.mark.parametrize("dynamo", [False, True])
def test_concat_block(dynamo):
    torch.manual_seed(7)
    model = prune_(ConcatBlock(), 0.5, seed=8)
    g = read_onnx(export(model, torch.randn(1, 3, 4, 4), dynamo=dynamo))
    wc = model.c.weight.detach().numpy()[:, :, 0, 0]
    into = {g.layer_index(j.source): j.count.toarray() for j in g.junctions_into(g.layer_names[-1])}
    np.testing.assert_array_equal(into[1], (wc[:, :4] != 0) * 16)
    np.testing.assert_array_equal(into[2], (wc[:, 4:] != 0) * 16)


def test_torch_prune_pattern_exported_with_masks():
    # torch.nn.utils.prune keeps weight_orig and weight_mask; the export multiplies them.
    from torch.nn.utils import prune

    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    prune.l1_unstructured(model[0], "weight", amount=0.6)
    g = read_onnx(export(model, torch.randn(1, 6)))
    mask = model[0].weight_mask.detach().numpy()
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), mask.astype(int))
    assert g.junctions[0].edges == int(mask.sum()) == 12
