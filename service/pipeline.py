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

import numpy as np

from service.agents import Evidence, MemoryUpdateAgent, Recall, RetrievalAgent
from service.claims import Claim, split_claims
from service.errors import TooManyClaims
from service.groups import WorkGroups
from service.model.embedder import ANONYMOUS, Embedding
from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.records import ClaimMatch, NewClaim
from service.verdict import Judgement, Passage, claim_key, judge


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: str
    score: float
    evidence: list[Evidence]
    recall: Recall
    truncated: bool  # the model read the claim only up to MAX_TOKENS
    reason: Judgement


@dataclass(frozen=True)
class _Lookup:
    """One request's claims with their embedding, waiting for the store and the rule."""

    claims: list[Claim]
    embedding: Embedding
    top_k: int


@dataclass(frozen=True)
class Finding:
    """What the store and the rule say of one claim, before anything is written."""

    evidence: list[Evidence]
    judgement: Judgement
    new_claim: NewClaim
    match: ClaimMatch | None


class VerificationPipeline:
    def __init__(
        self,
        embed: Callable[[list[str], str], Awaitable[Embedding]],
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
        self._lookups = WorkGroups(self._find, alone_on_error=True)  # a claim the rule fails on fails alone

    @classmethod
    def build(
        cls, embed: Callable[[list[str], str], Awaitable[Embedding]], store: KnowledgeStore, settings: Settings
    ) -> Self:
        """The pipeline and its two agents over ``store``, as ``settings`` configure them."""
        return cls(
            embed,
            RetrievalAgent(store),
            MemoryUpdateAgent(store, settings.memory_match_threshold, settings.max_remembered_claims),
            support_threshold=settings.support_threshold,
            max_claims=settings.max_claims,
            max_claim_chars=settings.max_claim_chars,
            max_evidence=settings.max_evidence_per_request,
        )

    async def warm_up(self) -> None:
        """Retrieve and recall once, writing nothing, so that what they build on first use (numpy's BLAS
        buffers, SQLite's statements) is part of start-up, not of the first request."""
        await asyncio.to_thread(self.memory.fill_missing_keys)
        embedding = await self.embed(["The service checks its own retrieval path at start-up."], ANONYMOUS)
        await asyncio.to_thread(self.memory.recall, embedding.vectors, [claim_key("warm-up")])
        await asyncio.to_thread(self.retriever.retrieve, embedding.vectors, 1)

    async def verify(self, raw_text: str, top_k: int, client: str = ANONYMOUS) -> list[ClaimResult]:
        """Verdicts on the claims of ``raw_text``; ``client``'s texts wait their turn for the model."""
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
        embedding = await self.embed([claim.text for claim in claims], client)
        # Reading and judging first, writing after: a client gone while its claims are judged (the
        # handler is cancelled) leaves nothing in memory.
        findings = await self._lookups.submit(_Lookup(claims, embedding, top_k))
        recalls = await self.memory.update(
            embedding.vectors, [finding.new_claim for finding in findings], [f.match for f in findings]
        )
        return [
            ClaimResult(claim, f.new_claim.verdict, f.new_claim.score, f.evidence, recall, bool(truncated), f.judgement)
            for claim, f, recall, truncated in zip(claims, findings, recalls, embedding.truncated, strict=True)
        ]

    def _find(self, lookups: list[_Lookup]) -> list[list[Finding]]:
        """The blocking reads (memory, evidence) and the judgements of a group of requests, run in a worker
        thread: one recall and one search per top_k for all their claims."""
        claims = [claim for lookup in lookups for claim in lookup.claims]
        top_ks = [lookup.top_k for lookup in lookups for _ in lookup.claims]
        vectors = np.concatenate([lookup.embedding.vectors for lookup in lookups])
        keys = [claim_key(claim.text) for claim in claims]
        matches = self.memory.recall(vectors, keys)
        evidence: list[list[Evidence]] = [[] for _ in claims]
        for top_k in set(top_ks):
            rows = [row for row, wanted in enumerate(top_ks) if wanted == top_k]
            for row, found in zip(rows, self.retriever.retrieve(vectors[rows], top_k), strict=True):
                evidence[row] = found
        findings = []
        for claim, key, found, match in zip(claims, keys, evidence, matches, strict=True):
            judgement = self._judge(claim.text, found)
            score = found[0].similarity if found else 0.0
            new_claim = NewClaim(claim.text, judgement.verdict, score, tuple(e.passage.id for e in found), key)
            findings.append(Finding(found, judgement, new_claim, match))
        firsts = list(itertools.accumulate((len(lookup.claims) for lookup in lookups), initial=0))
        return [findings[first:last] for first, last in itertools.pairwise(firsts)]

    def _judge(self, claim: str, evidence: list[Evidence]) -> Judgement:
        passages = [Passage(item.passage.id, item.passage.text, item.similarity) for item in evidence]
        return judge(claim, passages, self.support_threshold)
