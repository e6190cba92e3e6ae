"""The verification pipeline: claims -> embeddings -> memory and evidence -> verdicts.

Built once at start-up (with its agents) and kept on the app; a request only
calls :meth:`VerificationPipeline.verify`. Every claim is judged on the evidence
retrieved now (:func:`service.verdict.judge`, which also says why); memory (see
:class:`service.agents.MemoryUpdateAgent`) records it, and marks it ``from_memory``
when the verdict remembered for the same claim still holds on that evidence.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

from service.agents import Evidence, MemoryUpdateAgent, Recall, RetrievalAgent
from service.claims import Claim, split_claims
from service.embedder import Embedding
from service.errors import TooManyClaims
from service.settings import Settings
from service.store import NewClaim, Store
from service.verdict import Judgement, Passage, judge


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: str
    score: float
    evidence: list[Evidence]
    recall: Recall
    truncated: bool  # the model read the claim only up to MAX_TOKENS
    reason: Judgement


class VerificationPipeline:
    def __init__(
        self,
        embed: Callable[[list[str]], Awaitable[Embedding]],
        retriever: RetrievalAgent,
        memory: MemoryUpdateAgent,
        support_threshold: float,
        max_claims: int,
        max_claim_chars: int,
        max_evidence: int,
    ) -> None:
        self.embed = embed
        self.retriever = retriever
        self.memory = memory
        self.support_threshold = support_threshold
        self.max_claims = max_claims
        self.max_claim_chars = max_claim_chars
        self.max_evidence = max_evidence

    @classmethod
    def build(cls, embed: Callable[[list[str]], Awaitable[Embedding]], store: Store, settings: Settings) -> Self:
        """The pipeline and its two agents over ``store``, as ``settings`` configure them."""
        return cls(
            embed,
            RetrievalAgent(store),
            MemoryUpdateAgent(store, settings.memory_match_threshold),
            support_threshold=settings.support_threshold,
            max_claims=settings.max_claims,
            max_claim_chars=settings.max_claim_chars,
            max_evidence=settings.max_evidence_per_request,
        )

    async def warm_up(self) -> None:
        """Retrieve and recall once, writing nothing, so that what they build on first use (numpy's BLAS
        buffers, SQLite's statements) is part of start-up, not of the first request."""
        embedding = await self.embed(["The service checks its own retrieval path at start-up."])
        await asyncio.to_thread(self.memory.recall, embedding.vectors, ["warm-up"])
        await asyncio.to_thread(self.retriever.retrieve, embedding.vectors, 1)

    async def verify(self, raw_text: str, top_k: int) -> list[ClaimResult]:
        claims = list(itertools.islice(split_claims(raw_text, self.max_claim_chars), self.max_claims + 1))
        if len(claims) > self.max_claims:
            raise TooManyClaims(f"the text has more than {self.max_claims} claims; at most that many are checked")
        if len(claims) * top_k > self.max_evidence:
            raise TooManyClaims(
                f"{len(claims)} claims x top_k {top_k} would be {len(claims) * top_k} evidence passages; "
                f"at most {self.max_evidence} per request: lower top_k or send fewer claims"
            )
        if not claims:
            return []
        embedding = await self.embed([claim.text for claim in claims])
        return await asyncio.to_thread(self._consult, claims, embedding, top_k)

    def _consult(self, claims: list[Claim], embedding: Embedding, top_k: int) -> list[ClaimResult]:
        """The blocking part (store reads and writes), run in a worker thread."""
        vectors = embedding.vectors
        matches = self.memory.recall(vectors, [claim.text for claim in claims])
        evidence = self.retriever.retrieve(vectors, top_k)
        judgements = [self._judge(claim.text, found) for claim, found in zip(claims, evidence, strict=True)]
        findings = [
            NewClaim(
                claim.text, judgement.verdict, found[0].similarity if found else 0.0, tuple(e.passage.id for e in found)
            )
            for claim, judgement, found in zip(claims, judgements, evidence, strict=True)
        ]
        recalls = self.memory.update(vectors, findings, matches)
        return [
            ClaimResult(claim, finding.verdict, finding.score, found, recall, bool(truncated), judgement)
            for claim, finding, found, recall, truncated, judgement in zip(
                claims, findings, evidence, recalls, embedding.truncated, judgements, strict=True
            )
        ]

    def _judge(self, claim: str, evidence: list[Evidence]) -> Judgement:
        passages = [Passage(item.passage.id, item.passage.text, item.similarity) for item in evidence]
        return judge(claim, passages, self.support_threshold)
