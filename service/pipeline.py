"""The verification pipeline: claims -> embeddings -> memory and evidence -> verdicts.

Built once at start-up (with its agents) and kept on the app; a request only
calls :meth:`VerificationPipeline.verify`. A claim that memory knows (see
:class:`service.agents.MemoryUpdateAgent`) is answered from memory: its verdict
and score are the ones given the first time, and it is marked ``from_memory``;
its evidence is retrieved afresh, so passages added since are shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from service.agents import Evidence, MemoryUpdateAgent, Recall, RetrievalAgent
from service.claims import split_claims
from service.errors import TooManyClaims
from service.ingest import Embed
from service.store import NewClaim
from service.verdict import decide


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    verdict: str
    score: float
    evidence: list[Evidence]
    recall: Recall


class VerificationPipeline:
    def __init__(
        self,
        embed: Embed,
        retriever: RetrievalAgent,
        memory: MemoryUpdateAgent,
        support_threshold: float,
        max_claims: int,
    ) -> None:
        self.embed = embed
        self.retriever = retriever
        self.memory = memory
        self.support_threshold = support_threshold
        self.max_claims = max_claims

    async def verify(self, raw_text: str, top_k: int) -> list[ClaimResult]:
        claims = split_claims(raw_text)
        if len(claims) > self.max_claims:
            raise TooManyClaims(f"the text has {len(claims)} claims; at most {self.max_claims} are checked per request")
        if not claims:
            return []
        vectors = await self.embed(claims)
        return await asyncio.to_thread(self._consult, claims, vectors, top_k)

    def _consult(self, claims: list[str], vectors: np.ndarray, top_k: int) -> list[ClaimResult]:
        """The blocking part (store reads and writes), run in a worker thread."""
        matches = self.memory.recall(vectors)
        evidence = self.retriever.retrieve(vectors, top_k)
        findings = [self._judge(claim, found) for claim, found in zip(claims, evidence, strict=True)]
        recalls = self.memory.update(vectors, findings, matches)
        return [
            ClaimResult(claim, recall.memory.verdict, recall.memory.score, found, recall)
            for claim, found, recall in zip(claims, evidence, recalls, strict=True)
        ]

    def _judge(self, claim: str, evidence: list[Evidence]) -> NewClaim:
        best = evidence[0] if evidence else None
        score = best.similarity if best else 0.0
        verdict = decide(claim, best.passage.text if best else None, score, self.support_threshold)
        return NewClaim(claim, verdict, score, tuple(item.passage.id for item in evidence))
