"""Long unpunctuated texts under a 512 MiB cap: the input that used to OOM-kill the model child.

Text pasted from a PDF, a transcript or a log can be one "sentence" of thousands of
words. This sends rounds of concurrent 2,000-word texts without punctuation to the
service under ``memcap 512`` and prints the statuses, the OOM kills and the cgroup's
peak. ``--compare DIR`` serves the same rounds from another checkout too (a worktree
of an older commit), one after the other in the same run:

    .venv/bin/python -m bench.long_texts [--rounds 3] [--concurrency 40] [--compare ../old]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.servers import LIMIT_MB, MEMCAP, ROOT, start, stop

WORDS = "the committee reviewed every clause of the agreement before it voted on the new budget for the harbour"


def unpunctuated(words: int, seed: int) -> str:
    vocabulary = WORDS.split()
    return " ".join(vocabulary[(i * 7 + seed) % len(vocabulary)] for i in range(words))


@dataclass
class LongTextRun:
    checkout: str
    statuses: Counter[int]
    claims: int
    seconds: float
    peak_mib: float
    oom_kills: int
    restarts: dict[str, int]

    def row(self) -> str:
        return (
            f"| {self.checkout} | {dict(sorted(self.statuses.items()))} | {self.claims} | {self.seconds:.1f} | "
            f"{self.peak_mib:.0f} | {self.oom_kills} | {self.restarts} |"
        )


async def long_text_rounds(root: Path, scratch: Path, rounds: int, concurrency: int, words: int) -> LongTextRun:
    """``rounds`` rounds of ``concurrency`` concurrent texts, served by ``root``'s run.py under memcap."""
    server = await start("service", scratch, root=root)
    statuses: Counter[int] = Counter()
    claims = 0
    began = time.monotonic()
    restarts: dict[str, int] = {}
    timeout = aiohttp.ClientTimeout(total=600)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:

            async def verify(seed: int) -> None:
                nonlocal claims
                body = {"raw_text": unpunctuated(words, seed), "top_k": 1}
                try:
                    async with session.post(f"{server.url}/verify", json=body) as response:
                        statuses[response.status] += 1
                        if response.status == 200:
                            claims += len((await response.json())["claims"])
                except aiohttp.ClientError:
                    statuses[0] += 1  # no answer at all: the connection broke

            for round_number in range(rounds):
                await asyncio.gather(*(verify(round_number * concurrency + i) for i in range(concurrency)))
            try:
                restarts = (await server.health(session))["processes"]["model"]["restart_reasons"]
            except aiohttp.ClientError:
                restarts = {"web process": -1}  # it is gone
    finally:
        seconds = time.monotonic() - began
        figures = await stop(server)
    peak_mib = figures.get("peak_bytes", 0) / 2**20
    checkout = "this checkout" if root == ROOT else str(root)
    return LongTextRun(checkout, statuses, claims, seconds, peak_mib, int(figures.get("oom_kills", -1)), restarts)


def table(runs: list[LongTextRun], rounds: int, concurrency: int, words: int) -> list[str]:
    return [
        f"{rounds} rounds of {concurrency} concurrent unpunctuated texts of {words:,} words, under memcap {LIMIT_MB}:",
        "",
        "| checkout | statuses | claims answered | seconds | cgroup peak MiB | OOM kills | restarts |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(run.row() for run in runs),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--compare", type=Path, help="another checkout to serve the same rounds, first")
    options = parser.parse_args()
    if not MEMCAP.exists():
        raise SystemExit(f"{MEMCAP} is needed")
    roots = [options.compare.resolve(), ROOT] if options.compare else [ROOT]
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for root in roots:
            runs.append(await long_text_rounds(root, Path(scratch), options.rounds, options.concurrency, options.words))
    print("\n".join(table(runs, options.rounds, options.concurrency, options.words)))


if __name__ == "__main__":
    asyncio.run(main())
