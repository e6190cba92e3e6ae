"""The verification pipeline: claims -> embeddings -> evidence -> verdicts -> memory.

Built once at start-up (with its agents) and kept on the app; a request only
calls :meth:`VerificationPipeline.verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.agents import Evidence, Finding, MemoryUpdateAgent, Recall, RetrievalAgent
from service.claims import split_claims
from service.embedder import Embedder
from service.errors import TooManyClaims
from service.knowledge import KnowledgeBase, load_passages
from service.verdict import decide


@dataclass(frozen=True)
class ClaimResult:
    finding: Finding
    evidence: list[Evidence]
    recall: Recall


class VerificationPipeline:
    def __init__(
        self,
        embedder: Embedder,
        retriever: RetrievalAgent,
        memory: MemoryUpdateAgent,
        support_threshold: float,
        max_claims: int,
    ) -> None:
        self.embedder = embedder
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
        vectors = await self.embedder.embed(claims)
        evidence = self.retriever.retrieve(vectors, top_k)
        findings = [self._judge(claim, found) for claim, found in zip(claims, evidence, strict=True)]
        recalls = self.memory.remember(vectors, findings)
        return [
            ClaimResult(finding, found, recall)
            for finding, found, recall in zip(findings, evidence, recalls, strict=True)
        ]

    def _judge(self, claim: str, evidence: list[Evidence]) -> Finding:
        best = evidence[0] if evidence else None
        score = best.similarity if best else 0.0
        verdict = decide(claim, best.passage.text if best else None, score, self.support_threshold)
        return Finding(claim, verdict, score, [item.passage.id for item in evidence])


async def build_knowledge_base(path: Path, embedder: Embedder) -> KnowledgeBase:
    """Load the passages and embed them through the model child."""
    passages = load_passages(path)
    vectors = await embedder.embed([passage.text for passage in passages])
    return KnowledgeBase(passages, vectors)
