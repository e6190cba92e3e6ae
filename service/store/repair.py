"""Re-embed the passages whose vectors a damaged index lost, from their text, before serving.

Why here and not in the store: the store needs no model; this needs the model child, so start-up runs it
once the child is up and before anything searches. When it cannot finish (the model fails, the disk is
full), the store stays damaged and ``StoreDamaged`` says why: start-up then refuses to serve verdicts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import numpy as np

from service.errors import ServiceError
from service.store.base import KnowledgeStore

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], Awaitable[np.ndarray]]


class StoreDamaged(RuntimeError):
    """The store's vectors are damaged and could not be rebuilt: its answers would be wrong."""


async def restore_lost_passages(store: KnowledgeStore, embed: Embed, batch_size: int) -> int:
    """Re-embed every lost passage, ``batch_size`` texts at a time; how many there were."""
    lost = await asyncio.to_thread(store.lost_passages)
    if not lost:
        return 0
    log.warning("Re-embedding %d passages whose vectors were lost", len(lost))
    try:
        for start in range(0, len(lost), batch_size):
            part = lost[start : start + batch_size]
            vectors = await embed([text for _, text in part])
            await asyncio.to_thread(store.restore_passage_vectors, [row for row, _ in part], vectors)
    except ServiceError as error:
        left = len(await asyncio.to_thread(store.lost_passages))
        raise StoreDamaged(
            f"{left} of {len(lost)} lost passage vectors could not be re-embedded ({error}); "
            "refusing to answer from a damaged index"
        ) from error
    log.warning("Re-embedded %d passages; the index is whole again", len(lost))
    return len(lost)


async def require_sound(store: KnowledgeStore) -> None:
    """Raise ``StoreDamaged`` naming every problem ``KnowledgeStore.check`` still finds.

    The vectors are not read again: opening the store has just verified every one of them.
    """
    problems = await asyncio.to_thread(store.check, verify_vectors=False)
    if problems:
        raise StoreDamaged("; ".join(problems))
