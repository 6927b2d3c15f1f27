"""One handler per ONNX operator family, behind a registry by op type.

A handler is a function ``handler(ctx, node)`` registered for one or more op types with
:func:`register`. It reads the node's inputs through the walk's context
(:class:`exporters._context.Context`), records the node maps
(:class:`exporters._nodemap.NodeMap`) of its outputs and, for a learnable operator, a
new layer and its junctions. For a case it does not cover it raises
:class:`Unsupported` with the reason; the walk turns that into an error naming the
operator and node or, in lenient mode, into a cut. Any other exception that escapes a
handler (other than a :class:`~netgraph.NetgraphError`) is a bug in the handler: the
read stops with a :class:`~netgraph.HandlerError` naming the handler, the node and the
exception, in strict and lenient mode alike.

**Discovery.** Every module of this package whose name does not start with an
underscore is a handler module. They are found with :mod:`pkgutil`
(:func:`netgraph.utils.modules.import_submodules`) and imported, in name order, on the
first call of :func:`handler_for`, :func:`spec_for` or :func:`supported_ops`, not when
:mod:`exporters` is imported; a new operator family is a new file and nothing else.
Modules starting with an underscore (``_util``, ``_geometry``) hold helpers.

**One handler per operator.** A second registration of an op type in the same domain
raises :class:`~netgraph.HandlerError` naming the op and both handlers.

**Declared properties.** What the walk needs to know about an operator before (or
instead of) calling its handler is declared with the registration, see
:func:`register`: whether the handler reads inputs transposed to (features, batch),
whether it reads only its input's shape, whether its subgraphs' reads from the outer
scope count as inputs, whether the operator is supported at all, and which layout an
input layer read by it has.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

__all__ = ["Unsupported", "HandlerSpec", "INPUT_LAYOUTS", "register", "handler_for", "spec_for", "supported_ops"]

#: The input layouts a handler may declare (see :func:`register`).
INPUT_LAYOUTS = ("channels", "features_last", "flat", "unit_axes", "perm")

_REGISTRY: dict[tuple[str, str], "HandlerSpec"] = {}
_loaded = False
_loading = False


class Unsupported(Exception):
    """Raised by a handler for a case it does not cover; carries the reason.

    The walk turns it into an error naming the operator and the node, or, in lenient
    mode, into a cut of the graph at that node. It is the only way to a cut: any other
    exception raised by a handler is reported as a bug in the handler.

    Parameters
    ----------
    reason : str
        Why the node cannot be read, as a clause that follows "unsupported operator
        <op> node <name>: " in the error message.
    error : type, optional
        The :class:`~netgraph.UnsupportedOperatorError` subclass to raise (default that
        class itself). :class:`~netgraph.ControlFlowError` is raised in lenient mode
        too: it is never turned into a cut.

    Examples
    --------
    >>> exc = Unsupported("Concat along the batch axis")
    >>> str(exc), exc.error is None
    ('Concat along the batch axis', True)
    """

    def __init__(self, reason: str, *, error=None):
        super().__init__(reason)
        self.reason = reason
        #: The error class to raise; None for :class:`~netgraph.UnsupportedOperatorError`.
        self.error = error


class HandlerSpec(NamedTuple):
    """One registration: an operator, its handler and the properties it declared.

    The attributes are those of :func:`register`; ``function`` is the handler itself.

    Examples
    --------
    >>> spec = spec_for("Gemm")
    >>> spec.name, spec.reads_batch_last, spec.input_layout
    ('exporters.ops.gemm.gemm', True, None)
    """

    function: Callable
    op_type: str
    domain: str = ""
    supported: bool = True
    reads_batch_last: bool = False
    reads_shape_only: bool = False
    reads_captures: bool = False
    input_layout: str | None = None

    @property
    def name(self) -> str:
        """The handler's qualified name, ``module.function``."""
        return f"{self.function.__module__}.{self.function.__qualname__}"


def _domain(domain: str) -> str:
    return "" if domain == "ai.onnx" else domain


def _check_op_types(op_types) -> None:
    from netgraph.exceptions import InvalidParameterError

    if not op_types or not all(isinstance(op, str) and op for op in op_types):
        raise InvalidParameterError(f"op_types must be one or more operator type names; got {op_types!r}")


def register(*op_types: str, domain: str = "", supported: bool = True, reads_batch_last: bool = False,
             reads_shape_only: bool = False, reads_captures: bool = False, input_layout: str | None = None):
    """Register the decorated function as the handler of ``op_types`` in ``domain``.

    Parameters
    ----------
    *op_types : str
        The ONNX operator types the handler reads.
    domain : str, default ""
        The operator set domain; ``""`` and ``"ai.onnx"`` are the same (default) domain.
    supported : bool, default True
        False for a handler that only states why the operator cannot be read (it raises
        :class:`Unsupported` for every node: recurrent and control-flow operators). Such
        an operator is left out of :func:`supported_ops`, and the walk hands its handler
        every node on the path, inputs transposed to (features, batch) included, so
        that the handler's reason is the one reported.
    reads_batch_last : bool, default False
        True if the handler itself deals with a 2-D input that a Transpose turned into
        (features, batch) (``NodeMap.batch_last``):
        ``Gemm`` reads it with ``transA=1``, ``Transpose`` turns it back. The walk
        refuses such an input for every other supported operator.
    reads_shape_only : bool, default False
        True if the handler reads only the shape of its first input (``Shape``,
        ``Size``): the walk calls it also when that input is not on the path (instead
        of folding the node), and input-layout inference does not count the node as a
        reader of the data.
    reads_captures : bool, default False
        True for an operator with subgraphs (``If``, ``Loop``, ``Scan``,
        ``SequenceMap``): the names its subgraphs read from the outer scope count as
        its inputs when the walk decides whether the node is on the path.
    input_layout : {"channels", "features_last", "flat", "unit_axes", "perm"}, optional
        How the operator reads its data input, which decides the nodes of a graph input
        read by it (see :func:`exporters._inputs.add_input`): ``"channels"`` whole
        channel maps on axis 1 (Conv, pooling); ``"features_last"`` features on the last
        axis (MatMul); ``"flat"`` the elements in order, axes merged (Flatten,
        Reshape); ``"unit_axes"`` a reshape that only inserts or removes axes of size 1
        (Squeeze, Unsqueeze); ``"perm"`` axes permuted by the node's ``perm``
        (Transpose). None (the default) says nothing about the layout.

    Returns
    -------
    callable
        A decorator that registers its function and returns it unchanged.

    Raises
    ------
    netgraph.HandlerError
        An op type already has a handler in this domain (the message names the op and
        both handlers). Registering again from a function of the same module and name,
        as when a module is imported a second time (:func:`importlib.reload`), replaces
        the earlier registration instead.
    netgraph.InvalidParameterError
        No op type, or an unknown ``input_layout``, or a property that is not a bool.

    Examples
    --------
    >>> @register("Identity_", domain="example.netgraph")
    ... def identity(ctx, node):
    ...     ctx.set_map(node.output[0], ctx.node_map(node.input[0]))
    >>> handler_for("Identity_", "example.netgraph") is identity
    True
    >>> register("Identity_", domain="example.netgraph")(lambda ctx, node: None)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.HandlerError: two handlers for operator Identity_ (domain 'example.netgraph'): ...
    """
    from netgraph.utils.check import check_bool, check_choice

    _check_op_types(op_types)
    flags = {name: check_bool(value, name) for name, value in (
        ("supported", supported), ("reads_batch_last", reads_batch_last),
        ("reads_shape_only", reads_shape_only), ("reads_captures", reads_captures))}
    if input_layout is not None:
        check_choice(input_layout, "input_layout", INPUT_LAYOUTS)
    domain = _domain(domain)

    def deco(fn):
        _load()  # the built-in handlers first, so that a clash is found here, whatever the order
        specs = [HandlerSpec(fn, op, domain, input_layout=input_layout, **flags) for op in op_types]
        for spec in specs:
            _check_duplicate(_REGISTRY.get((domain, spec.op_type)), spec)
        for spec in specs:
            _REGISTRY[(domain, spec.op_type)] = spec
        return fn

    return deco


def _check_duplicate(old: HandlerSpec | None, new: HandlerSpec) -> None:
    """Raise if ``new`` registers an op that ``old`` holds, unless both are one definition."""
    if old is None:
        return
    if old.function is not new.function and old.name == new.name:
        return  # the same module imported again: its functions are new objects
    from netgraph.exceptions import HandlerError

    raise HandlerError(
        f"two handlers for operator {new.op_type} (domain {new.domain!r}): {old.name} and {new.name}; "
        "an operator has one handler: remove one of the registrations"
    )


def _load() -> None:
    """Import every non-underscore module of this package, once (a no-op while it runs)."""
    global _loaded, _loading
    if _loaded or _loading:
        return
    from netgraph.utils.modules import import_submodules

    _loading = True
    try:
        import_submodules(__name__)
        _loaded = True
    finally:
        _loading = False


def spec_for(op_type: str, domain: str = "") -> HandlerSpec | None:
    """The registration of ``op_type`` in ``domain``, or None.

    Parameters
    ----------
    op_type : str
        An ONNX operator type.
    domain : str, default ""
        Its domain; ``""`` and ``"ai.onnx"`` are one domain.

    Returns
    -------
    HandlerSpec or None
        The handler and its declared properties; None if the operator has no handler.

    Examples
    --------
    >>> spec_for("Shape").reads_shape_only, spec_for("Det_", "custom.domain")
    (True, None)
    """
    _load()
    return _REGISTRY.get((_domain(domain), op_type))


def handler_for(op_type: str, domain: str = ""):
    """The handler function of ``op_type`` in ``domain``, or None.

    Parameters
    ----------
    op_type : str
        An ONNX operator type.
    domain : str, default ""
        Its domain; ``""`` and ``"ai.onnx"`` are one domain.

    Returns
    -------
    callable or None
        ``handler(ctx, node)``; None if the operator has no handler. Operators that are
        registered only to state why they are refused (``supported=False``) have one
        too.

    Examples
    --------
    >>> handler_for("Conv", "ai.onnx").__module__
    'exporters.ops.conv'
    """
    spec = spec_for(op_type, domain)
    return None if spec is None else spec.function


def supported_ops() -> list[str]:
    """Sorted op types of the default domain that the walk reads.

    Operators registered with ``supported=False`` (recurrent and control-flow
    operators, whose handlers only say why they are refused) are left out.

    Returns
    -------
    list of str
        The op types, sorted.

    Examples
    --------
    >>> from exporters.ops import supported_ops
    >>> {"Gemm", "Conv", "MatMul", "Add", "Flatten"} <= set(supported_ops())
    True
    >>> "Loop" in supported_ops()
    False
    """
    _load()
    return sorted(op for (dom, op), spec in _REGISTRY.items() if dom == "" and spec.supported)
