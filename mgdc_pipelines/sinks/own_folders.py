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

>>> import tempfile
>>> folders = OwnFolders(tempfile.mkdtemp())
>>> with folders.create_file("Example_v1/date=2026-11-20/part-0.parquet", create=True) as f:
...     _ = f.write(b"PAR1")
>>> (folders.root / "Example_v1/date=2026-11-20/part-0.parquet").read_bytes()
b'PAR1'
>>> folders.list_files("Example_v1/date=2026-11-20"), folders.list_files("Example_v2")
(['part-0.parquet'], [])
>>> (folders.root / "elsewhere").symlink_to(folders.root / "Example_v1")
>>> folders.create_file("elsewhere/date=2026-11-20/part-1.parquet")
Traceback (most recent call last):
...
mgdc_pipelines.sinks.base.SinkPathError: refusing to write through ...
>>> folders.remove_tree("Example_v1"); sorted(p.name for p in folders.root.iterdir())
['elsewhere']
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mgdc_pipelines.sinks.base import SinkPathError

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# O_EXCL: create, never open what is there (a link or file planted under a predictable name).
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class OwnFolders:
    """Files and folders under ``root``, named by ``/``-separated paths relative to it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()

    @contextmanager
    def folder(self, relative: str, *, create: bool = False) -> Iterator[int]:
        """A descriptor of the folder ``relative`` (``""``: the root), closed on leaving; with
        ``create``, missing folders on the way are made. FileNotFoundError if one is missing."""
        if create:
            self.root.mkdir(parents=True, exist_ok=True)  # the operator's: followed as given
        descriptor = os.open(self.root, _FOLDER)
        try:
            names = _names(relative) if relative else []
            for depth in range(len(names)):
                inner = self.open_child(descriptor, "/".join(names[: depth + 1]), create=create)
                os.close(descriptor)
                descriptor = inner
            yield descriptor
        finally:
            os.close(descriptor)

    def open_child(self, parent: int, relative: str, *, create: bool = False) -> int:
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
            raise self.refusal(relative) from None

    def refusal(self, relative: str) -> SinkPathError:
        """The error for a link (or a file) found where the folder ``relative`` should be."""
        folder = self.root / relative
        return SinkPathError(str(folder), os.path.realpath(folder), str(self.root))

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

    def list_files(self, relative: str) -> list[str]:
        """The names of the regular files directly in folder ``relative`` ([] if none)."""
        try:
            with self.folder(relative) as folder:
                with os.scandir(folder) as entries:
                    return sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            return []


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
