"""The layout rules of docs/developer.rst, checked on the source tree itself.

* no module of netgraph/, exporters/ or trainers/ over 600 lines;
* no function over 80 lines of code (docstring, comments and blank lines not counted)
  unless its docstring gives the reason, in a sentence starting "Long because";
* ``__all__`` in every module;
* only netgraph/cli/ imports exporters or trainers (the direction of dependency of
  ARCHITECTURE.md: trainers and exporters depend on netgraph's graph type, not back);
* exporters never imports torch.
"""

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("netgraph", "exporters", "trainers")
MAX_MODULE_LINES = 600
MAX_FUNCTION_CODE_LINES = 80
REASON = "Long because"


def modules():
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def code_lines(source: str, start: int, end: int, skip: set) -> int:
    """Lines start..end (1-based, inclusive) holding code: not blank, not only a comment, not in ``skip``."""
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER):
            continue
        for line in range(tok.start[0], tok.end[0] + 1):
            if start <= line <= end and line not in skip:
                lines.add(line)
    return len(lines)


def docstring_lines(node) -> set:
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def long_functions(path: Path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip = set()
            for inner in ast.walk(node):
                skip |= docstring_lines(inner)
            n = code_lines(source, node.lineno, node.end_lineno, skip)
            if n > MAX_FUNCTION_CODE_LINES and REASON not in (ast.get_docstring(node) or ""):
                out.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines of code)")
    return out


def imported_modules(path: Path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_tree_has_modules():
    assert len(modules()) > 20


def test_no_module_over_600_lines():
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for p in modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert big == []


def test_no_function_over_80_lines_of_code_without_a_reason():
    assert [f for p in modules() for f in long_functions(p)] == []


def test_every_module_declares_all():
    missing = [str(p.relative_to(ROOT)) for p in modules()
               if not any(isinstance(n, (ast.Assign, ast.AnnAssign))
                          and any(getattr(t, "id", None) == "__all__"
                                  for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))
                          for n in ast.parse(p.read_text(encoding="utf-8")).body)]
    assert missing == []


def test_only_the_command_line_imports_exporters_or_trainers():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "netgraph").rglob("*.py")
                 if "cli" not in p.relative_to(ROOT / "netgraph").parts[:1]
                 and imported_modules(p) & {"exporters", "trainers"}]
    assert offenders == []


def test_exporters_never_import_torch():
    assert [str(p.relative_to(ROOT)) for p in (ROOT / "exporters").rglob("*.py") if "torch" in imported_modules(p)] == []


def test_code_line_counter_by_hand():
    source = 'def f():\n    """Doc\n    string."""\n    # a comment\n\n    x = (1,\n         2)\n    return x\n'
    tree = ast.parse(source)
    fn = tree.body[0]
    assert code_lines(source, fn.lineno, fn.end_lineno, docstring_lines(fn)) == 4  # def, x = (1, 2), return
