"""The parent side of the fork server (:mod:`fuzz.server`): start it, send a case, read the outcome."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass

__all__ = ["Outcome", "Runner", "TIMEOUT", "MEMORY"]

#: Seconds a case may take (reading, walking, writing) before it counts as a hang.
TIMEOUT = float(os.environ.get("NETGRAPH_FUZZ_TIMEOUT", "10"))
#: Bytes of address space a case may add to the server's (``RLIMIT_AS`` in the child).
MEMORY = int(float(os.environ.get("NETGRAPH_FUZZ_MEMORY", str(2 * 1024**3))))

_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")


@dataclass
class Outcome:
    """How one run of ``netgraph.cli.main(argv)`` ended."""

    status: str  # "exit", "signal" or "timeout"
    code: object  # main's return value
    escaped: object  # the traceback of an exception that escaped main, or None
    signal: object
    torch: bool  # whether the run imported torch
    seconds: float
    maxrss: int  # bytes
    stdout: str = ""
    stderr: str = ""


class Runner:
    """A fork server in a subprocess; restarted if it ever dies.

    Examples
    --------
    In a test (the server is a subprocess, so not a doctest)::

        with Runner() as runner:
            outcome = runner.run(["info", "model.onnx"], run_dir)
    """

    def __init__(self, timeout: float = TIMEOUT, memory: int = MEMORY):
        self.timeout, self.memory = timeout, memory
        self._proc = None

    def _start(self):
        env = {k: v for k, v in os.environ.items() if k != "NETGRAPH_TRACEBACK"}  # tracebacks are what we look for
        env["PYTHONHASHSEED"] = "0"
        self._proc = subprocess.Popen([sys.executable, _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, env=env)

    def run(self, argv, run_dir, *, memory=None) -> Outcome:
        """Run ``netgraph *argv`` in a fresh fork; its stdout and stderr go to files in ``run_dir``.

        ``memory`` overrides the runner's bound (bytes of address space) for this run.
        """
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        out, err = os.path.join(run_dir, "stdout"), os.path.join(run_dir, "stderr")
        request = {"argv": [str(a) for a in argv], "stdout": out, "stderr": err,
                   "timeout": self.timeout, "memory": memory or self.memory}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fuzzer's fork server died")
        outcome = Outcome(**json.loads(line))
        outcome.stdout = _read(out)
        outcome.stderr = _read(err)
        return outcome

    def close(self):
        if self._proc is not None and self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
        self._proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read(path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""
