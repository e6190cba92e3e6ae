"""POST /verify end to end: the real app, the real model child, the built-in knowledge base."""

from __future__ import annotations

import sys
from typing import Any

from tests.conftest import Client, embedder_of


async def verify(client: Client, raw_text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/verify", json={"raw_text": raw_text, **extra})
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_verdicts_with_their_evidence(client: Client) -> None:
    body = await verify(
        client,
        "Water boils at 100 degrees Celsius at sea level. "
        "Water boils at 90 degrees Celsius at sea level. "
        "The Great Wall of China is visible from space with the naked eye. "
        "My neighbour's cat Biscuit prefers tuna to chicken.",
    )
    claims = body["claims"]
    assert [claim["verdict"] for claim in claims] == ["supported", "refuted", "refuted", "not_enough_evidence"]
    assert claims[0]["evidence"][0]["id"] == "kb-0097"
    assert claims[2]["evidence"][0]["id"] == "kb-0027"
    for claim in claims:
        assert len(claim["evidence"]) == 5  # DEFAULT_TOP_K
        similarities = [item["similarity"] for item in claim["evidence"]]
        assert similarities == sorted(similarities, reverse=True)
        assert claim["score"] == similarities[0]
        assert all(item["text"] and item["source"].startswith("https://") for item in claim["evidence"])
    assert claims[0]["score"] > 0.5 > claims[3]["score"]
    assert body["model"] == "sentence-transformers/all-MiniLM-L6-v2"


async def test_top_k_and_no_checkable_claims(client: Client) -> None:
    body = await verify(client, "The speed of light in a vacuum is about 300,000 km per second.", top_k=2)
    assert len(body["claims"][0]["evidence"]) == 2
    assert body["claims"][0]["evidence"][0]["id"] == "kb-0081"
    assert (await verify(client, "Really? Yes."))["claims"] == []


async def test_memory_agent_recognises_a_claim_seen_before(client: Client) -> None:
    first = (await verify(client, "An adult human has 206 bones in the skeleton."))["claims"][0]
    again = (await verify(client, "An adult human has 206 bones in the skeleton."))["claims"][0]
    reworded = (await verify(client, "An adult human has 206 bones in their skeleton."))["claims"][0]
    assert first["from_memory"] is False and first["memory"]["times_seen"] == 1
    assert again["from_memory"] is True and again["memory"]["times_seen"] == 2
    assert again["memory"]["first_seen"] == first["memory"]["first_seen"]
    assert again["memory"]["id"] == first["memory"]["id"]
    assert reworded["from_memory"] is True and reworded["memory"]["times_seen"] == 3
    assert reworded["verdict"] == first["verdict"]
    memory = await (await client.get("/memory")).json()
    assert memory["total"] == 1 and memory["items"][0]["times_seen"] == 3


async def test_every_claim_says_why_with_spans_into_claim_and_passage(client: Client) -> None:
    supported, refuted, unknown = (
        await verify(
            client,
            "Jupiter is the largest planet in the Solar System. "
            "Sydney is the capital of Australia. "
            "My neighbour's cat Biscuit prefers tuna to chicken.",
        )
    )["claims"]
    assert supported["verdict"] == "supported" and supported["reason"]["passage_id"] == "kb-0003"
    assert supported["reason"]["conflicts"] == []
    assert refuted["verdict"] == "refuted" and refuted["reason"]["passage_id"] == "kb-0043"
    [conflict] = refuted["reason"]["conflicts"]
    assert conflict["kind"] == "name" and conflict["claim"]["text"] == "Sydney"
    passage = next(item["text"] for item in refuted["evidence"] if item["id"] == "kb-0043")
    assert passage[conflict["evidence"]["start"] : conflict["evidence"]["end"]] == "Canberra"
    assert refuted["reason"]["explanation"] == 'the claim says "Sydney"; kb-0043 says "Canberra"'
    assert unknown["verdict"] == "not_enough_evidence" and "below 0.50" in unknown["reason"]["explanation"]


async def test_memory_never_answers_a_claim_with_another_number(client: Client) -> None:
    ninety = (await verify(client, "Water boils at 90 degrees Celsius at sea level, as tested."))["claims"][0]
    hundred = (await verify(client, "Water boils at 100 degrees Celsius at sea level, as tested."))["claims"][0]
    assert ninety["verdict"] == "refuted" and hundred["verdict"] == "supported"
    assert hundred["memory"]["id"] != ninety["memory"]["id"] and not hundred["memory"]["seen_before"]


async def test_a_remembered_verdict_follows_its_evidence_when_deleted(client: Client) -> None:
    passage = {"id": "bridge-1", "text": "The Quellmoor footbridge spans 412 metres over the Tarn.", "source": "s"}
    assert (await client.post("/evidence", json={"passages": [passage]})).status == 201
    claim = "The Quellmoor footbridge spans 412 metres over the Tarn."
    first = (await verify(client, claim))["claims"][0]
    again = (await verify(client, claim))["claims"][0]
    assert first["verdict"] == again["verdict"] == "supported" and again["from_memory"] is True
    assert (await client.delete("/evidence/bridge-1")).status == 204
    after = (await verify(client, claim))["claims"][0]
    assert after["verdict"] == "not_enough_evidence" and after["from_memory"] is False
    assert after["memory"]["seen_before"] and after["memory"]["verdict"] == "not_enough_evidence"
    assert "bridge-1" not in after["memory"]["evidence_ids"]


async def test_a_remembered_verdict_gives_way_to_newer_evidence(client: Client) -> None:
    claim = "The Varnholt viaduct has 31 stone arches."
    before = (await verify(client, claim))["claims"][0]
    assert before["verdict"] == "not_enough_evidence"
    passage = {"id": "viaduct-1", "text": "The Varnholt viaduct carries the railway on 31 stone arches.", "source": "s"}
    assert (await client.post("/evidence", json={"passages": [passage]})).status == 201
    after = (await verify(client, claim))["claims"][0]
    assert after["verdict"] == "supported" and after["reason"]["passage_id"] == "viaduct-1"
    assert after["from_memory"] is False and after["memory"]["seen_before"]
    assert after["memory"]["id"] == before["memory"]["id"] and after["memory"]["verdict"] == "supported"


async def test_web_process_never_loads_the_model_libraries(client: Client) -> None:
    await verify(client, "Mount Everest is 8,848.86 metres tall.")
    assert embedder_of(client).stats.model_calls > 0
    assert not [name for name in sys.modules if name.startswith(("fastembed", "onnxruntime"))]
