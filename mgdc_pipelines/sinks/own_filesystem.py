"""A read-only Arrow filesystem over a local sink's own files, which never follows a link.

A lazy ``pyarrow.dataset`` lists its files when it is made and opens them when it is scanned,
later. Given paths on Arrow's local filesystem, that open goes by path, so a part file or folder
swapped for a symbolic link in between would be followed, and the scan would read files other
than those listed, or outside the sink. :class:`OwnFilesHandler` gives the dataset a filesystem
whose every open goes through :meth:`OwnFolders.open_to_read
<mgdc_pipelines.sinks.own_folders.OwnFolders.open_to_read>`: from the root down, each folder
opened without following a link, the file opened in the last one, and checked to be a regular
file. A link met then is refused with :class:`~mgdc_pipelines.sinks.base.SinkPathError`, raised
by the scan, which names the path and what it points to, never anything of the target's content.
The file opened so is the one read (:func:`arrow_file`), so no check-then-open race is left.

Paths are the absolute paths of the files under the root (what ``dataset.files`` shows), so
Hive ``key=value`` folders below ``partition_base_dir`` still give the partition columns.

>>> import tempfile, pyarrow.dataset as pads
>>> from mgdc_pipelines.sinks.own_folders import OwnFolders
>>> folders = OwnFolders(tempfile.mkdtemp())
>>> with folders.create_file("Example_v1/date=2026-11-20/part-0.json", create=True) as f:
...     _ = f.write(b'{"id": "a"}\\n')
>>> path = str(folders.root / "Example_v1/date=2026-11-20/part-0.json")
>>> data = pads.dataset([path], format="json", filesystem=own_filesystem(folders),
...                     partitioning="hive", partition_base_dir=str(folders.root / "Example_v1"))
>>> data.to_table().to_pylist()
[{'id': 'a', 'date': '2026-11-20'}]
>>> (folders.root / "Example_v1/date=2026-11-20/part-0.json").unlink()
>>> (folders.root / "Example_v1/date=2026-11-20/part-0.json").symlink_to("/etc/hostname")
>>> data.to_table()
Traceback (most recent call last):
...
mgdc_pipelines.sinks.base.SinkPathError: refusing to read through ...
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import stat

import pyarrow as pa
import pyarrow.fs as pafs

from mgdc_pipelines.sinks.arrow_held import held_by_arrow
from mgdc_pipelines.sinks.own_folders import OwnFolders


def own_filesystem(folders: OwnFolders) -> pafs.FileSystem:
    """An Arrow filesystem that reads the files under ``folders.root`` without following links."""
    # A scan's last thread may be what releases the handler: see arrow_held.
    return pafs.PyFileSystem(held_by_arrow(OwnFilesHandler(folders)))


# The kernel's name for a descriptor of this process: it resolves to the open file itself.
REOPENED = "/proc/self/fd/{}"


def arrow_file(file: io.FileIO) -> pa.NativeFile:
    """``file`` (open for reading) as an Arrow file of its own, which Arrow reads natively.

    The file is opened again through ``/proc/self/fd/<descriptor>``: the kernel resolves that
    to the file the descriptor has open, never by its path, so whatever was swapped in for the
    path since is not what is opened (and the device and inode are checked all the same). Not
    ``pa.PythonFile(file)``: Arrow's threads would hold a Python object, and one released while
    the interpreter exits aborts the process (seen in about 1 in 20 runs, pyarrow 26). Where
    there is no ``/proc``, it is the Python file, which Arrow's threads are given time to let
    go of before the interpreter exits (:mod:`~mgdc_pipelines.sinks.arrow_held`)."""
    reopened = REOPENED.format(file.fileno())
    if not os.path.exists(reopened):
        return pa.PythonFile(held_by_arrow(io.FileIO(os.dup(file.fileno()), "rb")), mode="r")
    native = pa.OSFile(reopened)
    if not os.path.samestat(os.fstat(native.fileno()), os.fstat(file.fileno())):
        native.close()
        raise OSError(errno.ESTALE, f"{reopened} is not the file that was opened")
    return native


def file_info(path: str, info: os.stat_result | None) -> pafs.FileInfo:
    """Arrow's info on ``path``, whose own status (never a link's target's) is ``info`` (None:
    missing). A link, or anything else that is no regular file or folder, is ``Unknown``: no
    file to read (opening it is refused)."""
    if info is None:
        return pafs.FileInfo(path, pafs.FileType.NotFound)
    if stat.S_ISDIR(info.st_mode):
        return pafs.FileInfo(path, pafs.FileType.Directory)
    if not stat.S_ISREG(info.st_mode):
        return pafs.FileInfo(path, pafs.FileType.Unknown)
    modified = dt.datetime.fromtimestamp(info.st_mtime, dt.timezone.utc)
    return pafs.FileInfo(path, pafs.FileType.File, size=info.st_size, mtime=modified)


class OwnFilesHandler(pafs.FileSystemHandler):
    """Read-only ``pyarrow.fs`` handler over :class:`OwnFolders`; paths are absolute paths
    under its root. Every folder is reached, and every file opened, without following a link.
    Writes are the sink's own (never through Arrow)."""

    def __init__(self, folders: OwnFolders) -> None:
        self.folders = folders
        self._prefix = f"{folders.root}/"

    def get_type_name(self) -> str:
        return "mgdc-own-files"

    def normalize_path(self, path: str) -> str:
        return path

    def open_input_file(self, path: str) -> pa.NativeFile:
        with self.folders.open_to_read(self._relative(path)) as file:
            return arrow_file(file)

    def open_input_stream(self, path: str) -> pa.NativeFile:
        return self.open_input_file(path)

    def get_file_info(self, paths: list[str]) -> list[pafs.FileInfo]:
        return [file_info(path, self.folders.status(self._relative(path))) for path in paths]

    def get_file_info_selector(self, selector: pafs.FileSelector) -> list[pafs.FileInfo]:
        """The entries of a folder (``recursive``: and of the folders in it), each folder
        reached and listed through descriptors; a link on the way is refused, a link in it is
        listed as what it is (``Unknown``), never followed."""
        relative = self._relative(selector.base_dir)
        if not selector.allow_not_found and self.folders.status(relative) is None:
            raise FileNotFoundError(f"{selector.base_dir}: no such folder")
        return self._listing(relative, selector.recursive)

    def _listing(self, relative: str, recursive: bool) -> list[pafs.FileInfo]:
        found = []
        for name, info in self.folders.entries(relative, ""):
            path = f"{relative}/{name}" if relative else name
            found.append(file_info(self._prefix + path, info))
            if recursive and stat.S_ISDIR(info.st_mode):
                found += self._listing(path, recursive)
        return found

    def _relative(self, path: str) -> str:
        """``path`` relative to the root (``""``: the root itself)."""
        if path.rstrip("/") == str(self.folders.root):
            return ""
        if not path.startswith(self._prefix):
            raise FileNotFoundError(f"{path} is not under the sink root {self.folders.root}")
        return path[len(self._prefix):]

    def _read_only(self, *args, **kwargs):
        raise NotImplementedError(f"{self.get_type_name()} is read-only: only the sink writes")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _read_only
    delete_file = move = copy_file = open_output_stream = open_append_stream = _read_only
