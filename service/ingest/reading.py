"""How an evidence file's bytes become lines: its encoding checked first, every line read with a bound.

A file is decoded as UTF-8 (a byte-order mark is allowed), or as UTF-16 or UTF-32 when it starts
with their byte-order mark. Anything else is refused with what was found and where, before a
record of it is stored: a Latin-1 file read as UTF-8 (or a guess at its encoding) would be stored
as mojibake without a word. charset-normalizer was tried as a guesser and took short Latin-1
texts for cp775 or cp1006, so refusing with a hint beats guessing.

Lines are read in pieces of at most ``limit`` characters: a line longer than that is read
through and dropped, so a 1 GB line costs the memory of one piece, not of the line.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

BLOCK_BYTES = 1 << 20
# The byte-order marks that name an encoding; UTF-32's first, since UTF-32-LE's starts with UTF-16-LE's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
UTF8 = "utf-8-sig"  # UTF-8 that drops a leading byte-order mark, and reads UTF-8 without one the same
CONVERT_HINT = "convert it to UTF-8 first (for example: iconv -f latin1 -t utf-8 FILE > FILE.utf8)"


@dataclass(frozen=True)
class FileCheck:
    """What a whole pass over a file found: the key progress is kept under, its sha256, its encoding,
    and why it cannot be read as text (empty when it can)."""

    key: str
    sha256: str
    encoding: str
    problem: str = ""


@dataclass(frozen=True)
class TextLine:
    number: int
    text: str | None  # None: longer than the limit, read through and dropped
    quotes: int  # '"' characters on the line, counted even when it is dropped (they tell where a CSV record ends)


def check_file(path: Path) -> FileCheck:
    """Hash the file and decode all of it once, strictly, in blocks; name the first problem found."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        first = handle.read(BLOCK_BYTES)
        encoding = next((name for mark, name in BYTE_ORDER_MARKS if first.startswith(mark)), UTF8)
        decoder = codecs.getincrementaldecoder(encoding)()
        problem = ""
        offset = 0
        block = first
        while block:
            digest.update(block)
            if not problem:
                problem = _decoding_problem(decoder, block, offset, encoding)
            offset += len(block)
            block = handle.read(BLOCK_BYTES)
        if not problem:
            problem = _decoding_problem(decoder, b"", offset, encoding, final=True)
    return FileCheck(str(path.resolve()), digest.hexdigest(), encoding, problem)


def _decoding_problem(
    decoder: codecs.IncrementalDecoder, block: bytes, offset: int, encoding: str, final: bool = False
) -> str:
    label = "UTF-8" if encoding == UTF8 else encoding.upper()
    held = len(decoder.getstate()[0])  # bytes of a character cut by the previous block
    try:
        text = decoder.decode(block, final)
    except UnicodeDecodeError as error:
        bad = error.object[error.start : error.start + 1]
        return f"not {label} text (byte 0x{bad.hex()} at offset {offset - held + error.start:,}); {CONVERT_HINT}"
    if "\x00" in text:
        return "it holds NUL characters: binary data, or UTF-16 without a byte-order mark; " + CONVERT_HINT
    return ""


def bounded_lines(handle: TextIO, limit: int) -> Iterator[TextLine]:
    """Each line (newline included) with its number, holding at most ``limit`` characters at a time."""
    number = 1
    kept: list[str] = []
    length = quotes = 0
    while piece := handle.readline(limit):
        length += len(piece)
        quotes += piece.count('"')
        if length <= limit:
            kept.append(piece)
        else:
            kept.clear()
        if piece.endswith("\n"):
            yield TextLine(number, "".join(kept) if length <= limit else None, quotes)
            number += 1
            kept.clear()
            length = quotes = 0
    if length:  # a last line without a newline
        yield TextLine(number, "".join(kept) if length <= limit else None, quotes)
