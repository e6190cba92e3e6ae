"""Bring the service up in the background: model child, then knowledge base, then pipeline.

The HTTP server answers from its first second (``/health`` says ``starting``),
so a slow cold start is not killed by the platform's health check, and
``/verify`` answers 503 with ``Retry-After`` until the pipeline exists.
"""

from __future__ import annotations

import logging

from service.agents import MemoryUpdateAgent, RetrievalAgent
from service.embedder import Embedder
from service.errors import ModelUnavailable, ServiceError
from service.memory_guard import MemoryGuard
from service.pipeline import VerificationPipeline, build_knowledge_base
from service.settings import Settings

log = logging.getLogger(__name__)


class Startup:
    def __init__(self, settings: Settings, embedder: Embedder, guard: MemoryGuard) -> None:
        self.settings = settings
        self.embedder = embedder
        self.guard = guard
        self.pipeline: VerificationPipeline | None = None
        self.error = ""

    @property
    def done(self) -> bool:
        return self.pipeline is not None or bool(self.error)

    async def run(self) -> None:
        settings = self.settings
        try:
            await self.embedder.start()
            knowledge = await build_knowledge_base(settings.knowledge_base, self.embedder)
        except (ServiceError, OSError, ValueError) as error:
            self.error = f"start-up failed: {error}"
            log.error("%s", self.error)
            return
        log.info("Knowledge base: %d passages from %s", len(knowledge), settings.knowledge_base)
        self.pipeline = VerificationPipeline(
            self.embedder,
            RetrievalAgent(knowledge),
            MemoryUpdateAgent(self.embedder.dim, settings.memory_capacity, settings.memory_match_threshold),
            support_threshold=settings.support_threshold,
            max_claims=settings.max_claims,
        )
        self.guard.log("startup")

    def require_pipeline(self) -> VerificationPipeline:
        if self.pipeline is None:
            raise ModelUnavailable(self.error or "the service is starting; retry shortly")
        return self.pipeline
