"""POST/GET/DELETE /evidence and GET /memory on the real app."""

from __future__ import annotations

from tests.conftest import Client

NEW = {"id": "team-1", "text": "The Tay Bridge in Dundee is 3,264 metres long.", "source": "https://example.org/tay"}


async def test_added_evidence_is_found_fetched_and_deleted(client: Client) -> None:
    response = await client.post("/evidence", json={"passages": [NEW, {**NEW, "id": "team-2"}]})
    assert response.status == 201
    assert (await response.json())["results"] == [
        {"id": "team-1", "status": "added", "existing_id": None},
        {"id": "team-2", "status": "duplicate", "existing_id": "team-1"},
    ]
    fetched = await (await client.get("/evidence/team-1")).json()
    assert fetched["text"] == NEW["text"] and fetched["source"] == NEW["source"]

    verified = await (await client.post("/verify", json={"raw_text": "The Tay Bridge is 3,264 metres long."})).json()
    assert verified["claims"][0]["evidence"][0]["id"] == "team-1"
    assert verified["claims"][0]["verdict"] == "supported"

    assert (await client.delete("/evidence/team-1")).status == 204
    assert (await client.get("/evidence/team-1")).status == 404
    assert (await client.delete("/evidence/team-1")).status == 404
    again = await (await client.post("/verify", json={"raw_text": "The Tay Bridge spans the Firth of Tay."})).json()
    assert "team-1" not in [item["id"] for item in again["claims"][0]["evidence"]]


async def test_bad_evidence_and_paging_get_400(client: Client) -> None:
    bodies: list[dict[str, object]] = [
        {},
        {"passages": []},
        {"passages": ["text"]},
        {"passages": [{"text": ""}]},
        {"passages": [{"x": 1}]},
    ]
    for body in bodies:
        response = await client.post("/evidence", json=body)
        assert response.status == 400, body
        assert (await response.json())["error"]["code"] == "bad_input"
    for query in ("limit=0", "limit=501", "offset=-1", "offset=a", f"offset={2**63}", f"offset={10**30}"):
        assert (await client.get(f"/memory?{query}")).status == 400, query
    missing = await client.get("/evidence/nope")
    assert missing.status == 404
    assert "nope" in (await missing.json())["error"]["message"]


async def test_the_status_says_whether_anything_was_created(client: Client) -> None:
    created = await client.post("/evidence", json={"passages": [NEW]})
    assert created.status == 201
    again = await client.post("/evidence", json={"passages": [NEW]})
    assert again.status == 200 and (await again.json())["results"][0]["status"] == "duplicate"
    other = {**NEW, "text": "The Tay Bridge opened in 1887."}
    conflict = await client.post("/evidence", json={"passages": [other]})
    assert conflict.status == 409 and (await conflict.json())["results"][0]["status"] == "id_conflict"


async def test_memory_pages_newest_first(client: Client) -> None:
    text = " ".join(f"The harbour at village number {i} has {i + 2} piers." for i in range(5))
    assert (await client.post("/verify", json={"raw_text": text})).status == 200
    first = await (await client.get("/memory?limit=2")).json()
    second = await (await client.get("/memory?limit=2&offset=2")).json()
    assert first["total"] == second["total"] == 5
    assert len(first["items"]) == len(second["items"]) == 2
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_a_figure_too_large_for_a_float_is_read_as_no_figure(client: Client) -> None:
    """A passage pasted from a log, with an id of 400 digits, was read as a figure of infinity and every claim
    it was evidence for failed with 500: it is evidence like any other."""
    log_line = {"id": "log-1", "text": f"Transaction {'7' * 400} settled the Eiffel Tower fee in 2024 in Paris."}
    assert (await client.post("/evidence", json={"passages": [log_line]})).status == 201
    for claim in (
        "The Eiffel Tower fee was settled in 2024.",
        f"The transaction {'7' * 200} billion billion was settled.",
    ):
        response = await client.post("/verify", json={"raw_text": claim, "top_k": 5})
        assert response.status == 200, await response.text()
        body = await response.json()
        assert [e["id"] for e in body["claims"][0]["evidence"]].count("log-1") == 1
