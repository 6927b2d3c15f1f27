"""The shared helpers of netgraph.utils: one test (or a few) per helper, values by hand."""

import errno
import logging
import math
import os
import re
import socket
import stat
import threading

import numpy as np
import pytest

from netgraph import InvalidParameterError
from netgraph.utils.check import (
    DEFAULT_MAX_BYTES, check_bool, check_budget, check_choice, check_fields, check_int, check_integers, check_n_jobs,
    check_real, check_seed, interval,
)
from netgraph.utils.progress import progress_bar, show_progress
from netgraph.utils.seeds import child_seed, seed_sequence, spawn_seeds
from netgraph.utils.files import (
    atomic_write, check_output_dir, check_writable, created_folder, file_type_name, regular_file_stat, write_files,
)
from netgraph.utils.tables import format_table, json_text, one_line


@pytest.mark.parametrize("value, expected", [(3, 3), (3.0, 3), (np.int64(5), 5), (np.float32(2.0), 2)])
def test_check_int_accepts_integers(value, expected):
    out = check_int(value, "n", minimum=0)
    assert out == expected and type(out) is int


@pytest.mark.parametrize("value, rule", [
    (True, "an integer >= 0"), (2.5, "an integer >= 0"), (math.inf, "an integer >= 0"), ("3", "an integer >= 0"),
    (-1, "an integer >= 0"), (None, "an integer >= 0"),
])
def test_check_int_names_parameter_and_value(value, rule):
    with pytest.raises(InvalidParameterError) as info:
        check_int(value, "--bootstrap", minimum=0)
    assert str(info.value) == f"--bootstrap must be {rule}; got {value!r}"


def test_check_int_maximum():
    assert check_int(5, "n", minimum=1, maximum=5) == 5
    with pytest.raises(InvalidParameterError, match=r"^n must be an integer in \[1, 5\]; got 6$"):
        check_int(6, "n", minimum=1, maximum=5)


def test_check_real_bounds():
    assert check_real(0.5, "k", minimum=0, maximum=0.5, open_minimum=True) == 0.5
    for bad in (0, 0.0, 0.51, math.nan, "0.3", True):
        with pytest.raises(InvalidParameterError, match=r"^k must be a number in \(0, 0.5\]; got "):
            check_real(bad, "k", minimum=0, maximum=0.5, open_minimum=True)
    with pytest.raises(InvalidParameterError, match=r"^x must be a finite number; got inf$"):
        check_real(math.inf, "x")
    assert check_real(math.inf, "x", finite=False) == math.inf


def test_interval_words():
    assert interval() == ""
    assert interval(0, 1, open_maximum=True) == "in [0, 1)"
    assert interval(maximum=3, open_maximum=True) == "< 3"


def test_check_bool():
    assert check_bool(np.bool_(False), "flag") is False
    with pytest.raises(InvalidParameterError, match=r"^flag must be True or False; got 'yes'$"):
        check_bool("yes", "flag")


def test_check_choice():
    assert check_choice("ks", "rule", ("ks", "deluca-corral")) == "ks"
    with pytest.raises(InvalidParameterError, match=r"^rule must be one of 'ks', 'deluca-corral'; got 'KS'$"):
        check_choice("KS", "rule", ("ks", "deluca-corral"))
    with pytest.raises(InvalidParameterError, match=r"got \[1\]$"):
        check_choice([1], "rule", {"ks"})  # unhashable against a set


def test_check_seed_and_streams():
    g = np.random.default_rng(0)
    assert check_seed(g) is g and check_seed(None) is None and check_seed(3) == 3
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(InvalidParameterError, match="^seed must be None, a non-negative integer"):
            check_seed(bad)
    ss = seed_sequence(11)
    assert ss.entropy == 11 and seed_sequence(ss) is ss
    # children are named by their key, independent of the order they are made in
    a, b = child_seed(ss, 1).generate_state(2), child_seed(ss, 2).generate_state(2)
    assert not np.array_equal(a, b)
    assert np.array_equal(child_seed(ss, 1).generate_state(2), a)
    assert spawn_seeds(5, 3) == [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(5).spawn(3)]


def test_check_n_jobs():
    assert check_n_jobs(1) == 1
    assert check_n_jobs(-1) >= 1
    with pytest.raises(InvalidParameterError, match=r"^n_jobs must be an integer >= 1; got 0$"):
        check_n_jobs(0)


def test_check_integers():
    out = check_integers(np.array([2.0, 0.0, 7.0]), "degrees")
    assert out.dtype == np.int64 and out.tolist() == [2, 0, 7]
    cases = [
        ([[1, 2]], "degrees must be a 1-D array of integers; got shape (1, 2)"),
        ([], "degrees is empty: there is nothing to fit"),
        (["a"], "degrees must hold integers; got an array of dtype <U1"),
        ([1.0, math.nan], "degrees must be finite numbers; degrees[1] = nan"),
        ([1.0, 2.5], "degrees must be integers; degrees[1] = 2.5"),
        ([4, -2], "degrees must be >= 0; degrees[1] = -2"),
    ]
    for data, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            check_integers(data, "degrees")
        assert str(info.value) == message
    assert check_integers([], "x", allow_empty=True).size == 0
    with pytest.raises(InvalidParameterError, match=r"x must be >= 3; x\[0\] = 2"):
        check_integers([2], "x", minimum=3)


def test_format_table():
    lines = format_table([("a", "bb", "c"), ("long", "1", "22")], "lrl")
    assert lines == ["a     bb  c", "long   1  22"]
    with pytest.raises(ValueError):
        format_table([("a",), ("b", "c")])


def test_one_line():
    assert one_line("a\n  b\tc ") == "a b c"
    assert one_line(KeyError("k")) == "'k'"
    assert one_line(ValueError()) == ""


def test_json_text_compacts_number_lists():
    text = json_text({"x": [1, 2.5], "y": {"z": ["a", "b"]}, "flags": [True, False]})
    assert '"x": [1, 2.5]' in text
    assert '"a",' in text  # lists of strings stay one item a line
    import json
    assert json.loads(text) == {"x": [1, 2.5], "y": {"z": ["a", "b"]}, "flags": [True, False]}


def test_progress_follows_terminal_and_quiet(monkeypatch):
    class Tty:
        def isatty(self):
            return True

        def write(self, s):
            pass

        def flush(self):
            pass

    monkeypatch.setattr("sys.stderr", Tty())
    assert show_progress() is True
    logger = logging.getLogger("netgraph")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        assert show_progress() is False
        assert show_progress(True) is True
    finally:
        logger.setLevel(old)
    bar = progress_bar(2, progress=False)
    assert bar.disable
    bar.close()


# ---------------------------------------------------------------------- atomic files (moved from test_io.py)
def test_atomic_write_text_and_binary(tmp_path):
    with atomic_write(tmp_path / "a.txt", "w") as f:
        f.write("héllo\n")
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode("utf-8")
    with atomic_write(tmp_path / "b.bin") as f:
        f.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("mode", ["r", "a", "w+", "rb", "ab"])
def test_atomic_write_rejects_other_modes(tmp_path, mode):
    with pytest.raises(ValueError, match=re.escape(repr(mode))):
        with atomic_write(tmp_path / "a", mode):
            pass
    assert os.listdir(tmp_path) == []


def test_atomic_write_rejects_encoding_in_binary_mode(tmp_path):
    with pytest.raises(ValueError, match="binary"):
        with atomic_write(tmp_path / "a", "wb", encoding="utf-8"):
            pass


def test_atomic_write_gives_ordinary_permissions(tmp_path):
    mask = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "new.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640  # 0o666 & ~0o027


def test_atomic_write_keeps_permissions_of_replaced_file(tmp_path):
    path = tmp_path / "old.txt"
    path.write_text("old")
    os.chmod(path, 0o604)
    with atomic_write(path, "w") as f:
        f.write("new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_check_writable(tmp_path):
    assert check_writable(tmp_path / "x.json") == str(tmp_path / "x.json")
    with pytest.raises(IsADirectoryError):
        check_writable(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        check_writable(tmp_path / "file" / "x.json")
    with pytest.raises(FileNotFoundError, match="missing"):
        check_writable(tmp_path / "missing" / "x.json")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permissions")
def test_check_writable_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            check_writable(ro / "x.json")
    finally:
        os.chmod(ro, 0o700)


# ---------------------------------------------------------------------- output folders (moved from trainers/cli.py)
def test_check_output_dir(tmp_path):
    from netgraph.utils.files import check_output_dir

    assert check_output_dir(tmp_path) == str(tmp_path)
    assert check_output_dir(tmp_path / "new" / "run") == str(tmp_path / "new" / "run")
    assert not (tmp_path / "new").exists()  # nothing is created
    (tmp_path / "file").write_text("")
    with pytest.raises(InvalidParameterError, match=r"^output folder '.*file' exists and is not a directory$"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(InvalidParameterError, match=r"^--plot '.*file' exists and is not a directory$"):
        check_output_dir(tmp_path / "file", "--plot")
    with pytest.raises(InvalidParameterError, match=r"cannot create output folder .*: '.*file' is not a directory"):
        check_output_dir(tmp_path / "file" / "sub")
    with pytest.raises(InvalidParameterError, match="the output folder is empty"):
        check_output_dir("")


def test_check_output_dir_not_writable(tmp_path, monkeypatch):
    from netgraph.utils.files import check_output_dir

    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if "locked" in str(path) else real_access(path, mode))
    (tmp_path / "locked").mkdir()
    with pytest.raises(InvalidParameterError, match="output folder .*locked' is not writable"):
        check_output_dir(tmp_path / "locked")
    with pytest.raises(InvalidParameterError, match="cannot create output folder .*: .*locked' is not writable"):
        check_output_dir(tmp_path / "locked" / "new")


def test_write_files_all_or_none(tmp_path, monkeypatch):
    from netgraph.utils.files import write_files

    written = write_files(tmp_path / "a" / "b", {"x.bin": b"x", "y.txt": b"y"})
    assert written == [str(tmp_path / "a" / "b" / "x.bin"), str(tmp_path / "a" / "b" / "y.txt")]
    assert (tmp_path / "a" / "b" / "y.txt").read_bytes() == b"y"

    import netgraph.utils.files

    real_replace = netgraph.utils.files.os.replace

    def replace(src, dst):
        if dst.endswith("second"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(netgraph.utils.files.os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        write_files(tmp_path / "new" / "run", {"first": b"1", "second": b"2"})
    assert sorted(os.listdir(tmp_path)) == ["a"]  # the file written and the folders made are removed
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "notes.txt").write_text("mine")
    with pytest.raises(OSError):
        write_files(tmp_path / "kept", {"first": b"1", "second": b"2"})
    assert os.listdir(tmp_path / "kept") == ["notes.txt"]


# ---------------------------------------------------------------------- targets that are not regular files
class FifoReader:
    """A FIFO at ``path`` and a thread that reads it to the end (as a consumer of ``-o fifo`` would)."""

    def __init__(self, path):
        self.path = str(path)
        os.mkfifo(self.path)
        self.data = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        with open(self.path, "rb") as f:
            self.data = f.read()

    def join(self):
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the writer never opened the FIFO"
        return self.data


def test_atomic_write_writes_through_a_fifo(tmp_path):
    reader = FifoReader(tmp_path / "pipe")
    with atomic_write(tmp_path / "pipe", "w") as f:
        f.write("through the pipe\n")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)  # still a FIFO, not replaced by a file
    assert reader.join() == b"through the pipe\n"
    assert os.listdir(tmp_path) == ["pipe"]  # no temporary file


def test_atomic_write_writes_through_dev_null():
    before = os.stat(os.devnull)
    assert check_writable(os.devnull) == os.devnull
    with atomic_write(os.devnull, "wb") as f:
        f.write(b"discarded")
    after = os.lstat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_atomic_write_writes_through_a_character_device(tmp_path):
    """A null device made here (root only), so that the test cannot harm the system's /dev/null."""
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.stat(os.devnull).st_rdev)
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a device here: {exc}")
    with atomic_write(null, "w") as f:
        f.write("discarded")
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_atomic_write_follows_a_symlink(tmp_path):
    (tmp_path / "results").mkdir()
    target = tmp_path / "results" / "run1.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    with atomic_write(link, "w") as f:
        f.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError):
        with atomic_write(link, "w") as f:
            f.write("half")
            raise RuntimeError("failed mid-write")
    assert target.read_text() == "new" and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["latest.json", "results"]
    assert os.listdir(tmp_path / "results") == ["run1.json"]  # the temporary file sat next to the target


def test_atomic_write_creates_the_target_of_a_dangling_symlink(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    assert check_writable(link) == str(link)
    with atomic_write(link, "w") as f:
        f.write("x")
    assert link.is_symlink() and (tmp_path / "elsewhere.json").read_text() == "x"
    (tmp_path / "gone").symlink_to(tmp_path / "missing" / "x.json")
    with pytest.raises(FileNotFoundError, match="missing"):
        check_writable(tmp_path / "gone")


def test_atomic_write_refuses_a_socket(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        for call in (lambda: check_writable(path), lambda: atomic_write(path, "w").__enter__()):
            with pytest.raises(InvalidParameterError, match=r"^output '.*sock' is a socket, not a regular file; "):
                call()
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_file_type_name(tmp_path):
    (tmp_path / "f").write_text("")
    os.mkfifo(tmp_path / "p")
    assert [file_type_name(os.lstat(tmp_path / n).st_mode) for n in ("f", "p")] == ["regular file", "FIFO"]
    assert file_type_name(os.stat(os.devnull).st_mode) == "character device"
    assert file_type_name(os.stat(tmp_path).st_mode) == "directory"
    assert file_type_name(0) == "special file"


class _Missing(Exception): pass
class _BadName(Exception): pass
class _Directory(Exception): pass
class _Special(Exception): pass
class _Unreadable(Exception): pass


def _refusals(path, unreadable=True):
    """regular_file_stat's builders, each a class of its own with a message naming ``path``."""
    kw = dict(missing=lambda: _Missing(f"{path!r}: not found"),
              bad_name=lambda exc: _BadName(f"{path!r}: {exc}"),
              directory=lambda: _Directory(f"{path!r}: is a directory"),
              special=lambda kind: _Special(f"{path!r}: is a {kind}"))
    if unreadable:
        kw["unreadable"] = lambda exc: _Unreadable(f"{path!r}: {exc.strerror}")
    return kw


def test_regular_file_stat_returns_the_stat_of_a_regular_file_or_a_link_to_one(tmp_path):
    (tmp_path / "f").write_bytes(b"12345")
    os.symlink(tmp_path / "f", tmp_path / "link")
    for name in ("f", "link"):
        st = regular_file_stat(tmp_path / name, **_refusals(tmp_path / name))
        assert stat.S_ISREG(st.st_mode) and st.st_size == 5


@pytest.mark.parametrize("kind, error, message", [
    ("directory", _Directory, "is a directory"),
    ("fifo", _Special, "is a FIFO"),
    ("device", _Special, "is a character device"),
    ("missing", _Missing, "not found"),
    ("missing folder", _Missing, "not found"),  # a file on the way is not a folder: NotADirectoryError
    ("nul", _BadName, "embedded null byte"),
    ("too long", _Unreadable, "File name too long"),
])
def test_regular_file_stat_refuses_anything_else_with_the_callers_error(tmp_path, kind, error, message):
    (tmp_path / "f").write_text("")
    if kind == "fifo":
        os.mkfifo(tmp_path / "p")
    path = {"directory": str(tmp_path), "fifo": str(tmp_path / "p"), "device": os.devnull,
            "missing": str(tmp_path / "gone"), "missing folder": str(tmp_path / "f" / "x"),
            "nul": str(tmp_path / "a\0b"), "too long": str(tmp_path / ("x" * 5000))}[kind]
    with pytest.raises(error) as info:
        regular_file_stat(path, **_refusals(path))
    assert str(info.value) == f"{path!r}: {message}"
    # no "during handling of the above exception" chain from os.stat's error
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)


def test_regular_file_stat_lets_an_oserror_through_without_unreadable(tmp_path):
    path = str(tmp_path / ("x" * 5000))
    with pytest.raises(OSError) as info:
        regular_file_stat(path, **_refusals(path, unreadable=False))
    assert type(info.value) is OSError and info.value.errno == errno.ENAMETOOLONG


def test_check_output_dir_checks_the_files_it_will_hold(tmp_path):
    (tmp_path / "run").mkdir()
    assert check_output_dir(tmp_path / "run", files=["a.json"]) == str(tmp_path / "run")
    (tmp_path / "run" / "a.json").mkdir()
    with pytest.raises(InvalidParameterError,
                       match=r"^cannot write '.*a\.json' in --plot '.*run': output path is a directory$"):
        check_output_dir(tmp_path / "run", "--plot", files=["b.json", "a.json"])
    assert check_output_dir(tmp_path / "new", files=["a.json"]) == str(tmp_path / "new")  # created later


def test_created_folder_is_removed_when_the_block_fails(tmp_path):
    with created_folder(tmp_path / "a" / "b") as folder:
        assert folder == str(tmp_path / "a" / "b") and os.path.isdir(folder)
    assert (tmp_path / "a" / "b").is_dir()
    for exc in (RuntimeError("failed"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with created_folder(tmp_path / "x" / "y"):
                raise exc
        assert sorted(os.listdir(tmp_path)) == ["a"]
    with pytest.raises(RuntimeError):
        with created_folder(tmp_path / "a" / "b" / "c"):
            raise RuntimeError("failed")
    assert os.listdir(tmp_path / "a" / "b") == []  # the folders that existed are kept


def test_write_files_never_removes_a_fifo(tmp_path, monkeypatch):
    (tmp_path / "run").mkdir()
    reader = FifoReader(tmp_path / "run" / "first")

    import netgraph.utils.files

    real_replace = netgraph.utils.files.os.replace

    def replace(src, dst):
        if dst.endswith("second"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(netgraph.utils.files.os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        write_files(tmp_path / "run", {"first": b"1", "second": b"2"})
    assert reader.join() == b"1"
    assert os.listdir(tmp_path / "run") == ["first"] and stat.S_ISFIFO(os.lstat(tmp_path / "run" / "first").st_mode)


# ---------------------------------------------------------------------- check_fields
def test_check_fields():
    record = {"name": "x", "size": 2}
    assert check_fields(record, "layer", ("name", "size"), ("kind",), strings=("name", "kind")) is record
    with pytest.raises(InvalidParameterError, match=r"^layer must be a mapping of fields; got list$"):
        check_fields([("name", "x")], "layer", ("name",))
    with pytest.raises(InvalidParameterError, match=r"^layer must have the field\(s\) 'name', 'size'; 'size' missing$"):
        check_fields({"name": "x"}, "layer", ("name", "size"))
    with pytest.raises(InvalidParameterError,
                       match=r"^layer 2 must be a mapping with no fields but name, size; got 'colour'$"):
        check_fields({"name": "x", "colour": 1}, "layer 2", ("name",), ("size",))
    with pytest.raises(InvalidParameterError, match=r"got \['a', 'b'\]$"):
        check_fields({"a": 1, "b": 2}, "layer", ())
    with pytest.raises(InvalidParameterError, match=r"^kind of layer must be a string; got True$"):
        check_fields({"kind": True}, "layer", (), ("kind",), strings=("kind",))


# ---------------------------------------------------------------------- check_budget
def test_check_budget():
    import netgraph

    assert DEFAULT_MAX_BYTES == 4 * 2**30
    assert check_budget(DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES, "m.onnx", "input 'x'") is None  # the bound itself is fine
    with pytest.raises(netgraph.ResourceLimitError) as err:
        check_budget(2**70, 100, "m.onnx", "the nodes of input 'x'")  # a Python int: no overflow
    assert str(err.value) == (f"m.onnx: the nodes of input 'x' take {2**70:,} bytes, more than the memory budget "
                              "max_bytes=100; pass a larger max_bytes if you trust the file and have the memory")
    assert not isinstance(err.value, MemoryError)
