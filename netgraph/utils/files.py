"""Small helpers shared by netgraph's modules: atomic file output.

:func:`check_writable` and :func:`check_output_dir` check an output file or folder
before any work is done; :func:`atomic_write` writes one file, :func:`write_files` a
set of files into a folder, all of them or none; :func:`created_folder` creates a
folder for a block of work and removes it again if the block fails;
:func:`file_type_name` names the type of a file (``"FIFO"``, ``"character device"``);
:func:`regular_file_stat` checks that a file to be read is a regular file, before it is
opened.

Every file netgraph writes goes through :func:`atomic_write`: the bytes go to a
temporary file in the target's directory, which replaces the target only once it
is complete and synced to disk. A failure at any point (an exception, Ctrl-C) leaves
the previous target untouched and removes the temporary file, so no output is ever
left half-written.

A target that is not a regular file is never replaced:

* a **symbolic link** is followed: its target is written atomically, as above, and the
  link stays a link (a dangling link gets its target created);
* a **character device** (``/dev/null``, a terminal) or a **FIFO** (a named pipe) is
  written through: it is opened and written directly, without a temporary file, as
  :func:`open` would do. Such a stream cannot be "whole or not at all": a reader may
  have consumed part of the output when a failure stops the writer. Opening a FIFO
  waits until a reader opens it, as it does for any program;
* anything else (a directory, a block device, a socket) is refused before anything is
  written.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
from typing import IO, Iterator

from netgraph.exceptions import InvalidParameterError

__all__ = ["atomic_write", "check_writable", "check_output_dir", "write_files", "created_folder", "file_type_name",
           "regular_file_stat"]

logger = logging.getLogger(__name__)

_WRITE_MODES = ("w", "wt", "wb")

#: The names :func:`file_type_name` gives, by the ``stat`` test that recognises each.
_FILE_TYPES = (
    (stat.S_ISREG, "regular file"),
    (stat.S_ISDIR, "directory"),
    (stat.S_ISLNK, "symbolic link"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
)


def file_type_name(mode: int) -> str:
    """The name of a file's type, from its ``st_mode``, for messages.

    Parameters
    ----------
    mode : int
        ``os.stat(path).st_mode`` (or ``os.lstat``).

    Returns
    -------
    str
        ``"regular file"``, ``"directory"``, ``"symbolic link"``, ``"character device"``,
        ``"block device"``, ``"FIFO"``, ``"socket"``, or ``"special file"``.

    Examples
    --------
    >>> import os
    >>> file_type_name(os.stat(os.devnull).st_mode), file_type_name(os.stat(".").st_mode)
    ('character device', 'directory')
    """
    return next((name for test, name in _FILE_TYPES if test(mode)), "special file")


def regular_file_stat(path, *, missing, bad_name, directory, special, unreadable=None) -> os.stat_result:
    """``os.stat(path)`` of a file to be read, refusing anything but a regular file.

    Only :func:`os.stat` looks at ``path``: nothing is opened, so a FIFO or a device
    (whose read would block, or never end) is refused without being touched. Each
    refusal raises the exception its argument builds, so that every reader keeps its
    own error classes and messages (those of a failed :func:`os.stat` are raised
    ``from None``).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    missing : callable
        ``missing()`` builds the exception raised when ``path`` does not exist (or a
        folder on its way is not a folder).
    bad_name : callable
        ``bad_name(exc)`` builds the exception raised when ``path`` is no file name (it
        holds a NUL byte); ``exc`` is the ValueError of :func:`os.stat`.
    directory : callable
        ``directory()`` builds the exception raised when ``path`` is a directory.
    special : callable
        ``special(type_name)`` builds the exception raised when ``path`` is a FIFO, a
        device, a socket, ...; ``type_name`` is :func:`file_type_name`'s name for it.
    unreadable : callable, optional
        ``unreadable(exc)`` builds the exception raised when :func:`os.stat` fails
        otherwise (a permission denied, say); ``exc`` is its OSError. If None, the
        OSError propagates.

    Returns
    -------
    os.stat_result
        The regular file's ``os.stat`` (a symbolic link is followed).

    Raises
    ------
    Exception
        What ``missing``, ``bad_name``, ``directory``, ``special`` or ``unreadable``
        builds.
    OSError
        From :func:`os.stat`, if ``unreadable`` is None.

    Examples
    --------
    >>> import os, tempfile
    >>> kw = dict(missing=lambda: LookupError("no such file"), bad_name=lambda exc: ValueError("bad name"),
    ...           directory=lambda: IsADirectoryError("a directory"), special=lambda kind: TypeError(f"a {kind}"))
    >>> path = os.path.join(tempfile.mkdtemp(), "graph.npz")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"12345")
    >>> regular_file_stat(path, **kw).st_size
    5
    >>> regular_file_stat(os.devnull, **kw)
    Traceback (most recent call last):
    ...
    TypeError: a character device
    >>> regular_file_stat("no/such/file", **kw)
    Traceback (most recent call last):
    ...
    LookupError: no such file
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise missing() from None
    except ValueError as exc:  # os.stat refuses a path holding a NUL byte
        raise bad_name(exc) from None
    except OSError as exc:
        if unreadable is None:
            raise
        raise unreadable(exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise directory()
    if not stat.S_ISREG(st.st_mode):
        raise special(file_type_name(st.st_mode))
    return st


def _output_target(path: str) -> tuple[str, bool]:
    """Where writing ``path`` goes, and whether it goes there directly (no temporary file).

    A missing path or a regular file: ``(path, False)``; a symbolic link: its resolved
    target (a dangling link: the file it names); a character device or a FIFO:
    ``(path, True)``. A directory raises IsADirectoryError, any other type
    InvalidParameterError. Only ``os.stat`` looks at the file: nothing is opened.
    """
    if not path:
        raise InvalidParameterError("the output path is empty: name a file")
    if "\0" in path:
        raise InvalidParameterError(f"the output path {path!r} holds a NUL byte, which no file name can hold")
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # absent (or a dangling link): the checks say why
        return (os.path.realpath(path) if os.path.islink(path) else path), False
    if stat.S_ISREG(mode):
        return (os.path.realpath(path) if os.path.islink(path) else path), False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return path, True
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "output path is a directory", path)
    raise InvalidParameterError(f"output {path!r} is a {file_type_name(mode)}, not a regular file; netgraph writes "
                                f"only regular files, character devices (such as /dev/null) and FIFOs: choose "
                                f"another output path")


def check_writable(path) -> str:
    """Check that a file could be written at ``path``, without writing anything.

    Use it before long work whose result goes to ``path``, so that a typo in the
    output path fails at once rather than after the work is done. The checks are those
    of :func:`atomic_write`'s target (see the module documentation): a symbolic link is
    checked as its target, a character device or a FIFO only for write permission;
    nothing is opened.

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
    InvalidParameterError
        If ``path`` is empty, holds a NUL byte, or is a block device, a socket or another
        file that is neither a regular file, a character device nor a FIFO.

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
    _check_target(path)
    return path


def _check_target(path: str) -> tuple[str, bool]:
    """:func:`check_writable`'s checks; returns :func:`_output_target`'s answer."""
    target, through = _output_target(path)
    if through:  # a device or a FIFO: written in place, its folder does not matter
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "file is not writable", path)
        return target, through
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.exists(directory):
        raise FileNotFoundError(errno.ENOENT, "directory does not exist", directory)
    if not os.path.isdir(directory):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "directory is not writable", directory)
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "file is not writable", path)
    return target, through


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

    A non-regular ``path`` is never replaced. A symbolic link is followed: its target
    is written as above and the link is kept. A character device (``/dev/null``) or a
    FIFO is written through: opened and written directly, with no temporary file (a
    failure then cannot take back what a reader already read). Any other type is
    refused.

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
    InvalidParameterError
        From :func:`check_writable`: ``path`` is a block device, a socket, ...

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

    A link is followed, a device written through:

    >>> link = os.path.join(os.path.dirname(path), "latest.txt")
    >>> os.symlink(path, link)
    >>> with atomic_write(link, "w") as f:
    ...     _ = f.write("through the link")
    >>> open(path).read(), os.path.islink(link)
    ('through the link', True)
    >>> with atomic_write(os.devnull, "w") as f:
    ...     _ = f.write("discarded")
    """
    if mode not in _WRITE_MODES:
        raise ValueError(f"atomic_write mode must be one of {', '.join(_WRITE_MODES)}; got {mode!r}")
    binary = "b" in mode
    if binary and encoding is not None:
        raise ValueError("atomic_write: encoding must be None in binary mode")
    text = {} if binary else {"encoding": encoding or "utf-8", "newline": ""}
    target, through = _check_target(os.fspath(path))
    if through:
        logger.debug("writing %s directly (not a regular file: no temporary file)", target)
        with open(target, mode, **text) as f:
            yield f
        return
    directory = os.path.dirname(os.path.abspath(target))
    try:
        perms = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        perms = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    logger.debug("writing %s through %s", target, tmp)
    try:
        with os.fdopen(fd, mode, **text) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, perms)
        os.replace(tmp, target)
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


def check_output_dir(path, name: str = "output folder", *, files=()) -> str:
    """Check that the folder ``path`` exists and is writable, or could be created.

    Nothing is created: use it before long work whose results go into ``path``, so that
    a bad folder fails at once.

    Parameters
    ----------
    path : str or os.PathLike
        The output folder.
    name : str, default "output folder"
        What the messages call it (a command-line flag such as ``"--plot"``, say).
    files : iterable of str, optional
        The names of the files the work will write into the folder: when the folder
        exists, each is checked as :func:`check_writable` checks a file (one that is a
        directory, or not writable, fails now rather than after the work).

    Returns
    -------
    str
        ``path`` as a string.

    Raises
    ------
    InvalidParameterError
        If ``path`` is empty, is a file, is not writable, its nearest existing
        ancestor is not a writable folder, or one of ``files`` could not be written.

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
    >>> os.mkdir(os.path.join(d, "run"))
    >>> os.mkdir(os.path.join(d, "run", "train.json"))
    >>> check_output_dir(os.path.join(d, "run"), files=["train.json"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: cannot write '...train.json' in output folder ...: output path is a directory
    """
    path = os.fspath(path)
    if not path:
        raise InvalidParameterError(f"the {name} is empty")
    if "\0" in path:
        raise InvalidParameterError(f"the {name} {path!r} holds a NUL byte, which no file name can hold")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise InvalidParameterError(f"{name} {path!r} exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise InvalidParameterError(f"{name} {path!r} is not writable")
        for file in files:
            target = os.path.join(path, file)
            try:
                check_writable(target)
            except OSError as exc:
                raise InvalidParameterError(f"cannot write {target!r} in {name} {path!r}: "
                                            f"{exc.strerror or exc}") from None
        return path
    ancestor = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise InvalidParameterError(f"cannot create {name} {path!r}: {ancestor!r} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"cannot create {name} {path!r}: {ancestor!r} is not writable")
    return path


@contextlib.contextmanager
def created_folder(folder) -> Iterator[str]:
    """Create ``folder`` (and its missing parents) for a block; remove them if the block fails.

    If the block raises (any exception, ``KeyboardInterrupt`` included), the folders
    this call created are removed again, deepest first, as long as they are empty (the
    block removes what it wrote), and the error propagates: a failed run leaves no
    folder behind. A folder that already existed is never removed.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder.

    Yields
    ------
    str
        ``folder`` as a string.

    Raises
    ------
    OSError
        From creating the folder.

    Examples
    --------
    >>> import os, tempfile
    >>> base = tempfile.mkdtemp()
    >>> try:
    ...     with created_folder(os.path.join(base, "figures", "run1")):
    ...         raise RuntimeError("the figure failed")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir(base)
    []
    """
    folder = os.fspath(folder)
    created = []
    probe = os.path.abspath(folder)
    while not os.path.lexists(probe):
        created.append(probe)
        probe = os.path.dirname(probe)
    try:
        os.makedirs(folder, exist_ok=True)
        yield folder
    except BaseException:
        for d in created:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(d)
        raise


def write_files(folder, files: dict) -> list[str]:
    """Write ``{name: bytes}`` into ``folder``, each file atomically, all of them or none.

    The folder (and its missing parents) is created if needed (:func:`created_folder`).
    If writing any file fails, the files this call wrote and the folders it created are
    removed, and the error propagates: the folder never holds part of a result. (A file
    that is a character device or a FIFO is written through, see :func:`atomic_write`,
    and is never removed.)

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
    InvalidParameterError
        If a file's path is neither a regular file, a character device nor a FIFO
        (:func:`check_writable`).

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
    paths = []
    replaced = []  # the regular files written, to remove if a later one fails
    with created_folder(folder):
        try:
            for name, data in files.items():
                path = os.path.join(folder, name)
                target, through = _check_target(path)
                with atomic_write(path, "wb") as f:
                    f.write(data)
                paths.append(path)
                if not through:
                    replaced.append(target)
        except BaseException:
            for target in replaced:
                with contextlib.suppress(OSError):
                    os.unlink(target)
            raise
    return paths
