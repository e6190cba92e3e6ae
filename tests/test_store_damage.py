"""A damaged store is caught and mended, never answered from; a full disk answers 507 and loses nothing.

The first tests drive the store on real files (no model: their vectors are random unit vectors); the
rest damage a copy of a real service's store, as an unlucky operator would, and start the real server
on it. The full-disk tests mount a small tmpfs over DATA_DIR/store, which needs root.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from pytest_aiohttp import AiohttpClient

from service.errors import ModelUnavailable
from service.settings import Settings
from service.store.embedded import Store
from service.store.records import NewClaim, NewPassage
from service.store.repair import StoreDamaged, restore_lost_passages
from service.store.vector_index import CompactIndex
from service.web.keys import STARTUP
from tests.conftest import Client, running_app, start_client

DIM = 32
COUNT = 50
CLAIMS = (
    "Koalas sleep up to twenty-two hours a day. Antibiotics do not work against viruses. "
    "The Moon orbits Earth in about 27.3 days."
)


def unit_vectors(seed: int, count: int) -> npt.NDArray[np.float32]:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def filled_store(directory: Path) -> npt.NDArray[np.float32]:
    """A store of COUNT passages (p0...) and 10 remembered claims; returns the passages' vectors."""
    vectors = unit_vectors(1, COUNT)
    with Store.open(directory, DIM) as store:
        store.add_passages([NewPassage(f"p{i}", f"passage number {i}") for i in range(COUNT)], vectors)
        store.remember_claims([NewClaim(f"claim {i}", "supported", 0.9) for i in range(10)], unit_vectors(2, 10))
    return vectors


def top_ids(store: Store, queries: npt.NDArray[np.float32]) -> list[str]:
    return [line[0][0].id if line else "" for line in store.search_passages(queries, 1)]


def overwrite_with_random_bytes(path: Path) -> None:
    """The same size, other content: what a bad sector or a stray write leaves."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.write(np.random.default_rng(3).bytes(size))
        file.flush()
        os.fsync(file.fileno())


def test_a_missing_float_file_costs_no_other_file_and_its_rows_come_back(tmp_path: Path) -> None:
    vectors = filled_store(tmp_path)
    sizes = {name: (tmp_path / "passages" / name).stat().st_size for name in ("vectors.i8", "scales.f32")}
    (tmp_path / "passages" / "vectors.f32").unlink()
    with Store.open(tmp_path, DIM) as store:
        assert len(store.passage_index) == COUNT  # the old repair cut every file to 0 rows
        assert {name: (tmp_path / "passages" / name).stat().st_size for name in sizes} == sizes
        lost = store.lost_passages()
        assert sorted(row for row, _ in lost) == list(range(COUNT))
        assert dict(lost)[7] == "passage number 7"  # the text to re-embed, from SQLite
        assert top_ids(store, vectors[:3]) == ["", "", ""]  # hidden, never scored against zeros
        for verify_vectors in (True, False):  # start-up trusts what opening found; it must still see this
            assert any("50 vectors lost" in problem for problem in store.check(verify_vectors=verify_vectors))
        store.restore_passage_vectors([row for row, _ in lost], vectors[[row for row, _ in lost]])
        assert store.check() == [] and store.check(verify_vectors=False) == []
        assert top_ids(store, vectors) == [f"p{i}" for i in range(COUNT)]
    with Store.open(tmp_path, DIM) as store:
        assert store.lost_passages() == [] and store.check() == []


def test_a_short_int8_file_is_rebuilt_from_the_float_copy_and_writes_go_on(tmp_path: Path) -> None:
    vectors = filled_store(tmp_path)
    path = tmp_path / "passages" / "vectors.i8"
    os.truncate(path, path.stat().st_size // 2)
    with Store.open(tmp_path, DIM) as store:
        assert store.lost_passages() == [] and store.check() == []  # no model needed: nothing was lost
        assert top_ids(store, vectors) == [f"p{i}" for i in range(COUNT)]
        added = store.add_passages([NewPassage("new", "a new passage")], unit_vectors(4, 1))
        assert added[0].row == COUNT  # after every passage, not over the 25th (an IntegrityError before)
    with Store.open(tmp_path, DIM) as store:
        assert store.check() == []
        assert top_ids(store, np.concatenate([vectors, unit_vectors(4, 1)])) == [
            *(f"p{i}" for i in range(COUNT)),
            "new",
        ]


def test_claims_whose_int8_copies_and_scales_lag_the_float_copy_open_sound_and_are_all_recalled(
    tmp_path: Path,
) -> None:
    """What a power cut can leave since an append fsyncs only the float copy: the derived files short of the
    last group of claims, one of them cut inside a row."""
    vectors = unit_vectors(2, 10)
    claims = [NewClaim(f"claim {i}", "supported", 0.9, key=f"key {i}") for i in range(10)]
    with Store.open(tmp_path, DIM) as store:
        store.write_claims(claims[:4], vectors[:4])
        store.write_claims(claims[4:], vectors[4:])
    os.truncate(tmp_path / "claims" / "vectors.i8", 4 * DIM)
    os.truncate(tmp_path / "claims" / "scales.f32", 3 * 4 + 2)
    with Store.open(tmp_path, DIM) as store:
        assert store.check() == []
        assert (tmp_path / "claims" / "vectors.i8").stat().st_size == 10 * DIM
        by_key = store.recall_claims(vectors, 0.99, [claim.key for claim in claims])
        anywhere = store.recall_claims(vectors, 0.99)  # the int8 scan of the whole index
        for recalled in (by_key, anywhere):
            assert [match.claim.claim if match else None for match in recalled] == [c.claim for c in claims]


def test_random_bytes_in_the_float_file_are_lost_rows_not_huge_scores(tmp_path: Path) -> None:
    vectors = filled_store(tmp_path)
    overwrite_with_random_bytes(tmp_path / "passages" / "vectors.f32")
    with Store.open(tmp_path, DIM) as store:
        assert len(store.lost_passages()) == COUNT
        assert top_ids(store, vectors[:5]) == [""] * 5


def test_claims_with_lost_vectors_are_forgotten_and_the_rest_recalled(tmp_path: Path) -> None:
    filled_store(tmp_path)
    claim_vectors = unit_vectors(2, 10)
    path = tmp_path / "claims" / "vectors.f32"
    os.truncate(path, 6 * DIM * 4)  # the last four claims' vectors are gone
    with Store.open(tmp_path, DIM) as store:
        assert store.check() == []
        assert [claim.claim for claim in store.list_claims(limit=20)[0]] == [f"claim {i}" for i in range(5, -1, -1)]
        recalled = store.recall_claims(claim_vectors, 0.99)
        assert [match.claim.claim if match else None for match in recalled] == [
            *(f"claim {i}" for i in range(6)),
            *([None] * 4),
        ]
        stored = store.remember_claims([NewClaim("claim 9", "refuted", 0.8)], claim_vectors[9:])[0]
        again = store.recall_claims(claim_vectors[9:], 0.99)[0]
        assert again is not None and again.claim.id == stored.id


def test_no_score_leaves_the_index_outside_minus_one_to_one_whatever_the_file_holds(tmp_path: Path) -> None:
    vectors = unit_vectors(1, 300)
    with CompactIndex(tmp_path / "index", DIM, rerank="float32") as index:
        index.add(vectors)
        overwrite_with_random_bytes(tmp_path / "index" / "vectors.f32")  # under the open index's mapping
        _, scores = index.search(vectors[:20], 10)
    assert np.isfinite(scores).all() and scores.min() >= -1.0 and scores.max() <= 1.0


async def test_a_restore_that_cannot_embed_leaves_the_store_damaged_and_says_why(tmp_path: Path) -> None:
    filled_store(tmp_path)
    (tmp_path / "passages" / "vectors.f32").unlink()

    async def no_model(texts: list[str]) -> npt.NDArray[np.float32]:
        raise ModelUnavailable("the model cannot load")

    with Store.open(tmp_path, DIM) as store:
        with pytest.raises(StoreDamaged, match="50 of 50 lost passage vectors could not be re-embedded"):
            await restore_lost_passages(store, no_model, 16)
        assert len(store.lost_passages()) == COUNT


# The real server on a damaged copy of a real store.


def strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: a bare NaN or Infinity is not JSON, and fails here."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def answers(body: dict[str, Any]) -> list[tuple[str, list[str], list[float]]]:
    return [
        (claim["verdict"], [e["id"] for e in claim["evidence"]], [e["similarity"] for e in claim["evidence"]])
        for claim in body["claims"]
    ]


def assert_same_answers(found: dict[str, Any], expected: dict[str, Any]) -> None:
    assert [(verdict, ids) for verdict, ids, _ in answers(found)] == [(v, ids) for v, ids, _ in answers(expected)]
    for (_, _, similarities), (_, _, reference) in zip(answers(found), answers(expected), strict=True):
        np.testing.assert_allclose(similarities, reference, atol=2e-4)


async def verify(client: Client, text: str = CLAIMS) -> tuple[int, Any]:
    response = await client.post("/verify", json={"raw_text": text, "top_k": 3})
    return response.status, strict_json(await response.text())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A real service's store (the built-in knowledge base, a few remembered claims) and its answer to CLAIMS."""
    data_dir = tmp_path_factory.mktemp("pristine")

    async def build() -> dict[str, Any]:
        async with running_app(Settings(data_dir=data_dir)) as client:
            status, body = await verify(client)
            assert status == 200
            return dict(body)

    reference = asyncio.run(build())
    return data_dir / "store", reference


def copy_store(pristine: tuple[Path, dict[str, Any]], data_dir: Path) -> Path:
    store = data_dir / "store"
    shutil.copytree(pristine[0], store, dirs_exist_ok=True)
    return store


@pytest.mark.parametrize("damage", ["float file removed", "int8 file cut to half", "random bytes in the float file"])
async def test_the_service_mends_a_damaged_index_and_answers_as_before(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    pristine: tuple[Path, dict[str, Any]],
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    passages = copy_store(pristine, settings.data_dir) / "passages"
    if damage == "float file removed":
        (passages / "vectors.f32").unlink()
    elif damage == "int8 file cut to half":
        os.truncate(passages / "vectors.i8", (passages / "vectors.i8").stat().st_size // 2)
    else:
        overwrite_with_random_bytes(passages / "vectors.f32")
    client = await start_client(aiohttp_client, settings)
    health = await client.get("/health")
    assert health.status == 200, await health.text()
    assert (await (await client.get("/memory")).json())["total"] == 3  # the claims' own index is intact
    status, body = await verify(client)
    assert status == 200
    assert_same_answers(body, pristine[1])
    if damage == "int8 file cut to half":
        assert "Re-embedding" not in caplog.text  # mended from the float copy, without the model
    else:
        assert "Re-embedding 320 passages" in caplog.text
    added = await client.post("/evidence", json={"passages": [{"id": "new", "text": "The Tay Bridge is 3 km long."}]})
    assert added.status == 201  # a 500 (IntegrityError) for good, before
    store = client.app[STARTUP].store
    assert store is not None and await asyncio.to_thread(store.check) == []


async def test_remembered_claims_whose_vectors_are_lost_are_forgotten_without_the_model(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    pristine: tuple[Path, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    (copy_store(pristine, settings.data_dir) / "claims" / "vectors.f32").unlink()
    client = await start_client(aiohttp_client, settings)
    assert (await client.get("/health")).status == 200
    assert (await (await client.get("/memory")).json())["total"] == 0
    assert "claim memory: 3 claims had lost vectors and were forgotten" in caplog.text
    assert "Re-embedding" not in caplog.text
    status, body = await verify(client)
    assert status == 200
    assert_same_answers(body, pristine[1])
    assert not any(claim["memory"]["seen_before"] for claim in body["claims"])
    status, body = await verify(client)
    assert all(claim["memory"]["seen_before"] for claim in body["claims"])  # remembered afresh


async def test_a_file_damaged_under_the_running_service_never_yields_nan_or_out_of_range_scores(
    aiohttp_client: AiohttpClient, settings: Settings, pristine: tuple[Path, dict[str, Any]]
) -> None:
    passages = copy_store(pristine, settings.data_dir) / "passages"
    client = await start_client(aiohttp_client, settings)
    overwrite_with_random_bytes(passages / "vectors.f32")  # under the running service's mapping
    status, body = await verify(client)  # strict_json fails on a bare NaN
    assert status == 200
    similarities = [item["similarity"] for claim in body["claims"] for item in claim["evidence"]]
    similarities += [claim["memory"]["similarity"] for claim in body["claims"]]
    scores = [claim["score"] for claim in body["claims"]]
    assert similarities and all(-1.0 <= value <= 1.0 for value in similarities + scores)


# A full disk: a small tmpfs mounted over DATA_DIR/store.


@pytest.fixture
def small_disk(data_dir: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (to fill it) needs root")
    store = data_dir / "store"
    store.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(store)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield store
    subprocess.run(["umount", "--lazy", str(store)], check=True)


def fill(disk: Path, leave_bytes: int = 0) -> Path:
    """Fill ``disk`` to within ``leave_bytes`` of full (to the last byte when 0)."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    room = stat.f_bavail * stat.f_frsize - leave_bytes
    block = bytes(1 << 16)
    with filler.open("wb") as file, contextlib.suppress(OSError):
        while room > 0:
            room -= file.write(block[: min(len(block), room)])
        if not leave_bytes:
            while True:
                file.write(block)
                file.flush()
    return filler


async def test_a_full_disk_answers_507_serves_reads_and_recovers_with_nothing_half_written(
    aiohttp_client: AiohttpClient, settings: Settings, pristine: tuple[Path, dict[str, Any]], small_disk: Path
) -> None:
    copy_store(pristine, settings.data_dir)
    client = await start_client(aiohttp_client, settings)
    new = [{"id": f"new-{i}", "text": f"The new bridge number {i} is {i + 2} km long."} for i in range(5)]
    fresh_claims = "The tower has 41 floors. The canal is 12 km long. The lake is 80 metres deep."
    filler = fill(small_disk)
    with pytest.raises(OSError) as full:
        (small_disk / "probe").write_bytes(bytes(1 << 16))
    assert full.value.errno == errno.ENOSPC

    for response in (
        await client.post("/evidence", json={"passages": new}, headers={"X-Request-ID": "full-1"}),
        await client.post("/verify", json={"raw_text": fresh_claims}, headers={"X-Request-ID": "full-2"}),
    ):
        assert response.status == 507, await response.text()
        assert (await response.json())["error"]["code"] == "insufficient_storage"
        assert response.headers["X-Request-ID"] in ("full-1", "full-2")
    assert (await client.get("/evidence/kb-0144")).status == 200
    assert (await client.get("/memory")).status == 200
    assert (await client.get("/health")).status == 200
    assert (await client.get("/evidence/new-0")).status == 404  # nothing of the refused write shows

    filler.unlink()
    (small_disk / "probe").unlink(missing_ok=True)
    assert (await client.post("/evidence", json={"passages": new})).status == 201
    status, body = await verify(client, "The new bridge number 3 is 5 km long.")
    assert status == 200 and body["claims"][0]["evidence"][0]["id"] == "new-3"
    assert (await verify(client, fresh_claims))[0] == 200
    dim = client.app[STARTUP].embedder.dim
    await client.close()
    with Store.open(small_disk, dim) as store:
        assert store.check() == []
        assert store.lost_passages() == []
        assert store.passage_count() == 320 + len(new)


async def test_a_store_that_cannot_be_mended_is_refused_loudly_until_it_can(
    aiohttp_client: AiohttpClient, settings: Settings, pristine: tuple[Path, dict[str, Any]], small_disk: Path
) -> None:
    copy_store(pristine, settings.data_dir)
    (small_disk / "passages" / "vectors.f32").unlink()
    filler = fill(small_disk, leave_bytes=128 * 1024)  # room to open SQLite, not for 320 re-embedded vectors
    client = await start_client(aiohttp_client, settings)
    health = await client.get("/health")
    assert health.status == 503
    report = await health.json()
    assert report["status"] == "unhealthy"
    assert "disk holding the store is full" in report["error"]
    status, body = await verify(client)
    assert status == 503 and "disk holding the store is full" in body["error"]["message"]
    await client.close()

    filler.unlink()
    client = await start_client(aiohttp_client, settings)
    assert (await client.get("/health")).status == 200
    status, body = await verify(client)
    assert status == 200
    assert_same_answers(body, pristine[1])
