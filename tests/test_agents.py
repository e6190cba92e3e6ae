"""The agents over a real store, on hand-made unit vectors: ranked evidence, and memory that counts sightings."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from service.agents import MemoryUpdateAgent, RetrievalAgent
from service.store.base import KnowledgeStore
from service.store.embedded import Store
from service.store.postgres import PostgresStore
from service.store.records import NewClaim, NewPassage
from service.verdict import claim_key


def keys(*claims: str) -> list[str]:
    return [claim_key(claim) for claim in claims]


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture(params=["embedded", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeStore]:
    """The agents' store on each backend in turn: retrieval and memory must behave the same on both."""
    if request.param == "embedded":
        opened: KnowledgeStore = Store.open(tmp_path / "store", dim=3)
    else:
        opened = PostgresStore.open(request.getfixturevalue("database_url"), dim=3)
    with opened:
        yield opened


def test_retrieval_ranks_by_cosine_and_caps_k(store: KnowledgeStore) -> None:
    passages = [NewPassage(f"p{i}", f"text {i}", "src") for i in range(3)]
    store.add_passages(passages, np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]))
    [ranked] = RetrievalAgent(store).retrieve(unit(1, 0.2, 0)[None, :], top_k=10)
    assert [item.passage.id for item in ranked] == ["p0", "p1", "p2"]
    assert ranked[0].similarity > ranked[1].similarity > ranked[2].similarity


async def test_memory_recognises_near_claims_and_counts_them(store: KnowledgeStore) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0)])
    findings = [
        NewClaim("a", "supported", 0.9, ("p1",), claim_key("a")),
        NewClaim("b", "refuted", 0.8, ("p2",), claim_key("b")),
    ]
    first = await agent.update(vectors, findings, agent.recall(vectors, keys("a", "b")))
    assert [recall.seen_before for recall in first] == [False, False]

    again = np.stack([unit(1, 0.05, 0), unit(0, 0, 1)])
    later = [NewClaim("a, reworded", "supported", 0.9, ("p1",)), NewClaim("c", "supported", 0.7, (), claim_key("c"))]
    second = await agent.update(again, later, agent.recall(again, keys("a, reworded", "c")))
    assert second[0].seen_before and second[0].from_memory and second[0].memory.claim == "a"
    assert second[0].memory.verdict == "supported" and second[0].memory.times_seen == 2
    assert second[0].similarity > 0.95
    assert not second[1].seen_before and second[1].memory.claim == "c"
    claims, total = store.list_claims()
    assert total == 3 and {claim.claim for claim in claims} == {"a", "b", "c"}


async def test_memory_is_not_the_same_claim_when_a_number_name_or_negation_differs(store: KnowledgeStore) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.9)
    vector = unit(1, 0, 0)[None, :]
    await agent.update(
        vector,
        [
            NewClaim(
                "Water boils at 90 degrees Celsius.",
                "refuted",
                0.9,
                ("p1",),
                claim_key("Water boils at 90 degrees Celsius."),
            )
        ],
        [None],
    )
    close = unit(1, 0.01, 0)[None, :]
    for other in (
        "Water boils at 100 degrees Celsius.",
        "Water does not boil at 90 degrees Celsius.",
        "Mercury boils at 90 degrees Celsius.",
    ):
        assert agent.recall(close, keys(other)) == [None], other
    [match] = agent.recall(close, keys("Water boils at 90 degrees Celsius in a pot."))
    assert match is not None and match.claim.verdict == "refuted"


async def test_a_remembered_verdict_is_revised_when_its_evidence_changes(store: KnowledgeStore) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    vector = unit(1, 0, 0)[None, :]
    await agent.update(vector, [NewClaim("a", "supported", 0.9, ("p1", "p2"), claim_key("a"))], [None])
    same = await agent.update(
        vector, [NewClaim("a", "supported", 0.9, ("p1", "p2"), claim_key("a"))], agent.recall(vector, keys("a"))
    )
    assert same[0].from_memory
    # p1 was deleted: the evidence is now p2 and p3, and on it the claim is not supported.
    revised = await agent.update(
        vector,
        [NewClaim("a", "not_enough_evidence", 0.5, ("p2", "p3"), claim_key("a"))],
        agent.recall(vector, keys("a")),
    )
    assert revised[0].seen_before and not revised[0].from_memory
    assert revised[0].memory.verdict == "not_enough_evidence" and revised[0].memory.evidence_ids == ("p2", "p3")
    assert revised[0].memory.times_seen == 3
    assert store.get_claim(revised[0].memory.id) == revised[0].memory


THRESHOLD = 0.95
SUBJECTS = ("The bakery", "Our chess club", "The town library", "The harbour ferry", "Mount Kenya", "The Danube")
PREDICATES = ("has {n} members", "opens at {n} o'clock", "is {n} metres long", "was closed for {n} days")


def sentence(rng: np.random.Generator) -> tuple[str, tuple[int, int, int, bool]]:
    """A claim drawn from a small grammar, and the parts it was made of (its vector is built from them)."""
    subject, predicate, number, negated = (
        int(rng.integers(len(SUBJECTS))),
        int(rng.integers(len(PREDICATES))),
        int(rng.integers(1, 25)),
        bool(rng.random() < 0.2),
    )
    text = f"{SUBJECTS[subject]} {'does not say it ' if negated else ''}{PREDICATES[predicate].format(n=number)}."
    return text, (subject, predicate, number, negated)


def exhaustive(store: Store, remembered: dict[int, tuple[str, int]], vector: np.ndarray, key: str) -> int | None:
    """The id of the closest remembered claim of the same key (lower row on a tie), from every vector of that key;
    ``remembered`` maps each index row to its claim's key and id."""
    rows = sorted(row for row, (stored_key, _) in remembered.items() if stored_key == key)
    if not rows:
        return None
    scores = store.claim_index.reconstruct(rows) @ vector
    best = int(np.argmax(scores))
    return remembered[rows[best]][1] if scores[best] >= THRESHOLD else None


async def test_recall_by_key_finds_what_an_exhaustive_search_finds(tmp_path: Path) -> None:
    """Thousands of claims whose vectors sit close across keys (a number changed barely moves a vector): recall
    reads only the claims of a key, and finds the claim a search of every vector finds, never another one."""
    rng = np.random.default_rng(21)
    dim = 24
    bases = rng.normal(size=(len(SUBJECTS), len(PREDICATES), dim))

    def vector(parts: tuple[int, int, int, bool]) -> np.ndarray:
        subject, predicate, number, negated = parts
        raw = bases[subject, predicate] + 0.02 * number * np.eye(dim)[number % dim] + 0.3 * negated * np.eye(dim)[0]
        noisy = raw + rng.normal(scale=0.03, size=dim)
        normalised: np.ndarray = (noisy / np.linalg.norm(noisy)).astype(np.float32)
        return normalised

    with Store.open(tmp_path / "memory", dim=dim) as store:
        agent = MemoryUpdateAgent(store, THRESHOLD)
        drawn = [sentence(rng) for _ in range(3000)]
        texts = [text for text, _ in drawn]
        vectors = np.stack([vector(parts) for _, parts in drawn])
        stored = store.remember_claims(
            [NewClaim(text, "supported", 0.9, (), claim_key(text)) for text in texts], vectors
        )
        remembered = {claim.row: (claim_key(claim.claim), claim.id) for claim in stored}
        queries = [sentence(rng) for _ in range(400)]
        query_vectors = np.stack([vector(parts) for _, parts in queries])
        query_keys = keys(*(text for text, _ in queries))

        by_key = agent.recall(query_vectors, query_keys)
        expected = [
            exhaustive(store, remembered, query, key) for query, key in zip(query_vectors, query_keys, strict=True)
        ]
        assert [match and match.claim.id for match in by_key] == expected
        assert sum(found is not None for found in expected) > 100  # the set has many matches to get right
        # Main searched the whole index for the closest claim, then checked its key: where that found a claim,
        # recall by key finds one at least as close (the int8 scan may miss the closest of near-ties).
        for match, whole, key in zip(by_key, store.recall_claims(query_vectors, THRESHOLD), query_keys, strict=True):
            if whole is not None and claim_key(whole.claim.claim) == key:
                assert match is not None and match.similarity >= whole.similarity - 1e-6


async def test_concurrent_updates_are_committed_together(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    writes: list[int] = []
    write_claims = store.write_claims

    def counted(*args: object, **kwargs: object) -> object:
        writes.append(len(args[0]))  # type: ignore[arg-type]
        return write_claims(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write_claims", counted)
    rng = np.random.default_rng(4)
    vectors = [unit(*rng.normal(size=3)) for _ in range(20)]
    results = await asyncio.gather(
        *(
            agent.update(vector[None, :], [NewClaim(f"claim {i}", "supported", 0.9, (), f"key {i}")], [None])
            for i, vector in enumerate(vectors)
        )
    )
    assert writes == [20]  # twenty requests, one commit
    assert [result[0].memory.claim for result in results] == [f"claim {i}" for i in range(20)]
    for result in results:  # each answer is what is stored, durably, when it returns
        assert store.get_claim(result[0].memory.id) == result[0].memory
    [again] = await agent.update(vectors[3][None, :], [NewClaim("claim 3", "supported", 0.9, (), "key 3")],
                                 agent.recall(vectors[3][None, :], ["key 3"]))  # fmt: skip
    assert again.seen_before and again.memory.times_seen == 2 and writes == [20, 0]


async def test_a_failed_group_commit_fails_each_of_its_requests_and_the_next_group_still_commits(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = MemoryUpdateAgent(store, threshold=0.95)
    write_claims = store.write_claims
    failures = [OSError(28, "No space left on device")]

    def failing_once(*args: object, **kwargs: object) -> object:
        if failures:
            raise failures.pop()
        return write_claims(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write_claims", failing_once)
    updates = [
        agent.update(unit(1, i, 0)[None, :], [NewClaim(f"claim {i}", "supported", 0.9, (), "k")], [None])
        for i in range(3)
    ]
    outcomes = await asyncio.gather(*updates, return_exceptions=True)
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert store.list_claims() == ([], 0)
    [later] = await agent.update(unit(0, 0, 1)[None, :], [NewClaim("later", "supported", 0.9, (), "k")], [None])
    assert store.get_claim(later.memory.id) == later.memory


async def test_claims_remembered_before_memory_keys_are_keyed_at_start_up(tmp_path: Path) -> None:
    vector = unit(1, 0, 0)[None, :]
    text = "Water boils at 100 degrees Celsius."
    with Store.open(tmp_path / "store", dim=3) as store:
        store.remember_claims([NewClaim(text, "supported", 0.9, ("p1",))], vector)
    with sqlite3.connect(tmp_path / "store" / "store.sqlite3") as db:  # as schema version 2 left it
        db.execute("DROP TABLE claim_keys")
        db.execute("PRAGMA user_version = 2")
    with Store.open(tmp_path / "store", dim=3) as store:
        agent = MemoryUpdateAgent(store, threshold=0.95)
        assert agent.recall(vector, keys(text)) == [None]
        assert agent.fill_missing_keys(batch=1) == 1
        [match] = agent.recall(vector, keys(text))
        assert match is not None and match.claim.claim == text
        assert agent.fill_missing_keys() == 0


async def test_forgotten_claims_are_not_recalled_by_key_even_after_reopening(tmp_path: Path) -> None:
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)])
    texts = ["Rain is wet.", "Snow is white.", "Coal is black."]
    with Store.open(tmp_path / "store", dim=3) as store:
        agent = MemoryUpdateAgent(store, threshold=0.95, keep_at_most=2)
        stored = [
            (await agent.update(vector[None, :], [NewClaim(text, "supported", 0.9, (), claim_key(text))], [None]))[0]
            for vector, text in zip(vectors, texts, strict=True)
        ]  # the third pushes the first out
        assert store.delete_claim(stored[1].memory.id)
        assert agent.recall(vectors, keys(*texts))[:2] == [None, None]
        assert store.claim_count() == 1
    with Store.open(tmp_path / "store", dim=3) as store:
        found = MemoryUpdateAgent(store, threshold=0.95).recall(vectors, keys(*texts))
        assert [match and match.claim.claim for match in found] == [None, None, "Coal is black."]
        assert store.claim_count() == 1
