"""Bring the service up in the background: model child, store (checked, its lost vectors re-embedded),
built-in knowledge base, pipeline.

The HTTP server answers from its first second (``/health`` says ``starting``),
so a slow cold start is not killed by the platform's health check, and
``/verify`` answers 503 with ``Retry-After`` until the pipeline exists.
"""

from __future__ import annotations

import asyncio
import logging

from service.errors import ModelUnavailable, ServiceError
from service.ingest.loader import ingest_file
from service.memory.guard import MemoryGuard
from service.model.embedder import Embedder
from service.pipeline import VerificationPipeline
from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.embedded import StoreLockedError
from service.store.repair import StoreDamaged, require_sound, restore_lost_passages
from service.store.selection import open_store
from service.verdict import freshness

log = logging.getLogger(__name__)


class Startup:
    def __init__(self, settings: Settings, embedder: Embedder, guard: MemoryGuard) -> None:
        self.settings = settings
        self.embedder = embedder
        self.guard = guard
        self.pipeline: VerificationPipeline | None = None
        self.store: KnowledgeStore | None = None
        self.error = ""

    @property
    def done(self) -> bool:
        return self.pipeline is not None or bool(self.error)

    async def run(self) -> None:
        settings = self.settings
        try:
            await self.embedder.start()
            # Opening verifies every vector (~0.5 s per 100k rows), or connects to the database: off the event
            # loop, which answers /health.
            self.store = store = await asyncio.to_thread(open_store, settings, self.embedder.dim)
            await restore_lost_passages(store, self.embedder.embed, settings.max_batch_size)
            await require_sound(store)
            report = await ingest_file(settings.knowledge_base, store, self.embedder.embed, settings.max_batch_size)
            count = await asyncio.to_thread(store.passage_count)
            log.info("Knowledge base: %s; %d passages stored", report.summary(), count)
            log.info("Verdict rule: %s", freshness.describe())
            pipeline = VerificationPipeline.build(self.embedder.embed_texts, store, settings)
            await pipeline.warm_up()
        except (ServiceError, OSError, ValueError, StoreLockedError, StoreDamaged) as error:
            self.error = f"start-up failed: {error}"
            log.error("%s", self.error)
            return
        except Exception as error:  # a damaged store file, a schema it does not know...: say so, not "starting"
            self.error = f"start-up failed: {type(error).__name__}: {error}"
            log.exception("%s", self.error)
            return
        self.pipeline = pipeline
        self.guard.log("startup")
        self.guard.prepare_collector()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def require_store(self) -> KnowledgeStore:
        self.require_pipeline()  # the store is ready once the pipeline is
        assert self.store is not None
        return self.store

    def require_pipeline(self) -> VerificationPipeline:
        if self.pipeline is None:
            raise ModelUnavailable(self.error or "the service is starting; retry shortly")
        return self.pipeline
