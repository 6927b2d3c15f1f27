"""Bad command lines: option values out of their domain, output targets that are not regular
files, model paths that are not model files, and random argument lists.

Each generator is ``make(rng, where) -> dict`` registered with :func:`option_case`; the
dict holds the ``argv`` and the :class:`fuzz.cases.Case` fields that differ from their
defaults (``expect``, ``special``, ``absent``, ``forbid_torch``, ``drain``). ``where`` is
the case's :class:`fuzz.cases.Folders`: ``where.model()`` writes a valid ONNX model and
returns its path, ``where.graph()`` a valid ``.npz`` graph, ``where.out`` is the folder
outputs go to.
"""

import os
import stat

__all__ = ["OPTION_CASES", "option_case"]

#: ``{name: (expect, make)}`` in registration order.
OPTION_CASES: dict = {}


def option_case(name, expect="error"):
    """Register ``make(rng, where)`` as the option case ``name``."""
    def register(function):
        assert name not in OPTION_CASES, name
        OPTION_CASES[name] = (expect, function)
        return function
    return register


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


def _model(rng, where):
    return where.model() if rng.random() < 0.7 else where.graph()


# ---------------------------------------------------------------------- values out of their domain
@option_case("fit-k")
def _fit_k(rng, where):
    return {"argv": ["fit", _model(rng, where), "--k", _pick(rng, ["0", "0.7", "-1", "nan", "inf", "-inf", "x", "",
                                                                     "1e400", "0x1"])]}


@option_case("fit-bootstrap")
def _fit_bootstrap(rng, where):
    value = _pick(rng, ["-1", "1e3", "x", str(10**12), str(2**63), str(2**70), "", "0.5"])
    return {"argv": ["fit", _model(rng, where), "--bootstrap", value]}


@option_case("fit-seed")
def _fit_seed(rng, where):
    return {"argv": ["fit", _model(rng, where), "--seed", _pick(rng, ["-1", "x", "1.5", "", "-" + str(2**64)])]}


@option_case("fit-rule")
def _fit_rule(rng, where):
    return {"argv": ["fit", _model(rng, where), "--rule", _pick(rng, ["up", "", "KS", "ks,deluca-corral"])]}


@option_case("degrees-direction")
def _degrees_direction(rng, where):
    return {"argv": ["degrees", _model(rng, where), "--direction", _pick(rng, ["sideways", "", "IN", "in,out"])]}


@option_case("export-format")
def _export_format(rng, where):
    out = os.path.join(where.out, _pick(rng, ["g.csv", "g", "g.npz.tmp", ".npz", "g.GRAPHML"]))
    argv = ["export", _model(rng, where), "-o", out]
    if rng.random() < 0.5:
        argv += ["--format", _pick(rng, ["xml", "", "NPZ", "pickle5"])]
    expect = "any" if out.endswith(".GRAPHML") and len(argv) == 4 else "error"
    return {"argv": argv, "expect": expect}


@option_case("missing-arguments")
def _missing_arguments(rng, where):
    return {"argv": _pick(rng, [[], ["export", where.model()], ["export", "-o", os.path.join(where.out, "g.npz")],
                                ["fit"], ["degrees", "--json"], ["train"], ["train", "prune"], ["frobnicate"],
                                ["info", where.model(), "extra"], ["--frobnicate"], ["info", "--", "-v"]])}


@option_case("max-bytes")
def _max_bytes(rng, where):
    """``--max-bytes`` out of its domain (an error), or a small budget a valid model may exceed (either)."""
    sub = _pick(rng, ["info", "degrees", "fit"])
    if rng.random() < 0.6:
        value = _pick(rng, ["0", "-1", "x", "", "4Q", "nan", "inf", "-4G", "0.0001", "G"])
        return {"argv": [sub, _model(rng, where), "--max-bytes", value]}
    value = _pick(rng, ["1", "100", "1K", "64K", "1e3", str(2**70), "99999T"])
    return {"argv": [sub, _model(rng, where), "--max-bytes", value], "expect": "any"}


# ---------------------------------------------------------------------- output paths
@option_case("output-path")
def _output_path(rng, where):
    sub = _pick(rng, ["degrees", "fit", "export"])
    suffix = ".npz" if sub == "export" else ".json"
    target = _pick(rng, [os.path.join(where.out, "missing", "x" + suffix), where.out, "",
                         os.path.join(where.out, "x" * 300 + suffix), os.path.join(where.model(), "x" + suffix),
                         os.path.join(where.out, "o\0" + suffix)])
    if sub == "export":
        return {"argv": ["export", where.model(), "-o", target, "--format", "npz"]}
    return {"argv": [sub, where.model(), "--json", "-o", target]}


def _output_argv(rng, where, target):
    sub = _pick(rng, ["degrees", "fit", "export"])
    if sub == "export":
        return ["export", where.model(), "-o", target, "--format", "npz"]
    return [sub, where.model(), "--json", "-o", target]


@option_case("output-symlink", "any")
def _output_symlink(rng, where):
    link = os.path.join(where.out, "link.json")
    if rng.random() < 0.5:
        target = os.path.join(where.out, "target.json")
        with open(target, "w") as f:
            f.write("old\n")
    else:
        target = os.path.join(where.out, "dangling", "nowhere.json")
    os.symlink(target, link)
    return {"argv": _output_argv(rng, where, link), "special": {link: "symlink"}}


@option_case("output-fifo", "any")
def _output_fifo(rng, where):
    fifo = os.path.join(where.out, "out.fifo")
    os.mkfifo(fifo)
    return {"argv": _output_argv(rng, where, fifo), "special": {fifo: "fifo"}, "drain": fifo}


@option_case("output-device", "any")
def _output_device(rng, where):
    """A character device (a copy of /dev/null made in the case's folder; as root only) as ``-o``."""
    device = os.path.join(where.out, "null")
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        fifo = os.path.join(where.out, "out.fifo")
        os.mkfifo(fifo)
        return {"argv": _output_argv(rng, where, fifo), "special": {fifo: "fifo"}, "drain": fifo}
    return {"argv": _output_argv(rng, where, device), "special": {device: "chardev"}}


@option_case("plot-directory")
def _plot_directory(rng, where):
    plot = os.path.join(where.out, "plots")
    if rng.random() < 0.5:
        return {"argv": ["fit", where.bad_model(rng), "--plot", plot], "absent": (plot,)}
    with open(plot, "w") as f:
        f.write("a file, not a folder\n")
    return {"argv": ["fit", where.model(), "--plot", plot]}


# ---------------------------------------------------------------------- model paths
@option_case("model-path")
def _model_path(rng, where):
    choice = _pick(rng, ["fifo", "dev-zero", "dev-null", "directory", "empty", "nul-byte", "long", "proc", "dangling"])
    path = {
        "dev-zero": "/dev/zero", "dev-null": "/dev/null", "directory": where.out, "proc": "/proc/self/status",
        "long": os.path.join(where.out, "m" * 5000 + ".onnx"), "nul-byte": os.path.join(where.out, "m\0.onnx"),
    }.get(choice)
    if choice == "fifo":
        path = os.path.join(where.inp, _pick(rng, ["model.onnx", "graph.npz", "graph.graphml"]))
        os.mkfifo(path)
    elif choice == "empty":
        path = os.path.join(where.inp, _pick(rng, ["model.onnx", "graph.npz", "graph.graphml"]))
        open(path, "wb").close()
    elif choice == "dangling":
        path = os.path.join(where.inp, "model.onnx")
        os.symlink(os.path.join(where.inp, "nowhere.onnx"), path)
    sub = _pick(rng, ["info", "degrees", "export", "fit"])
    argv = [sub, path] + (["-o", os.path.join(where.out, "g.npz")] if sub == "export" else [])
    return {"argv": argv}


# ---------------------------------------------------------------------- train: fails at once, without torch
@option_case("train-options")
def _train_options(rng, where):
    option, value = _pick(rng, [
        ("--epochs", "-1"), ("--epochs", "x"), ("--retrain-epochs", "-1"), ("--sparsity", "1.5"), ("--sparsity", "nan"),
        ("--sparsity", "-0.1"), ("--sparsity", "1"), ("--threads", "0"), ("--threads", "-1"), ("--model", "nope"),
        ("--dataset", "nope"), ("--batch-size", "0"), ("--batch-size", "-3"), ("--lr", "-1"), ("--lr", "nan"),
        ("--lr", "inf"), ("--retrain-lr", "0"), ("--padding", "weird"), ("--seed", "-1"), ("--split-seed", "-5"),
    ])
    out = os.path.join(where.out, "run")
    return {"argv": ["train", "prune", option, value, "--epochs", "1", "-o", out] if option != "--epochs" else
            ["train", "prune", option, value, "-o", out], "forbid_torch": True, "absent": (out,)}


@option_case("train-output")
def _train_output(rng, where):
    """``-o`` of ``train`` is a file, or under one: an error before training (a missing folder is created)."""
    if rng.random() < 0.5:
        out = os.path.join(where.out, "run")
        with open(out, "w") as f:
            f.write("a file\n")
    else:
        out = os.path.join(where.model(), "run")
    return {"argv": ["train", "prune", "--epochs", "1", "--retrain-epochs", "1", "-o", out], "forbid_torch": True}


@option_case("train-data-dir")
def _train_data_dir(rng, where):
    dataset = _pick(rng, ["mnist", "cifar10"])
    data = _pick(rng, [os.path.join(where.out, "missing"), where.out, where.model()])
    out = os.path.join(where.out, "run")
    return {"argv": ["train", "prune", "--dataset", dataset, "--data-dir", data, "--epochs", "1", "-o", out],
            "absent": (out,)}


# ---------------------------------------------------------------------- anything
_VOCABULARY = ("--json", "--lenient", "--include-output", "--include-skip", "--direction", "in", "out", "both",
               "--k", "0.3", "0.5", "--bootstrap", "0", "1", "-1", "--seed", "7", "--rule", "ks", "-v", "-q", "-vv",
               "--format", "npz", "graphml", "--", "-", "", "é", "\u202e", "x" * 1000, "--help", "--version",
               "-o", "nan", "1e308", "--allow-pickle", "--max-bytes", "1K", "8G")


@option_case("random-argv", "any")
def _random_argv(rng, where):
    sub = _pick(rng, ["info", "degrees", "export", "fit"])
    argv = [sub, _model(rng, where) if rng.random() < 0.8 else where.bad_model(rng)]
    for _ in range(int(rng.integers(0, 6))):
        token = _pick(rng, _VOCABULARY)
        argv.append(token)
        if token == "-o":
            argv.append(os.path.join(where.out, _pick(rng, ["o.json", "o.npz", "o.graphml", "o.txt"])))
    order = rng.permutation(len(argv) - 1) + 1 if rng.random() < 0.3 else range(1, len(argv))
    return {"argv": [argv[0], *(argv[i] for i in order)]}
