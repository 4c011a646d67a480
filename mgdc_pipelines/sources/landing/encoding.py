"""A delivery file's text encoding, told by its first bytes, and its text read as UTF-8 bytes.

MGDC writes UTF-8, with or without a byte-order mark, and some deliveries (Microsoft's
``Inbox_v1`` sample) in UTF-16 LE with a byte-order mark and CRLF line ends. Whatever the file,
the rest of the reader sees one thing: UTF-8 bytes without the byte-order mark. UTF-8 passes
through untouched (the fast path pays one look at four bytes per file); UTF-16 is transcoded as
it streams, so a code unit or a surrogate pair split between two reads (or blob chunks) is
joined. Offsets stay those of the delivered file: :meth:`TextEncoding.delivered_length` says
how many delivered bytes some transcoded text came from.

A file that starts like another encoding (UTF-32, or UTF-16 without its byte-order mark) is
refused as a whole, naming the file and what is allowed: read as UTF-8 it would be nothing but
malformed lines.

>>> import io
>>> delivered = "\\ufeff".encode("utf-16-le") + '{"a": "é"}\\r\\n'.encode("utf-16-le")
>>> read_into, encoding = utf8_reader(io.BytesIO(delivered).readinto, "inbox.json")
>>> encoding.name, len(encoding.bom)
('UTF-16 LE', 2)
>>> text = bytearray(64)
>>> bytes(text[: fill(read_into, memoryview(text))])
b'{"a": "\\xc3\\xa9"}\\r\\n'
>>> encoding.delivered_length('{"a": "é"}'.encode()), encoding.delivered('é'.encode())
(20, b'\\xe9\\x00')
>>> try:
...     utf8_reader(io.BytesIO(b'{\\x00"\\x00').readinto, "part.json")
... except UnsupportedEncodingError as error:
...     print(str(error).partition("; ")[0])
part.json: UTF-16 without a byte-order mark (a NUL byte among the first two)
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ReadInto = Callable[[memoryview], int]  # fills a buffer as ``io.RawIOBase.readinto`` does

UTF8_BOM = codecs.BOM_UTF8
ALLOWED = "UTF-8 (with or without a byte-order mark) or UTF-16 LE/BE with a byte-order mark"
# Delivered bytes transcoded per read of a UTF-16 file.
_TRANSCODE_BYTES = 1 << 20
# Lone surrogates pass both ways, so a line holding one reaches the UTF-8 check of its own
# (and is quarantined there) and re-encodes to the very bytes delivered.
_SURROGATES = "surrogatepass"
# What the end of a UTF-16 file with an odd byte turns into: invalid UTF-8, so that the last
# line is quarantined instead of the file failing.
_TRUNCATED = b"\xff"


class UnsupportedEncodingError(ValueError):
    """A delivery file in an encoding the reader does not read."""


@dataclass(frozen=True)
class TextEncoding:
    """How a file was delivered: ``name`` as people say it, Python's ``codec``, its ``bom``."""

    name: str
    codec: str
    bom: bytes

    @property
    def is_utf8(self) -> bool:
        return self.codec == "utf-8"

    def delivered_length(self, utf8: bytes | bytearray | memoryview) -> int:
        """How many bytes of the delivered file some transcoded text takes."""
        if self.is_utf8:
            return len(utf8)
        data = np.frombuffer(utf8, np.uint8)
        # A UTF-16 code unit per character, two for those beyond the BMP (4-byte UTF-8).
        continuation = np.count_nonzero((data & 0xC0) == 0x80)
        beyond_bmp = np.count_nonzero(data >= 0xF0)
        return 2 * (len(data) - int(continuation) + int(beyond_bmp))

    def delivered(self, utf8: bytes) -> bytes:
        """Transcoded text back in the bytes delivered (what a quarantine hash is taken of)."""
        if self.is_utf8:
            return utf8
        try:
            return utf8.decode("utf-8", _SURROGATES).encode(self.codec, _SURROGATES)
        except UnicodeDecodeError:  # only a truncated last line: hashed as read
            return utf8


class DeliveredHash:
    """SHA-256 of text given as UTF-8 in pieces, taken of its bytes as delivered: the hash of
    :meth:`TextEncoding.delivered` of the whole, without holding the whole (a line too long to
    read is hashed as it streams past).

    >>> utf16 = TextEncoding("UTF-16 LE", "utf-16-le", codecs.BOM_UTF16_LE)
    >>> digest = DeliveredHash(utf16)
    >>> for piece in (b"caf", b"\\xc3", b"\\xa9"):  # a character split between two pieces
    ...     digest.update(piece)
    >>> digest.hexdigest() == hashlib.sha256("café".encode("utf-16-le")).hexdigest()
    True
    """

    def __init__(self, encoding: TextEncoding) -> None:
        self._sha = hashlib.sha256()
        self._codec = encoding.codec
        self._decoder = None if encoding.is_utf8 else codecs.getincrementaldecoder("utf-8")(
            _SURROGATES
        )

    def update(self, utf8: bytes | memoryview) -> None:
        if self._decoder is None:
            self._sha.update(utf8)
            return
        try:
            self._sha.update(self._decoder.decode(utf8).encode(self._codec, _SURROGATES))
        except UnicodeDecodeError:  # only a truncated end (_TRUNCATED): hashed as read
            self._sha.update(utf8)

    def hexdigest(self) -> str:
        if self._decoder is not None:
            unfinished, _ = self._decoder.getstate()  # a character cut off by the end: as read
            self._sha.update(unfinished)
        return self._sha.hexdigest()


UTF8 = TextEncoding("UTF-8", "utf-8", b"")
_READABLE = (
    TextEncoding("UTF-8", "utf-8", UTF8_BOM),
    TextEncoding("UTF-16 LE", "utf-16-le", codecs.BOM_UTF16_LE),
    TextEncoding("UTF-16 BE", "utf-16-be", codecs.BOM_UTF16_BE),
)
# Checked first: UTF-32 LE's mark starts with UTF-16 LE's.
_UNREADABLE = ((codecs.BOM_UTF32_LE, "UTF-32 LE"), (codecs.BOM_UTF32_BE, "UTF-32 BE"))
_HEAD_BYTES = 4


def detect(head: bytes, file: Path | str) -> TextEncoding:
    """The encoding of a file that starts with ``head`` (its first four bytes, or all of a
    shorter file); raises :class:`UnsupportedEncodingError` for one the reader cannot read.

    >>> detect(b'{"a"', "f").name, detect(UTF8_BOM + b"{", "f").bom == UTF8_BOM
    ('UTF-8', True)
    >>> detect(b"\\xfe\\xff\\x00{", "f").name
    'UTF-16 BE'
    >>> try:
    ...     detect(b"\\xff\\xfe\\x00\\x00", "f")
    ... except UnsupportedEncodingError as error:
    ...     print(str(error).partition("; ")[0])
    f: UTF-32 LE (byte-order mark ff fe 00 00)
    """
    for bom, name in _UNREADABLE:
        if head.startswith(bom):
            _refuse(file, f"{name} (byte-order mark {bom.hex(' ')})")
    for encoding in _READABLE:
        if head.startswith(encoding.bom):
            return encoding
    if 0 in head[:2]:  # JSON text starts with "{" or white space, never with NUL
        _refuse(file, "UTF-16 without a byte-order mark (a NUL byte among the first two)")
    return UTF8


def _refuse(file: Path | str, what: str) -> None:
    raise UnsupportedEncodingError(f"{file}: {what}; a delivery file must be {ALLOWED}")


def utf8_reader(read_into: ReadInto, file: Path | str) -> tuple[ReadInto, TextEncoding]:
    """A ``readinto`` giving the file's text as UTF-8 without its byte-order mark, and the
    file's encoding (from its first bytes, read now)."""
    head = bytearray(_HEAD_BYTES)
    head = bytes(head[: fill(read_into, memoryview(head))])
    encoding = detect(head, file)
    after_bom = head[len(encoding.bom):]
    if encoding.is_utf8:
        return _Prefixed(after_bom, read_into).readinto, encoding
    return _Transcoded(after_bom, read_into, encoding.codec).readinto, encoding


def fill(read_into: ReadInto, view: memoryview) -> int:
    """Fill ``view`` unless the input ends first; how many bytes were read."""
    filled = 0
    while filled < len(view):
        count = read_into(view[filled:])
        if not count:
            break
        filled += count
    return filled


class Refilling:
    """``readinto`` serving ``pending`` bytes, then what ``more()`` gives, piece by piece
    (``b""``: the end)."""

    def __init__(self, pending: bytes) -> None:
        self._pending = memoryview(pending)

    def more(self) -> bytes:
        raise NotImplementedError

    def readinto(self, view: memoryview) -> int:
        while not self._pending:
            data = self.more()
            if not data:
                return 0
            self._pending = memoryview(data)
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


class _Prefixed(Refilling):
    """The bytes read to tell the encoding, then the rest of the file read straight into the
    caller's buffer (UTF-8 costs no copy)."""

    def __init__(self, head: bytes, read_into: ReadInto) -> None:
        super().__init__(head)
        self._read_into = read_into

    def readinto(self, view: memoryview) -> int:
        if self._pending:
            return super().readinto(view)
        return self._read_into(view)


class _Transcoded(Refilling):
    """UTF-16 read in pieces and handed on as UTF-8; the decoder keeps a split code unit or
    surrogate pair until its other half arrives."""

    def __init__(self, head: bytes, read_into: ReadInto, codec: str) -> None:
        self._decoder = codecs.getincrementaldecoder(codec)(_SURROGATES)
        self._read_into = read_into
        self._raw = bytearray(_TRANSCODE_BYTES)
        self._ended = False
        super().__init__(self._utf8(head))

    def more(self) -> bytes:
        while not self._ended:
            count = self._read_into(memoryview(self._raw))
            self._ended = not count
            text = self._utf8(memoryview(self._raw)[:count])
            if text:
                return text
        return b""

    def _utf8(self, delivered: bytes | memoryview) -> bytes:
        try:
            text = self._decoder.decode(delivered, final=self._ended)
        except UnicodeDecodeError:  # an odd byte at the very end
            return _TRUNCATED
        return text.encode("utf-8", _SURROGATES)
