"""Send N /verify requests with texts of 1 to MAX_WORDS words to a running service; print what happened.

    python bench/load_test.py --url http://127.0.0.1:8000 --requests 1000 --concurrency 8

Texts are built from the knowledge base's passages, shuffled and cut to a random
length, so every request carries real, checkable sentences. Prints the status
counts, requests per second, latency percentiles and /health before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

KNOWLEDGE_BASE = Path(__file__).parent.parent / "service" / "data" / "knowledge_base.jsonl"


def make_texts(count: int, max_words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sentences = [json.loads(line)["text"] for line in KNOWLEDGE_BASE.read_text().splitlines() if line.strip()]
    texts = []
    for _ in range(count):
        target = rng.randint(1, max_words)
        words: list[str] = []
        while len(words) < target:
            words += rng.choice(sentences).split()
        texts.append(" ".join(words[:target]))
    return texts


async def health(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(f"{url}/health") as response:
        body: dict[str, Any] = await response.json()
        return body


def memory_summary(body: dict[str, Any]) -> str:
    web, model = body["processes"]["web"], body["processes"]["model"]
    return (
        f"status={body['status']} total={body['memory_mb']}MB of {body['memory_limit_mb']}MB "
        f"({body['memory_limit_source']}); web RSS={web['rss_mb']}MB USS={web['uss_mb']}MB; "
        f"model RSS={model['rss_mb']}MB USS={model['uss_mb']}MB restarts={model['restart_reasons']}"
    )


async def run(url: str, texts: list[str], concurrency: int) -> None:
    statuses: Counter[int | str] = Counter()
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        print("before:", memory_summary(await health(session, url)), flush=True)

        async def worker() -> None:
            while not queue.empty():
                text = queue.get_nowait()
                started = time.perf_counter()
                try:
                    async with session.post(f"{url}/verify", json={"raw_text": text}) as response:
                        await response.read()
                        statuses[response.status] += 1
                except aiohttp.ClientError as error:
                    statuses[type(error).__name__] += 1
                latencies.append(time.perf_counter() - started)
                done = len(latencies)
                if done % 100 == 0:
                    print(f"  {done}/{len(texts)} requests, statuses {dict(statuses)}", flush=True)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        print("after: ", memory_summary(await health(session, url)), flush=True)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{len(texts)} requests in {elapsed:.1f}s: {len(texts) / elapsed:.2f} requests/s, "
        f"{sum(len(t.split()) for t in texts) / elapsed:.0f} words/s; statuses {dict(statuses)}; "
        f"latency p50={cuts[49]:.2f}s p95={cuts[94]:.2f}s p99={cuts[98]:.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-words", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    texts = make_texts(options.requests, options.max_words, options.seed)
    asyncio.run(run(options.url, texts, options.concurrency))


if __name__ == "__main__":
    main()
