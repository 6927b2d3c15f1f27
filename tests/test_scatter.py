"""Tests of netgraph.scatter: Dey et al.'s scatter, by hand and against a brute-force reference."""

import numpy as np
import pytest

from netgraph import Junction, Layer, LayeredGraph
from netgraph.exceptions import InvalidParameterError, LayerNotFoundError
from netgraph.scatter import RULES, nearest_divisor, scatter, window_matrices


def chain_graph(*matrices):
    """A chain x0 -> x1 -> ... whose junction i has the 0/1 matrix ``matrices[i]`` (target x source)."""
    sizes = [matrices[0].shape[1]] + [m.shape[0] for m in matrices]
    layers = [Layer(f"x{i}", n, "input" if i == 0 else "dense") for i, n in enumerate(sizes)]
    junctions = [Junction(f"x{i}", f"x{i + 1}", m, m.astype(float), op="Gemm") for i, m in enumerate(matrices)]
    return LayeredGraph(layers, junctions, outputs=[layers[-1].name])


def dey_fig4():
    """Dey's (8, 4, 4) network with fo = (1, 2), fi = (2, 2), as the issue gives it."""
    a1 = np.zeros((4, 8), dtype=np.int64)
    for h, ins in enumerate([(0, 1), (4, 5), (2, 6), (3, 7)]):
        a1[h, list(ins)] = 1
    a2 = np.zeros((4, 4), dtype=np.int64)
    for o, hs in enumerate([(0, 2), (1, 3), (0, 3), (1, 2)]):
        a2[o, list(hs)] = 1
    return a1, a2


# ---------------------------------------------------------------------- by hand
def test_dey_fig4_by_hand():
    a1, a2 = dey_fig4()
    result = scatter(chain_graph(a1, a2))
    assert result.labels == ["S_1f", "S_1b", "S_2f", "S_2b", "S_f", "S_b"]
    assert result.vector.tolist() == [0.75, 1.0, 1.0, 1.0, 0.75, 1.0]
    assert result.value == 0.75
    s1f, s1b, s2f, s2b, sf, sb = result.entries
    # junction 1: left windows {0..3}, {4..7} (fi_1 = 2), one right window (fo_1 = 1)
    assert (s1f.windows, s1f.window_size, s1f.fan, s1f.ideal, s1f.rule) == (2, 4, 2.0, 1.0, "fixed fan")
    assert (s1b.windows, s1b.window_size, s1b.fan) == (1, 4, 1.0)
    assert (s2f.windows, s2b.windows) == (2, 2)
    # the chain 1:2: fi = 4, fo = 2: left windows {0,1}, {2,3}, {4,5}, {6,7}, right {o0,o1}, {o2,o3}
    assert (sf.junction, sf.windows, sf.window_size, sf.fan, sf.ideal) == ("1:2", 4, 2, 4.0, 1.0)
    assert (sb.windows, sb.window_size, sb.fan, sb.ideal) == (2, 2, 2.0, 1.0)
    assert (sf.source, sf.target, sf.layer, sb.layer) == ("x0", "x2", "x0", "x2")


def test_window_matrices_of_junction_1_by_hand():
    a1, _ = dey_fig4()
    left, right = window_matrices(a1, 2, 1)
    assert left.toarray().tolist() == [[2, 0], [0, 2], [1, 1], [1, 1]]
    assert right.toarray().tolist() == [[1] * 8]


def test_fully_connected_layers_give_all_ones():
    result = scatter(chain_graph(np.ones((6, 12), dtype=np.int64), np.ones((4, 6), dtype=np.int64),
                                 np.ones((3, 4), dtype=np.int64)))
    assert result.labels == ["S_1f", "S_1b", "S_2f", "S_2b", "S_3f", "S_3b", "S_f", "S_b"]
    assert result.vector.tolist() == [1.0] * 8
    assert result.value == 1.0


def morse_windowed():
    """(64, 1024, 64) with fo = (128, 8), fi = (8, 128), a pattern whose chain has 16 paths per pair."""
    h = np.arange(1024)
    k = np.arange(64)
    a1 = (h[:, None] % 8 == k[None, :] % 8).astype(np.int64)  # hidden h <- inputs k = h (mod 8)
    o = np.arange(64)
    a2 = ((o[:, None] + h[None, :] // 8) % 8 == h[None, :] % 8).astype(np.int64)  # one hidden per block of 8
    return a1, a2


def test_morse_chain_windows_are_all_16_at_ideal():
    a1, a2 = morse_windowed()
    assert set(a1.sum(axis=1)) == {8} and set(a1.sum(axis=0)) == {128}
    assert set(a2.sum(axis=1)) == {128} and set(a2.sum(axis=0)) == {8}
    assert (a2 @ a1 == 16).all()
    result = scatter(chain_graph(a1, a2))
    sf, sb = result.entries[4:]
    # fi_{1:2} = fo_{1:2} = 1024 > 64: windows of one neuron, ideal 1024 / 64 = 16 (appendix 5.2)
    assert (sf.windows, sf.window_size, sf.ideal, sf.rule) == (64, 1, 16.0, "fixed fan")
    assert (sb.windows, sb.window_size, sb.ideal, sb.rule) == (64, 1, 16.0, "fixed fan")
    assert result.vector.tolist() == [1.0] * 6


def test_single_junction_has_no_chain_entries():
    a1, _ = dey_fig4()
    result = scatter(chain_graph(a1))
    assert result.labels == ["S_1f", "S_1b"]
    assert result.vector.tolist() == [0.75, 1.0]
    assert result.layers == ("x0", "x1")


def test_unfixed_fans_use_the_mean_fan_rounded_to_a_divisor():
    # 6 inputs -> 2 hidden, 5 edges: mean fan-in 2.5, divisors of 6: 2 and 3 tie -> 2 windows {0,1,2}, {3,4,5}
    a = np.array([[1, 1, 1, 0, 0, 0], [1, 0, 0, 1, 0, 0]], dtype=np.int64)
    result = scatter(chain_graph(a))
    s1f, s1b = result.entries
    assert (s1f.windows, s1f.window_size, s1f.fan, s1f.rule) == (2, 3, 2.5, "mean fan")
    assert s1f.value == 3 / 4  # hidden 0 reaches window 0 only; hidden 1 both
    # fan-outs (2, 1, 1, 1, 0, 0): mean 5/6, one right window of 2; inputs 4 and 5 reach none
    assert (s1b.windows, s1b.window_size, s1b.rule) == (1, 2, "mean fan")
    assert s1b.value == 4 / 6
    assert result.value == 4 / 6
    assert set(e.rule for e in result.entries) <= set(RULES)


def test_given_windows_override_the_rule():
    a1, a2 = dey_fig4()
    result = scatter(chain_graph(a1, a2), windows={"S_1f": 4, "S_b": 4})
    s1f, sb = result.entries[0], result.entries[5]
    # junction 1 with 4 left windows {0,1}, {2,3}, {4,5}, {6,7}: h0: 1, h1: 1, h2: 2, h3: 2 of 4
    assert (s1f.windows, s1f.rule, s1f.value) == (4, "given", 6 / 16)
    # the chain's 4 right windows of one output, ideal max(1, 2 / 4) = 1: each input reaches 2 outputs
    assert (sb.windows, sb.ideal, sb.rule, sb.value) == (4, 1.0, "given", 0.5)


def test_an_igraph_graph_is_accepted():
    a1, a2 = dey_fig4()
    g = chain_graph(a1, a2)
    assert scatter(g.igraph).vector.tolist() == scatter(g).vector.tolist()


def test_layers_name_the_chain():
    a1, a2 = dey_fig4()
    g = chain_graph(a1, a2)
    assert scatter(g, layers=["x1", "x2"]).vector.tolist() == [1.0, 1.0]
    assert scatter(g, layers=("x0", "x1")).vector.tolist() == [0.75, 1.0]


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("windows, fragments", [
    ({"S_1f": 3}, ["windows['S_1f'] must be a divisor of the 8 nodes of layer 'x0'", "got 3"]),
    ({"S_2b": 0}, ["windows['S_2b'] must be an integer in [1, 4]", "got 0"]),
    ({"S_f": 9}, ["windows['S_f'] must be an integer in [1, 8]", "got 9"]),
    ({"S_3f": 2}, ["windows must be keyed by the labels S_1f, S_1b, S_2f, S_2b, S_f, S_b", "got 'S_3f'"]),
    ({"S_1b": 1.5}, ["windows['S_1b'] must be an integer", "got 1.5"]),
])
def test_bad_windows_name_the_numbers(windows, fragments):
    a1, a2 = dey_fig4()
    with pytest.raises(InvalidParameterError) as info:
        scatter(chain_graph(a1, a2), windows=windows)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_bad_layers():
    a1, a2 = dey_fig4()
    g = chain_graph(a1, a2)
    with pytest.raises(InvalidParameterError, match="no learnable junction joins 'x0' to 'x2'"):
        scatter(g, layers=["x0", "x2"])
    with pytest.raises(InvalidParameterError, match="chain of at least 2 layers; got \\['x0'\\]"):
        scatter(g, layers=["x0"])
    with pytest.raises(InvalidParameterError, match="sequence of layer names; got 'x0'"):
        scatter(g, layers="x0")
    with pytest.raises(LayerNotFoundError, match="no layer named 'z'"):
        scatter(g, layers=["x0", "z"])


def test_a_graph_that_is_not_a_chain_needs_layers():
    a1, a2 = dey_fig4()
    g = chain_graph(a1, a2)
    skip = Junction("x0", "x2", np.ones((4, 8)), np.ones((4, 8)), op="Gemm")
    branched = LayeredGraph(g.layers, g.junctions + (skip,))
    with pytest.raises(InvalidParameterError, match="junction 'x0' -> 'x2' skips or branches"):
        scatter(branched)


def test_an_empty_layer_is_an_error():
    g = LayeredGraph([Layer("x", 0, "input"), Layer("y", 2, "dense")],
                     [Junction("x", "y", np.zeros((2, 0)), np.zeros((2, 0)), op="Gemm")])
    with pytest.raises(InvalidParameterError, match="layer 'x' has none"):
        scatter(g)


def test_window_matrices_checks():
    with pytest.raises(InvalidParameterError, match="right_windows must be a divisor of the 3 right neurons; got 2"):
        window_matrices(np.ones((3, 4)), 2, 2)


@pytest.mark.parametrize("n, x, expected", [(8, 2, 2), (8, 3, 2), (8, 3.1, 4), (8, 0, 1), (8, 100, 8),
                                            (7, 3, 1), (7, 4.1, 7), (12, 5, 4), (12, 5.5, 6), (1, 1, 1)])
def test_nearest_divisor(n, x, expected):
    assert nearest_divisor(n, x) == expected


# ---------------------------------------------------------------------- brute force
def brute_nearest_divisor(n, x):
    x = min(max(x, 1), n)
    best = None
    for d in range(1, n + 1):
        if n % d == 0 and (best is None or abs(d - x) < abs(best - x)):
            best = d
    return best


def brute_entry(a, k, ideal, forward):
    """Plain loops over windows: the mean of min(1, window sum / ideal)."""
    n_out, n_in = a.shape
    total = 0.0
    if forward:
        size = n_in // k
        for j in range(n_out):
            for w in range(k):
                total += min(1.0, sum(a[j, u] for u in range(w * size, (w + 1) * size)) / ideal)
        return total / (n_out * k)
    size = n_out // k
    for w in range(k):
        for u in range(n_in):
            total += min(1.0, sum(a[j, u] for j in range(w * size, (w + 1) * size)) / ideal)
    return total / (n_in * k)


def brute_paths(matrices):
    """Path counts by walking every path, one junction at a time, with plain loops."""
    n = matrices[0].shape[1]
    counts = [[0] * n for _ in range(n)]  # counts[u][k]: paths from input k to node u of the current layer
    for k in range(n):
        counts[k][k] = 1
    for m in matrices:
        new = [[0] * n for _ in range(m.shape[0])]
        for j in range(m.shape[0]):
            for u in range(m.shape[1]):
                if m[j, u]:
                    for k in range(n):
                        new[j][k] += counts[u][k]
        counts = new
    return np.array(counts, dtype=np.int64)


def brute_scatter(matrices):
    """The scatter vector by the documented rules, with loops and no library code."""
    def pair(a, chain):
        out = []
        for forward in (True, False):
            sums = a.sum(axis=1) if forward else a.sum(axis=0)
            n = a.shape[1] if forward else a.shape[0]
            fan = sums.mean()
            k = brute_nearest_divisor(n, min(fan, n))
            out.append(brute_entry(a, k, max(1.0, fan / k) if chain else 1.0, forward))
        return out
    vector = []
    for m in matrices:
        vector += pair(m, False)
    if len(matrices) > 1:
        vector += pair(brute_paths(matrices), True)
    return vector


def random_fixed_fans(rng, n_in, n_out, fan_out):
    """A random 0/1 pattern with every fan-out ``fan_out`` and every fan-in ``n_in fan_out / n_out``."""
    fan_in = n_in * fan_out // n_out
    while True:  # a random bipartite pattern by a configuration model, retried until simple
        stubs = rng.permutation(np.repeat(np.arange(n_in), fan_out))
        a = np.zeros((n_out, n_in), dtype=np.int64)
        np.add.at(a, (np.repeat(np.arange(n_out), fan_in), stubs), 1)
        if a.max() == 1:
            return a


@pytest.mark.parametrize("seed", range(6))
def test_fixed_fans_agree_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    sizes, fan_outs = [(8, 4, 4), (12, 6, 4), (16, 8, 8, 4)][seed % 3], [(1, 2), (2, 2), (2, 2, 2)][seed % 3]
    matrices = [random_fixed_fans(rng, n_in, n_out, fo) for n_in, n_out, fo in zip(sizes, sizes[1:], fan_outs)]
    result = scatter(chain_graph(*matrices))
    assert result.vector == pytest.approx(brute_scatter(matrices), abs=1e-12)
    assert all(e.rule == "fixed fan" for e in result.entries[:-2])


def test_a_fixed_fan_that_does_not_divide_the_layer_uses_the_nearest_divisor():
    a = random_fixed_fans(np.random.default_rng(0), 8, 8, 3)  # fan-in 3 everywhere; divisors of 8: 2 and 4 tie
    s1f, s1b = scatter(chain_graph(a)).entries
    assert (s1f.windows, s1f.fan, s1f.rule) == (2, 3.0, "mean fan")
    assert (s1b.windows, s1b.fan, s1b.rule) == (2, 3.0, "mean fan")
    assert [s1f.value, s1b.value] == brute_scatter([a])


@pytest.mark.parametrize("seed", range(8))
def test_pruned_patterns_agree_with_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    sizes = rng.integers(2, 13, size=rng.integers(2, 5))
    matrices = [(rng.random((n_out, n_in)) < rng.uniform(0.2, 0.9)).astype(np.int64)
                for n_in, n_out in zip(sizes, sizes[1:])]
    result = scatter(chain_graph(*matrices))
    assert result.vector == pytest.approx(brute_scatter(matrices), abs=1e-12)
    assert result.value == pytest.approx(min(brute_scatter(matrices)), abs=1e-12)


def test_the_chain_follows_skip_junctions_unless_told_not_to():
    eye, shift = np.eye(4, dtype=np.int64), np.roll(np.eye(4, dtype=np.int64), 1, axis=1)
    g = chain_graph(eye, eye)
    skip = Junction("x0", "x2", shift, shift.astype(float), op="Add", kind="skip")
    g = LayeredGraph(g.layers, g.junctions + (skip,), outputs=g.outputs)
    # one window per input: the chain I + shift reaches 2 of the 4 windows, I alone 1
    assert scatter(g, windows={"S_f": 4}).entries[4].value == 0.5
    assert scatter(g, windows={"S_f": 4}, include_skip=False).entries[4].value == 0.25


def test_path_counts_past_int64_fall_back_to_float():
    ones = np.ones((10, 10), dtype=np.int64)
    result = scatter(chain_graph(*[ones] * 20))  # 10**19 paths between each input and output
    assert result.vector.tolist() == [1.0] * 42
    assert result.entries[-1].fan == pytest.approx(1e20)


# ---------------------------------------------------------------------- 2-D tiles and 3-D cuboids
def test_image_tiles_by_hand():
    """A 28 x 28 input, fan-in 16 so 16 tiles of 7 x 7 (a 4 x 4 grid, Dey's Fig. 5(a))."""
    rows, cols = np.divmod(np.arange(784), 28)
    a = np.zeros((2, 784), dtype=np.int64)
    a[0, (rows % 7 == 3) & (cols % 7 == 3)] = 1  # the centre of each tile: all 16 tiles
    a[1, np.flatnonzero(rows < 14)[::23][:16]] = 1  # 16 pixels of the top half: 8 tiles at most
    assert a.sum(axis=1).tolist() == [16, 16]
    s1f, s1b = scatter(chain_graph(a), shapes={"x0": (28, 28)}).entries
    assert (s1f.windows, s1f.grid, s1f.window_size, s1f.rule) == (16, (4, 4), 49, "fixed fan")
    tiles = {(r // 7, c // 7) for r, c in zip(*np.divmod(np.flatnonzero(a[1]), 28))}
    assert s1f.value == (16 + len(tiles)) / 32
    assert len(tiles) <= 8


def test_cuboids_of_a_channel_major_map():
    """A (C, H, W) = (2, 2, 4) flattened map, 4 windows: grid (2, 1, 2), cuboids of 1 x 2 x 2."""
    left, _ = window_matrices(np.eye(16, dtype=np.int64), 4, 1, left_shape=(2, 2, 4))
    c, h, w = np.unravel_index(np.arange(16), (2, 2, 4))
    assert left.toarray().argmax(axis=1).tolist() == (c * 2 + w // 2).tolist()
    # the 2-D right windows of a 4 x 4 layer: 4 tiles of 2 x 2
    _, right = window_matrices(np.eye(16, dtype=np.int64), 1, 4, right_shape=(4, 4))
    r, q = np.divmod(np.arange(16), 4)
    assert right.toarray().argmax(axis=0).tolist() == ((r // 2) * 2 + q // 2).tolist()


def test_shapes_with_the_mean_fan_rule_pick_a_count_that_tiles():
    rng = np.random.default_rng(7)
    a = (rng.random((5, 30)) < 0.5).astype(np.int64)
    fan = a.sum(axis=1).mean()
    entry = scatter(chain_graph(a), shapes={"x0": (5, 6)}).entries[0]
    counts = [g * h for g in (1, 5) for h in (1, 2, 3, 6)]
    assert entry.windows == min(sorted(counts), key=lambda k: abs(k - fan))
    assert entry.rule == "mean fan"


def brute_grid(shape, k):
    """The grid of k windows over a 2-D or 3-D shape with the most equal sides, ties to earlier cuts."""
    best = None
    for g in np.ndindex(*(d + 1 for d in shape)):
        if 0 in g or np.prod(g) != k or any(d % c for d, c in zip(shape, g)):
            continue
        sides = [d // c for d, c in zip(shape, g)]
        key = (max(sides) / min(sides), [-c for c in g])
        if best is None or key < best[0]:
            best = (key, tuple(g))
    return None if best is None else best[1]


def brute_tiled_entry(a, shape, k, forward):
    """S_f (or S_b) over tiles, with loops: node u is in the tile of its coordinates."""
    g = brute_grid(shape, k)
    def tile(u):
        coords = np.unravel_index(u, shape)
        return np.ravel_multi_index(tuple(c // (d // s) for c, d, s in zip(coords, shape, g)), g)
    n_out, n_in = a.shape
    hit = set()
    for j in range(n_out):
        for u in range(n_in):
            if a[j, u]:
                hit.add((j, tile(u)) if forward else (tile(j), u))
    return len(hit) / ((n_out if forward else n_in) * k)


@pytest.mark.parametrize("seed", range(4))
def test_tiles_agree_with_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    in_shape, out_shape = [((4, 6), (2, 2, 3)), ((2, 3, 4), (3, 4)), ((6, 6), (4, 2)), ((2, 2, 2), (9,))][seed]
    a = (rng.random((int(np.prod(out_shape)), int(np.prod(in_shape)))) < 0.3).astype(np.int64)
    shapes = {"x0": in_shape, "x1": out_shape}
    result = scatter(chain_graph(a), shapes=shapes)
    for entry, shape, forward in zip(result.entries, (in_shape, out_shape), (True, False)):
        assert entry.grid == brute_grid(shape, entry.windows)
        assert entry.value == pytest.approx(brute_tiled_entry(a, shape, entry.windows, forward), abs=1e-12)


@pytest.mark.parametrize("shapes, windows, fragments", [
    ({"x0": (3, 3)}, {}, ["shapes['x0'] must be positive integers whose product is the 8 nodes of layer 'x0'",
                          "got (3, 3)"]),
    ({"x0": "2x4"}, {}, ["shapes['x0'] must be positive integers", "got '2x4'"]),
    ({"x0": (2, 1, 2, 2)}, {}, ["shapes['x0'] must be positive integers whose product is the 8 nodes of layer 'x0', "
                                "at most 3 of them; got (2, 1, 2, 2)"]),
    ({"x0": ()}, {}, ["shapes['x0'] must be positive integers", "got ()"]),
    ({"x0": (2, 0, 4)}, {}, ["shapes['x0'] must be an integer >= 1; got 0"]),
    ({"z": (2, 4)}, {}, ["shapes must be keyed by the chain's layers 'x0', 'x1', 'x2'", "got 'z'"]),
    ({"x0": (2, 4)}, {"S_1f": 3}, ["windows['S_1f'] must be a number of windows tiling the 2x4 nodes of layer 'x0'",
                                   "got 3"]),
])
def test_bad_shapes_name_the_numbers(shapes, windows, fragments):
    a1, a2 = dey_fig4()
    with pytest.raises(InvalidParameterError) as info:
        scatter(chain_graph(a1, a2), shapes=shapes, windows=windows)
    for fragment in fragments:
        assert fragment in str(info.value)


# ---------------------------------------------------------------------- active (non-padding) neurons
def test_active_neurons_restrict_the_averages():
    padded = np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.int64)  # inputs 2 and 3 are padding
    assert scatter(chain_graph(padded)).vector.tolist() == [1.0, 0.5]
    assert scatter(chain_graph(padded), active={"x0": 2}).vector.tolist() == [1.0, 1.0]
    a1, a2 = dey_fig4()
    # only h0 and h1 count in S_1f: rows (2, 0) and (0, 2) of A^{w_l}; S_2b averages over h0, h1 too
    result = scatter(chain_graph(a1, a2), active={"x1": 2})
    assert result.vector.tolist() == [0.5, 1.0, 1.0, 1.0, 0.75, 1.0]
    # the chain's S_f over outputs o0 and o1: 3 of 4 windows each
    assert scatter(chain_graph(a1, a2), active={"x2": 2}).entries[4].value == 0.75


@pytest.mark.parametrize("active, fragments", [
    ({"x0": 9}, ["active['x0'] must be an integer in [1, 8]; got 9"]),
    ({"x0": 0}, ["active['x0'] must be an integer in [1, 8]; got 0"]),
    ({"q": 2}, ["active must be keyed by the chain's layers 'x0', 'x1', 'x2'", "got 'q'"]),
])
def test_bad_active_counts(active, fragments):
    a1, a2 = dey_fig4()
    with pytest.raises(InvalidParameterError) as info:
        scatter(chain_graph(a1, a2), active=active)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_residual_merge_joins_the_chain_by_its_skip_junction():
    """x(4) -> a(4) -> b(4), add = a + b (skip junctions), add -> y(2)."""
    eye = np.eye(4, dtype=np.int64)
    a_b = np.roll(eye, 1, axis=1)
    out = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=np.int64)
    layers = [Layer("x", 4, "input"), Layer("a", 4, "dense"), Layer("b", 4, "dense"), Layer("add", 4, "merge"),
              Layer("y", 2, "dense")]
    junctions = [Junction("x", "a", eye, eye.astype(float), op="Gemm"),
                 Junction("a", "b", a_b, a_b.astype(float), op="Gemm"),
                 Junction("a", "add", eye, eye.astype(float), op="Add", kind="skip"),
                 Junction("b", "add", eye, eye.astype(float), op="Add", kind="skip"),
                 Junction("add", "y", out, out.astype(float), op="Gemm")]
    g = LayeredGraph(layers, junctions, outputs=["y"])
    result = scatter(g)
    assert result.layers == ("x", "a", "b", "add", "y")
    chain = eye + a_b  # x -> a -> add and x -> a -> b -> add
    paths = out @ chain
    assert scatter(g, layers=["x", "a", "b", "add", "y"]).vector.tolist() == result.vector.tolist()
    sf, sb = result.entries[-2:]
    # fan-in of the chain: 4 paths into each output (mean 4), 4 windows of one input, ideal 1
    assert (sf.fan, sf.windows, sf.ideal) == (4.0, 4, 1.0)
    assert sf.value == (paths > 0).sum() / 8
    assert brute_paths([eye, a_b, eye, out]).sum() + brute_paths([eye, eye, out]).sum() == paths.sum()
    with pytest.raises(InvalidParameterError, match="no learnable junction joins 'b' to 'add', and skip junctions "
                                                    "are left out"):
        scatter(g, include_skip=False)


@pytest.mark.parametrize("seed", range(4))
def test_the_sparse_route_for_large_window_matrices_agrees_with_the_tally(seed, monkeypatch):
    """Window matrices above the dense-tally size go through sparse products: same values, brute force too."""
    import netgraph.scatter as module

    rng = np.random.default_rng(300 + seed)
    sizes = rng.integers(4, 13, size=3)
    matrices = [(rng.random((n_out, n_in)) < 0.4).astype(np.int64) for n_in, n_out in zip(sizes, sizes[1:])]
    shapes = {"x0": (2, int(sizes[0]) // 2)} if sizes[0] % 2 == 0 else None
    tallied = scatter(chain_graph(*matrices), shapes=shapes, active={"x2": int(sizes[2]) - 1})
    monkeypatch.setattr(module, "_DENSE_TALLY", 0)
    sparse = scatter(chain_graph(*matrices), shapes=shapes, active={"x2": int(sizes[2]) - 1})
    assert sparse.vector.tolist() == pytest.approx(tallied.vector.tolist(), abs=1e-12)
    if shapes is None:
        full = scatter(chain_graph(*matrices))
        assert full.vector == pytest.approx(brute_scatter(matrices), abs=1e-12)


def test_an_image_input_read_from_onnx_is_cut_into_tiles(tmp_path):
    """The reader records the (1, 4, 4) shape of a flattened image input; scatter tiles it as if told."""
    from onnx import helper

    from exporters import read_onnx
    from netgraph.scatter import model_shapes
    from tests.onnx_builders import init, make_model, vi

    rng = np.random.default_rng(5)
    w1 = (rng.random((4, 16)) < 0.3) * rng.normal(size=(4, 16))
    w2 = rng.normal(size=(2, 4))
    nodes = [helper.make_node("Flatten", ["x"], ["f"]),
             helper.make_node("Gemm", ["f", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Gemm", ["h", "W2"], ["y"], name="fc2", transB=1)]
    m = make_model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", None)],
                   [init("W1", w1.astype(np.float32)), init("W2", w2.astype(np.float32))])
    g = read_onnx(m)
    assert g.metadata["node_shape:x"] == "1x4x4" and model_shapes(g) == {"x": (4, 4)}
    auto = scatter(g, windows={"S_1f": 4})
    assert auto.entries[0].grid == (2, 2)  # four 2 x 2 tiles, not four rows of the image
    told = scatter(chain_graph((w1 != 0).astype(np.int64), (w2 != 0).astype(np.int64)),
                   windows={"S_1f": 4}, shapes={"x0": (4, 4)})
    assert auto.vector.tolist() == pytest.approx(told.vector.tolist(), abs=1e-12)
    a1 = (w1 != 0).astype(np.int64)
    assert auto.entries[0].value == pytest.approx(brute_tiled_entry(a1, (4, 4), 4, True), abs=1e-12)
    flat = scatter(g, windows={"S_1f": 4}, shapes={"x": (16,)})  # (N,) asks for 1-D windows
    assert flat.entries[0].grid == (4,)
    assert flat.entries[0].value == pytest.approx(brute_tiled_entry(a1, (16,), 4, True), abs=1e-12)


def neuron_graph(extra=()):
    """x (1) -> conv (2 channels of 1 x 2) -> neurons f (4, by skip edges) -> y (2) [+ extra junctions]."""
    skip = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    dense = np.array([[1, 0, 1, 0], [0, 1, 0, 1]])
    layers = [Layer("x", 1, "input"), Layer("conv", 2, "conv", (1, 2)), Layer("f", 4, "merge", op="Flatten"),
              Layer("y", 2, "dense")]
    junctions = [Junction("x", "conv", [[2], [2]], [[1.0], [1.0]], op="Conv"),
                 Junction("conv", "f", skip, skip, op="Flatten", kind="skip"),
                 Junction("f", "y", dense, dense, op="Gemm"), *extra]
    return LayeredGraph(layers, junctions, metadata={"node_shape:f": "2x1x2"})


def test_the_default_chain_starts_at_the_neurons_of_a_flattened_map():
    from netgraph.scatter import model_shapes, neuron_layers

    g = neuron_graph()
    assert neuron_layers(g) == ["f"] and model_shapes(g) == {"f": (2, 2)}
    result = scatter(g)
    assert result.layers == ("f", "y") and result.entries[0].grid == (2, 1)
    # each unit hears one neuron of each channel: both 1 x 2 windows (one channel each)
    assert result.vector.tolist() == [1.0, 1.0]
    assert scatter(g, layers=["x", "conv", "f", "y"]).layers == ("x", "conv", "f", "y")


def test_a_learnable_junction_into_the_chain_from_before_the_neurons_needs_layers():
    side = Junction("conv", "y", [[1, 0], [0, 1]], [[1.0, 0], [0, 1.0]], op="Gemm", node="lateral")
    with pytest.raises(InvalidParameterError, match="junction 'conv' -> 'y' skips or branches"):
        scatter(neuron_graph([side]))


def test_model_shapes_skips_layers_without_a_recorded_shape():
    from netgraph.scatter import model_shapes

    g = chain_graph(np.ones((1, 1)))
    assert model_shapes(g) == {}
