"""Small helpers shared by netgraph's modules: atomic file output.

:func:`check_writable` and :func:`check_output_dir` check an output file or folder
before any work is done; :func:`atomic_write` writes one file, :func:`write_files` a
set of files into a folder, all of them or none.

Every file netgraph writes goes through :func:`atomic_write`: the bytes go to a
temporary file in the target's directory, which replaces the target only once it
is complete and synced to disk. A failure at any point (an exception, Ctrl-C) leaves
the previous target untouched and removes the temporary file, so no output is ever
left half-written.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from typing import IO, Iterator

from netgraph.exceptions import InvalidParameterError

__all__ = ["atomic_write", "check_writable", "check_output_dir", "write_files"]

logger = logging.getLogger(__name__)

_WRITE_MODES = ("w", "wt", "wb")


def check_writable(path) -> str:
    """Check that a file could be written at ``path``, without writing anything.

    Use it before long work whose result goes to ``path``, so that a typo in the
    output path fails at once rather than after the work is done.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written. It may or may not exist yet.

    Returns
    -------
    str
        ``path`` as a string (``os.fspath``).

    Raises
    ------
    FileNotFoundError
        If the directory that would hold the file does not exist.
    IsADirectoryError
        If ``path`` is an existing directory.
    NotADirectoryError
        If the parent of ``path`` is not a directory.
    PermissionError
        If the directory is not writable (or the file exists and is not writable).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> check_writable(os.path.join(d, "out.json")) == os.path.join(d, "out.json")
    True
    >>> check_writable(os.path.join(d, "missing", "out.json"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] directory does not exist: '...missing'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "output path is a directory", path)
    if not os.path.exists(directory):
        raise FileNotFoundError(errno.ENOENT, "directory does not exist", directory)
    if not os.path.isdir(directory):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "directory is not writable", directory)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "file is not writable", path)
    return path


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # not thread-safe, hence the /proc route first
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open ``path`` for writing so that it appears whole or not at all.

    The context manager yields a file object on a temporary file created in the same
    directory as ``path`` (so the final rename stays on one file system). When the
    ``with`` block ends normally, the file is flushed, ``fsync``-ed and moved over
    ``path`` with :func:`os.replace` (atomic on POSIX and Windows). When the block
    raises (any exception, ``KeyboardInterrupt`` included), the temporary file is
    removed, ``path`` keeps its previous content (or stays absent) and the exception
    propagates.

    The new file gets the permissions a plain :func:`open` would give it (those of
    the file it replaces, or ``0o666`` minus the umask), not the private ``0o600``
    of a temporary file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    mode : {"wb", "w", "wt"}, default "wb"
        Binary or text mode.
    encoding : str, optional
        Text encoding in text mode (default UTF-8); must be None in binary mode.

    Yields
    ------
    file object
        A real file (with a ``fileno``), so writers that need one (igraph's) accept it.

    Raises
    ------
    ValueError
        If ``mode`` is not a write mode, or ``encoding`` is given in binary mode.
    FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError
        From :func:`check_writable`, before anything is written.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_write(path, "w") as f:
    ...     _ = f.write("complete")
    >>> open(path).read()
    'complete'
    >>> try:
    ...     with atomic_write(path, "w") as f:
    ...         _ = f.write("half")
    ...         raise RuntimeError("failed mid-write")
    ... except RuntimeError:
    ...     pass
    >>> open(path).read(), sorted(os.listdir(os.path.dirname(path)))
    ('complete', ['out.txt'])
    """
    if mode not in _WRITE_MODES:
        raise ValueError(f"atomic_write mode must be one of {', '.join(_WRITE_MODES)}; got {mode!r}")
    binary = "b" in mode
    if binary and encoding is not None:
        raise ValueError("atomic_write: encoding must be None in binary mode")
    path = check_writable(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        perms = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        perms = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    logger.debug("writing %s through %s", path, tmp)
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding or "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, perms)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable where the system allows it (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def check_output_dir(path, name: str = "output folder") -> str:
    """Check that the folder ``path`` exists and is writable, or could be created.

    Nothing is created: use it before long work whose results go into ``path``, so that
    a bad folder fails at once.

    Parameters
    ----------
    path : str or os.PathLike
        The output folder.
    name : str, default "output folder"
        What the messages call it (a command-line flag such as ``"--plot"``, say).

    Returns
    -------
    str
        ``path`` as a string.

    Raises
    ------
    InvalidParameterError
        If ``path`` is empty, is a file, is not writable, or its nearest existing
        ancestor is not a writable folder.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> check_output_dir(os.path.join(d, "new", "run")) == os.path.join(d, "new", "run")
    True
    >>> open(os.path.join(d, "file"), "w").close()
    >>> check_output_dir(os.path.join(d, "file"), "--plot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --plot '...file' exists and is not a directory
    """
    path = os.fspath(path)
    if not path:
        raise InvalidParameterError(f"the {name} is empty")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise InvalidParameterError(f"{name} {path!r} exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise InvalidParameterError(f"{name} {path!r} is not writable")
        return path
    ancestor = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise InvalidParameterError(f"cannot create {name} {path!r}: {ancestor!r} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"cannot create {name} {path!r}: {ancestor!r} is not writable")
    return path


def write_files(folder, files: dict) -> list[str]:
    """Write ``{name: bytes}`` into ``folder``, each file atomically, all of them or none.

    The folder (and its missing parents) is created if needed. If writing any file
    fails, the files this call wrote and the folders it created are removed, and the
    error propagates: the folder never holds part of a result.

    Parameters
    ----------
    folder : str or os.PathLike
        The output folder.
    files : dict of str to bytes
        File names (inside ``folder``) and their contents, written in this order.

    Returns
    -------
    list of str
        The paths written, in order.

    Raises
    ------
    OSError
        From creating the folder or writing a file (after the clean-up).

    Examples
    --------
    >>> import os, tempfile
    >>> d = os.path.join(tempfile.mkdtemp(), "run")
    >>> [os.path.basename(p) for p in write_files(d, {"a.txt": b"a", "b.txt": b"b"})]
    ['a.txt', 'b.txt']
    >>> sorted(os.listdir(d))
    ['a.txt', 'b.txt']
    """
    folder = os.fspath(folder)
    created_dirs = []
    probe = os.path.abspath(folder)
    while not os.path.exists(probe):
        created_dirs.append(probe)
        probe = os.path.dirname(probe)
    written = []
    try:
        os.makedirs(folder, exist_ok=True)
        for name, data in files.items():
            path = os.path.join(folder, name)
            with atomic_write(path, "wb") as f:
                f.write(data)
            written.append(path)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                os.unlink(path)
        for d in created_dirs:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(d)
        raise
    return written
