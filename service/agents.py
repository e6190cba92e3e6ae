"""The two agents the pipeline consults; both are built once at start-up and live on the app.

Neither holds a model: they work on vectors the model child computed. Both keep
their data in the store (SQLite rows, compact on-disk vectors), so what they know
survives restarts and costs the web process little memory. Their methods block
(disk and SQLite): the pipeline calls them from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.store import ClaimMatch, NewClaim, Store, StoredClaim, StoredPassage


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
    """What memory says of a claim: the claim as stored after this request, and whether it was known."""

    memory: StoredClaim
    similarity: float
    seen_before: bool


class MemoryUpdateAgent:
    """Remembers verified claims; a claim within ``threshold`` cosine of one seen before is the same claim."""

    def __init__(self, store: Store, threshold: float) -> None:
        self.store = store
        self.threshold = threshold

    def recall(self, vectors: np.ndarray) -> list[ClaimMatch | None]:
        return self.store.recall_claims(vectors, self.threshold)

    def update(self, vectors: np.ndarray, findings: list[NewClaim], matches: list[ClaimMatch | None]) -> list[Recall]:
        """Count a sighting of every known claim and store the new ones, in one batch."""
        new = [index for index, match in enumerate(matches) if match is None]
        stored = self.store.remember_claims([findings[index] for index in new], vectors[new])
        recalls: dict[int, Recall] = {
            index: Recall(claim, 1.0, seen_before=False) for index, claim in zip(new, stored, strict=True)
        }
        known = [(index, match) for index, match in enumerate(matches) if match is not None]
        touched = self.store.touch_claims([match.claim.id for _, match in known])
        for (index, match), claim in zip(known, touched, strict=True):
            recalls[index] = Recall(claim or match.claim, match.similarity, seen_before=True)
        return [recalls[index] for index in range(len(findings))]
