"""Load evidence passages from files into the store: JSONL, CSV or plain text.

JSONL lines and CSV rows carry ``text``, ``source`` and optionally ``id``; other
fields become metadata. Plain text is split into passages at blank lines (long
paragraphs at sentence ends, about ``TEXT_PASSAGE_WORDS`` words each), with the
file name as source. A passage without an id gets one from its content, so the
same passage twice is stored once.

Nothing in a file stops the rest of it going in. A file that is not UTF-8 (or
UTF-16/32 with a byte-order mark) is refused whole, naming what was found (see
:mod:`service.ingest.reading`); a record that is malformed, larger than the store
takes, or that the model fails on is reported with its line number and skipped.

Ingest is resumable: after each batch is stored, the store records how many
lines of the file are done (with the file's sha256), and a later run of the same
file starts after them; a file read to its end is recorded as such, and a later
run of it reads nothing.
"""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.claims import split_sentences
from service.errors import ModelCrashed, TextRejected
from service.ingest.reading import FileCheck, TextLine, bounded_lines, check_file
from service.store.base import KnowledgeStore
from service.store.records import (
    MAX_METADATA_CHARS,
    MAX_PASSAGE_CHARS,
    MAX_PASSAGE_ID_CHARS,
    MAX_SOURCE_CHARS,
    NewPassage,
    content_hash,
)

log = logging.getLogger(__name__)

TEXT_PASSAGE_WORDS = 120
# The most characters a JSONL line or a CSV record may take: every character the store keeps of a passage
# written as a 12-character escaped surrogate pair, with room to spare for keys, quotes and spaces. A longer
# one cannot be a passage the store takes: it is read through in pieces of this size and skipped unparsed.
MAX_RECORD_CHARS = 16 * (MAX_PASSAGE_CHARS + MAX_SOURCE_CHARS + MAX_PASSAGE_ID_CHARS + MAX_METADATA_CHARS)
# The progress of a file read to its end: every line of it is done, however many it has.
TO_THE_END = 2**63 - 1
# Enough of a dropped over-long sentence to see the sentence end that may follow it on the next line.
SENTENCE_END_CONTEXT = 8
Embed = Callable[[list[str]], Awaitable[np.ndarray]]


class Skip(enum.StrEnum):
    """Why a record was not stored."""

    MALFORMED = "malformed"
    TOO_LARGE = "too large"
    MODEL_FAILED = "the model failed on it"
    ID_CONFLICT = "its id holds other content"


class TooLarge(ValueError):
    """A field over the store's bounds: the record is skipped as too large rather than as malformed."""


@dataclass(frozen=True)
class Record:
    """One record of a file: a passage, or the reason it is not one."""

    number: int  # the line it starts on
    # Once this record and those before it are stored, a later run may start after this line and lose
    # nothing (a paragraph cut into several passages is read again from its start).
    done_through: int
    passage: NewPassage | None
    problem: str = ""
    kind: Skip = Skip.MALFORMED


@dataclass(frozen=True)
class Skipped:
    number: int
    kind: Skip
    problem: str


@dataclass
class IngestReport:
    file: str
    resumed_after_line: int = 0
    already_done: bool = False  # read to its end by an earlier run, unchanged since: nothing was read
    refused: str = ""  # why the whole file was refused (nothing of it was read)
    added: int = 0
    duplicates: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, record: Record, kind: Skip, problem: str) -> None:
        """Count a record out, and say so once, with its line."""
        self.skipped.append(Skipped(record.number, kind, problem))
        log.warning("%s:%d: skipped, %s: %s", self.file, record.number, kind, problem)

    def summary(self) -> str:
        if self.refused:
            return f"{self.file}: refused, nothing read: {self.refused}"
        if self.already_done:
            return f"{self.file}: already ingested to its end and unchanged since; nothing to do"
        kinds = Counter(skipped.kind for skipped in self.skipped)
        why = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
        resumed = f", resumed after line {self.resumed_after_line}" if self.resumed_after_line else ""
        return (
            f"{self.file}: {self.added} added, {self.duplicates} already stored, "
            f"{len(self.skipped)} skipped{f' ({why})' if why else ''}{resumed}"
        )


def passage_from(fields: dict[str, Any], default_source: str = "") -> NewPassage:
    """A passage from a record's fields; raises ValueError saying what is wrong (TooLarge: a field over its bound)."""
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' is missing or empty")
    source = fields.get("source", default_source)
    if not isinstance(source, str):
        raise ValueError("'source' must be a string")
    given_id = fields.get("id")
    if given_id is not None and (not isinstance(given_id, str | int) or not str(given_id).strip()):
        raise ValueError("'id' must be a non-empty string")
    metadata = {key: value for key, value in fields.items() if key not in ("text", "source", "id")}
    text = " ".join(text.split())
    passage_id = str(given_id).strip() if given_id is not None else f"p-{content_hash(text, source)[:16]}"
    return within_bounds(NewPassage(passage_id, text, source, metadata))


def within_bounds(passage: NewPassage) -> NewPassage:
    """``passage``, once each field is checked against the store's bounds (``TooLarge``), for lone surrogates
    and for NUL characters."""
    for name, value, bound in (
        ("text", passage.text, MAX_PASSAGE_CHARS),
        ("source", passage.source, MAX_SOURCE_CHARS),
        ("id", passage.id, MAX_PASSAGE_ID_CHARS),
        ("metadata", json.dumps(passage.metadata), MAX_METADATA_CHARS),
    ):
        value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError: refused like the rest
        nul = value.find("\x00")  # PostgreSQL's text cannot hold one: refused by both stores, so neither takes more
        if nul >= 0:
            raise ValueError(f"'{name}' contains a NUL character at position {nul}")
        if len(value) > bound:
            hint = ": split long documents into passages" if name == "text" else ""
            raise TooLarge(f"'{name}' has {len(value):,} characters; at most {bound:,}{hint}")
    return passage


def record_from(number: int, done_through: int, fields: dict[str, Any], default_source: str = "") -> Record:
    try:
        return Record(number, done_through, passage_from(fields, default_source))
    except TooLarge as error:
        return Record(number, done_through, None, str(error), Skip.TOO_LARGE)
    except ValueError as error:
        return Record(number, done_through, None, str(error))


def too_long(number: int, done_through: int, what: str) -> Record:
    """A line or record over MAX_RECORD_CHARS: skipped unparsed."""
    problem = f"{what} over {MAX_RECORD_CHARS:,} characters, more than any passage the store takes"
    return Record(number, done_through, None, problem, Skip.TOO_LARGE)


def read_records(path: Path, lines: Iterable[TextLine]) -> Iterator[Record]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(lines)
    if suffix == ".csv":
        return read_csv(lines)
    return read_text(lines, path.name)


def read_jsonl(lines: Iterable[TextLine]) -> Iterator[Record]:
    for line in lines:
        if line.text is None:
            yield too_long(line.number, line.number, "a line of")
        elif line.text.strip():
            record, problem = json_object(line.text)
            if record is None:
                yield Record(line.number, line.number, None, problem)
            else:
                yield record_from(line.number, line.number, record)


def json_objects(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Each non-blank line's number and the JSON object on it, or None and why it holds none."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, *json_object(line)


def json_object(line: str) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(line)
    except ValueError as error:
        return None, str(error)
    return (record, "") if isinstance(record, dict) else (None, "not a JSON object")


class RecordTooLarge(Exception):
    """Internal: the CSV record being read has passed MAX_RECORD_CHARS."""


class CsvSource:
    """The lines of a CSV file for ``csv.reader``, at most MAX_RECORD_CHARS of them per record.

    Past the bound it raises RecordTooLarge out of the reader, which starts afresh at its next call;
    ``skip_rest`` then reads through the rest of the record (to a line end outside quotes).
    """

    def __init__(self, lines: Iterable[TextLine]) -> None:
        self.lines = iter(lines)
        self.start = self.last = self.length = self.quotes = 0

    def __iter__(self) -> CsvSource:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.start = self.start or line.number
        self.last = line.number
        self.quotes += line.quotes
        self.length += MAX_RECORD_CHARS + 1 if line.text is None else len(line.text)
        if line.text is None or self.length > MAX_RECORD_CHARS:
            raise RecordTooLarge
        return line.text

    def begin_record(self) -> None:
        self.start = self.length = self.quotes = 0

    def skip_rest(self) -> None:
        while self.quotes % 2:
            line = next(self.lines, None)
            if line is None:
                return
            self.quotes += line.quotes
            self.last = line.number


def read_csv(lines: Iterable[TextLine]) -> Iterator[Record]:
    source = CsvSource(lines)
    reader = csv.reader(source)
    try:
        header = next(reader, None)
    except (RecordTooLarge, csv.Error):
        header = None
    if not header or "text" not in header:
        yield Record(1, 1, None, "the header has no 'text' column")
        return
    while True:
        source.begin_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except RecordTooLarge:
            source.skip_rest()
            yield too_long(source.start, source.last, "a record of")
            continue
        except csv.Error as error:
            yield Record(source.start, source.last, None, str(error))
            continue
        if not row:
            continue
        if len(row) > len(header):
            yield Record(source.start, source.last, None, "more fields than the header names")
            continue
        fields = {name: value for name, value in zip(header, row, strict=False) if value != ""}
        yield record_from(source.start, source.last, fields)


def read_text(lines: Iterable[TextLine], source: str) -> Iterator[Record]:
    """Paragraphs (cut at sentence ends as they are read, so a long one costs one passage of memory)."""
    paragraph: Paragraph | None = None
    for line in lines:
        text = line.text.strip() if line.text is not None else None
        if text:
            paragraph = paragraph or Paragraph(line.number, source)
            yield from paragraph.add(line.number, text)
            continue
        if paragraph is not None:  # a blank line (or one too long to read) ends the paragraph
            yield from paragraph.end(line.number - 1)
            paragraph = None
        if text is None:
            yield too_long(line.number, line.number, "a line of")
    if paragraph is not None:
        yield from paragraph.end(paragraph.last)


class Paragraph:
    """A paragraph being read: complete sentences gather into passages of about TEXT_PASSAGE_WORDS words;
    a sentence longer than a passage may be is reported and dropped up to the next sentence end."""

    def __init__(self, start: int, source: str) -> None:
        self.start = self.last = start
        self.source = source
        self.chunk: list[tuple[int, str]] = []  # complete sentences not yet given out, with their lines
        self.tail: tuple[int, str] | None = None  # the sentence the last line ended in
        self.dropping = False  # the tail is the end of an over-long sentence, dropped

    def add(self, number: int, text: str) -> Iterator[Record]:
        self.last = number
        tail_number, joined = (self.tail[0], f"{self.tail[1]} {text}") if self.tail else (number, text)
        parts = split_sentences(joined)
        if self.dropping and len(parts) > 1:
            self.dropping = False
            parts, tail_number = parts[1:], number
        elif self.dropping:
            self.tail = (tail_number, joined[-SENTENCE_END_CONTEXT:])
            return
        for index, sentence in enumerate(parts[:-1]):
            yield from self._sentence(tail_number if index == 0 else number, sentence)
        last = (tail_number if len(parts) == 1 else number, parts[-1])
        if len(last[1]) > MAX_PASSAGE_CHARS:
            yield self._too_large(*last)
            self.dropping = True
            last = (last[0], last[1][-SENTENCE_END_CONTEXT:])
        self.tail = last

    def end(self, done_through: int) -> Iterator[Record]:
        """The rest of the paragraph; a later run may start after ``done_through``."""
        if self.tail is not None and not self.dropping:
            yield from self._sentence(*self.tail)
        if self.chunk:
            yield self._passage(done_through)

    def _sentence(self, number: int, sentence: str) -> Iterator[Record]:
        if len(sentence) > MAX_PASSAGE_CHARS:
            yield self._too_large(number, sentence)
            return
        if self.chunk and sum(len(text) + 1 for _, text in self.chunk) + len(sentence) > MAX_PASSAGE_CHARS:
            yield self._passage(self.start - 1)
        self.chunk.append((number, sentence))
        if sum(len(text.split()) for _, text in self.chunk) >= TEXT_PASSAGE_WORDS:
            yield self._passage(self.start - 1)

    def _passage(self, done_through: int) -> Record:
        number = self.chunk[0][0]
        record = record_from(number, done_through, {"text": " ".join(text for _, text in self.chunk)}, self.source)
        self.chunk = []
        return record

    def _too_large(self, number: int, sentence: str) -> Record:
        problem = f"a sentence of over {MAX_PASSAGE_CHARS:,} characters ({sentence[:40]!r}...): no passage holds it"
        return Record(number, self.start - 1, None, problem, Skip.TOO_LARGE)


async def lines_done_before(path: Path, store: KnowledgeStore) -> tuple[FileCheck, int]:
    """The file's check, and how many of its lines an earlier run stored (``TO_THE_END``: all of them): none
    when its content has changed since, or when it cannot be read."""
    check: FileCheck = await asyncio.to_thread(check_file, path)
    if check.problem:
        return check, 0
    previous = await asyncio.to_thread(store.get_progress, check.key)
    return check, previous.lines_done if previous is not None and previous.sha256 == check.sha256 else 0


async def ingest_file(
    path: Path,
    store: KnowledgeStore,
    embed: Embed,
    batch_size: int,
    on_progress: Callable[[int], object] | None = None,
) -> IngestReport:
    """Embed and store every passage of ``path`` after the lines a previous run finished.

    ``on_progress`` is told how many bytes of the file have been read, after each batch is stored.
    """
    check, done = await lines_done_before(path, store)
    if check.problem:  # said once, by the summary
        return IngestReport(str(path), refused=check.problem)
    if done == TO_THE_END:
        return IngestReport(str(path), already_done=True)
    report = IngestReport(str(path), resumed_after_line=done)
    batch: list[Record] = []
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=check.encoding, errors="replace") as handle:
        for record in read_records(path, bounded_lines(handle, MAX_RECORD_CHARS)):
            if record.number <= done:
                continue
            if record.passage is None:
                report.skip(record, record.kind, record.problem)
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                await store_batch(batch, store, embed, report)
                await asyncio.to_thread(store.set_progress, check.key, check.sha256, record.done_through)
                batch.clear()
                if on_progress is not None:
                    on_progress(raw.tell())
        if batch:
            await store_batch(batch, store, embed, report)
    await asyncio.to_thread(store.set_progress, check.key, check.sha256, TO_THE_END)
    return report


async def store_batch(batch: list[Record], store: KnowledgeStore, embed: Embed, report: IngestReport) -> None:
    embedded = await embed_isolating(batch, embed, report)
    if not embedded:
        return
    passages = [record.passage for record, _ in embedded if record.passage is not None]
    vectors = np.stack([vector for _, vector in embedded])
    # The store's writes fsync: off the event loop, which keeps answering /health meanwhile.
    results = await asyncio.to_thread(store.add_passages, passages, vectors)
    for (record, _), result in zip(embedded, results, strict=True):
        if result.status in ("added", "restored"):
            report.added += 1
        elif result.status == "duplicate":
            report.duplicates += 1
        else:
            report.skip(record, Skip.ID_CONFLICT, f"id {result.id!r} already holds other content")


async def embed_isolating(records: list[Record], embed: Embed, report: IngestReport) -> list[tuple[Record, np.ndarray]]:
    """Each record with its vector; one the model fails on alone is reported and skipped.

    A batch the model rejects (or dies on twice) is split in halves until the text at fault is
    alone, so one bad text costs a few more model calls, not the batch nor a call per text.
    """
    texts = [record.passage.text for record in records if record.passage is not None]
    try:
        return list(zip(records, await embed(texts), strict=True))
    except (TextRejected, ModelCrashed) as error:
        if len(records) == 1:
            report.skip(records[0], Skip.MODEL_FAILED, str(error))
            return []
    half = len(records) // 2
    return [
        *await embed_isolating(records[:half], embed, report),
        *await embed_isolating(records[half:], embed, report),
    ]
