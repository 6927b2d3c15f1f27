"""Text tables and JSON, as netgraph prints them.

One home for the readable per-layer tables of the command line and of
:meth:`netgraph.LayeredGraph.summary`, and for the JSON every subcommand writes.
"""

from __future__ import annotations

import json
import re
import uuid

__all__ = ["format_table", "json_text", "one_line"]


def format_table(rows, align: str | None = None, *, sep: str = "  ") -> list[str]:
    """Lay out rows of strings as aligned columns.

    Parameters
    ----------
    rows : sequence of sequence of str
        The header row first, then the data rows; every row has the same length.
    align : str, optional
        One letter per column, ``"l"`` (left) or ``"r"`` (right). Default: the first
        column left, the others right (a name, then numbers).
    sep : str, default two spaces
        Between columns.

    Returns
    -------
    list of str
        One line per row, trailing spaces removed.

    Examples
    --------
    >>> print("\\n".join(format_table([("layer", "size"), ("fc1", "1024"), ("out", "10")])))
    layer  size
    fc1    1024
    out      10
    """
    rows = [tuple(str(c) for c in r) for r in rows]
    if not rows:
        return []
    ncol = len(rows[0])
    if any(len(r) != ncol for r in rows):
        raise ValueError("format_table: every row must have the same number of cells")
    align = align or "l" + "r" * (ncol - 1)
    if len(align) != ncol or set(align) - {"l", "r"}:
        raise ValueError(f"format_table: align must be {ncol} letters l or r; got {align!r}")
    widths = [max(len(r[i]) for r in rows) for i in range(ncol)]
    return [sep.join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, align)).rstrip()
            for r in rows]


def json_text(document) -> str:
    """``document`` as indented JSON, with each list of numbers on one line.

    Values JSON does not know (numpy scalars, paths) are written with ``str``.

    Examples
    --------
    >>> print(json_text({"layer": "fc1", "degrees": [3, 1, 2]}))
    {
      "layer": "fc1",
      "degrees": [3, 1, 2]
    }
    """
    token = f"@@netgraph-list-{uuid.uuid4().hex}-"
    lists: list[str] = []

    def compact(x):
        if isinstance(x, dict):
            return {k: compact(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if x and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
                lists.append(json.dumps(list(x)))
                return f"{token}{len(lists) - 1}"
            return [compact(v) for v in x]
        return x

    text = json.dumps(compact(document), indent=2, default=str)
    return re.sub('"' + re.escape(token) + r'(\d+)"', lambda m: lists[int(m.group(1))], text)


def one_line(message) -> str:
    """``message`` (any object, an exception say) as text on one line: runs of white space become one space.

    For error messages that must stay on one line (the command line prints one line per
    error) however many lines the text they quote has (a parser's, a checker's).

    Examples
    --------
    >>> one_line(ValueError("bad header:\\n  line 3\\tcolumn 7  "))
    'bad header: line 3 column 7'
    >>> one_line("")
    ''
    """
    return " ".join(str(message).split())
