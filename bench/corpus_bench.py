"""The whole service under a 512 MiB cap with a large corpus, side by side with the built-in one.

    python -m bench.corpus_bench [--passages 100000] [--requests 200]

For each corpus size it fills a fresh DATA_DIR's store with synthetic passages
(random unit vectors: the search cost does not depend on what the text says),
starts ``run.py`` under ``../shared/tools/memcap 512``, sends one-claim /verify
requests one at a time and prints median and p95 latency, the RSS of each
process, the cgroup's usage and the store's size on disk. The difference
between the two medians is what searching the large corpus costs a request.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from bench.servers import MEMCAP, start, stop
from service.store.embedded import Store
from service.store.records import NewPassage

CLAIMS = [f"The canal at lock number {i} is {i % 9 + 2} metres deep." for i in range(1000)]


def fill_store(data_dir: Path, count: int, dim: int = 384, batch: int = 10_000) -> None:
    rng = np.random.default_rng(7)
    with Store.open(data_dir / "store", dim) as store:
        for first in range(0, count, batch):
            size = min(batch, count - first)
            vectors = rng.standard_normal((size, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            passages = [NewPassage(f"syn-{first + i}", f"Synthetic passage {first + i}.", "bench") for i in range(size)]
            store.add_passages(passages, vectors)
            print(f"  stored {first + size:,}/{count:,} passages", flush=True)


def disk_mb(path: Path) -> float:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) / 2**20


async def measure(data_dir: Path, requests: int) -> dict[str, Any]:
    server = await start("service", data_dir.parent, data_dir=data_dir)
    try:
        latencies = []
        async with aiohttp.ClientSession() as session:
            for claim in CLAIMS[:requests]:
                started = time.perf_counter()
                async with session.post(f"{server.url}/verify", json={"raw_text": claim}) as response:
                    assert response.status == 200, await response.text()
                    await response.read()
                latencies.append(1000 * (time.perf_counter() - started))
            health = await server.health(session)
    finally:
        await stop(server)
    return {"latencies": latencies, "health": health, "disk_mb": disk_mb(data_dir / "store")}


def row(label: str, result: dict[str, Any]) -> str:
    latencies, health = result["latencies"], result["health"]
    web, model = health["processes"]["web"], health["processes"]["model"]
    p95 = statistics.quantiles(latencies, n=20)[18]
    return (
        f"| {label} | {statistics.median(latencies):.1f} | {p95:.1f} | {web['rss_mb']} | {model['rss_mb']} | "
        f"{health['container_usage_mb']} | {health['memory_limit_mb']:.0f} ({health['memory_limit_source']}) | "
        f"{result['disk_mb']:.1f} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    if not MEMCAP.exists():
        sys.exit(f"{MEMCAP} is needed to run under a memory cap")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, count in (("built-in (320)", 0), (f"+{options.passages:,} synthetic", options.passages)):
            data_dir = Path(scratch) / f"data-{count}"
            print(f"{label}: filling the store", flush=True)
            fill_store(data_dir, count)
            print(f"{label}: serving under memcap 512, {options.requests} requests", flush=True)
            rows.append(row(label, await measure(data_dir, options.requests)))
    columns = ["corpus", "median ms", "p95 ms", "web RSS MB", "model RSS MB", "cgroup MB", "limit MB", "store MB"]
    print("\n| " + " | ".join(columns) + " |")
    print("|" + " --- |" * len(columns))
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
