"""The model zoo (tests/zoo/) exports to ONNX and computes what torch computes.

For every family the small variant is exported with the TorchScript exporter, run with
onnxruntime on the example input and compared with torch; the export must contain the
family's characteristic operators, in the numbers the architecture implies (one Add
per residual block, one Concat per dense layer, ...), and every operator type in it
must be one that :mod:`exporters` reads (it has a handler, or is folded as a
constant). Full-size variants and the dynamo exporter on every family are ``slow``
(run with ``--runslow``).
"""

from collections import Counter, namedtuple

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

import zoo
from exporters.ops import supported_ops

ATOL = 1e-4

# Operator types that the exporter folds into constants before its walk rather than
# giving them a handler: a Constant node's value becomes a constant tensor.
FOLDED_OPS = {"Constant"}

# Operators whose handlers make the strict families readable without cuts: learnable
# ones, pass-through ones, Concat and Add (see docs ARCHITECTURE "Reading any ONNX
# model"), plus the Identity / Constant nodes that only carry initializers.
STRICT_OPS = {
    "Conv", "Gemm", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
    "BatchNormalization", "Flatten", "Concat", "Add", "Identity", "Constant",
}

# Parameter counts of torchvision's models with num_classes=1000, as published in the
# torchvision model documentation; our builders must reproduce them exactly.
TORCHVISION_PARAMETERS = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "densenet121": 7_978_856,
    "mobilenet_v2": 3_504_872,
    "mobilenet_v3_small": 2_542_856,
    "squeezenet1_0": 1_248_424,
    "squeezenet1_1": 1_235_496,
    "shufflenet_v2_x0_5": 1_366_792,
    "efficientnet_b0": 5_288_548,
}
TORCHVISION_BN_PARAMETERS = {"vgg11": 132_868_840, "vgg16": 138_365_992}

Export = namedtuple("Export", "name model x proto expected")


def run_onnx(proto, x):
    """Run ``proto`` on ``x`` with onnxruntime (CPU, 2 threads); return the output."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(proto.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"input": x.numpy()})
    return output


def export_case(name, *, dynamo=False, **build_kwargs):
    model, x = zoo.build(name, **build_kwargs)
    proto = zoo.export_onnx(model, x, dynamo=dynamo)
    with torch.no_grad():
        expected = model(x).numpy()
    return Export(name, model, x, proto, expected)


def assert_matches_torch(case):
    onnx.checker.check_model(case.proto)
    assert [i.name for i in case.proto.graph.input] == ["input"]
    assert [o.name for o in case.proto.graph.output] == ["output"]
    output = run_onnx(case.proto, case.x)
    assert output.shape == case.expected.shape == (case.x.shape[0], 10)
    diff = np.abs(output - case.expected).max()
    assert diff <= ATOL, f"{case.name}: onnxruntime and torch differ by {diff:.3g}"


def op_types(proto):
    return {node.op_type for node in proto.graph.node}


def assert_exporter_reads_every_op_type(op_types_seen, name):
    """Every op type in ``op_types_seen`` has a handler in :mod:`exporters` or is folded.

    Read strictly: nothing else is allowed, and no folded op type has a handler too.
    """
    handled = set(supported_ops())
    assert not FOLDED_OPS & handled, f"{sorted(FOLDED_OPS & handled)} have handlers now"
    missing = set(op_types_seen) - handled - FOLDED_OPS
    assert not missing, f"{name}: no exporter handler for {sorted(missing)}"


def assert_default_domain(proto):
    """Every node of ``proto`` is in the default ONNX domain (the handlers' domain)."""
    domains = {node.domain for node in proto.graph.node}
    assert domains <= {"", "ai.onnx"}, domains


def op_counts(proto):
    return Counter(node.op_type for node in proto.graph.node)


def weights(proto):
    """Initializer arrays by name, following the Identity nodes that alias them."""
    arrays = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Identity" and node.input[0] in arrays:
            arrays[node.output[0]] = arrays[node.input[0]]
    return arrays


def attribute(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def depthwise_convs(proto):
    """Conv nodes with one input channel per group and more than one group."""
    arrays = weights(proto)
    return [n for n in proto.graph.node if n.op_type == "Conv"
            and attribute(n, "group", 1) > 1 and arrays[n.input[1]].shape[1] == 1]


def channel_concats(proto):
    return [n for n in proto.graph.node
            if n.op_type == "Concat" and attribute(n, "axis") in (1, -3)]


def gating_muls(proto, gate_op):
    """Mul nodes one of whose inputs is the output of a ``gate_op`` node."""
    gates = {n.output[0] for n in proto.graph.node if n.op_type == gate_op}
    return [n for n in proto.graph.node
            if n.op_type == "Mul" and any(i in gates for i in n.input)]


# The structure each family's TorchScript export must show: exact operator counts
# derived from the papers' architecture tables, plus family-specific checks.
EXPECTED_COUNTS = {
    "alexnet": {"Conv": 5, "MaxPool": 3, "AveragePool": 1, "Flatten": 1, "Gemm": 3},
    "vgg11": {"Conv": 8, "MaxPool": 5, "AveragePool": 1, "Gemm": 3},
    "vgg16": {"Conv": 13, "MaxPool": 5, "AveragePool": 1, "Gemm": 3},
    # stem + 2 convs per block + 3 downsampling projections; one Add per block
    "resnet18": {"Conv": 1 + 8 * 2 + 3, "Add": 8, "Gemm": 1},
    "resnet50": {"Conv": 1 + 16 * 3 + 4, "Add": 16, "Gemm": 1},
    # 58 dense layers of 2 convs, 3 transitions; the BN of each dense layer's input,
    # of each transition and norm5 stay (the others are folded into a Conv)
    "densenet121": {"Conv": 1 + 58 * 2 + 3, "BatchNormalization": 58 + 3 + 1,
                    "AveragePool": 3, "Gemm": 1},
    # stem + 16 expansions + 17 depthwise + 17 projections + last 1x1 conv
    "mobilenet_v2": {"Conv": 1 + 16 + 17 + 17 + 1, "Clip": 1 + 16 + 17 + 1, "Add": 10},
    "mobilenet_v3_small": {"HardSigmoid": 9, "Add": 6, "Gemm": 2},
    "squeezenet1_0": {"Conv": 1 + 8 * 3 + 1, "MaxPool": 3},
    "squeezenet1_1": {"Conv": 1 + 8 * 3 + 1, "MaxPool": 3},
    # 3 strided units (5 convs) and 13 unit with a channel split (3 convs)
    "shufflenet_v2_x0_5": {"Conv": 1 + 3 * 5 + 13 * 3 + 1, "Transpose": 16,
                           "Slice": 2 * 13, "Gemm": 1},
    # Sigmoid: 49 SiLUs (stem, 15 expansions, 16 depthwise, 16 SE, last) + 16 SE gates
    "efficientnet_b0": {"Sigmoid": 49 + 16, "Mul": 49 + 16, "Add": 9, "Gemm": 1},
}


def check_alexnet(proto):
    (pool,) = [n for n in proto.graph.node if n.op_type == "AveragePool"]
    assert attribute(pool, "kernel_shape") == [1, 1]


def check_vgg(proto):
    arrays = weights(proto)
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    assert all(arrays[n.input[1]].shape[2:] == (3, 3) for n in convs)


def check_densenet(proto):
    # one Concat per dense layer (its inputs) and one per block (its output)
    assert len(channel_concats(proto)) == 58 + 4


def check_squeezenet(proto):
    assert len(channel_concats(proto)) == 8
    assert "Gemm" not in op_types(proto)


def check_mobilenet_v2(proto):
    assert len(depthwise_convs(proto)) == 17


def check_mobilenet_v3_small(proto):
    assert len(depthwise_convs(proto)) == 11
    assert len(gating_muls(proto, "HardSigmoid")) == 9
    assert op_counts(proto)["HardSwish"] > 0


def check_shufflenet(proto):
    assert len(depthwise_convs(proto)) == 3 * 2 + 13
    assert len(channel_concats(proto)) == 16
    shuffles = [n for n in proto.graph.node if n.op_type == "Transpose"]
    assert all(attribute(n, "perm") == [0, 2, 1, 3, 4] for n in shuffles)


def check_efficientnet(proto):
    assert len(depthwise_convs(proto)) == 16
    sigmoid_of = {n.output[0]: n.input[0] for n in proto.graph.node if n.op_type == "Sigmoid"}
    silu = [n for n in gating_muls(proto, "Sigmoid")
            if any(sigmoid_of.get(i) in n.input for i in n.input)]
    assert len(silu) == 49  # x * sigmoid(x); the other 16 gate Muls are the SE gates


FAMILY_CHECKS = {
    "alexnet": check_alexnet,
    "vgg11": check_vgg,
    "vgg16": check_vgg,
    "densenet121": check_densenet,
    "squeezenet1_0": check_squeezenet,
    "squeezenet1_1": check_squeezenet,
    "mobilenet_v2": check_mobilenet_v2,
    "mobilenet_v3_small": check_mobilenet_v3_small,
    "shufflenet_v2_x0_5": check_shufflenet,
    "efficientnet_b0": check_efficientnet,
}


def residual_blocks(model):
    """The residual blocks whose shortcut is live (one ``Add`` each in the export).

    Width multipliers round channel counts, so a small variant can have residual
    shortcuts where the full-size model has none (MobileNet's 40 -> 48 channel block
    becomes 16 -> 16 at width 0.25, as in torchvision).
    """
    return sum(1 for m in model.modules()
               if isinstance(m, (zoo.BasicBlock, zoo.Bottleneck))
               or getattr(m, "use_res_connect", False))


def check_counts(case, *, full=False):
    """Compare the export's operator counts with :data:`EXPECTED_COUNTS`.

    The numbers of Adds there are the full-size models'; a small variant must have
    one per live residual block instead.
    """
    expected = dict(EXPECTED_COUNTS[case.name])
    if "Add" in expected:
        if full:
            assert residual_blocks(case.model) == expected["Add"]
        else:
            expected["Add"] = residual_blocks(case.model)
    counts = op_counts(case.proto)
    for op, n in expected.items():
        assert counts[op] == n, f"{case.name}: {counts[op]} {op}, expected {n}"


@pytest.fixture(scope="module", params=zoo.FAMILIES)
def small_export(request):
    return export_case(request.param)


def test_families_are_registered():
    assert zoo.FAMILIES == list(zoo.BUILDERS)
    assert set(zoo.STRICT_FAMILIES) < set(zoo.FAMILIES)
    assert set(zoo.OP_TYPES) == set(zoo.FAMILIES)
    assert set(TORCHVISION_PARAMETERS) == set(zoo.FAMILIES)


def test_onnxruntime_matches_torch(small_export):
    assert_matches_torch(small_export)


def test_exporter_reads_every_op_type(small_export):
    assert_default_domain(small_export.proto)
    assert_exporter_reads_every_op_type(op_types(small_export.proto), small_export.name)


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
@pytest.mark.parametrize("name", zoo.FAMILIES)
def test_exporter_reads_every_recorded_op_type(name, exporter):
    # the op types recorded for each export (zoo.OP_TYPES), without exporting again
    assert_exporter_reads_every_op_type(zoo.OP_TYPES[name][exporter], f"{name} ({exporter})")


def test_characteristic_structure(small_export):
    check_counts(small_export)
    if small_export.name in FAMILY_CHECKS:
        FAMILY_CHECKS[small_export.name](small_export.proto)


def test_identity_nodes_only_alias_initializers(small_export):
    proto = small_export.proto
    initializers = {t.name for t in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Identity":
            assert node.input[0] in initializers, node.name


def test_strict_families_use_strict_ops(small_export):
    extra = op_types(small_export.proto) - STRICT_OPS
    if small_export.name in zoo.STRICT_FAMILIES:
        assert not extra, f"{small_export.name} exports {sorted(extra)}"
    else:
        assert extra, f"{small_export.name} should not be in STRICT_FAMILIES"


@pytest.mark.parametrize("name", ["vgg11", "vgg16"])
def test_vgg_batch_norm_variant_is_folded(name):
    case = export_case(name, batch_norm=True)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in case.model.modules())
    assert_matches_torch(case)
    assert op_types(case.proto) == set(zoo.OP_TYPES[name]["torchscript"])
    assert op_counts(case.proto)["Conv"] == EXPECTED_COUNTS[name]["Conv"]


@pytest.mark.parametrize("name", zoo.FAMILIES)
def test_parameter_counts_match_torchvision(name):
    with torch.device("meta"):
        model = zoo.BUILDERS[name](1000)
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_PARAMETERS[name]
    if name in TORCHVISION_BN_PARAMETERS:
        with torch.device("meta"):
            model = zoo.BUILDERS[name](1000, batch_norm=True)
        n_parameters = sum(p.numel() for p in model.parameters())
        assert n_parameters == TORCHVISION_BN_PARAMETERS[name]


def test_build_is_deterministic():
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    model_a, x_a = zoo.build("resnet18", seed=3)
    model_b, x_b = zoo.build("resnet18", seed=3)
    assert torch.equal(state, torch.random.get_rng_state())  # global RNG untouched
    assert not model_a.training
    assert torch.equal(x_a, x_b)
    sd_a, sd_b = model_a.state_dict(), model_b.state_dict()
    assert sd_a.keys() == sd_b.keys()
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)

    model_c, x_c = zoo.build("resnet18", seed=4)
    assert not torch.equal(x_a, x_c)
    assert not torch.equal(sd_a["conv1.weight"], model_c.state_dict()["conv1.weight"])


def test_build_options():
    model, x = zoo.build("squeezenet1_1", width=0.5, image_size=32, batch_size=3,
                         num_classes=7)
    assert tuple(x.shape) == (3, 3, 32, 32)
    with torch.no_grad():
        assert tuple(model(x).shape) == (3, 7)
    assert model.features[0].out_channels == 32
    model, x = zoo.build("squeezenet1_1", full=True)
    assert tuple(x.shape) == (1, 3, 224, 224)
    assert model.features[0].out_channels == 64


def test_build_calibrates_batch_norm():
    model, _ = zoo.build("resnet18")
    assert not torch.equal(model.bn1.running_var, torch.ones_like(model.bn1.running_var))
    assert model.bn1.momentum == 0.1
    model, _ = zoo.build("resnet18", calibrate=False)
    assert torch.equal(model.bn1.running_var, torch.ones_like(model.bn1.running_var))


@pytest.mark.parametrize("kwargs", [{"width": 0}, {"width": -1.0}])
def test_build_rejects_bad_width(kwargs):
    with pytest.raises(ValueError, match="width must be positive"):
        zoo.build("resnet18", **kwargs)


def test_build_rejects_unknown_family():
    with pytest.raises(ValueError, match="resnet19"):
        zoo.build("resnet19")


def test_stochastic_depth_is_identity_in_eval():
    layer = zoo.StochasticDepth(0.5)
    x = torch.ones(64, 3)
    assert layer.eval()(x) is x
    with torch.random.fork_rng(devices=[]):  # seeded, the global RNG left as it was
        torch.manual_seed(0)
        dropped = layer.train()(x)
    assert set(dropped[:, 0].tolist()) == {0.0, 2.0}


def test_export_onnx_writes_path(tmp_path):
    model, x = zoo.build("squeezenet1_1")
    path = tmp_path / "squeezenet.onnx"
    proto = zoo.export_onnx(model, x, path)
    assert path.is_file()
    assert onnx.load(path) == proto
    assert [f.name for f in tmp_path.iterdir()] == ["squeezenet.onnx"]  # one file


def test_export_onnx_opset():
    model, x = zoo.build("resnet18")
    proto = zoo.export_onnx(model, x, opset=17)
    assert {o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")} == {17}
    assert_matches_torch(Export("resnet18", model, x, proto, model(x).detach().numpy()))


def test_tmp_onnx_fixture(tmp_onnx, tmp_path):
    model, x = zoo.build("squeezenet1_1")
    path = tmp_onnx(model, x, "sq")
    assert path == tmp_path / "sq.onnx"
    assert op_types(onnx.load(path)) == set(zoo.OP_TYPES["squeezenet1_1"]["torchscript"])


def test_zoo_onnx_fixture_caches(zoo_onnx):
    path = zoo_onnx("squeezenet1_1")
    assert zoo_onnx("squeezenet1_1") == path
    assert zoo_onnx("squeezenet1_1", seed=1) != path
    assert op_types(onnx.load(path)) == set(zoo.OP_TYPES["squeezenet1_1"]["torchscript"])


def test_dynamo_export_small():
    case = export_case("squeezenet1_1", dynamo=True)
    assert_matches_torch(case)
    assert op_types(case.proto) == set(zoo.OP_TYPES["squeezenet1_1"]["dynamo"])
    assert_exporter_reads_every_op_type(op_types(case.proto), "squeezenet1_1")


@pytest.mark.slow
@pytest.mark.parametrize("name", zoo.FAMILIES)
def test_dynamo_export(name):
    case = export_case(name, dynamo=True)
    assert_matches_torch(case)
    assert op_types(case.proto) == set(zoo.OP_TYPES[name]["dynamo"])
    assert_default_domain(case.proto)
    assert_exporter_reads_every_op_type(op_types(case.proto), name)


@pytest.mark.slow
@pytest.mark.parametrize("name", zoo.FAMILIES)
def test_full_size(name):
    case = export_case(name, full=True)
    assert tuple(case.x.shape) == (1, 3, 224, 224)
    assert_matches_torch(case)
    assert op_types(case.proto) == set(zoo.OP_TYPES[name]["torchscript"])
    assert_exporter_reads_every_op_type(op_types(case.proto), name)
    check_counts(case, full=True)
    if name in FAMILY_CHECKS:
        FAMILY_CHECKS[name](case.proto)
