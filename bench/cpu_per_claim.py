"""CPU per claim in each process, this checkout against another, with 0, 10,000 and 100,000 claims remembered.

On a tenth or half of a CPU, every millisecond the web process spends on a claim is one the model does not
get. This serves short new claims, one per request, from many clients at once, and reads the CPU time of
the web process and of the model child from ``/proc/PID/stat`` over the timed load:

    .venv/bin/python -m bench.cpu_per_claim --compare ../baseline [--sizes 0,10000,100000] [--rounds 3]
        [--requests 600] [--concurrency 32]

1. One data directory per memory size, made once with the baseline's code (so that this checkout's server
   takes it through its migration, as an upgrade would): a baseline server ingests the knowledge base,
   then the baseline's ``Store`` remembers that many generated claims, with random unit vectors (recall
   reads them as it would real ones; none is close to a new claim).
2. Per size and round, each checkout on a fresh copy of it, the order alternating between rounds: start
   under ``memcap 512``, one warm-up request, then ``--requests`` requests of one new short claim each from
   ``--concurrency`` clients. CPU seconds per process over the load, divided by the claims answered.
3. In the first round of each size, before the load, a fixed sequence of claims (repeats and near-repeats
   among them) is sent one at a time to both, and their answers compared byte for byte, timing fields
   (``took_ms``, ``first_seen``, ``last_seen``) aside.

Prints each run, then per size the median CPU-ms per claim of each process for each checkout, the ratio
(this checkout / the other), claims/s, and the disk and web-process RSS the memory took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.servers import LIMIT_MB, MEMCAP, ROOT, Server, start, stop
from bench.verify_throughput import PASSAGES, PREDICATES, SUBJECTS, describe, kb_claim, off_topic_claim, workload

SEED = 11
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
TIMING_FIELDS = ("first_seen", "last_seen")  # of each claim's memory; the answer's own is took_ms
# Sent one at a time to both checkouts: new claims, the same again, a number changed, a rewording.
FIXED_CLAIMS = (
    "The Eiffel Tower is in Paris.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The Eiffel Tower is in Paris.",
    "Water boils at 90 degrees Celsius at sea level.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The Moon orbits the Earth.",
    "The Earth is orbited by the Moon.",
    "Mount Everest is the highest mountain on Earth.",
    "Mount Everest is not the highest mountain on Earth.",
    "The bakery on Elm Street opens at 7 o'clock on weekdays.",
    "The bakery on Elm Street opens at 7 o'clock on weekdays.",
    "The Eiffel Tower is in Paris. The Moon orbits the Earth. Light is faster than sound.",
)
# Fills the memory with the baseline's own Store: argv = data dir, dim, claims as a JSON file.
PREFILL = """
import json, sys
import numpy as np
from service.store.embedded import Store
from service.store.records import NewClaim
data_dir, dim, claims_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
claims = json.load(open(claims_file))
rng = np.random.default_rng(7)
with Store.open(data_dir, dim) as store:
    for start in range(0, len(claims), 2000):
        part = claims[start : start + 2000]
        vectors = rng.normal(size=(len(part), dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.remember_claims([NewClaim(text, "not_enough_evidence", 0.3) for text in part], vectors)
"""


@dataclass
class Run:
    checkout: str
    size: int
    claims: int
    seconds: float
    web_cpu_s: float
    model_cpu_s: float
    web_rss_mb: float
    disk_mb: float  # the store's files once the server has stopped (migrated, for this checkout)
    statuses: dict[str, int]

    @property
    def web_ms(self) -> float:
        return 1000 * self.web_cpu_s / self.claims

    @property
    def model_ms(self) -> float:
        return 1000 * self.model_cpu_s / self.claims

    @property
    def claims_per_s(self) -> float:
        return self.claims / self.seconds


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (fields 14 and 15 of /proc/PID/stat, after the command name)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def remembered_claims(count: int, seed: int) -> list[str]:
    """Claims as users send them (half about the knowledge base with a word or number changed, half not)."""
    rng = random.Random(seed)
    return [
        kb_claim(rng.choice(PASSAGES), rng) if i % 2 else off_topic_claim(*rng.choice(SUBJECTS_AND_PREDICATES), rng)
        for i in range(count)
    ]


SUBJECTS_AND_PREDICATES = [(subject, predicate) for subject in SUBJECTS for predicate in PREDICATES]


async def make_data_dir(baseline: Path, scratch: Path, size: int) -> Path:
    """A data directory holding the knowledge base and ``size`` remembered claims, written by the baseline."""
    data_dir = scratch / f"memory-{size}"
    await stop(await start("service", scratch, data_dir=data_dir, root=baseline))
    if size:
        await asyncio.to_thread(prefill, baseline, data_dir, size)
    return data_dir


def prefill(baseline: Path, data_dir: Path, size: int) -> None:
    claims_file = data_dir / "claims.json"
    claims_file.write_text(json.dumps(remembered_claims(size, SEED + size)))
    dim = json.loads((data_dir / "store" / "passages" / "meta.json").read_text())["dim"]
    command = [sys.executable, "-c", PREFILL, str(data_dir / "store"), str(dim), str(claims_file)]
    subprocess.run(command, cwd=baseline, env=dict(os.environ, PYTHONPATH=str(baseline)), check=True)
    claims_file.unlink()


def disk_mb(data_dir: Path) -> float:
    return sum(path.stat().st_size for path in (data_dir / "store").rglob("*") if path.is_file()) / 2**20


def comparable(body: dict[str, Any]) -> str:
    """The answer as bytes to compare: timing fields out, everything else as sent."""
    body.pop("took_ms", None)
    for claim in body.get("claims", []):
        for name in TIMING_FIELDS:
            claim["memory"].pop(name, None)
    return json.dumps(body, sort_keys=True)


async def fixed_answers(server: Server, session: aiohttp.ClientSession) -> list[str]:
    answers = []
    for text in FIXED_CLAIMS:
        async with session.post(f"{server.url}/verify", json={"raw_text": text}) as response:
            answers.append(f"{response.status} {comparable(await response.json())}")
    return answers


async def measure(
    label: str, root: Path, data_dir: Path, size: int, texts: list[str], concurrency: int, with_answers: bool
) -> tuple[Run, list[str]]:
    """One fresh server of ``root`` on a copy of ``data_dir``: the fixed answers (when asked), then the load."""
    scratch = Path(tempfile.mkdtemp(prefix="cpu-per-claim-"))
    try:
        copy = scratch / "data"
        shutil.copytree(data_dir, copy)
        server = await start("service", scratch, data_dir=copy, root=root)
        statuses: dict[str, int] = {}
        claims = 0
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
                answers = await fixed_answers(server, session) if with_answers else []
                health = await server.health(session)
                web_pid, model_pid = health["processes"]["web"]["pid"], health["processes"]["model"]["pid"]
                async with session.post(f"{server.url}/verify", json={"raw_text": texts[0]}) as response:
                    await response.read()
                pending = list(reversed(texts[1:]))

                async def client() -> None:
                    nonlocal claims
                    while pending:
                        text = pending.pop()
                        async with session.post(f"{server.url}/verify", json={"raw_text": text}) as response:
                            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
                            if response.status == 200:
                                claims += len((await response.json())["claims"])

                web_before, model_before = cpu_seconds(web_pid), cpu_seconds(model_pid)
                started = time.monotonic()
                await asyncio.gather(*(client() for _ in range(concurrency)))
                seconds = time.monotonic() - started
                web_cpu, model_cpu = cpu_seconds(web_pid) - web_before, cpu_seconds(model_pid) - model_before
                web_rss = (await server.health(session))["processes"]["web"]["rss_mb"]
        finally:
            await stop(server)
        disk = disk_mb(copy)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Run(label, size, claims, seconds, web_cpu, model_cpu, web_rss, disk, statuses), answers


def run_line(run: Run) -> str:
    return (
        f"| {run.checkout} | {run.size:,} | {run.web_ms:.2f} | {run.model_ms:.2f} | "
        f"{100 * run.web_cpu_s / (run.web_cpu_s + run.model_cpu_s):.0f}% | {run.claims_per_s:.1f} | "
        f"{run.web_rss_mb:.0f} | {run.disk_mb:.0f} | {run.statuses} |"
    )


def summary(runs: list[Run], baseline: str, new: str) -> list[str]:
    lines = [
        "| memory | checkout | web CPU-ms/claim | model CPU-ms/claim | web share | claims/s | web RSS MB | disk MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ratios = []
    for size in sorted({run.size for run in runs}):
        medians = {}
        for label in (baseline, new):
            mine = [run for run in runs if run.size == size and run.checkout == label]
            web = statistics.median(run.web_ms for run in mine)
            model = statistics.median(run.model_ms for run in mine)
            rate = statistics.median(run.claims_per_s for run in mine)
            rss = statistics.median(run.web_rss_mb for run in mine)
            disk = statistics.median(run.disk_mb for run in mine)
            medians[label] = (web, rate)
            lines.append(
                f"| {size:,} | {label} | {web:.2f} | {model:.2f} | {100 * web / (web + model):.0f}% | {rate:.1f} | "
                f"{rss:.0f} | {disk:.0f} |"
            )
        ratios.append(
            f"{size:,} claims remembered: web CPU per claim {new} / {baseline} = "
            f"{medians[new][0] / medians[baseline][0]:.2f}; claims/s {medians[new][1] / medians[baseline][1]:.2f}"
        )
    return [*lines, "", *ratios]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", type=Path, required=True, help="the baseline checkout (a worktree or export)")
    parser.add_argument("--sizes", default="0,10000,100000", help="claims remembered before the load")
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers per checkout and size, alternating")
    parser.add_argument("--requests", type=int, default=600, help="timed requests per server, one claim each")
    parser.add_argument("--concurrency", type=int, default=32)
    options = parser.parse_args()
    if not MEMCAP.exists():
        raise SystemExit(f"{MEMCAP} is needed")
    baseline_root = options.compare.resolve()
    baseline = f"baseline {describe(baseline_root) or baseline_root.name}"
    new = f"this checkout {describe(ROOT)}"
    checkouts = [(baseline, baseline_root), (new, ROOT)]
    sizes = [int(size) for size in options.sizes.split(",")]
    print(f"{options.rounds} rounds per size; {options.requests} requests of one claim, {options.concurrency} clients,")
    print(f"memcap {LIMIT_MB}; baseline: {baseline_root}", flush=True)
    runs: list[Run] = []
    mismatches = 0
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            data_dir = await make_data_dir(baseline_root, Path(scratch), size)
            print(f"\n{size:,} claims remembered ({disk_mb(data_dir):.0f} MB on disk before the load)", flush=True)
            print(
                "| checkout | memory | web CPU-ms/claim | model CPU-ms/claim | web share | claims/s | web RSS MB |",
                end="",
            )
            print(" disk MB | statuses |\n" + "| --- " * 9 + "|")
            for round_number in range(options.rounds):
                texts = workload(SEED + 100 * size + round_number, options.requests + 1, 1)
                order = checkouts if round_number % 2 == 0 else checkouts[::-1]
                answers: dict[str, list[str]] = {}
                for label, root in order:
                    run, answers[label] = await measure(
                        label, root, data_dir, size, texts, options.concurrency, round_number == 0
                    )
                    runs.append(run)
                    print(run_line(run), flush=True)
                if round_number == 0:
                    differing = [
                        claim
                        for claim, old, now in zip(FIXED_CLAIMS, answers[baseline], answers[new], strict=True)
                        if old != now
                    ]
                    mismatches += len(differing)
                    print(
                        f"fixed claims: {len(FIXED_CLAIMS) - len(differing)} of {len(FIXED_CLAIMS)} answers identical"
                    )
                    for claim in differing:
                        print(f"  differs: {claim!r}")
            shutil.rmtree(data_dir)
    print("\nsummary (medians)", *summary(runs, baseline, new), sep="\n")
    print(f"\nanswers that differ, timing fields aside: {mismatches}")


if __name__ == "__main__":
    asyncio.run(main())
