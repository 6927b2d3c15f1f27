"""Which graph node each element of a tensor belongs to.

A :class:`NodeMap` labels every element of a tensor (the batch axis left out) with a
layer index and a unit (node) index. A convolutional feature map of shape (C, H, W) is
labelled by channel: its labels vary along axis 0 only. After Flatten, feature ``k`` of a
(C, H, W) map carries the label of channel ``k // (H*W)``, because Flatten is a reshape
of the label array. Reshape, Transpose, Concat, Split and Slice act on the label arrays
exactly as they act on the tensor, so any rearrangement of the channels is tracked.

**An absorbed batch axis.** netgraph reads a model for one sample. When the batch size is
known to be 1, a Reshape may merge the batch axis with its neighbours, as torch's
``nn.MultiheadAttention`` does ((sequence, batch, features) to (sequence, batch x heads,
head features), and (sequence x batch, features) before the output projection). The
tensor then has no batch axis of its own, but its labels are still those of one sample:
an *absorbed* map (:attr:`NodeMap.absorbed`) labels every axis of the tensor, and records
where a batch axis of size 1 would be inserted to give the batch-explicit layout
(:attr:`NodeMap.batch_axis`, None when a reshape split that place). A later reshape
that makes an axis of size 1 at that place gives the batch its axis back
(:func:`exporters.ops.reshape.reshape_map`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["NodeMap"]


class NodeMap:
    """Layer and unit labels of a tensor's elements (batch axis excluded).

    Parameters
    ----------
    layer, unit : ndarray
        Integer arrays of the tensor's non-batch shape (broadcast views are fine).
    axis : int or None
        The feature axis (in label coordinates: the tensor's axes without the batch
        axis) if known.
    batch_last : bool
        True for a 2-D tensor transposed to (features, batch): the same as
        ``batch_axis=1`` there.
    batch_axis : int, optional
        Where the batch axis is in the tensor: 0 (the default) for batch-first data; 1
        for a sequence-first (sequence, batch, features) layout that a Transpose made.
        The labels always have the tensor's shape without that axis. Only the handlers
        registered with ``reads_batch_last=True`` (Gemm with ``transA=1``, Transpose) and
        the operators that do not depend on the layout (element-wise operators, MatMul
        with a weight, operators on the last axis, see :mod:`exporters._walk`) read a
        tensor whose batch axis is not first. For an absorbed map: the axis of the labels
        before which the batch axis (of size 1) would be inserted (``ndim`` after the
        last), or None if no reshape left a place for it.
    absorbed : bool, default False
        True if the tensor has no batch axis of its own: a batch of size 1 was merged with
        other axes. The labels then have the tensor's whole shape.

    Examples
    --------
    The map of a conv layer's output (layer 1, 2 channels of 2x3 maps), then flattened:

    >>> m = NodeMap.layer_nodes(1, 2, (2, 2, 3))
    >>> m.vector(0)[1].tolist()
    [0, 1]
    >>> m.reshape((12,)).unit.tolist()
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    """

    __slots__ = ("layer", "unit", "axis", "batch_axis", "absorbed")

    def __init__(self, layer, unit, axis=None, batch_last=False, batch_axis=None, absorbed=False):
        self.layer = layer
        self.unit = unit
        self.axis = axis
        self.absorbed = bool(absorbed)
        if self.absorbed:
            self.batch_axis = None if batch_axis is None else int(batch_axis)
        else:
            self.batch_axis = int(batch_axis) if batch_axis is not None else np.ndim(layer) if batch_last else 0

    @property
    def batch_last(self) -> bool:
        """True if the batch axis is the tensor's last axis (a (features, batch) matrix)."""
        return not self.absorbed and self.batch_axis != 0 and self.batch_axis == self.layer.ndim

    @property
    def rank(self) -> int:
        """The tensor's rank: the labels' rank, plus one for a batch axis that is not absorbed.

        Examples
        --------
        >>> m = NodeMap.layer_nodes(0, 8, (5, 8), axis=1)
        >>> m.rank, m.absorbed_at(1).rank
        (3, 2)
        """
        return self.layer.ndim + (0 if self.absorbed else 1)

    def absorbed_at(self, place) -> "NodeMap":
        """The same labels as an absorbed map (the tensor has no batch axis), the batch's place at ``place``.

        Parameters
        ----------
        place : int or None
            The axis of the labels before which a batch axis of size 1 would be inserted;
            None if unknown.

        Returns
        -------
        NodeMap

        Examples
        --------
        >>> m = NodeMap.layer_nodes(0, 8, (5, 8), axis=1).absorbed_at(1)
        >>> m.absorbed, m.batch_axis, m.full_shape(), m.explicit_shape()
        (True, 1, (5, 8), (5, 1, 8))
        """
        return NodeMap(self.layer, self.unit, self.axis, batch_axis=place, absorbed=True)

    def explicit_shape(self) -> tuple | None:
        """The tensor's shape with its batch axis of size 1 (inserted at its place if absorbed).

        Returns
        -------
        tuple of int or None
            None for an absorbed map whose batch has no known place.
        """
        if not self.absorbed:
            return self.full_shape()
        if self.batch_axis is None:
            return None
        s = list(self.shape)
        s.insert(self.batch_axis, 1)
        return tuple(s)

    def with_batch_axis(self, batch_axis: int) -> "NodeMap":
        """The same labels with the batch axis at ``batch_axis`` of the tensor.

        Examples
        --------
        >>> NodeMap.layer_nodes(0, 3, (5, 3), axis=1).with_batch_axis(1).batch_axis
        1
        """
        return NodeMap(self.layer, self.unit, self.axis, batch_axis=batch_axis, absorbed=self.absorbed)

    def label_axis(self, axis: int):
        """The axis of the labels that holds axis ``axis`` of the tensor (batch included); None for the batch axis.

        Examples
        --------
        >>> m = NodeMap.layer_nodes(0, 3, (5, 3), axis=1).with_batch_axis(1)
        >>> m.label_axis(0), m.label_axis(1), m.label_axis(2)
        (0, None, 1)

        Every axis of an absorbed map's tensor is an axis of its labels.
        """
        if self.absorbed:
            return axis
        b = self.batch_axis
        return None if axis == b else axis if axis < b else axis - 1

    def full_shape(self, batch: int = 1) -> tuple:
        """The tensor's shape with a batch axis of size ``batch`` at :attr:`batch_axis`.

        For an absorbed map, the shape of its labels (the tensor has no batch axis).

        Examples
        --------
        >>> NodeMap.layer_nodes(0, 3, (5, 3), axis=1).with_batch_axis(1).full_shape()
        (5, 1, 3)
        """
        if self.absorbed:
            return tuple(self.shape)
        s = list(self.shape)
        s.insert(self.batch_axis, batch)
        return tuple(s)

    @classmethod
    def along(cls, layer_vec, unit_vec, shape, axis=0) -> "NodeMap":
        """Labels that vary along ``axis`` only, broadcast to ``shape``.

        Parameters
        ----------
        layer_vec, unit_vec : array_like of int
            The layer and unit of each position along ``axis``.
        shape : tuple of int
            The tensor's non-batch shape.
        axis : int, default 0
            The feature axis.

        Returns
        -------
        NodeMap
            Broadcast views (no copy), with ``axis`` as the hint.
        """
        shape = tuple(int(s) for s in shape)
        view = [1] * len(shape)
        view[axis] = -1
        lv = np.broadcast_to(np.asarray(layer_vec, dtype=np.int64).reshape(view), shape)
        uv = np.broadcast_to(np.asarray(unit_vec, dtype=np.int64).reshape(view), shape)
        return cls(lv, uv, axis)

    @classmethod
    def layer_nodes(cls, layer_index, size, shape, axis=0) -> "NodeMap":
        """The map of a layer's own output tensor: unit ``k`` at position ``k`` along ``axis``.

        Parameters
        ----------
        layer_index : int
            The layer (:meth:`Context.new_layer <exporters._context.Context.new_layer>` gives it).
        size : int
            The layer's number of nodes, the length of ``axis``.
        shape : tuple of int
            The tensor's non-batch shape.
        axis : int, default 0
            The feature axis.

        Returns
        -------
        NodeMap
        """
        return cls.along(np.full(size, layer_index), np.arange(size), shape, axis)

    @property
    def shape(self) -> tuple:
        """The labelled tensor's non-batch shape."""
        return self.layer.shape

    def vector(self, axis=None):
        """``(layers, units)`` along ``axis`` if the labels vary along that axis only, else None.

        Parameters
        ----------
        axis : int, optional
            The axis; None tries the hinted axis first, then every axis.

        Returns
        -------
        tuple of two int arrays, or None
            The layer and unit of each position along the axis; None if the labels vary
            along another axis too (the tensor is not a map of whole channels there).
        """
        nd = self.layer.ndim
        if nd == 0:
            return None
        candidates = [axis] if axis is not None else ([self.axis] if self.axis is not None else []) + list(range(nd))
        for a in candidates:
            if a is None or not -nd <= a < nd:
                continue
            a %= nd
            idx = tuple(slice(None) if d == a else slice(0, 1) for d in range(nd))
            lv, uv = self.layer[idx], self.unit[idx]
            if _constant_elsewhere(self.layer, a) and _constant_elsewhere(self.unit, a):
                return lv.reshape(-1).copy(), uv.reshape(-1).copy()
            if np.array_equal(np.broadcast_to(lv, self.layer.shape), self.layer) and np.array_equal(
                np.broadcast_to(uv, self.unit.shape), self.unit
            ):
                return lv.reshape(-1).copy(), uv.reshape(-1).copy()
        return None

    def feature_axis(self):
        """The axis along which the labels vary (the hint first).

        Returns
        -------
        int or None
            None if no single axis carries the labels.
        """
        nd = self.layer.ndim
        order = ([self.axis] if self.axis is not None else []) + [a for a in range(nd) if a != self.axis]
        for a in order:
            if self.vector(a) is not None:
                return a
        return None

    def same_as(self, other: "NodeMap") -> bool:
        """True if both maps label the same shape identically.

        Parameters
        ----------
        other : NodeMap

        Returns
        -------
        bool
        """
        return (
            self.shape == other.shape
            and np.array_equal(self.layer, other.layer)
            and np.array_equal(self.unit, other.unit)
        )

    def reshape(self, shape) -> "NodeMap":
        """The labels reshaped as the tensor is (C order); the axis hint is dropped.

        Parameters
        ----------
        shape : tuple of int
            The new non-batch shape.

        Returns
        -------
        NodeMap
        """
        return NodeMap(np.reshape(self.layer, shape), np.reshape(self.unit, shape), None)

    def transpose(self, perm) -> "NodeMap":
        """The labels with their axes permuted; the axis hint follows.

        Parameters
        ----------
        perm : list of int
            The permutation of the non-batch axes.

        Returns
        -------
        NodeMap
        """
        axis = perm.index(self.axis) if self.axis is not None and self.axis in perm else None
        return NodeMap(np.transpose(self.layer, perm), np.transpose(self.unit, perm), axis)

    def take(self, index, axis) -> "NodeMap":
        """The labels at ``index`` along ``axis`` (Gather, Split).

        Parameters
        ----------
        index : array_like of int
            Positions along ``axis``.
        axis : int
            A non-batch axis.

        Returns
        -------
        NodeMap
        """
        return NodeMap(np.take(self.layer, index, axis=axis), np.take(self.unit, index, axis=axis), self.axis,
                       batch_axis=self.batch_axis, absorbed=self.absorbed)

    def layers_used(self) -> list[int]:
        """Sorted layer indices that appear in the map.

        Returns
        -------
        list of int
        """
        return sorted(int(x) for x in np.unique(self.layer))


def _constant_elsewhere(arr, axis) -> bool:
    """Cheap test: the array is a broadcast view constant along every axis but ``axis``."""
    return all(arr.strides[d] == 0 or arr.shape[d] == 1 for d in range(arr.ndim) if d != axis)
