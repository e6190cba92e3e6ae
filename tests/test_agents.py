"""The agents on hand-made unit vectors: exact top-k order, and a memory that cannot outgrow its ring."""

from __future__ import annotations

import numpy as np

from service.agents import Finding, MemoryUpdateAgent, RetrievalAgent
from service.knowledge import KnowledgeBase, Passage


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def finding(claim: str) -> Finding:
    return Finding(claim, "supported", 0.9, ["kb-1"])


def test_retrieval_ranks_by_cosine_and_caps_k() -> None:
    passages = [Passage(f"p{i}", f"text {i}", "src") for i in range(3)]
    knowledge = KnowledgeBase(passages, np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]))
    [ranked] = RetrievalAgent(knowledge).retrieve(unit(1, 0.2, 0)[None, :], top_k=10)
    assert [item.passage.id for item in ranked] == ["p0", "p1", "p2"]
    assert ranked[0].similarity > ranked[1].similarity > ranked[2].similarity


def test_memory_recalls_near_claims_and_drops_the_oldest() -> None:
    agent = MemoryUpdateAgent(dim=3, capacity=2, threshold=0.95)
    a, b, c = unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)
    assert [r.seen_before for r in agent.remember(np.stack([a, b]), [finding("a"), finding("b")])] == [False, False]
    [again] = agent.remember(unit(1, 0.05, 0)[None, :], [finding("a, reworded")])
    assert again.seen_before and again.memory.claim == "a" and again.memory.times_seen == 2
    agent.remember(c[None, :], [finding("c")])  # the ring is full: "a" is overwritten
    assert len(agent) == 2
    [forgotten, kept] = agent.remember(np.stack([a, b]), [finding("a"), finding("b")])
    assert not forgotten.seen_before
    assert kept.seen_before and kept.memory.claim == "b"
