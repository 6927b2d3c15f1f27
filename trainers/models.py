"""The networks of Hou & Kwok, as torch modules parametrised by input shape and classes.

=============  ==================================================  ========================
name           architecture                                        optimiser (paper)
=============  ==================================================  ========================
``mlp``        input-1024FC-1024FC-10                              SGD with momentum
``cnn``        32C5-MP2-32C5-MP2-256FC-10 (the MNIST CNN)          SGD with momentum
``cifar-cnn``  32C3-32C3-MP2-64C3-64C3-MP2-512FC-10                RMSprop
=============  ==================================================  ========================

Every hidden layer is followed by a ReLU; the last layer gives logits (the softmax is in
the loss, :func:`torch.nn.functional.cross_entropy`, so the exported ONNX ends with the
output Gemm). The CIFAR CNN has dropout (0.25 after each pooling, 0.5 before the output
layer), as in the Keras example that defined this architecture; dropout is the identity
in the exported (evaluation-mode) model. Layers are named ``conv1``, ``conv2``, ...,
``fc1``, ``fc2``, ..., so ONNX node names read ``/conv1/Conv``, ``/fc1/Gemm``.

Padding
-------
The convolutions are unpadded ("valid"), as in the paper: a conv1 node of the MNIST CNN
has 24 x 24 output positions. When the input is too small for that (a feature map
would become smaller than a kernel, or than a 2x2 pooling window; the 8x8 digits
images with 5x5 kernels, for instance), every convolution of the network uses "same"
padding (``kernel_size // 2`` zeros on each side, which keeps the map's size) so that only
the poolings shrink the maps. The model logs this, and records it in its ``padding``
attribute and in its ``architecture`` string. ``padding="valid"`` or ``"same"`` forces
one or the other; an input too small even with "same" padding is an error.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import torch
from torch import nn

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_choice, check_int, check_real
from trainers._registry import MODELS, PADDINGS

__all__ = ["MODELS", "Network", "mlp", "mnist_cnn", "cifar_cnn", "build_model", "check_input_shape"]

logger = logging.getLogger(__name__)


class Network(nn.Sequential):
    """A feed-forward network with named layers and a record of how it was built.

    Parameters
    ----------
    layers : OrderedDict of str to torch.nn.Module
        The layers, in order; the last ``Linear`` is the output layer.
    name : str
        The model's name (a key of :data:`MODELS`, or any name).
    input_shape : tuple of int
        The shape of one input sample, (C, H, W) or (features,).
    n_classes : int
        Number of outputs.
    architecture : str
        A readable description, e.g. ``"1x8x8-1024FC-1024FC-10"``.
    padding : {"valid", "same", "none"}
        The convolutions' padding (``"none"`` for a network without convolution).

    Attributes
    ----------
    output_layer : str
        The name of the output layer, which pruning leaves dense.
    """

    def __init__(self, layers, *, name: str, input_shape, n_classes: int, architecture: str, padding: str = "none"):
        super().__init__(layers)
        self.name = name
        self.input_shape = tuple(int(d) for d in input_shape)
        self.n_classes = int(n_classes)
        self.architecture = architecture
        self.padding = padding

    @property
    def output_layer(self) -> str:
        """The name of the last learnable layer, the output one."""
        return self.learnable_layers()[-1][0]

    def learnable_layers(self) -> list[tuple[str, nn.Module]]:
        """The ``(name, module)`` of every Linear and Conv2d layer, in order."""
        return [(n, m) for n, m in self.named_children() if isinstance(m, (nn.Linear, nn.Conv2d))]

    def prunable_layers(self) -> list[tuple[str, nn.Module]]:
        """The learnable layers but the output one: those that magnitude pruning thins."""
        return self.learnable_layers()[:-1]


# ---------------------------------------------------------------------- checks
def _check_shape(input_shape, *, image: bool) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in input_shape)
        ok = all(int(d) == d for d in input_shape)
    except (TypeError, ValueError):
        shape, ok = (), False
    if not ok or not shape or any(d < 1 for d in shape) or (image and len(shape) != 3):
        want = "(channels, height, width)" if image else "(channels, height, width) or (features,)"
        raise InvalidParameterError(f"input_shape must be {want} with positive sizes; got {input_shape!r}")
    return shape


def check_input_shape(model, image_shape) -> None:
    """Check that ``model`` takes samples of ``image_shape``.

    Parameters
    ----------
    model : Network
        A model made by :func:`build_model`.
    image_shape : tuple of int
        The shape of one sample of the data, e.g. :attr:`trainers.data.Dataset.image_shape`.

    Raises
    ------
    InvalidParameterError
        If the shapes differ (the message gives both).

    Examples
    --------
    >>> check_input_shape(mlp((1, 8, 8), 10), (1, 28, 28))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: model 'mlp' takes inputs of shape 1x8x8, the data has 1x28x28: ...
    """
    want, got = tuple(model.input_shape), tuple(int(d) for d in image_shape)
    if want != got:
        raise InvalidParameterError(
            f"model {model.name!r} takes inputs of shape {_fmt(want)}, the data has {_fmt(got)}: "
            "build the model for the data's shape"
        )


def _fmt(shape) -> str:
    return "x".join(map(str, shape))


# ---------------------------------------------------------------------- the networks
def mlp(input_shape, n_classes: int = 10, *, hidden=(1024, 1024)) -> Network:
    """The MLP of Hou & Kwok: input-1024FC-1024FC-10, ReLU after each hidden layer.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, (C, H, W) or (features,); it is flattened.
    n_classes : int, default 10
        Number of outputs.
    hidden : sequence of int, default (1024, 1024)
        Sizes of the hidden layers.

    Returns
    -------
    Network
        Layers ``flatten``, ``fc1``, ``relu1``, ..., ``fc{len(hidden) + 1}`` (the output).

    Raises
    ------
    InvalidParameterError
        A bad shape, a class count below 2, or a hidden size below 1.

    Examples
    --------
    >>> net = mlp((1, 8, 8), 10)
    >>> net.architecture, net.output_layer
    ('1x8x8-1024FC-1024FC-10', 'fc3')
    >>> [name for name, _ in net.prunable_layers()]
    ['fc1', 'fc2']
    """
    shape = _check_shape(input_shape, image=False)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    hidden = tuple(hidden)
    if not hidden:
        raise InvalidParameterError(f"hidden must be a non-empty sequence of positive integers; got {hidden!r}")
    hidden = tuple(check_int(h, f"hidden[{i}]", minimum=1) for i, h in enumerate(hidden))
    layers: OrderedDict[str, nn.Module] = OrderedDict(flatten=nn.Flatten())
    width = 1
    for d in shape:
        width *= d
    for i, h in enumerate(hidden, 1):
        layers[f"fc{i}"] = nn.Linear(width, h)
        layers[f"relu{i}"] = nn.ReLU()
        width = h
    layers[f"fc{len(hidden) + 1}"] = nn.Linear(width, n_classes)
    arch = "-".join([_fmt(shape), *(f"{h}FC" for h in hidden), str(n_classes)])
    return Network(layers, name="mlp", input_shape=shape, n_classes=n_classes, architecture=arch)


def _conv_plan(shape, blocks, padding: str, name: str):
    """Choose the padding and compute the map size after each block.

    ``blocks`` is a list of lists of (out_channels, kernel) convolutions, each block
    followed by a 2x2 max pooling. Returns (padding, final (C, H, W)).
    """

    def run(pad: bool):
        c, h, w = shape
        for block in blocks:
            for out, k in block:
                if not pad and (h < k or w < k):
                    return None, f"a {h}x{w} map meets a {k}x{k} kernel"
                if not pad:
                    h, w = h - k + 1, w - k + 1
                c = out
            if h < 2 or w < 2:
                return None, f"a {h}x{w} map meets a 2x2 pooling"
            h, w = h // 2, w // 2
        return (c, h, w), None

    if padding in ("auto", "valid"):
        final, why = run(False)
        if final is not None:
            return "valid", final
        if padding == "valid":
            raise InvalidParameterError(f"input {_fmt(shape)} is too small for {name!r} without padding ({why}); "
                                        "use padding='same' or 'auto'")
        logger.info("%s: input %s is too small for unpadded convolutions (%s); every convolution uses 'same' "
                    "padding (kernel_size // 2)", name, _fmt(shape), why)
    final, why = run(True)
    if final is None:
        raise InvalidParameterError(f"input {_fmt(shape)} is too small for {name!r} even with 'same' padding ({why})")
    return "same", final


def _cnn(name, input_shape, n_classes, blocks, fc, padding, dropout):
    shape = _check_shape(input_shape, image=True)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    check_choice(padding, "padding", PADDINGS)
    padding, (c, h, w) = _conv_plan(shape, blocks, padding, name)
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    in_ch, n_conv, parts = shape[0], 0, []
    for b, block in enumerate(blocks, 1):
        for out, k in block:
            n_conv += 1
            layers[f"conv{n_conv}"] = nn.Conv2d(in_ch, out, k, padding=k // 2 if padding == "same" else 0)
            layers[f"relu_conv{n_conv}"] = nn.ReLU()
            parts.append(f"{out}C{k}")
            in_ch = out
        layers[f"pool{b}"] = nn.MaxPool2d(2)
        parts.append("MP2")
        if dropout:
            layers[f"dropout{b}"] = nn.Dropout(dropout[0])
    layers["flatten"] = nn.Flatten()
    layers["fc1"] = nn.Linear(c * h * w, fc)
    layers["relu_fc1"] = nn.ReLU()
    if dropout:
        layers["dropout_fc1"] = nn.Dropout(dropout[1])
    layers["fc2"] = nn.Linear(fc, n_classes)
    parts += [f"{fc}FC", str(n_classes)]
    arch = f"{_fmt(shape)}-" + "-".join(parts) + (" ('same' padding)" if padding == "same" else "")
    return Network(layers, name=name, input_shape=shape, n_classes=n_classes, architecture=arch, padding=padding)


def mnist_cnn(input_shape=(1, 28, 28), n_classes: int = 10, *, padding: str = "auto") -> Network:
    """The MNIST CNN of Hou & Kwok: 32C5-MP2-32C5-MP2-256FC-10 (similar to LeNet-5).

    Parameters
    ----------
    input_shape : tuple of int, default (1, 28, 28)
        (C, H, W) of one image.
    n_classes : int, default 10
        Number of outputs.
    padding : {"auto", "valid", "same"}, default "auto"
        "auto": unpadded convolutions, or "same" padding for all of them when the input
        is too small (module documentation).

    Returns
    -------
    Network
        Layers ``conv1``, ``pool1``, ``conv2``, ``pool2``, ``fc1``, ``fc2`` (and ReLUs).

    Raises
    ------
    InvalidParameterError
        A bad shape or class count, or an input too small for the network.

    Examples
    --------
    >>> mnist_cnn((1, 28, 28)).architecture
    '1x28x28-32C5-MP2-32C5-MP2-256FC-10'
    >>> net = mnist_cnn((1, 8, 8))            # the digits images are too small for 5x5 valid convs
    >>> net.padding, net.fc1.in_features     # 8 -> 8 -> 4 -> 4 -> 2: 32 x 2 x 2
    ('same', 128)
    """
    return _cnn("cnn", input_shape, n_classes, [[(32, 5)], [(32, 5)]], 256, padding, None)


def cifar_cnn(input_shape=(3, 32, 32), n_classes: int = 10, *, padding: str = "auto",
              dropout=(0.25, 0.5)) -> Network:
    """The CIFAR-10 CNN of Hou & Kwok: 32C3-32C3-MP2-64C3-64C3-MP2-512FC-10.

    Parameters
    ----------
    input_shape : tuple of int, default (3, 32, 32)
        (C, H, W) of one image.
    n_classes : int, default 10
        Number of outputs.
    padding : {"auto", "valid", "same"}, default "auto"
        As for :func:`mnist_cnn`.
    dropout : (float, float) or None, default (0.25, 0.5)
        Dropout rates after each pooling and before the output layer; None for none.

    Returns
    -------
    Network
        Layers ``conv1`` to ``conv4``, ``pool1``, ``pool2``, ``fc1``, ``fc2`` (and ReLUs,
        dropouts).

    Raises
    ------
    InvalidParameterError
        A bad shape, class count, padding or dropout rate, or an input too small for the
        network.

    Examples
    --------
    >>> net = cifar_cnn()
    >>> net.architecture, net.fc1.in_features   # 32 -> 30 -> 28 -> 14 -> 12 -> 10 -> 5
    ('3x32x32-32C3-32C3-MP2-64C3-64C3-MP2-512FC-10', 1600)
    """
    if dropout is not None:
        dropout = tuple(dropout)
        if len(dropout) != 2:
            raise InvalidParameterError(f"dropout must be two rates in [0, 1) or None; got {dropout!r}")
        dropout = tuple(check_real(p, f"dropout[{i}]", minimum=0, maximum=1, open_maximum=True)
                        for i, p in enumerate(dropout))
    return _cnn("cifar-cnn", input_shape, n_classes, [[(32, 3), (32, 3)], [(64, 3), (64, 3)]], 512, padding,
                dropout)


def build_model(name: str, input_shape, n_classes: int = 10, *, seed=None, **options) -> Network:
    """Build one of :data:`MODELS` for inputs of ``input_shape``.

    Parameters
    ----------
    name : {"mlp", "cnn", "cifar-cnn"}
        The network.
    input_shape : tuple of int
        Shape of one sample, e.g. :attr:`trainers.data.Dataset.image_shape`.
    n_classes : int, default 10
        Number of outputs.
    seed : int, optional
        If given, the weights are initialised from ``torch.manual_seed(seed)`` without
        disturbing torch's global random state; otherwise from that global state.
    **options
        Passed to :func:`mlp`, :func:`mnist_cnn` or :func:`cifar_cnn`.

    Returns
    -------
    Network

    Raises
    ------
    InvalidParameterError
        Unknown name, or bad shape or options.

    Examples
    --------
    >>> a = build_model("mlp", (1, 8, 8), seed=0)
    >>> b = build_model("mlp", (1, 8, 8), seed=0)
    >>> bool((a.fc1.weight == b.fc1.weight).all())
    True
    """
    builders = {"mlp": mlp, "cnn": mnist_cnn, "cifar-cnn": cifar_cnn}
    check_choice(name, "name", builders)
    if seed is None:
        return builders[name](input_shape, n_classes, **options)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return builders[name](input_shape, n_classes, **options)
