"""``python run.py export FILE``: the store's live passages and its claim memory as JSONL (see ``transfer``).

Streamed a page at a time (``PAGE_ROWS`` rows, about 2 MB at most), so an export of any store costs the memory
of one page. It is written to ``FILE.partial``, fsynced and then renamed: an interrupted export never leaves a
file at FILE that an import would take for a whole one (an import also tells a file without its end line).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from model_proc.models import canonical_name
from service.ingest.command import on_store
from service.ingest.progress import Tell, progress
from service.ingest.transfer import Header, claim_line, end_line, header_line, passage_line, progress_line
from service.model.embedder import Embedder
from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.selection import location

# Rows read from the store at a time: 500 passages of 2,000 characters with their vectors are about 2 MB.
PAGE_ROWS = 500

Row = TypeVar("Row")
Position = TypeVar("Position", int, str)


async def export_store(settings: Settings, path: Path) -> int:
    """Write the store to ``path``; the exit code is 2 when ``path`` cannot be a file, 1 when a write failed or
    the store could not be read."""
    if not await asyncio.to_thread(path.parent.is_dir) or await asyncio.to_thread(path.is_dir):
        print(f"error: cannot write {path}: name a file in an existing directory", file=sys.stderr)
        return 2

    async def export(store: KnowledgeStore, embedder: Embedder) -> int:
        header = Header(canonical_name(settings.text_embedding_model), store.dim)
        total = await asyncio.to_thread(store.passage_count) + store.claim_count()
        try:
            with progress(path.name, total, "records") as tell:
                passages, claims = await asyncio.to_thread(write_export, store, path, header, tell)
        except OSError as error:  # a full disk, say: the partial file is gone, the store untouched
            print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"{path}: {passages} passages and {claims} remembered claims from {location(settings)}")
        return 0

    return await on_store(settings, export, "stop it first")


def write_export(store: KnowledgeStore, path: Path, header: Header, tell: Tell) -> tuple[int, int]:
    """Write the file (blocking: run it in a thread); how many passages and claims it holds."""
    partial = path.with_name(path.name + ".partial")
    passages = claims = 0
    try:
        with partial.open("w", encoding="ascii") as out:
            out.write(header_line(header))
            for page in pages(store.export_passages, lambda copy: copy.row, -1):
                out.writelines(map(passage_line, page))
                passages += len(page)
                tell(passages)
            for claim_page in pages(store.export_claims, lambda copy: copy.id, -1):
                out.writelines(map(claim_line, claim_page))
                claims += len(claim_page)
                tell(passages + claims)
            for files in pages(store.export_progress, lambda progress: progress.source_file, ""):
                out.writelines(map(progress_line, files))
            out.write(end_line(passages, claims))
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return passages, claims


def pages(
    read: Callable[[Position, int], list[Row]], position: Callable[[Row], Position], start: Position
) -> Iterator[list[Row]]:
    """Each page ``read`` gives, from past ``start``, the next one starting past the last row's ``position``."""
    after = start
    while page := read(after, PAGE_ROWS):
        yield page
        after = position(page[-1])
