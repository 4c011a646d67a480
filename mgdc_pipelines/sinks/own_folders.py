"""A local sink's own folders, reached without following a symbolic link.

Anyone who can write in a sink folder may swap any folder in it for a link at any moment. A
check of the path ("no link from the root to here") and the write or delete after it are two
steps, and a swap between them would send the write, rename or delete through the link, to
files outside the sink. So every such operation here goes through folder descriptors: each
folder from the root down is opened with ``O_NOFOLLOW``, relative to the one before it, and the
operation names its file in the last one. A link found on the way is refused with
:class:`SinkPathError`; whatever is swapped after a folder was opened no longer matters, since
the descriptor keeps the folder that was opened. (The root itself is opened as given: whether it
may be a link is the operator's choice, for the consent layer to check.)

Reads of a sink's own files go the same way (:meth:`OwnFolders.read_files`): the folder is
reached through descriptors, its files listed from its descriptor and each opened in it without
following a link, so what is read is what is listed; a link (or what is not a regular file)
among them is refused, never skipped, since a reader of the folder would meet it. A file named
by its path alone (:meth:`OwnFolders.open_to_read`, what a lazy dataset's scan opens, later
than the listing) is reached the same way, from the root down, when it is opened.

>>> import tempfile
>>> folders = OwnFolders(tempfile.mkdtemp())
>>> with folders.create_file("Example_v1/date=2026-11-20/part-0.parquet", create=True) as f:
...     _ = f.write(b"PAR1")
>>> (folders.root / "Example_v1/date=2026-11-20/part-0.parquet").read_bytes()
b'PAR1'
>>> folders.list_files("Example_v1/date=2026-11-20"), folders.list_files("Example_v2")
(['part-0.parquet'], [])
>>> files = folders.read_files("Example_v1/date=2026-11-20", "part-")
>>> [(name, file.read()) for name, file in files]
[('part-0.parquet', b'PAR1')]
>>> (folders.root / "elsewhere").symlink_to(folders.root / "Example_v1")
>>> folders.create_file("elsewhere/date=2026-11-20/part-1.parquet")
Traceback (most recent call last):
...
mgdc_pipelines.sinks.base.SinkPathError: refusing to write through ...
>>> folders.files_to_read("elsewhere/date=2026-11-20", "part-")
Traceback (most recent call last):
...
mgdc_pipelines.sinks.base.SinkPathError: refusing to read through ...
>>> folders.remove_tree("Example_v1"); sorted(p.name for p in folders.root.iterdir())
['elsewhere']
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from mgdc_pipelines.sinks.base import SinkPathError

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# O_EXCL: create, never open what is there (a link or file planted under a predictable name).
# O_NONBLOCK: a FIFO swapped in for a file to read must not block the open (it is refused).
_READ_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# Names Hive readers pass over in a dataset folder (the sink's own `_` folders, hidden files).
HIDDEN = ("_", ".")
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class OwnFolders:
    """Files and folders under ``root``, named by ``/``-separated paths relative to it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()

    @contextmanager
    def folder(
        self, relative: str, *, create: bool = False, reading: bool = False
    ) -> Iterator[int]:
        """A descriptor of the folder ``relative`` (``""``: the root), closed on leaving; with
        ``create``, missing folders on the way are made. FileNotFoundError if one is missing.
        ``reading``: a link on the way is refused as a read (the error's wording)."""
        if create:
            self.root.mkdir(parents=True, exist_ok=True)  # the operator's: followed as given
        descriptor = os.open(self.root, _FOLDER)
        try:
            names = _names(relative) if relative else []
            for depth in range(len(names)):
                inner = self.open_child(
                    descriptor, "/".join(names[: depth + 1]), create=create, reading=reading
                )
                os.close(descriptor)
                descriptor = inner
            yield descriptor
        finally:
            os.close(descriptor)

    def open_child(
        self, parent: int, relative: str, *, create: bool = False, reading: bool = False
    ) -> int:
        """Open (with ``create``: make first, if missing) the folder ``relative``, whose parent
        is open as ``parent``; a link or a file in its place is refused."""
        name = split(relative)[1]
        if create:
            try:
                os.mkdir(name, dir_fd=parent)
            except FileExistsError:
                pass  # a folder (fine) or a link or file (refused just below)
        try:
            return os.open(name, _FOLDER | os.O_NOFOLLOW, dir_fd=parent)
        except OSError as error:
            if error.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            raise self.refusal(relative, reading=reading) from None

    def refusal(self, relative: str, *, reading: bool = False) -> SinkPathError:
        """The error for a link (or a file) found where the folder ``relative`` should be (with
        ``reading``: or for a link, or what is not a regular file, where a file to read is)."""
        path = self.root / relative
        return SinkPathError(str(path), os.path.realpath(path), str(self.root), reading=reading)

    def create_file(self, relative: str, *, create: bool = False) -> BinaryIO:
        """A new file at ``relative``, open for writing (FileExistsError if anything is there);
        ``create`` makes missing folders on the way."""
        parent, name = split(relative)
        with self.folder(parent, create=create) as folder:
            return new_file(folder, name)

    def unlink(self, relative: str) -> None:
        """Delete the file at ``relative``; one already gone (or its folder) is fine."""
        parent, name = split(relative)
        try:
            with self.folder(parent) as folder:
                os.unlink(name, dir_fd=folder)
        except FileNotFoundError:
            pass

    def remove_tree(self, relative: str, *, ignore_errors: bool = False) -> None:
        """Delete the folder ``relative`` and all in it; one already gone is fine."""
        parent, name = split(relative)
        try:
            with self.folder(parent) as folder:
                remove_tree_in(folder, name, ignore_errors=ignore_errors)
        except (FileNotFoundError, SinkPathError):
            if not ignore_errors:
                raise

    def entries(self, relative: str, prefix: str) -> list[tuple[str, os.stat_result]]:
        """Each entry directly in folder ``relative`` whose name starts with ``prefix``, with
        its own status (a link's, never its target's), by name; [] if the folder is missing. A
        link on the way is refused; the entries are what they are (see :meth:`files_to_read`)."""
        with ExitStack() as stack:
            folder = self._folder_to_read(stack, relative)
            return [] if folder is None else _listed(folder, prefix)

    def files_to_read(self, relative: str, prefix: str) -> list[tuple[str, int]]:
        """Name and size of each entry directly in folder ``relative`` whose name starts with
        ``prefix``, by name ([] if the folder is missing). A link on the way, and an entry that
        is a link or not a regular file, is refused: it is what a reader of the folder would
        meet, so it is never skipped."""
        return self._regular(relative, self.entries(relative, prefix))

    def files_under(self, relative: str, prefix: str) -> list[tuple[str, int]]:
        """Path (relative to the root) and size of each file whose name starts with ``prefix``
        in folder ``relative`` and every folder below it, by path ([] if it is missing). Entries
        named ``_...`` or ``.…`` are passed over, as Hive readers pass over them; any other link,
        and a ``prefix`` entry that is not a regular file, is refused (a reader would meet it)."""
        with ExitStack() as stack:
            folder = self._folder_to_read(stack, relative)
            return [] if folder is None else sorted(self._walk(folder, relative, prefix))

    def _walk(self, folder: int, relative: str, prefix: str) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for name, info in _listed(folder, ""):
            path = f"{relative}/{name}"
            if name.startswith(HIDDEN):
                continue
            if stat.S_ISDIR(info.st_mode):
                inner = self.open_child(folder, path, reading=True)
                try:
                    found += self._walk(inner, path, prefix)
                finally:
                    os.close(inner)
            elif name.startswith(prefix) or stat.S_ISLNK(info.st_mode):
                found += [(path, size) for _, size in self._regular(relative, [(name, info)])]
        return found

    def read_files(self, relative: str, prefix: str) -> Iterator[tuple[str, BinaryIO]]:
        """Each file of :meth:`files_to_read`, as its name and the file open for reading (closed
        when the next one is asked for). Every file is opened in the folder's descriptor without
        following a link, so a swap after the listing cannot send the read elsewhere."""
        with ExitStack() as stack:
            folder = self._folder_to_read(stack, relative)
            listed = [] if folder is None else _listed(folder, prefix)
            for name, _ in self._regular(relative, listed):
                with io.BufferedReader(self._opened_in(folder, f"{relative}/{name}")) as file:
                    yield name, file

    def read_bytes(self, relative: str) -> bytes:
        """The content of the file at ``relative``, reached and opened without following a link
        (a link is refused: :class:`SinkPathError`)."""
        with self.open_to_read(relative) as file:
            return file.readall()

    def open_to_read(self, relative: str) -> io.FileIO:
        """The file at ``relative``, reached from the root through folder descriptors and opened
        in the last one without following a link, open for reading (unbuffered: the caller
        reads as it needs, and closes it). A link on the way or in its place, or what is not a
        regular file, is refused (:class:`SinkPathError`); FileNotFoundError if it is missing.
        What is read is the file that was opened, whatever is swapped in for its path later."""
        parent, _ = split(relative)
        with self.folder(parent, reading=True) as folder:
            return self._opened_in(folder, relative)

    def status(self, relative: str) -> os.stat_result | None:
        """The entry ``relative``'s own status (a link's, never its target's), looked up in its
        folder reached without following a link; None if it (or its folder) is missing. (``""``:
        the root, as given: see the module's docstring.)"""
        if not relative:
            return os.stat(self.root) if self.root.exists() else None
        parent, name = split(relative)
        try:
            with self.folder(parent, reading=True) as folder:
                return os.stat(name, dir_fd=folder, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _folder_to_read(self, stack: ExitStack, relative: str) -> int | None:
        """The folder ``relative`` opened to read, closed with ``stack``; None if missing."""
        try:
            return stack.enter_context(self.folder(relative, reading=True))
        except FileNotFoundError:
            return None

    def _regular(
        self, relative: str, found: list[tuple[str, os.stat_result]]
    ) -> list[tuple[str, int]]:
        """Name and size of each of ``found`` (entries of folder ``relative``); an entry that is
        a link or not a regular file is refused."""
        for name, info in found:
            if not stat.S_ISREG(info.st_mode):
                raise self.refusal(f"{relative}/{name}", reading=True)
        return [(name, info.st_size) for name, info in found]

    def _opened_in(self, folder: int, relative: str) -> io.FileIO:
        """The file ``relative`` (its name in the open ``folder``) open for reading; a link, or
        what is not a regular file (a FIFO would block), is refused."""
        try:
            descriptor = os.open(split(relative)[1], _READ_FILE, dir_fd=folder)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            raise self.refusal(relative, reading=True) from None
        file = io.FileIO(descriptor, "rb")
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            file.close()
            raise self.refusal(relative, reading=True)
        return file

    def list_files(self, relative: str) -> list[str]:
        """The names of the regular files directly in folder ``relative`` ([] if none)."""
        try:
            with self.folder(relative) as folder:
                with os.scandir(folder) as entries:
                    return sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            return []


def _listed(folder: int, prefix: str) -> list[tuple[str, os.stat_result]]:
    """Each entry of the open ``folder`` whose name starts with ``prefix``, with its own
    status (a link's, never its target's), by name."""
    with os.scandir(folder) as entries:
        return sorted((e.name, e.stat(follow_symlinks=False)) for e in entries
                      if e.name.startswith(prefix))


def new_file(folder: int, name: str) -> BinaryIO:
    """A new file ``name`` in the open ``folder``, open for writing (never a link's target)."""
    descriptor = os.open(name, _NEW_FILE, 0o666, dir_fd=folder)
    return os.fdopen(descriptor, "wb")


def remove_tree_in(folder: int, name: str, *, ignore_errors: bool = False) -> None:
    """Delete the folder ``name`` in the open ``folder`` and all in it; one already gone is fine.
    ``shutil.rmtree`` with a ``dir_fd`` walks by descriptors and refuses links (Linux); a link
    swapped in for the folder is deleted itself (what it points to is left alone)."""
    try:
        if stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode):
            os.unlink(name, dir_fd=folder)
            return
    except FileNotFoundError:
        return
    shutil.rmtree(name, dir_fd=folder, ignore_errors=ignore_errors, onerror=_unless_gone)


def _unless_gone(function, path, exc_info) -> None:
    """``shutil.rmtree`` error handler: what is already gone is fine, anything else is raised."""
    if not issubclass(exc_info[0], FileNotFoundError):
        raise exc_info[1]


def _names(relative: str) -> list[str]:
    names = relative.split("/")
    if any(name in ("", ".", "..") for name in names):
        raise ValueError(f"{relative!r} is not a path inside the sink root")
    return names


def split(relative: str) -> tuple[str, str]:
    """``("a/b", "c")`` for ``"a/b/c"``: the folder and the name in it."""
    names = _names(relative)
    return "/".join(names[:-1]), names[-1]
