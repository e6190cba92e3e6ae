"""``python run.py import FILE``: an export file (see ``transfer``) loaded into the store ``DATABASE_URL`` selects.

Like ingest, and through its parts: the file's encoding is checked and its lines read with a bound
(``reading``); a damaged line is reported with its number and skipped; progress is kept per file with its
sha256 after each batch, so an interrupted import continues after the last batch stored, and a file imported
to its end is not read again. Passages keep their ids and go in through ``add_passages``, which stores a
content once; a claim already remembered (same key and text) is not stored again. So importing a file twice,
or a changed file over what an earlier one brought, adds only what is new. The ingest progress of the files
the exported store had read is kept where this store has none of its own for them: start-up then does not
read the built-in knowledge base again, which would bring back the passages of it that were deleted.

A file whose vectors are another model's, or of another dimension, is refused before a line of it is stored:
its vectors would make every search wrong without a word. No model time is spent: the vectors are in the file.
"""

from __future__ import annotations

import asyncio
import base64
import io
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model_proc.models import canonical_name
from service.ingest.command import on_store
from service.ingest.loader import (
    MAX_RECORD_CHARS,
    TO_THE_END,
    IngestReport,
    Record,
    Skip,
    TooLarge,
    json_object,
    lines_done_before,
    too_long,
)
from service.ingest.progress import Tell, progress
from service.ingest.reading import TextLine, bounded_lines
from service.ingest.transfer import Header, read_claim, read_header, read_passage, read_progress
from service.model.embedder import Embedder
from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.records import ClaimCopy, IngestProgress, PassageCopy
from service.store.selection import location

Copy = PassageCopy | ClaimCopy | IngestProgress


@dataclass
class ImportReport(IngestReport):
    """Ingest's report (passages added, already stored, lines skipped), and the claims."""

    claims_added: int = 0
    claims_known: int = 0
    complete: bool = False  # the end line was read: the file is the whole export

    def summary(self) -> str:
        if self.already_done:
            return f"{self.file}: already imported to its end and unchanged since; nothing to do"
        told = super().summary()
        if self.refused:
            return told
        told += f"; {self.claims_added} claims remembered, {self.claims_known} already remembered"
        if not self.complete:
            told += "; the file has no end line: cut short? Import the whole file to complete"
        return told


async def import_command(settings: Settings, path: Path) -> int:
    """Import ``path``; the exit code is 1 when it was refused or cut short, or the store could not be used."""
    if not await asyncio.to_thread(path.is_file):
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    model = canonical_name(settings.text_embedding_model)

    async def load(store: KnowledgeStore, embedder: Embedder) -> int:
        size = (await asyncio.to_thread(path.stat)).st_size
        with progress(path.name, size) as tell:
            report = await import_file(path, store, Header(model, store.dim), settings.import_batch_rows, tell)
            if not report.refused:
                tell(size)
        print(report.summary())
        claims = store.claim_count()
        print(f"{await asyncio.to_thread(store.passage_count)} passages and {claims} claims in {location(settings)}")
        return 0 if report.already_done or (report.complete and not report.refused) else 1

    return await on_store(settings, load, "stop it first")


async def import_file(
    path: Path, store: KnowledgeStore, expected: Header, batch_size: int, tell: Tell | None = None
) -> ImportReport:
    """Store every record of ``path`` after the lines a previous run finished; ``expected`` is the store's model.

    ``tell`` is told how many bytes of the file have been read, after each batch is stored.
    """
    check, done = await lines_done_before(path, store)
    if check.problem:
        return ImportReport(str(path), refused=check.problem)
    if done == TO_THE_END:
        return ImportReport(str(path), already_done=True)
    report = ImportReport(str(path), resumed_after_line=done)
    # A record the store takes, with its vector in base64 (four characters for three bytes).
    limit = MAX_RECORD_CHARS + len(base64.b64encode(bytes(4 * expected.dim)))
    batch: list[tuple[int, Copy]] = []
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=check.encoding, errors="replace") as handle:
        lines = bounded_lines(handle, limit)
        report.refused = refusal(next(lines, None), expected)
        if report.refused:
            return report
        for line in lines:
            if line.number <= done:
                continue
            copy = read_line(line, expected.dim, report)
            if copy is None:
                continue
            batch.append((line.number, copy))
            if len(batch) >= batch_size:
                await store_batch(batch, store, report)
                await asyncio.to_thread(store.set_progress, check.key, check.sha256, line.number)
                batch.clear()
                if tell is not None:
                    tell(raw.tell())
        if batch:
            await store_batch(batch, store, report)
    if report.complete:  # a file cut short is read again (its tail, when unchanged) and told cut short again
        await asyncio.to_thread(store.set_progress, check.key, check.sha256, TO_THE_END)
    return report


def refusal(first: TextLine | None, expected: Header) -> str:
    """Why the file cannot go into this store (empty when it can), from its first line."""
    fields, problem = json_object(first.text) if first is not None and first.text is not None else (None, "")
    try:
        header = read_header(fields or {})
    except ValueError as error:
        return f"line 1: {problem or error}"
    if canonical_name(header.model) != expected.model or header.dim != expected.dim:
        return (
            f"its vectors are {header.model}'s ({header.dim} dimensions) and this store's model is {expected.model} "
            f"({expected.dim}): import it where TEXT_EMBEDDING_MODEL is {header.model}"
        )
    return ""


def read_line(line: TextLine, dim: int, report: ImportReport) -> Copy | None:
    """The passage or claim on ``line``; None for a blank line, the end line, or one reported and skipped."""
    if line.text is None:
        skip(report, too_long(line.number, line.number, "a line of"))
        return None
    if not line.text.strip():
        return None
    fields, problem = json_object(line.text)
    kind = None if fields is None else fields.get("kind")
    try:
        if fields is None:
            raise ValueError(problem)
        if kind == "passage":
            return read_passage(fields, dim)
        if kind == "claim":
            return read_claim(fields, dim)
        if kind == "progress":
            return read_progress(fields)
        if kind == "end":
            report.complete = True
            return None
        raise ValueError(f"'kind' {kind!r} is none of passage, claim, progress or end")
    except TooLarge as error:
        skip(report, Record(line.number, line.number, None, str(error), Skip.TOO_LARGE))
    except ValueError as error:
        skip(report, Record(line.number, line.number, None, str(error)))
    return None


def skip(report: ImportReport, record: Record) -> None:
    report.skip(record, record.kind, record.problem)


async def store_batch(batch: list[tuple[int, Copy]], store: KnowledgeStore, report: ImportReport) -> None:
    """The batch's passages (one ``add_passages`` per owner) and claims, counted in ``report``, and the progress
    of files this store has no progress of (its own is never overwritten)."""
    by_owner: defaultdict[str | None, list[tuple[int, PassageCopy]]] = defaultdict(list)
    claims: list[ClaimCopy] = []
    for number, copy in batch:
        if isinstance(copy, PassageCopy):
            by_owner[copy.owner].append((number, copy))
        elif isinstance(copy, ClaimCopy):
            claims.append(copy)
        elif await asyncio.to_thread(store.get_progress, copy.source_file) is None:
            await asyncio.to_thread(store.set_progress, copy.source_file, copy.sha256, copy.lines_done)
    for owner, group in by_owner.items():
        items = [copy.passage for _, copy in group]
        vectors = np.stack([copy.vector for _, copy in group])
        results = await asyncio.to_thread(store.add_passages, items, vectors, owner)
        for (number, _), result in zip(group, results, strict=True):
            if result.status in ("added", "restored"):
                report.added += 1
            elif result.status == "duplicate":
                report.duplicates += 1
            else:
                problem = f"id {result.id!r} already holds other content"
                skip(report, Record(number, number, None, problem, Skip.ID_CONFLICT))
    new = await asyncio.to_thread(store.import_claims, claims)
    report.claims_added += sum(new)
    report.claims_known += len(new) - sum(new)
