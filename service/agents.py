"""The two agents the pipeline consults; both are built once at start-up and live on the app.

Neither holds a model: they work on vectors the model child computed. Both keep
their data in the store (SQLite rows, compact on-disk vectors), so what they know
survives restarts and costs the web process little memory. Their methods block
(disk and SQLite): the pipeline calls them from a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.store.embedded import ClaimMatch, NewClaim, Store, StoredClaim, StoredPassage
from service.verdict import claim_key


@dataclass(frozen=True)
class Evidence:
    passage: StoredPassage
    similarity: float


class RetrievalAgent:
    """Finds the top-k stored passages closest to each claim."""

    def __init__(self, store: Store) -> None:
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


class MemoryUpdateAgent:
    """Remembers verified claims, as a cache of verdicts, never as their source.

    A claim is the one seen before when its cosine similarity reaches ``threshold`` *and* it
    states the same numbers, names, negation and opposites (:func:`service.verdict.claim_key`):
    "Water boils at 100 degrees" is not "Water boils at 90 degrees", however close. The verdict
    is always derived afresh from the current evidence and replaces the remembered one; a claim is
    ``from_memory`` when the two agree, so a verdict whose evidence was deleted, changed or
    outranked since is never repeated from memory.
    """

    def __init__(self, store: Store, threshold: float, keep_at_most: int | None = None) -> None:
        self.store = store
        self.threshold = threshold
        self.keep_at_most = keep_at_most  # claims remembered; the least recently seen go first

    def recall(self, vectors: np.ndarray, claims: Sequence[str]) -> list[ClaimMatch | None]:
        matches = self.store.recall_claims(vectors, self.threshold)
        return [
            match if match is not None and claim_key(match.claim.claim) == claim_key(claim) else None
            for match, claim in zip(matches, claims, strict=True)
        ]

    def update(self, vectors: np.ndarray, findings: list[NewClaim], matches: list[ClaimMatch | None]) -> list[Recall]:
        """Count a sighting of every known claim, storing its verdict on the current evidence over the
        remembered one, and store the new claims, in one batch."""
        new = [index for index, match in enumerate(matches) if match is None]
        stored = self.store.remember_claims([findings[index] for index in new], vectors[new], self.keep_at_most)
        recalls: dict[int, Recall] = {
            index: Recall(claim, 1.0, seen_before=False) for index, claim in zip(new, stored, strict=True)
        }
        known = [(index, match) for index, match in enumerate(matches) if match is not None]
        touched = self.store.touch_claims(
            [match.claim.id for _, match in known], [findings[index] for index, _ in known]
        )
        for (index, match), claim in zip(known, touched, strict=True):
            held = _still_holds(match.claim, findings[index])
            recalls[index] = Recall(claim or match.claim, match.similarity, seen_before=True, from_memory=held)
        return [recalls[index] for index in range(len(findings))]


def _still_holds(remembered: StoredClaim, finding: NewClaim) -> bool:
    """Whether the remembered verdict is the one the current evidence gives, with the same closest
    passage (one deleted, changed or outranked by a newer passage is not the same)."""
    return remembered.verdict == finding.verdict and remembered.evidence_ids[:1] == finding.evidence_ids[:1]
