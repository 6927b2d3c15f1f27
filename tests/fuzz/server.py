"""The fork server of the fuzzer: runs ``netgraph.cli.main(argv)`` in a fresh fork per case.

Started once by :class:`fuzz.runner.Runner` as ``python server.py``. It imports what a
case needs (netgraph, exporters, onnx: never torch) once, then reads one JSON request a
line on standard input::

    {"argv": [...], "stdout": path, "stderr": path, "timeout": seconds, "memory": bytes}

and for each forks a child that

* limits its address space to its size at the fork plus ``memory`` bytes
  (``RLIMIT_AS``), so a file that declares a huge size cannot take the machine's memory;
* sends its standard output and standard error (file descriptors 1 and 2, so that C
  code's writes too) to the two files;
* runs ``main(argv)`` in-process and catches whatever escapes it (the traceback is
  reported: ``main`` must never let an exception out).

The server kills a child still running after ``timeout`` seconds (a hang) and answers
one JSON line on standard output: ``{"status": "exit" | "signal" | "timeout", "code",
"escaped", "seconds", "maxrss" (bytes), "torch" (whether the child imported torch)}``.
A fresh fork per case means no case sees another's state, and a crash (a segfault in a
parser) costs one case, not the run.
"""

import json
import os
import resource
import signal
import sys
import time
import traceback

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # this folder's modules (models, options, ...) are not top-level modules of a case

import netgraph  # noqa: E402
import netgraph.cli  # noqa: E402

#: What a case may import, imported once before the forks so that each case pays only for its own work.
_WARM = ("exporters", "exporters._walk", "onnx", "onnx.checker", "onnx.shape_inference", "onnx.reference", "igraph",
         "scipy.sparse", "scipy.optimize", "scipy.special", "scipy.stats", "netgraph.io", "netgraph.tpl",
         "netgraph.compare", "netgraph.degrees")


def _warm_up() -> None:
    import importlib

    for name in _WARM:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (a module missing here is the case's to report)
            pass
    import exporters

    exporters.supported_ops()
    parser = netgraph.cli.build_parser()
    for argv in (["info", "m"], ["degrees", "m"], ["export", "m", "-o", "g.npz"], ["fit", "m"],
                 ["train", "prune", "-o", "d"]):
        try:
            parser.parse_known_args(argv)
        except SystemExit:
            pass

__all__ = ["main"]

_ESCAPED_STATUS = 101  # the child's exit status when an exception escaped main()


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(request, report_fd) -> None:
    """Run one case in the forked child; never returns."""
    status = _ESCAPED_STATUS
    report = {"code": None, "escaped": None}
    try:
        limit = _vm_size() + int(request["memory"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            code = netgraph.cli.main(list(request["argv"]))
            report["code"] = code
            status = code if isinstance(code, int) and 0 <= code < 256 else _ESCAPED_STATUS
        except BaseException:  # noqa: B036 (what escapes main is exactly what we look for)
            report["escaped"] = traceback.format_exc(limit=-8)
        report["torch"] = "torch" in sys.modules
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: B036
                pass
        os.write(report_fd, json.dumps(report).encode())
    finally:
        os._exit(status)


def _serve_one(request) -> dict:
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(request, write_fd)
    os.close(write_fd)
    deadline = start + float(request["timeout"])
    status, rusage, timed_out = 0, None, False
    while True:
        done, status, rusage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, rusage = os.wait4(pid, 0)
            timed_out = True
            break
        time.sleep(0.002)
    seconds = time.monotonic() - start
    with os.fdopen(read_fd, "rb") as f:
        raw = f.read()
    try:
        report = json.loads(raw) if raw else {}
    except ValueError:
        report = {"escaped": f"unreadable report from the child: {raw[:200]!r}"}
    if timed_out:
        kind = "timeout"
    elif os.WIFSIGNALED(status):
        kind = "signal"
        report["signal"] = os.WTERMSIG(status)
    else:
        kind = "exit"
        report.setdefault("code", os.WEXITSTATUS(status))
        if report.get("code") is None and not report.get("escaped"):
            report["code"] = os.WEXITSTATUS(status)
    return {"status": kind, "code": report.get("code"), "escaped": report.get("escaped"),
            "signal": report.get("signal"), "torch": bool(report.get("torch")), "seconds": seconds,
            "maxrss": rusage.ru_maxrss * 1024 if rusage else 0}


def main() -> None:
    _warm_up()
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = _serve_one(json.loads(line))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
