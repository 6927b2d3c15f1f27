"""The chain of layers scatter scores: the default chain, the layers of neurons and their shapes.

:func:`neuron_layers` and :func:`model_shapes` are public as ``netgraph.scatter.neuron_layers``
and ``netgraph.scatter.model_shapes``; the rest serves :func:`netgraph.scatter.scatter`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import InvalidParameterError
from netgraph.graph import LayeredGraph

__all__ = ["neuron_layers", "model_shapes"]


def _binary_adjacency(graph: LayeredGraph, source: str, target: str, include_skip: bool) -> sp.csr_array:
    """The 0/1 adjacency of the junctions from ``source`` to ``target``.

    The learnable junctions, or, when there is none, the skip junctions (the edges into a
    residual merge layer) if ``include_skip``; an error if neither joins the two layers.
    """
    parts = [j.count for j in graph.junctions if j.source == source and j.target == target and j.learnable]
    if not parts and include_skip:
        parts = [j.count for j in graph.junctions if j.source == source and j.target == target and not j.recurrent]
    if not parts:
        why = "nor a skip junction" if include_skip else "and skip junctions are left out (include_skip=False)"
        raise InvalidParameterError(f"layers must be a chain of layers joined by junctions; no learnable junction "
                                    f"joins {source!r} to {target!r}, {why}")
    total = sp.csr_array(sum(parts[1:], parts[0]))
    total.eliminate_zeros()
    return sp.csr_array((np.ones(total.nnz, dtype=np.int64), total.indices, total.indptr), shape=total.shape)


def neuron_layers(graph: LayeredGraph) -> list[str]:
    """The layers of neurons a flattened map became (``read_onnx(..., flatten="neurons")``), in topological order.

    Such a layer has kind ``"merge"`` and was made by the node that flattens the map, a
    ``Flatten`` (:func:`exporters.ops.flatten.flattened`; a ``Reshape`` to ``(N, -1)`` that
    reads it the same way): one node per element of a convolutional map, each joined to its
    channel by a skip edge.

    Parameters
    ----------
    graph : LayeredGraph

    Returns
    -------
    list of str

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> skip = [[1, 0], [1, 0], [0, 1], [0, 1]]
    >>> g = LayeredGraph([Layer("c", 2, "conv", (1, 2)), Layer("f", 4, "merge", op="Flatten"), Layer("y", 1, "dense")],
    ...                  [Junction("c", "f", skip, skip, op="Flatten", kind="skip"),
    ...                   Junction("f", "y", [[1, 1, 1, 1]], [[1.0] * 4], op="Gemm")])
    >>> neuron_layers(g)
    ['f']
    """
    return [layer.name for layer in graph.layers if layer.kind == "merge" and layer.op in ("Flatten", "Reshape")]


def _default_chain(graph: LayeredGraph) -> list[str]:
    """The layers junctions touch, in topological order, when the learnable junctions form a chain.

    When the graph holds a layer of neurons of a flattened map (:func:`neuron_layers`), the
    chain starts at the last one: the dense part after the convolutions, as Dey et al. score it
    (the skip edges from a channel to its own neurons are a reshape, not a connection pattern).
    """
    touched = {j.source for j in graph.junctions} | {j.target for j in graph.junctions}
    names = [name for name in graph.layer_names if name in touched]
    neurons = [name for name in neuron_layers(graph) if name in touched]
    if neurons:
        names = names[names.index(neurons[-1]):]
    position = {name: i for i, name in enumerate(names)}
    learnable = [j for j in graph.junctions if j.learnable and j.target in position]
    for j in learnable:
        if position[j.target] != position.get(j.source, -2) + 1:
            raise InvalidParameterError(
                f"layers must be given: the learnable junctions of the graph do not form one chain "
                f"(junction {j.source!r} -> {j.target!r} skips or branches); name the chain's layers in order")
    return names


def _check_layers(graph: LayeredGraph, layers) -> list[str]:
    """The chain's layer names: given, or the default chain; at least two layers, none empty."""
    if layers is None:
        names = _default_chain(graph)
    elif isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise InvalidParameterError(f"layers must be a sequence of layer names; got {layers!r}")
    else:
        names = list(layers)
    if len(names) < 2:
        raise InvalidParameterError(f"layers must be a chain of at least 2 layers; got {names!r}")
    for name in names:
        if graph.layer(name).size == 0:
            raise InvalidParameterError(f"layers must have nodes; layer {name!r} has none")
    return names


def model_shapes(graph: LayeredGraph, names: Sequence[str] | None = None) -> dict:
    """The node shapes the ONNX reader recorded for layers flattened from a tensor, by layer name.

    :func:`exporters.read_onnx` records ``graph.metadata["node_shape:<layer>"]`` (as
    ``"1x28x28"``) for an input whose (batch-less) shape the model flattens into a dense
    layer, and, read with ``flatten="neurons"``, for the layer of neurons of a flattened
    convolutional map (``"256x4x4"``), in row-major order. The axes of size 1 are dropped; a
    shape of more than three other axes, or one whose product is not the layer's size, is
    not used.

    Parameters
    ----------
    graph : LayeredGraph
    names : sequence of str, optional
        The layers to look at (default: all).

    Returns
    -------
    dict of str to tuple of int

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 6, "input"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "y", [[1] * 6, [1] * 6], [[1.0] * 6] * 2, op="Gemm")],
    ...                  metadata={"node_shape:x": "1x2x3"})
    >>> model_shapes(g)
    {'x': (2, 3)}
    """
    out = {}
    for name in graph.layer_names if names is None else names:
        text = graph.metadata.get(f"node_shape:{name}")
        if not text:
            continue
        try:
            dims = tuple(int(t) for t in str(text).split("x"))
        except ValueError:
            continue
        dims = tuple(d for d in dims if d != 1) or (1,)
        if 1 <= len(dims) <= 3 and math.prod(dims) == graph.layer(name).size:
            out[name] = dims
    return out
