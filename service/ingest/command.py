"""``python run.py ingest FILE...``: load files into the store from the command line, with a progress bar; and
how the store's commands (ingest, export, import) run on the store.

They start their own model child (the same code the service uses) and open the
store directly, so the service must not be running on the same DATA_DIR
(POST /evidence adds passages to a running service).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from service.errors import ModelError, StorageFull, StoreUnavailable
from service.ingest.loader import IngestReport, ingest_file
from service.ingest.progress import progress
from service.model.embedder import Embedder
from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.embedded import StoreLockedError
from service.store.repair import StoreDamaged, restore_lost_passages
from service.store.selection import location, open_store

log = logging.getLogger(__name__)


Work = Callable[[KnowledgeStore, Embedder], Awaitable[int]]


async def ingest_files(settings: Settings, files: list[Path]) -> int:
    """Ingest each file in turn; the exit code is 1 when a file was refused or the store could not be used."""
    missing = [str(path) for path in files if not path.is_file()]
    if missing or not files:
        print(
            f"error: no such file: {', '.join(missing)}" if missing else "error: name a file to ingest", file=sys.stderr
        )
        return 2

    async def ingest(store: KnowledgeStore, embedder: Embedder) -> int:
        failed = False
        for path in files:
            report = await ingest_with_bar(path, store, embedder, settings.max_batch_size)
            print(report.summary())
            failed = failed or bool(report.refused)
        print(f"{store.passage_count()} passages stored in {location(settings)}")
        return 1 if failed else 0

    return await on_store(settings, ingest, "use POST /evidence")


async def on_store(settings: Settings, work: Work, while_serving: str) -> int:
    """Run ``work`` on the store the settings select, with a model child of its own, once the passages whose
    vectors were lost are re-embedded; its exit code, or 1 with one line saying why the store could not be used.

    ``while_serving`` says what to do instead when the service holds the embedded store.
    """
    embedder = Embedder(settings)
    try:
        await embedder.start()
        with await asyncio.to_thread(open_store, settings, embedder.dim) as store:
            await restore_lost_passages(store, embedder.embed, settings.max_batch_size)  # what the check found lost
            return await work(store, embedder)
    except StoreLockedError:
        print(f"error: {settings.data_dir / 'store'} is in use (is the service running?); {while_serving}")
        return 1
    except (StoreDamaged, StoreUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except StorageFull as error:  # the write in progress was undone whole; what is stored stays
        print(f"error: {error}; free some space and run the same command again to continue", file=sys.stderr)
        return 1
    except ModelError as error:  # the model could not start, or stopped answering: what is stored stays
        print(f"error: {error}; run the same command again to continue where it stopped", file=sys.stderr)
        return 1
    finally:
        await embedder.stop()


async def ingest_with_bar(path: Path, store: KnowledgeStore, embedder: Embedder, batch_size: int) -> IngestReport:
    """One file with a bar of the bytes read; log lines (a skipped record, once each) print above the bar."""
    size = (await asyncio.to_thread(path.stat)).st_size
    with progress(path.name, size) as tell:
        report = await ingest_file(path, store, embedder.embed, batch_size, tell)
        tell(size)
    return report
