"""The whole analysis of two checkpoints in one call, and its JSON document.

:func:`attachment_analysis` runs :func:`match_graphs`, :func:`delta_hat`,
:func:`omega_hat`, eq. (8)'s growth factors, the TPL fits at both times, the kernel,
the exponent and the null model, and returns an :class:`AttachmentResult` whose
:meth:`~AttachmentResult.to_dict` is the document of ``netgraph attachment --json``.
"""

from __future__ import annotations

import dataclasses
import math

from netgraph.attachment.delta import delta_hat
from netgraph.attachment.growth import growth_factors, tpl_at_both_times
from netgraph.attachment.kernel import attachment_exponent, attachment_kernel
from netgraph.attachment.match import Matching, match_graphs
from netgraph.attachment.null import null_slopes
from netgraph.attachment.omega import omega_hat
from netgraph.utils.check import check_bool, check_int, check_real, check_seed

__all__ = ["AttachmentResult", "attachment_analysis"]


def _clean(value):
    """NaN and infinities to None, recursively (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


@dataclasses.dataclass
class AttachmentResult:
    """What :func:`attachment_analysis` found.

    Attributes
    ----------
    matching : Matching
    delta : list of DeltaTable
        One per attachment junction.
    omega : list of OmegaLine
        One per layer.
    layers : dict of str to dict
        Per layer: ``growth`` (eq. 8), ``tpl`` (eq. 9; None unless fitted), ``kernel``,
        ``beta``, ``null``, ``removed_connections``.
    options : dict
    fits : dict of str to tuple
        Per layer, the TPL fits at ``t = 0`` and ``t = 1`` (:class:`~netgraph.tpl.TruncatedPowerLaw`
        or None), empty unless fitted.
    """

    matching: Matching
    delta: list
    omega: list
    layers: dict
    options: dict
    fits: dict = dataclasses.field(default_factory=dict)

    def line(self, layer: str):
        """The :class:`OmegaLine` of ``layer``."""
        return next(o for o in self.omega if o.layer == layer)

    def to_dict(self, *, delta: bool = True) -> dict:
        """The JSON document (``delta=False`` leaves out the Delta-hat cells, which can be many)."""
        from netgraph import __version__

        junctions = []
        for ch in self.matching.changes:
            size = self.matching.graph0.layer(ch.source).size
            junctions.append({**ch.to_dict(), "source_size": size,
                              "a": ch.new_connections / size if size else None})
        layers = []
        for o in self.omega:
            layers.append({**o.to_dict(), "size": self.matching.graph0.layer(o.layer).size, **self.layers[o.layer]})
        doc = {"netgraph_version": __version__, "options": self.options, "junctions": junctions, "layers": layers}
        if delta:
            doc["delta"] = [t.to_dict() for t in self.delta]
        return _clean(doc)


def _removed_per_layer(matching: Matching) -> dict:
    out = {name: 0 for name in matching.layers}
    for ch in matching.changes:
        out[ch.source] += ch.removed_connections
        out[ch.target] += ch.removed_connections
    return out


def attachment_analysis(graph0, graph1, *, bins=None, exclude_connected: bool = False, degree: str = "total",
                        null_draws: int = 200, seed=0, fit: bool = True, k: float = 0.3) -> AttachmentResult:
    """Internal preferential attachment between two checkpoints (Hou & Kwok, section 4), and beyond.

    Parameters
    ----------
    graph0, graph1 : LayeredGraph or igraph.Graph
        The network at ``t = 0`` and at ``t = 1``.
    bins : {None, "exact", "log"}, default None
        Classes of degrees of Delta-hat and Omega-hat (the kernel always uses log bins).
    exclude_connected : bool, default False
        Delta-hat over the pairs unconnected at ``t = 0`` only.
    degree : {"total", "in", "out"}, default "total"
        Degree variant (:data:`DEGREE_VARIANTS`).
    null_draws : int, default 200
        Placements of the null model (0: no null model).
    seed : int, default 0
        Seed of the null model and of the TPL fits.
    fit : bool, default True
        Fit the TPL at both times (the slowest part on large layers).
    k : float, default 0.3
        Range-search fraction of the TPL fits.

    Returns
    -------
    AttachmentResult

    Raises
    ------
    GraphMismatchError
        If the checkpoints differ in their layers or junctions.
    InvalidParameterError
        On a bad option.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> layers = [Layer("x", 3, "input"), Layer("h", 3, "dense")]
    >>> c0 = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0]])
    >>> c1 = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]])
    >>> r = attachment_analysis(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
    ...                         LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]), fit=False)
    >>> [(o["layer"], o["predicted_slope"]) for o in r.to_dict()["layers"]]
    [('x', 1.0), ('h', 1.0)]
    """
    check_bool(exclude_connected, "exclude_connected")
    check_bool(fit, "fit")
    null_draws = check_int(null_draws, "null_draws", minimum=0)
    check_seed(seed)
    check_real(k, "k", minimum=0, maximum=1, open_minimum=True)
    matching = match_graphs(graph0, graph1)
    delta = delta_hat(matching, bins=bins, exclude_connected=exclude_connected, degree=degree)
    omega = omega_hat(matching, bins=bins, degree=degree)
    d0, d1, new = matching.degrees(degree, 0), matching.degrees(degree, 1), matching.new_per_node(degree)
    nulls = (null_slopes(matching, {o.layer: o.line["slope"] for o in omega}, draws=null_draws, seed=seed,
                         bins=bins, degree=degree) if null_draws else {})
    removed = _removed_per_layer(matching)
    layers, fits = {}, {}
    for o in omega:
        name = o.layer
        growth = growth_factors(d0[name], d1[name], new[name], o.predicted_slope)
        tpl = tpl_at_both_times(d0[name], d1[name], growth["predicted"], k=k, seed=seed) if fit else None
        if tpl is not None:
            fits[name] = tpl.pop("fits")
        layers[name] = {
            "removed_connections": removed[name],
            "growth": growth,
            "tpl": tpl,
            "kernel": attachment_kernel(d0[name], new[name]),
            "beta": attachment_exponent(d0[name], new[name]),
            "null": nulls.get(name),
        }
    options = {"bins": bins or "exact", "exclude_connected": exclude_connected, "degree": degree,
               "null_draws": null_draws, "seed": seed if isinstance(seed, int) else None, "fit": fit, "k": k}
    return AttachmentResult(matching, delta, omega, layers, options, fits)
