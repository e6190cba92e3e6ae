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
    assert claims[0]["score"] > 0.6 > claims[3]["score"]
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
    assert reworded["verdict"] == first["verdict"] and reworded["score"] == first["score"]
    memory = await (await client.get("/memory")).json()
    assert memory["total"] == 1 and memory["items"][0]["times_seen"] == 3


async def test_web_process_never_loads_the_model_libraries(client: Client) -> None:
    await verify(client, "Mount Everest is 8,848.86 metres tall.")
    assert embedder_of(client).stats.model_calls > 0
    assert not [name for name in sys.modules if name.startswith(("fastembed", "onnxruntime"))]
