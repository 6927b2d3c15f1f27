"""Helpers shared by the command-line tests: run ``netgraph`` in-process, check one-line errors."""

from netgraph.cli import main

__all__ = ["run", "assert_one_line_error"]


def run(capsys, *argv):
    """Run ``netgraph *argv`` in-process; return ``(exit status, stdout, stderr)``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    """Exit status 2, one line ``netgraph: error: ...`` holding every fragment, no traceback."""
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("netgraph: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
