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
class Finding:
    """What the pipeline concluded about one claim, before the memory agent has seen it."""

    claim: str
    verdict: str
    score: float
    evidence_ids: list[str]


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

    def remember(self, vectors: np.ndarray, findings: list[Finding]) -> list[Recall]:
        """Recall each claim seen in an earlier request, or store it as new; one matrix product for all.

        Claims are compared with the memory as it was before this call, so two copies of a
        claim within one text are both new.
        """
        now = time.time()
        known = len(self._memories)
        closest = np.zeros(len(findings), dtype=np.intp)
        similarity = np.full(len(findings), -1.0, dtype=np.float32)
        if known:
            similarities = vectors @ self._vectors[:known].T
            closest = np.argmax(similarities, axis=1)
            similarity = similarities[np.arange(len(findings)), closest]
        # Every hit is resolved before any miss is stored: a store may overwrite a slot of the ring.
        hits = {
            position: Recall(self._memories[index], float(match), seen_before=True)
            for position, (index, match) in enumerate(zip(closest, similarity, strict=True))
            if match >= self.threshold
        }
        for recall in hits.values():
            recall.memory.times_seen += 1
            recall.memory.last_seen = now
        return [
            hits.get(position) or Recall(self._store(vector, finding, now), 1.0, seen_before=False)
            for position, (vector, finding) in enumerate(zip(vectors, findings, strict=True))
        ]

    def _store(self, vector: np.ndarray, finding: Finding, now: float) -> Memory:
        memory = Memory(finding.claim, finding.verdict, finding.score, finding.evidence_ids, now, now)
        if len(self._memories) < self.capacity:
            self._memories.append(memory)
        else:
            self._memories[self._next] = memory
        self._vectors[self._next] = vector
        self._next = (self._next + 1) % self.capacity
        return memory
