"""Long work stops at once (issues 9 and 12): ``netgraph fit --bootstrap N`` ends within seconds of Ctrl-C
(SIGINT) or SIGTERM, with exit status 130 or 143, one error line and no output file; the bootstrap's
worker processes are terminated with it, and none outlives a parent that is killed.

Each test runs a real process (the command, or a script fitting with ``n_jobs=2``), waits until the
bootstrap is under way, sends the signal and times the end."""

import os
import signal
import subprocess
import sys
import time

import pytest

from test_cli_fit import mlp  # noqa: F401 (a fixture: x(3) -> fc1(200) -> fc2(300) -> fc3(10))

#: How long the process may take to end after the signal: issue 12 asks for a second (measured
#: here: 0.02 to 0.22 s, with and without the pool).
STOP_SECONDS = 1.0

POOL_SCRIPT = """
import sys
from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
degrees = DiscreteTPL(1.8, 2, 300).sample(2000, seed=0)
print("fitting", flush=True)
TruncatedPowerLaw(bootstrap=100_000, n_jobs=2, seed=0, progress=False).fit(degrees)
print("done", flush=True)
"""


def default_sigint() -> None:
    """In the child before exec: SIGINT back to its default action, whatever the test process inherited.

    A process that starts with SIGINT ignored (pytest run from a shell job that ignores it,
    or by a parent that set SIG_IGN) passes that on through exec, and Python then installs
    no KeyboardInterrupt handler: the command would never see the signal this test sends.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def children(pid):
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def running(pid) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(path, fragment, proc, timeout=120.0) -> None:
    """Wait until the file ``path`` (a process's output) holds ``fragment``."""
    deadline = time.monotonic() + timeout
    while fragment not in path.read_text():
        assert proc.poll() is None, f"the process ended before {fragment!r}: {path.read_text()!r}"
        assert time.monotonic() < deadline, f"never saw {fragment!r}: {path.read_text()!r}"
        time.sleep(0.1)


def stop(proc, sig) -> float:
    """Send ``sig`` to ``proc``; return the seconds until it ended.

    The process's output goes to files, not pipes, so a worker that outlived it cannot keep
    this waiting."""
    start = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the process did not end within 60 s of {sig.name}")
    return time.monotonic() - start


def end_all(proc, pids) -> None:
    """Kill what a failed test may have left running: ``proc`` and the processes ``pids``."""
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig, status, line", [(signal.SIGINT, 130, "netgraph: error: interrupted"),
                                               (signal.SIGTERM, 143, "netgraph: error: terminated (SIGTERM)")])
@pytest.mark.parametrize("jobs", [["--jobs", "1"], []])
def test_fit_bootstrap_stops_at_once(mlp, tmp_path, sig, status, line, jobs):  # noqa: F811 (the fixture)
    """In this process (--jobs 1), and on the whole-model pool (no --jobs: every core)."""
    (tmp_path / "run").mkdir()
    out, log = tmp_path / "run" / "fit.json", tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "netgraph.cli", "-v", "fit", mlp, "--bootstrap", "100000",
                                 "--seed", "0", "--json", "-o", str(out), *jobs],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                preexec_fn=default_sigint)
    kids = []
    try:
        wait_for(log, "bootstrap: 100000 replicates", proc)  # takes many minutes
        time.sleep(1.0)
        kids = children(proc.pid)
        seconds = stop(proc, sig)
    finally:
        end_all(proc, kids)
    err = log.read_text()
    assert proc.returncode == status, err
    assert seconds < STOP_SECONDS, f"took {seconds:.1f} s to stop"
    errors = [x for x in err.splitlines() if x.startswith("netgraph: error:")]
    assert errors == [line] and err.strip().splitlines()[-1] == line and "Traceback" not in err
    assert os.listdir(tmp_path / "run") == []  # no output, no temporary file
    assert not [pid for pid in kids if running(pid)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_bootstrap_workers_end_with_their_parent(sig, tmp_path):
    """SIGINT: the parent's KeyboardInterrupt stops the pool; SIGTERM (no handler, the parent dies at
    once): the workers are sent SIGTERM when their parent dies."""
    log = tmp_path / "output.txt"
    with open(log, "w") as output:
        proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT], preexec_fn=default_sigint,
                                stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT)
    workers = []
    try:
        wait_for(log, "fitting", proc)
        deadline = time.monotonic() + 120
        while len(workers) < 2:  # the search runs first, then the pool starts
            assert time.monotonic() < deadline and proc.poll() is None, "the pool never started"
            time.sleep(0.2)
            workers = children(proc.pid)
        time.sleep(1.0)
        seconds = stop(proc, sig)
        assert seconds < STOP_SECONDS, f"took {seconds:.1f} s to stop"
        deadline = time.monotonic() + STOP_SECONDS
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if running(pid)], "a bootstrap worker outlived its parent"
        assert proc.returncode == -sig  # died of the signal (KeyboardInterrupt's exit re-raises SIGINT)
    finally:
        end_all(proc, workers)
