"""The agents over a real store, on hand-made unit vectors: ranked evidence, and memory that counts sightings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service.agents import MemoryUpdateAgent, RetrievalAgent
from service.store.embedded import NewClaim, NewPassage, Store


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store", dim=3) as store:
        yield store


def test_retrieval_ranks_by_cosine_and_caps_k(store: Store) -> None:
    passages = [NewPassage(f"p{i}", f"text {i}", "src") for i in range(3)]
    store.add_passages(passages, np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]))
    [ranked] = RetrievalAgent(store).retrieve(unit(1, 0.2, 0)[None, :], top_k=10)
    assert [item.passage.id for item in ranked] == ["p0", "p1", "p2"]
    assert ranked[0].similarity > ranked[1].similarity > ranked[2].similarity


def test_memory_recognises_near_claims_and_counts_them(store: Store) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0)])
    findings = [NewClaim("a", "supported", 0.9, ("p1",)), NewClaim("b", "refuted", 0.8, ("p2",))]
    first = agent.update(vectors, findings, agent.recall(vectors, ["a", "b"]))
    assert [recall.seen_before for recall in first] == [False, False]

    again = np.stack([unit(1, 0.05, 0), unit(0, 0, 1)])
    later = [NewClaim("a, reworded", "supported", 0.9, ("p1",)), NewClaim("c", "supported", 0.7)]
    second = agent.update(again, later, agent.recall(again, ["a, reworded", "c"]))
    assert second[0].seen_before and second[0].from_memory and second[0].memory.claim == "a"
    assert second[0].memory.verdict == "supported" and second[0].memory.times_seen == 2
    assert second[0].similarity > 0.95
    assert not second[1].seen_before and second[1].memory.claim == "c"
    claims, total = store.list_claims()
    assert total == 3 and {claim.claim for claim in claims} == {"a", "b", "c"}


def test_memory_is_not_the_same_claim_when_a_number_name_or_negation_differs(store: Store) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.9)
    vector = unit(1, 0, 0)[None, :]
    agent.update(vector, [NewClaim("Water boils at 90 degrees Celsius.", "refuted", 0.9, ("p1",))], [None])
    close = unit(1, 0.01, 0)[None, :]
    for other in (
        "Water boils at 100 degrees Celsius.",
        "Water does not boil at 90 degrees Celsius.",
        "Mercury boils at 90 degrees Celsius.",
    ):
        assert agent.recall(close, [other]) == [None], other
    [match] = agent.recall(close, ["Water boils at 90 degrees Celsius in a pot."])
    assert match is not None and match.claim.verdict == "refuted"


def test_a_remembered_verdict_is_revised_when_its_evidence_changes(store: Store) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    vector = unit(1, 0, 0)[None, :]
    agent.update(vector, [NewClaim("a", "supported", 0.9, ("p1", "p2"))], [None])
    same = agent.update(vector, [NewClaim("a", "supported", 0.9, ("p1", "p2"))], agent.recall(vector, ["a"]))
    assert same[0].from_memory
    # p1 was deleted: the evidence is now p2 and p3, and on it the claim is not supported.
    revised = agent.update(
        vector, [NewClaim("a", "not_enough_evidence", 0.5, ("p2", "p3"))], agent.recall(vector, ["a"])
    )
    assert revised[0].seen_before and not revised[0].from_memory
    assert revised[0].memory.verdict == "not_enough_evidence" and revised[0].memory.evidence_ids == ("p2", "p3")
    assert revised[0].memory.times_seen == 3
    assert store.get_claim(revised[0].memory.id) == revised[0].memory
