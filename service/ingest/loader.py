"""Load evidence passages from files into the store: JSONL, CSV or plain text.

JSONL lines and CSV rows carry ``text``, ``source`` and optionally ``id``; other
fields become metadata. Plain text is split into passages at blank lines (long
paragraphs at sentence ends, about ``TEXT_PASSAGE_WORDS`` words each), with the
file name as source. A passage without an id gets one from its content, so the
same passage twice is stored once.

Ingest is resumable: after each batch is stored, the store records how many
lines of the file are done (with the file's sha256), and a later run of the same
file starts after them. A malformed line is reported with its number and skipped.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.claims import SENTENCE_BOUNDARY
from service.store.embedded import (
    MAX_METADATA_CHARS,
    MAX_PASSAGE_CHARS,
    MAX_PASSAGE_ID_CHARS,
    MAX_SOURCE_CHARS,
    NewPassage,
    Store,
    content_hash,
)

log = logging.getLogger(__name__)

TEXT_PASSAGE_WORDS = 120
Embed = Callable[[list[str]], Awaitable[np.ndarray]]


@dataclass(frozen=True)
class Line:
    """One record of a file: a passage, or the reason it is not one."""

    number: int
    passage: NewPassage | None
    problem: str = ""


@dataclass
class IngestReport:
    file: str
    resumed_after_line: int = 0
    added: int = 0
    duplicates: int = 0
    conflicts: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        resumed = f", resumed after line {self.resumed_after_line}" if self.resumed_after_line else ""
        return (
            f"{self.file}: {self.added} added, {self.duplicates} already stored, {self.conflicts} id conflicts, "
            f"{len(self.bad_lines)} bad lines skipped{resumed}"
        )


def passage_from(fields: dict[str, Any], default_source: str = "") -> NewPassage:
    """A passage from a record's fields; raises ValueError saying what is wrong."""
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
    for name, value, bound in (
        ("text", text, MAX_PASSAGE_CHARS),
        ("source", source, MAX_SOURCE_CHARS),
        ("id", passage_id, MAX_PASSAGE_ID_CHARS),
        ("metadata", json.dumps(metadata), MAX_METADATA_CHARS),
    ):
        value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError: refused like the rest
        if len(value) > bound:
            hint = ": split long documents into passages" if name == "text" else ""
            raise ValueError(f"'{name}' has {len(value):,} characters; at most {bound:,}{hint}")
    return NewPassage(passage_id, text, source, metadata)


def read_lines(path: Path) -> Iterator[Line]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    if suffix == ".csv":
        return read_csv(path)
    return read_text(path)


def read_jsonl(path: Path) -> Iterator[Line]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, record, problem in json_objects(lines):
            try:
                yield Line(number, passage_from(record)) if record is not None else Line(number, None, problem)
            except ValueError as error:
                yield Line(number, None, str(error))


def json_objects(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Each non-blank line's number and the JSON object on it, or None and why it holds none."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            yield number, None, str(error)
            continue
        yield (number, record, "") if isinstance(record, dict) else (number, None, "not a JSON object")


def read_csv(path: Path) -> Iterator[Line]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            yield Line(1, None, "the header has no 'text' column")
            return
        for row in reader:
            record = {key: value for key, value in row.items() if key is not None and value not in (None, "")}
            try:
                if None in row:
                    raise ValueError("more fields than the header names")
                yield Line(reader.line_num, passage_from(record))
            except ValueError as error:
                yield Line(reader.line_num, None, str(error))


def read_text(path: Path) -> Iterator[Line]:
    """Paragraphs (split further at sentence ends when long); each is numbered by its first line."""
    paragraph: list[str] = []
    start = 1
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                if not paragraph:
                    start = number
                paragraph.append(line.strip())
                continue
            yield from text_passages(paragraph, start, path.name)
            paragraph = []
    yield from text_passages(paragraph, start, path.name)


def text_passages(paragraph: list[str], number: int, source: str) -> Iterator[Line]:
    chunk: list[str] = []
    if not paragraph:  # several blank lines in a row
        return
    for sentence in SENTENCE_BOUNDARY.split(" ".join(paragraph)):
        chunk.append(sentence)
        if sum(len(part.split()) for part in chunk) >= TEXT_PASSAGE_WORDS:
            yield Line(number, passage_from({"text": " ".join(chunk)}, source))
            chunk = []
    if chunk:
        yield Line(number, passage_from({"text": " ".join(chunk)}, source))


def file_identity(path: Path) -> tuple[str, str]:
    """The key progress is kept under (the absolute path) and the content's sha256."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return str(path.resolve()), digest.hexdigest()


async def ingest_file(
    path: Path,
    store: Store,
    embed: Embed,
    batch_size: int,
    on_progress: Callable[[int], object] | None = None,
) -> IngestReport:
    """Embed and store every passage of ``path`` after the lines a previous run finished."""
    key, sha256 = await asyncio.to_thread(file_identity, path)
    previous = store.get_progress(key)
    done = previous.lines_done if previous is not None and previous.sha256 == sha256 else 0
    report = IngestReport(str(path), resumed_after_line=done)
    batch: list[Line] = []

    async def store_batch() -> None:
        passages = [line.passage for line in batch if line.passage is not None]
        vectors = await embed([passage.text for passage in passages])
        # The store's writes fsync: off the event loop, which keeps answering /health meanwhile.
        for result in await asyncio.to_thread(store.add_passages, passages, vectors):
            if result.status in ("added", "restored"):
                report.added += 1
            elif result.status == "duplicate":
                report.duplicates += 1
            else:
                report.conflicts += 1
                log.warning("%s: id %r already holds other content; skipped", path, result.id)
        await asyncio.to_thread(store.set_progress, key, sha256, batch[-1].number)
        if on_progress is not None:
            on_progress(batch[-1].number)
        batch.clear()

    for line in read_lines(path):
        if line.number <= done:
            continue
        if line.passage is None:
            report.bad_lines.append((line.number, line.problem))
            log.warning("%s:%d: %s; skipped", path, line.number, line.problem)
            continue
        batch.append(line)
        if len(batch) >= batch_size:
            await store_batch()
    if batch:
        await store_batch()
    return report
