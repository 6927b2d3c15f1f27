"""Transpose: the labels are permuted as the tensor is, and the batch axis is followed.

A permutation that keeps the batch axis first permutes the label arrays. One that moves
it (torch's sequence-first layouts: (batch, sequence, features) to (sequence, batch,
features) around a recurrent or attention layer, a 2-D (batch, features) tensor turned
into (features, batch) for a Gemm with ``transA=1``) records where the batch axis went
(:attr:`NodeMap.batch_axis <exporters._nodemap.NodeMap>`) and permutes the labels of the
other axes: the feature axis still carries the nodes, and a Transpose back restores the
batch-first layout. A tensor without a batch axis of its own (a batch of one merged with
other axes, :attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`) has its labels permuted
with every axis; the batch's place follows the axis it precedes.
ONNX reference: https://onnx.ai/onnx/operators/onnx__Transpose.html
"""

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["transpose", "permute"]


def permute(nmap, perm) -> NodeMap:
    """The node map of ``Transpose(perm)`` of a tensor labelled by ``nmap``.

    Parameters
    ----------
    nmap : exporters._nodemap.NodeMap
        The input's labels (its batch axis at ``nmap.batch_axis``).
    perm : sequence of int
        The permutation of the tensor's axes, batch axis included.

    Returns
    -------
    exporters._nodemap.NodeMap
        The output's labels, with the batch axis where ``perm`` puts it.

    Examples
    --------
    A (batch, 5, 3) map with features last, made sequence-first and back:

    >>> m = NodeMap.layer_nodes(0, 3, (5, 3), axis=1)
    >>> s = permute(m, [1, 0, 2])
    >>> s.batch_axis, s.shape, s.vector(1)[1].tolist()
    (1, (5, 3), [0, 1, 2])
    >>> b = permute(s, [1, 0, 2])
    >>> b.batch_axis, b.shape
    (0, (5, 3))

    torch's attention heads, (sequence, batch x heads, head features) to (batch x heads,
    sequence, head features), the batch of one merged with the heads (absorbed, before
    axis 1), goes before axis 0:

    >>> h = permute(NodeMap.layer_nodes(0, 4, (5, 2, 4), axis=2).absorbed_at(1), [1, 0, 2])
    >>> h.absorbed, h.batch_axis, h.shape, h.explicit_shape()
    (True, 0, (2, 5, 4), (1, 2, 5, 4))
    """
    perm = [int(p) for p in perm]
    rank = nmap.rank
    if sorted(perm) != list(range(rank)):
        raise Unsupported(f"perm={perm} is not a permutation of the {rank} axes of its input")
    if nmap.absorbed:
        p = nmap.batch_axis
        place = None if p is None else perm.index(p) if p < rank else perm.index(rank - 1) + 1
        return nmap.transpose(perm).absorbed_at(place)
    b = nmap.batch_axis
    new_b = perm.index(b)

    def label(a):  # an axis of the tensor -> an axis of the labels
        return a if a < b else a - 1

    label_perm = [label(perm[k]) for k in range(rank) if k != new_b]
    moved = nmap.transpose(label_perm)
    return NodeMap(moved.layer, moved.unit, moved.axis, batch_axis=new_b)


@register("Transpose", reads_batch_last=True, input_layout="perm")
def transpose(ctx, node):
    """Permute the label arrays with the node's ``perm`` and follow the batch axis."""
    m = ctx.node_map(node.input[0])
    perm = list(attrs(node).get("perm") or reversed(range(m.rank)))
    ctx.set_map(node.output[0], permute(m, perm))
