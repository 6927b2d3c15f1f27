"""Exceptions raised by netgraph.

Every error that netgraph raises on bad input derives from :class:`NetgraphError`,
so a caller can catch one base class; the command line prints the message on one
line and exits with status 2.
"""

__all__ = [
    "NetgraphError",
    "ModelNotFoundError",
    "InvalidModelError",
    "ExternalDataError",
    "UnsupportedOperatorError",
    "ControlFlowError",
    "InvalidWeightError",
    "NoLearnableJunctionError",
    "LayerNotFoundError",
    "GraphFormatError",
    "InvalidParameterError",
    "DatasetError",
    "FitError",
    "NotFittedError",
    "HandlerError",
    "UnsafeFormatError",
    "ResourceLimitError",
    "PathOverflowError",
    "GraphMismatchError",
]


class NetgraphError(Exception):
    """Base class of every error netgraph raises on bad input."""


class ModelNotFoundError(NetgraphError, FileNotFoundError):
    """A model or graph file does not exist."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class InvalidModelError(NetgraphError, ValueError):
    """A file or object is not a readable ONNX model.

    A corrupt protobuf, a wrong type, no graph, a path that is not a regular file (a FIFO
    or a device), broken wiring found before the walk (a tensor name defined twice, a
    tensor read but never produced, a cycle), or operator settings no runtime accepts
    (Conv strides of 0, a group that does not divide the channels).
    """


class ExternalDataError(NetgraphError):
    """Weights stored as ONNX external data cannot be read (missing or short file)."""


class UnsupportedOperatorError(NetgraphError):
    """An operator on the path from the inputs to the outputs has no handler.

    In lenient mode such an operator becomes a cut instead of an error.
    """


class ControlFlowError(UnsupportedOperatorError):
    """A layer sits inside control flow (If, Loop, Scan); never accepted, not even leniently."""


class InvalidWeightError(NetgraphError, ValueError):
    """A weight tensor holds NaN or infinite values, or is not a constant."""


class NoLearnableJunctionError(NetgraphError):
    """A model has no operator with learnable weights, so its graph would have no edges."""


class LayerNotFoundError(NetgraphError, KeyError):
    """A layer name that the graph does not hold."""

    def __str__(self):
        # KeyError quotes its argument; keep the message readable.
        return str(self.args[0]) if self.args else ""


class GraphFormatError(NetgraphError, ValueError):
    """A graph file has an unknown suffix or is not a netgraph graph."""


class InvalidParameterError(NetgraphError, ValueError):
    """A keyword argument has a value outside its domain."""


class DatasetError(NetgraphError):
    """A data set cannot be loaded: unknown name, missing folder or file, or a malformed file.

    The message names the files expected and where they can be obtained; netgraph never
    downloads a data set.
    """


class FitError(NetgraphError):
    """A distribution cannot be fitted to the data given (too few nodes or distinct values).

    The message gives the reason, so that a caller fitting many layers can report it per
    layer and go on with the others.
    """


class NotFittedError(NetgraphError, AttributeError):
    """A result attribute of an estimator was read before its ``fit`` method was called."""


class HandlerError(NetgraphError):
    """An operator handler of :mod:`exporters` is broken: a bug in netgraph, not in the model.

    Raised when a handler fails with an exception it did not foresee (a ValueError, an
    IndexError, ...) instead of stating why it cannot read the node, in strict and in
    lenient mode alike (a cut is only made for a reason a handler states), and when two
    handlers register for one operator. The message names the handler, the node and
    the exception, which is chained as ``__cause__``.
    """


class UnsafeFormatError(GraphFormatError):
    """A graph file in a format whose loading can run code (a pickle), refused by default.

    Re-save the graph as ``.npz`` or GraphML, or pass ``allow_pickle=True`` to
    :func:`~netgraph.read_graph` (``--allow-pickle`` on the command line) for a file you trust.
    """


class ResourceLimitError(NetgraphError):
    """A file declares more data than the memory budget allows, or reading it ran out of memory.

    The budget is the ``max_bytes`` keyword of :func:`~netgraph.read_graph` and of
    :func:`exporters.read_onnx` (4 GiB by default); the message gives the size declared
    and the budget.
    """


class PathOverflowError(NetgraphError, OverflowError):
    """A path count does not fit its number type.

    Raised by :mod:`netgraph.paths` in ``mode="exact"`` when a count would reach 2**63
    (int64), and in ``mode="float"`` when one would pass the largest float64; the
    message names the layer where it happens and the mode to use instead
    (``mode="float"`` or ``mode="log"``, which computes the logarithms of the counts
    without overflow).
    """


class GraphMismatchError(NetgraphError, ValueError):
    """Two graphs that must have the same layers and junctions do not.

    Raised by :func:`netgraph.attachment.match_graphs` (the two checkpoints of the
    internal preferential attachment analysis); the message names the first difference.
    """
