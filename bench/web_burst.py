"""Does the web process return to its resting size after a burst of long requests?

Serves the service under memcap 512, reads the web process's RSS after start-up (and after a few
sequential requests, which pay for what is built on first use), sends a burst of concurrent
/verify requests of 2,000 words in ordinary sentences, and reads the RSS right after and again a
minute later:

    .venv/bin/python -m bench.web_burst [--burst 200] [--settle 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from collections import Counter
from pathlib import Path

import aiohttp

from bench.servers import ROOT, Server, start, stop

SUBJECTS = ("The committee", "A local farmer", "The river", "The city council", "The research team", "A train")
VERBS = ("reviewed", "crossed", "painted", "described", "measured", "repaired", "visited", "counted")
OBJECTS = ("the annual budget", "the northern valley", "a fence near the station", "the harvest", "the old wall")
TAILS = ("on a cold morning", "before the festival began", "after weeks of rain", "in front of a crowd")


def long_text(seed: int, words: int = 2000) -> str:
    """About ``words`` words in short declarative sentences, each a claim."""
    rng = random.Random(seed)
    sentences: list[str] = []
    count = 0
    while count < words:
        sentence = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)} "
            f"in {rng.randint(1800, 2030)}."
        )
        sentences.append(sentence)
        count += len(sentence.split())
    return " ".join(sentences)


async def web_rss(server: Server, session: aiohttp.ClientSession) -> float:
    return float((await server.health(session))["processes"]["web"]["rss_mb"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=200, help="concurrent requests")
    parser.add_argument("--warm", type=int, default=3, help="sequential requests before the burst")
    parser.add_argument("--settle", type=float, default=60, help="seconds to wait after the burst")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server = await start("service", Path(scratch), root=ROOT)
        statuses: Counter[int] = Counter()
        try:
            timeout = aiohttp.ClientTimeout(total=900)
            async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
                started = await web_rss(server, session)
                for seed in range(options.warm):
                    async with session.post(f"{server.url}/verify", json={"raw_text": long_text(-1 - seed)}) as r:
                        await r.read()
                warmed = await web_rss(server, session)

                async def verify(seed: int) -> None:
                    async with session.post(f"{server.url}/verify", json={"raw_text": long_text(seed)}) as response:
                        await response.read()
                        statuses[response.status] += 1

                await asyncio.gather(*(verify(seed) for seed in range(options.burst)))
                right_after = await web_rss(server, session)
                await asyncio.sleep(options.settle)
                settled = await web_rss(server, session)
        finally:
            figures = await stop(server)
    print(f"web RSS, MB: after start-up {started:.1f}, after {options.warm} sequential requests {warmed:.1f}")
    print(f"burst of {options.burst} concurrent 2,000-word requests: statuses {dict(sorted(statuses.items()))}")
    print(f"right after the burst {right_after:.1f}, {options.settle:g} s later {settled:.1f}")
    print(f"{settled - started:+.1f} MB against start-up, {settled - warmed:+.1f} MB against the warmed process")
    print(f"cgroup peak {figures.get('peak_bytes', 0) / 2**20:.0f} MiB, OOM kills {figures.get('oom_kills')}")


if __name__ == "__main__":
    asyncio.run(main())
