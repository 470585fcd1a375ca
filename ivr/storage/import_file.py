"""Reading a customers CSV as text: its encoding, or why it cannot be read, with file and line.

A spreadsheet saved on a Chinese Windows is GBK, on a Western one Windows-1252;
an ``.xlsx`` renamed ``.csv`` is binary. Each ends in one
:class:`CustomersFileError` naming the file, the line, the byte and what to do,
never a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ivr.errors import StorageError

# what a file that is not UTF-8 most often is, in the order they are tried for a hint
_LIKELY = (("gbk", "GBK (Chinese Windows)"), ("cp1252", "Windows-1252 (Western Windows)"))


class CustomersFileError(StorageError):
    """A customers file that cannot be read as text: file, line and what to do."""

    error_id = "storage-customers-file"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_customers_text(path: Path, encoding: str = "utf-8") -> str:
    """The text of ``path`` in ``encoding`` (a UTF-8 byte order mark is dropped)."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        msg = (
            f"--encoding {encoding}: not an encoding Python knows; "
            "use utf-8 (the default), gbk, gb18030, cp1252, utf-16..."
        )
        raise CustomersFileError(msg, file=str(path)) from None
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the file ({exc.strerror}); check the path"
        raise CustomersFileError(msg, file=str(path)) from None
    if codec == "utf-8":
        codec = "utf-8-sig"  # Excel's "CSV UTF-8" starts with a byte order mark
    if not codec.startswith("utf-16") and not codec.startswith("utf-32"):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            msg = f"{path}: the file is UTF-16 text; give --encoding utf-16, or save it as UTF-8"
            raise CustomersFileError(msg, file=str(path))
        if b"\0" in data.split(b"\n", 1)[0]:
            msg = (
                f"{path}:line 1: the file holds NUL bytes, so it is not CSV text (a spreadsheet "
                "such as .xlsx?); save it from the spreadsheet as CSV UTF-8"
            )
            raise CustomersFileError(msg, file=str(path), line=1)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise CustomersFileError(
            _not_in(path, data, exc, encoding), file=str(path), line=line
        ) from None


def _not_in(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    where = f"{path}:line {_line_of(data, exc.start)}"
    what = f"byte 0x{data[exc.start]:02x} is not {encoding} text"
    for candidate, name in _LIKELY:
        if candidate == codecs.lookup(encoding).name:
            continue
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return (
            f"{where}: {what}; the file reads as {name}: give --encoding {candidate}, "
            "or save it as UTF-8"
        )
    return f"{where}: {what}; give the file's encoding (--encoding gbk, cp1252...), or save it as UTF-8"
