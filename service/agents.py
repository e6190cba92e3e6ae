"""The two agents the pipeline consults; both are built once at start-up and live on the app.

Neither holds a model: they work on vectors the model child computed. Both keep
their data in the store (:mod:`service.store.base`: on disk, or in PostgreSQL), so what
they know survives restarts and costs the web process little memory. Their reads block
(disk, or a database round trip): the pipeline calls them from a worker thread; memory's writes are
awaited, and run in a worker thread a group of requests at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.groups import WorkGroups
from service.store.base import KnowledgeStore
from service.store.records import ClaimMatch, NewClaim, StoredClaim, StoredPassage
from service.verdict import claim_key


@dataclass(frozen=True)
class Evidence:
    passage: StoredPassage
    similarity: float


class RetrievalAgent:
    """Finds the top-k stored passages closest to each claim."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store

    def retrieve(self, claim_vectors: np.ndarray, top_k: int) -> list[list[Evidence]]:
        found = self.store.search_passages(claim_vectors, top_k)
        return [[Evidence(passage, similarity) for passage, similarity in row] for row in found]


@dataclass(frozen=True)
class Recall:
    """What memory says of a claim: the claim as stored after this request, whether it was seen
    before, and whether its remembered verdict still held (same verdict on the same evidence)."""

    memory: StoredClaim
    similarity: float
    seen_before: bool
    from_memory: bool = False


@dataclass(frozen=True)
class _Update:
    """One request's memory write: its claims' vectors, findings and what recall matched."""

    vectors: np.ndarray
    findings: list[NewClaim]
    matches: list[ClaimMatch | None]


class MemoryUpdateAgent:
    """Remembers verified claims, as a cache of verdicts, never as their source.

    A claim is the one seen before when it has the same memory key (:func:`service.verdict.claim_key`: the
    same numbers, names, negation and opposites) *and* its cosine similarity reaches ``threshold``:
    "Water boils at 100 degrees" is not "Water boils at 90 degrees", however close. Of the remembered
    claims with its key, the closest is taken; recall reads only those (see ``KnowledgeStore.recall_claims``), so
    it costs the same with 100,000 claims remembered as with none. The verdict is always derived afresh
    from the current evidence and replaces the remembered one; a claim is ``from_memory`` when the two
    agree, so a verdict whose evidence was deleted, changed or outranked since is never repeated from memory.

    Writes are grouped: the updates of requests that arrive while a commit is under way are committed
    together in the next one (one index append, one transaction), and each request's ``update`` returns
    once the commit holding its write is durable.
    """

    def __init__(self, store: KnowledgeStore, threshold: float, keep_at_most: int | None = None) -> None:
        self.store = store
        self.threshold = threshold
        self.keep_at_most = keep_at_most  # claims remembered; the least recently seen go first
        self._writes = WorkGroups(self._write, alone_on_error=False)  # a full disk fails them all anyway

    def recall(self, vectors: np.ndarray, keys: Sequence[str]) -> list[ClaimMatch | None]:
        """For each claim (its vector and :func:`service.verdict.claim_key`), the claim it was seen as before."""
        return self.store.recall_claims(vectors, self.threshold, keys)

    def fill_missing_keys(self, batch: int = 1000) -> int:
        """Key the claims remembered before memory keys existed, so that recall finds them; how many."""
        filled = 0
        while unkeyed := self.store.claims_without_key(batch):
            self.store.set_claim_keys([(claim_id, claim_key(claim)) for claim_id, claim in unkeyed])
            filled += len(unkeyed)
        return filled

    async def update(
        self, vectors: np.ndarray, findings: list[NewClaim], matches: list[ClaimMatch | None]
    ) -> list[Recall]:
        """Count a sighting of every known claim, storing its verdict on the current evidence over the
        remembered one, and store the new claims; returns once that is durable, in a commit it may share."""
        return await self._writes.submit(_Update(vectors, findings, matches))

    def _write(self, updates: list[_Update]) -> list[list[Recall]]:
        """The memory writes of a group of requests in one ``KnowledgeStore.write_claims``; each request's recalls."""
        new = [(u, i) for u, update in enumerate(updates) for i, match in enumerate(update.matches) if match is None]
        known = [
            (u, i, match)
            for u, update in enumerate(updates)
            for i, match in enumerate(update.matches)
            if match is not None
        ]
        vectors = (
            np.stack([updates[u].vectors[i] for u, i in new])
            if new
            else np.empty((0, updates[0].vectors.shape[1]), np.float32)
        )
        stored, touched = self.store.write_claims(
            [updates[u].findings[i] for u, i in new],
            vectors,
            [match.claim.id for _, _, match in known],
            [updates[u].findings[i] for u, i, _ in known],
            self.keep_at_most,
        )
        recalls: list[dict[int, Recall]] = [{} for _ in updates]
        for (u, i), claim in zip(new, stored, strict=True):
            recalls[u][i] = Recall(claim, 1.0, seen_before=False)
        for (u, i, match), revised in zip(known, touched, strict=True):
            held = _still_holds(match.claim, updates[u].findings[i])
            recalls[u][i] = Recall(revised or match.claim, match.similarity, seen_before=True, from_memory=held)
        return [[found[i] for i in range(len(found))] for found in recalls]


def _still_holds(remembered: StoredClaim, finding: NewClaim) -> bool:
    """Whether the remembered verdict is the one the current evidence gives, with the same closest
    passage (one deleted, changed or outranked by a newer passage is not the same)."""
    return remembered.verdict == finding.verdict and remembered.evidence_ids[:1] == finding.evidence_ids[:1]
