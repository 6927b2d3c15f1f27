"""ONNX export of trained networks: exact zeros in the initializers, no mask operator, the
onnxruntime check, provenance in metadata_props, and every model read by the strict reader."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from exporters import read_onnx  # noqa: E402
from netgraph import layer_degrees  # noqa: E402
from trainers.export import OPSET, ExportCheckError, export_onnx, read_metadata  # noqa: E402
from trainers.models import build_model  # noqa: E402
from trainers.prune import apply_masks, magnitude_masks  # noqa: E402


def pruned(model, shape, sparsity=0.8, seed=0):
    net = build_model(model, shape, seed=seed)
    masks = magnitude_masks(net, sparsity)
    apply_masks(net, masks)
    return net.eval(), masks


def sample(shape, n=6, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


@pytest.mark.parametrize("model, shape", [("mlp", (1, 8, 8)), ("cnn", (1, 8, 8)), ("cnn", (1, 28, 28)),
                                          ("cifar-cnn", (3, 32, 32)), ("cifar-cnn", (1, 8, 8))])
def test_exported_models_are_read_strictly_with_the_pruned_connections(model, shape):
    net, masks = pruned(model, shape)
    data = export_onnx(net, sample(shape), metadata={"model": model})
    proto = onnx.load_from_string(data)
    assert proto.opset_import[0].version == OPSET
    ops = {n.op_type for n in proto.graph.node}
    assert ops <= {"Conv", "Relu", "MaxPool", "Flatten", "Gemm"}, ops  # no Mul, Where, Dropout: no mask operator
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    for name, mask in masks.items():
        w = inits[f"{name}.weight"]
        assert np.array_equal(w == 0, ~mask.numpy())  # pruned weights are exact zeros, the others are not
    graph = read_onnx(data)  # strict mode
    assert not graph.cuts
    learnable = net.learnable_layers()
    assert len(graph.junctions) == len(learnable)
    for junction, (name, module) in zip(graph.junctions, learnable):
        w = module.weight.detach().numpy()
        nonzero_pairs = (w.reshape(w.shape[0], w.shape[1], -1) != 0).any(axis=2) if w.ndim == 4 else w != 0
        if junction.count.shape == nonzero_pairs.shape:
            assert junction.count.nnz == int(nonzero_pairs.sum())
    assert layer_degrees(graph)[graph.layers[0].name].sum() > 0


def test_dense_layer_counts_equal_the_kept_weights():
    net, masks = pruned("mlp", (1, 8, 8), sparsity=0.9)
    graph = read_onnx(export_onnx(net, sample((1, 8, 8))))
    kept = [int(masks["fc1"].sum()), int(masks["fc2"].sum()), net.fc3.weight.numel()]
    assert [j.connections for j in graph.junctions] == kept
    assert [j.count.nnz for j in graph.junctions] == kept


def test_metadata_props():
    net, _ = pruned("mlp", (1, 8, 8))
    meta = {"trainer": "three-step magnitude pruning", "seed": 3, "sparsity_per_layer": {"fc1": 0.8, "fc2": 0.8},
            "accuracy_percent": {"test": 97.5}}
    data = export_onnx(net, sample((1, 8, 8)), metadata=meta)
    props = {p.key: p.value for p in onnx.load_from_string(data).metadata_props}
    assert props["netgraph.trainer"] == "three-step magnitude pruning"
    assert props["netgraph.seed"] == "3"
    assert read_metadata(data) == meta
    # the reader keeps the provenance with the graph
    assert read_onnx(data).metadata["onnx:netgraph.seed"] == "3"


def test_onnxruntime_disagreement_is_an_error(monkeypatch):
    import onnxruntime

    real = onnxruntime.InferenceSession

    class Off(real):
        def run(self, *args, **kwargs):
            return [out + 1e-3 for out in super().run(*args, **kwargs)]

    monkeypatch.setattr(onnxruntime, "InferenceSession", Off)
    net, _ = pruned("mlp", (1, 8, 8))
    with pytest.raises(ExportCheckError, match=r"onnxruntime and torch disagree.*0\.001 > 0\.0001"):
        export_onnx(net, sample((1, 8, 8)))
    export_onnx(net, sample((1, 8, 8)), atol=1e-2)  # within a looser tolerance


def test_torch_prune_masks_are_refused():
    """A model pruned with torch.nn.utils.prune exports weight_orig x mask: not what the trainers write."""
    from torch.nn.utils import prune as torch_prune

    net = build_model("mlp", (1, 8, 8), hidden=(16,), seed=0).eval()
    torch_prune.l1_unstructured(net.fc1, "weight", amount=0.5)
    with pytest.raises(ExportCheckError, match="fc1.weight"):
        export_onnx(net, sample((1, 8, 8)))


def test_export_restores_training_mode_and_checks_the_sample():
    net = build_model("cifar-cnn", (1, 8, 8), seed=0).train()
    export_onnx(net, sample((1, 8, 8)))  # dropout is off during the check
    assert net.training
    with pytest.raises(ExportCheckError, match="non-empty batch"):
        export_onnx(net, np.zeros((0, 1, 8, 8), np.float32))
