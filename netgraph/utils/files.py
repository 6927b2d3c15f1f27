"""Small helpers shared by netgraph's modules: atomic file output.

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

__all__ = ["atomic_write", "check_writable"]

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
