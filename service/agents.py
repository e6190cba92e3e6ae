"""The two agents the pipeline consults; both are built once at start-up and live on the app.

Neither holds a model: they work on vectors the model child computed, so they
cost the web process only their matrices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from service.knowledge import KnowledgeBase, Passage


@dataclass(frozen=True)
class Evidence:
    passage: Passage
    similarity: float


class RetrievalAgent:
    """Finds the top-k passages of the knowledge base closest to each claim (exact cosine search)."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge

    def retrieve(self, claim_vectors: np.ndarray, top_k: int) -> list[list[Evidence]]:
        if len(self.knowledge) == 0:
            return [[] for _ in claim_vectors]
        similarities = claim_vectors @ self.knowledge.vectors.T
        k = min(top_k, similarities.shape[1])
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        results: list[list[Evidence]] = []
        for row, candidates in zip(similarities, top, strict=True):
            ranked = candidates[np.argsort(-row[candidates], kind="stable")]
            results.append([Evidence(self.knowledge.passages[i], float(row[i])) for i in ranked])
        return results


@dataclass
class Memory:
    """What the service remembers of a claim it verified."""

    claim: str
    verdict: str
    score: float
    evidence_ids: list[str]
    first_seen: float
    last_seen: float
    times_seen: int = 1


@dataclass(frozen=True)
class Recall:
    memory: Memory
    similarity: float
    seen_before: bool


class MemoryUpdateAgent:
    """Remembers verified claims; a claim within ``threshold`` cosine of one seen before is the same claim.

    Memory is a fixed-size ring (``capacity`` rows, oldest overwritten), so it
    cannot grow the web process without bound.
    """

    def __init__(self, dim: int, capacity: int, threshold: float) -> None:
        self.threshold = threshold
        self.capacity = capacity
        self._vectors = np.zeros((capacity, dim), dtype=np.float32)
        self._memories: list[Memory] = []
        self._next = 0

    def __len__(self) -> int:
        return len(self._memories)

    def recall_or_remember(
        self, vector: np.ndarray, claim: str, verdict: str, score: float, evidence_ids: list[str]
    ) -> Recall:
        """Update the memory of this claim if one is close enough, else store it as new."""
        now = time.time()
        match = self._closest(vector)
        if match is not None:
            index, similarity = match
            memory = self._memories[index]
            memory.times_seen += 1
            memory.last_seen = now
            return Recall(memory, similarity, seen_before=True)
        memory = Memory(claim, verdict, score, evidence_ids, first_seen=now, last_seen=now)
        if len(self._memories) < self.capacity:
            self._memories.append(memory)
        else:
            self._memories[self._next] = memory
        self._vectors[self._next] = vector
        self._next = (self._next + 1) % self.capacity
        return Recall(memory, 1.0, seen_before=False)

    def _closest(self, vector: np.ndarray) -> tuple[int, float] | None:
        if not self._memories:
            return None
        similarities = self._vectors[: len(self._memories)] @ vector
        index = int(np.argmax(similarities))
        similarity = float(similarities[index])
        return (index, similarity) if similarity >= self.threshold else None
