"""The registry of ``netgraph`` subcommands (netgraph/cli/_registry.py): discovery, the protocol
every subcommand module follows, and the parsers whose arguments are added on first use."""

import argparse
import sys
import textwrap
from pathlib import Path

import pytest

import netgraph.cli
from netgraph.cli._registry import CommandParser, add_commands, subcommand_modules


def _files():
    folder = Path(netgraph.cli.__file__).parent
    return sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))


def test_every_public_module_is_a_subcommand():
    modules = subcommand_modules()
    assert sorted(m.__name__.rsplit(".", 1)[1] for m in modules) == _files()
    for m in modules:
        assert isinstance(m.NAME, str) and isinstance(m.HELP, str)
        assert callable(m.add_arguments) and callable(m.run)
        assert "NAME" in m.__all__ and "run" in m.__all__
    orders = [getattr(m, "ORDER", 1000) for m in modules]
    assert orders == sorted(orders)
    assert [m.NAME for m in modules][:3] == ["info", "degrees", "export"]


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A package ``fakecli`` on sys.path; the fixture writes its modules."""
    root = tmp_path / "fakecli"
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name, text):
        (root / f"{name}.py").write_text(textwrap.dedent(text))

    yield write
    for name in [m for m in sys.modules if m == "fakecli" or m.startswith("fakecli.")]:
        del sys.modules[name]


GOOD = """
    NAME = {name!r}
    HELP = "a command"
    ORDER = {order}
    def add_arguments(parser):
        parser.add_argument("--n", type=int, default=0)
    def run(args):
        return args.n
"""


def test_discovery_skips_helpers_and_sorts(fake_package):
    fake_package("beta", GOOD.format(name="beta", order=1))
    fake_package("alpha", GOOD.format(name="alpha", order=2))
    fake_package("_helpers", "X = 1\n")
    assert [m.NAME for m in subcommand_modules("fakecli")] == ["beta", "alpha"]


def test_a_module_without_the_protocol_is_an_error(fake_package):
    fake_package("broken", "NAME = 'broken'\n")
    with pytest.raises(TypeError, match=r"fakecli.broken .* no HELP, add_arguments, run"):
        subcommand_modules("fakecli")


def test_a_name_defined_twice_is_an_error(fake_package):
    fake_package("one", GOOD.format(name="same", order=1))
    fake_package("two", GOOD.format(name="same", order=2))
    with pytest.raises(TypeError, match="'same' is defined twice"):
        subcommand_modules("fakecli")


def test_arguments_are_added_on_first_use():
    calls = []

    class Command:
        NAME, HELP = "cmd", "a command"

        @staticmethod
        def add_arguments(parser):
            calls.append(parser.prog)
            parser.add_argument("--n", type=int, default=0)

        @staticmethod
        def run(args):
            return args.n

    parser = CommandParser(prog="netgraph")
    add_commands(parser.add_subparsers(dest="command", required=True), [Command])
    assert "cmd" in parser.format_help() and calls == []  # listing the commands does not build them
    args = parser.parse_args(["cmd", "--n", "3", "-v"])
    assert calls == ["netgraph cmd"] and args.func(args) == 3 and args.verbose == 1
    parser.parse_args(["cmd"])
    assert calls == ["netgraph cmd"]  # once


def test_running_one_subcommand_does_not_build_the_others(monkeypatch, tmp_path, capsys):
    import netgraph.cli.fit
    import netgraph.cli.train
    from netgraph import Junction, Layer, LayeredGraph

    def forbidden(parser):
        raise AssertionError("built a parser that was not used")

    monkeypatch.setattr(netgraph.cli.fit, "add_arguments", forbidden)
    monkeypatch.setattr(netgraph.cli.train, "add_arguments", forbidden)
    graph = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")],
                         [Junction("x", "y", [[1]], [[1.0]], op="Gemm")])
    graph.save(tmp_path / "g.npz")
    assert netgraph.cli.main(["info", str(tmp_path / "g.npz")]) == 0
    assert netgraph.cli.main(["--help"]) == 0
    capsys.readouterr()


def test_errors_are_one_line(capsys):
    parser = CommandParser(prog="netgraph")
    with pytest.raises(SystemExit) as info:
        parser.error("bad\n  value")
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "netgraph: error: bad value"


def test_nested_subcommands_find_their_own_run():
    args = netgraph.cli.build_parser().parse_args(["train", "prune", "-o", "out"])
    assert (args.command, args.trainer) == ("train", "prune")
    assert args.func is netgraph.cli.train.Prune.run
    assert isinstance(netgraph.cli.build_parser(), argparse.ArgumentParser)
