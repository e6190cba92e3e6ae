"""``make bench``: memory, throughput and faults of three designs, side by side in one run.

    python -m bench.run_all [--requests 10000] [--out bench/results] [--cpus 1]

Designs, each served under ``../shared/tools/memcap 512`` (a real 512 MiB cgroup):
  1. before  - the guide's "before": a new model for every request (run only as long as it survives)
  2. after   - the guide's "after": one in-process model shared by all requests
  3. service - this service: the model in a child process behind the watchdog
Measured: RSS per process after requests 1, 10, 20, 100, 1,000 and 10,000 (the guide's table,
extended), the cgroup's peak, requests per second and latency at concurrency 1, 8 and 32, the raw
model's texts per second at its best batch size, the service's memory over a 10,000-request soak
(PNG), and faults under load. Writes ``report.md`` and PNG plots to ``--out``.

For the service alone (issue 11's goals): CPU-ms per claim of the web process and of the model child
(from /proc) and claims/s against the raw model's best rate on the same claims, at concurrency 32, with
one short new claim per request and with the mixed texts, at 0, 10,000 and 100,000 remembered claims;
and the time from a model child's death to the next answer, with the requests lost meanwhile.
``--cpus 1`` runs every server (and the raw model) under a CFS quota of one CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import restart_time
from bench.cpu_per_claim import Run as CostRun
from bench.cpu_per_claim import make_data_dir
from bench.cpu_per_claim import measure as measure_cost
from bench.long_texts import LongTextRun, long_text_rounds
from bench.long_texts import table as long_text_table
from bench.servers import LIMIT_MB, MEMCAP, ROOT, Server, cpu_limited, limit_cpus, start, stop
from bench.verify_throughput import CLAIM_CHARS, workload
from model_proc.models import MAX_TEXTS_PER_CALL
from service.claims import split_claims
from service.settings import Settings

CHECKPOINTS = (1, 10, 20, 100, 1_000, 10_000)
SLOW_S = 10.0
BEFORE_LOAD_REQUESTS = 40
MEMORY_SIZES = (0, 10_000, 100_000)  # claims remembered before the CPU and throughput runs
COST_CONCURRENCY = 32
SHORT_SEED = 11
# Issue 11's goals, checked in the report.
WEB_MS_GOAL = 0.75  # web CPU-ms per short claim
FLAT_GOAL = 1.10  # web CPU per claim at the largest memory against none
RATIO_GOALS = {"short": 0.80, "mixed": 0.85}  # claims/s against the raw model's best
RESTART_GOAL_S = 0.5  # median, with no request lost
PLAIN_BATCHES = (1, 8, 16, 32, 64)  # the raw model's plain calls: texts per call
# Text pasted from PDFs and transcripts: rounds of concurrent 2,000-word texts without punctuation.
LONG_TEXT_ROUNDS, LONG_TEXT_CONCURRENCY, LONG_TEXT_WORDS = 3, 40, 2000
SENTENCES = [json.loads(line)["text"] for line in (ROOT / "service/data/knowledge_base.jsonl").read_text().splitlines()]


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def varied_texts(count: int, seed: int) -> list[str]:
    """Texts of 1 to 20 sentences (most short), as users send them."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(SENTENCES, k=min(20, int(rng.expovariate(0.4)) + 1))) for _ in range(count)]


def rss_of(health: dict[str, Any]) -> tuple[float, float]:
    processes = health["processes"]
    model = processes.get("model", {}).get("rss_mb") or 0.0
    return float(processes["web"]["rss_mb"]), float(model)


@dataclass
class MemoryRun:
    rows: dict[int, tuple[float, float]] = field(default_factory=dict)  # request -> (web, model) RSS
    samples: list[tuple[int, float, float]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    survived: int = 0
    seconds: float = 0.0
    stopped: str = "served every request"


async def memory_run(server: Server, texts: list[str], deadline_s: float) -> MemoryRun:
    """Sequential requests; RSS read after each checkpoint and every 100 requests, until done or dead."""
    run = MemoryRun()
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for number, text in enumerate(texts, start=1):
            try:
                async with session.post(f"{server.url}/verify", json={"raw_text": text}) as response:
                    await response.read()
                    run.statuses[str(response.status)] += 1
                if number in CHECKPOINTS or number % 100 == 0:
                    web, model = rss_of(await server.health(session))
                    run.samples.append((number, web, model))
                    if number in CHECKPOINTS:
                        run.rows[number] = (web, model)
                if number % 1000 == 0:
                    say(f"  {server.design}: {number}/{len(texts)} requests, {dict(run.statuses)}")
            except (TimeoutError, aiohttp.ClientError) as error:
                run.statuses[type(error).__name__] += 1
                run.stopped = f"died at request {number} ({type(error).__name__})"
                say(f"  {server.design}: {run.stopped}")
                break
            run.survived = number
            if time.monotonic() - started > deadline_s:
                run.stopped = f"alive, stopped by its time budget ({deadline_s:.0f} s) after {number} requests"
                say(f"  {server.design}: {run.stopped}")
                break
    run.seconds = time.monotonic() - started
    return run


@dataclass
class Load:
    concurrency: int
    requests: int
    seconds: float
    latencies: list[float]
    statuses: Counter[str]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[p - 1] if len(self.latencies) > 1 else float("nan")


async def load(url: str, texts: list[str], concurrency: int, deadline_s: float = 600) -> Load:
    """``concurrency`` clients sending ``texts`` as fast as answers come back."""
    pending = list(reversed(texts))
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    timeout = aiohttp.ClientTimeout(total=120)
    started = time.monotonic()

    async def client(session: aiohttp.ClientSession) -> None:
        while pending and time.monotonic() - started < deadline_s:
            text = pending.pop()
            sent = time.monotonic()
            try:
                async with session.post(f"{url}/verify", json={"raw_text": text}) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (TimeoutError, aiohttp.ClientError) as error:
                statuses[type(error).__name__] += 1
            latencies.append(time.monotonic() - sent)

    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return Load(concurrency, len(latencies), time.monotonic() - started, latencies, statuses)


class RawModel:
    """The model alone, loaded once in this process, timed the ways the service could call it.

    The machine's speed drifts by 20 to 30% within minutes (the web and model CPU per claim of one
    service run move together), so each service run is set against the raw model timed just before it.
    """

    def __init__(self, cache: Path) -> None:
        from model_proc.models import load_model
        from model_proc.protocol import ModelSpec
        from service.model.cpu import model_threads
        from service.settings import DEFAULT_MODEL

        self.settings = Settings()
        threads = model_threads(self.settings.model_threads)  # as the child sizes its pool: one per CPU of the quota
        self.model = load_model(ModelSpec(DEFAULT_MODEL, cache, max_tokens=256, threads=threads))
        list(self.model.embed(SENTENCES[:8]))  # the first call sets onnxruntime up: no way is timed with it
        self.child_way = (
            f"length-sorted calls of up to {MAX_TEXTS_PER_CALL} within a {self.settings.model_call_budget_mb:g} MiB "
            f"budget per message of {self.settings.max_batch_size}, as the child runs it"
        )
        self.ways: dict[str, Callable[[list[str]], None]] = {
            f"calls of {batch} in arrival order": functools.partial(self._plain, batch=batch) for batch in PLAIN_BATCHES
        }
        self.ways[self.child_way] = self._as_the_child

    def rate(self, texts: list[str], way: str) -> float:
        """Texts/s of ``texts`` called ``way`` (under the CPU limit, if one is set)."""
        with cpu_limited():
            started = time.perf_counter()
            self.ways[way](texts)
            return len(texts) / (time.perf_counter() - started)

    def best(self, texts: list[str]) -> tuple[str, float]:
        """The best way to call the model on ``texts``, and its texts/s; every way's rate is said."""
        rates = {way: self.rate(texts, way) for way in self.ways}
        for way, rate in rates.items():
            say(f"  raw model, {way}: {rate:.0f} texts/s")
        best = max(rates, key=lambda way: rates[way])
        return best, rates[best]

    def _plain(self, texts: list[str], batch: int) -> None:
        list(self.model.embed(texts, batch_size=batch))

    def _as_the_child(self, texts: list[str]) -> None:
        from model_proc.models import embed_within_budget

        size = self.settings.max_batch_size
        for first in range(0, len(texts), size):
            embed_within_budget(
                self.model, texts[first : first + size], MAX_TEXTS_PER_CALL, self.settings.model_call_budget_mb
            )


async def faults(scratch: Path, texts: list[str]) -> dict[str, Any]:
    """kill -9 every few seconds under load; a 1 MB budget; huge and random bodies."""
    found: dict[str, Any] = {}
    server = await start("service", scratch)
    kills: list[float] = []
    answers: list[float] = []
    async with aiohttp.ClientSession() as session:

        async def killer() -> None:
            for _ in range(8):
                await asyncio.sleep(3)
                pid = (await server.health(session))["processes"]["model"]["pid"]
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(time.monotonic())

        async def watch_answers() -> None:
            while True:
                async with session.post(f"{server.url}/verify", json={"raw_text": "Rain is wet."}) as response:
                    if response.status == 200:
                        answers.append(time.monotonic())
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch_answers())
        under_kills, _ = await asyncio.gather(load(server.url, texts[:2000], 8, deadline_s=30), killer())
        watcher.cancel()
        recoveries = [min((a for a in answers if a > k), default=float("nan")) - k for k in kills]
        health = await server.health(session)
        found["kill"] = (under_kills, len(kills), recoveries, health["processes"]["model"]["restart_reasons"])
        rng = random.Random(5)
        abuse: Counter[str] = Counter()
        for kind in ("50,000 words with sentences", "50,000 words, no punctuation", "random bytes"):
            for _ in range(5):
                if kind == "random bytes":
                    body = bytes(rng.getrandbits(8) for _ in range(4096))
                else:
                    words = " ".join(rng.choices(SENTENCES, k=2500)).split()[:50_000]
                    text = (
                        " ".join(words)
                        if kind.startswith("50,000 words with")
                        else " ".join(w.strip(".") for w in words)
                    )
                    body = json.dumps({"raw_text": text}).encode()
                sent = time.monotonic()
                # Declared as JSON, as a client would: the body itself is the abuse (other types get 415).
                headers = {"Content-Type": "application/json"}
                async with session.post(f"{server.url}/verify", data=body, headers=headers) as response:
                    await response.read()
                    abuse[f"{kind}: {response.status}"] += 1
                    if time.monotonic() - sent > SLOW_S:
                        abuse[f"{kind}: slow"] += 1
        for _ in range(600):  # the last kill's restart may still be under way
            if (alive := (await server.health(session))["status"]) == "healthy":
                break
            await asyncio.sleep(0.1)
        found["abuse"] = (abuse, alive)
    await stop(server)

    server = await start("service", scratch, MODEL_RSS_BUDGET_MB="1")
    budget = await load(server.url, texts[:300], 8)
    async with aiohttp.ClientSession() as session:
        found["budget"] = (budget, (await server.health(session))["processes"]["model"]["restart_reasons"])

    await stop(server)
    return found


@dataclass
class Costs:
    """Issue 11's figures for the service: CPU and throughput by memory size, and what a child's death costs."""

    runs: list[CostRun]  # per memory size, round and workload; ``checkout`` names the workload
    raw_rates: list[float]  # the raw model's claims/s on each run's claims, its best way, timed just before it
    raw: dict[str, tuple[str, float]]  # workload -> the raw model's best way on its claims, and its claims/s
    restarts: restart_time.Restarts


async def costs_by_memory(
    scratch: Path, workloads: dict[str, list[str]], rounds: int, raw_model: RawModel, raw: dict[str, tuple[str, float]]
) -> tuple[list[CostRun], list[float]]:
    """Each workload at concurrency 32, ``rounds`` times, on a fresh server each time per memory size (a copy of
    one data directory): one run moves by 10 to 20% with the machine, the median of a few much less.

    The memory is filled as bench/cpu_per_claim.py fills it: generated claims with random unit vectors,
    written by this checkout's own Store, so a 100,000-claim memory takes seconds, not hours of embedding.
    """
    runs, raw_rates = [], []
    for size in MEMORY_SIZES:
        say(f"service with {size:,} claims remembered")
        data_dir = await make_data_dir(ROOT, scratch, size)
        for _ in range(rounds):
            for name, texts in workloads.items():
                raw_rates.append(raw_model.rate(workload_claims(texts), raw[name][0]))
                run, _ = await measure_cost(name, ROOT, data_dir, size, texts, COST_CONCURRENCY, with_answers=False)
                say(
                    f"  {name}: {run.claims} claims, {run.claims_per_s:.1f}/s (raw model {raw_rates[-1]:.0f}/s), "
                    f"web {run.web_ms:.2f} CPU-ms per claim"
                )
                runs.append(run)
        shutil.rmtree(data_dir)
    return runs, raw_rates


def workload_claims(texts: list[str]) -> list[str]:
    """The claims the service finds in ``texts`` (without the first text, which warms the server up)."""
    return [claim.text for text in texts[1:] for claim in split_claims(text, CLAIM_CHARS)]


async def sample_load(samples: list[float]) -> None:
    """The machine's 1-minute load average every 10 s: the report says how busy the shared machine was."""
    while True:
        samples.append(os.getloadavg()[0])
        await asyncio.sleep(10)


def plot(path: Path, samples: dict[str, list[tuple[int, float, float]]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    for design, points in samples.items():
        if not points:
            continue
        numbers = [point[0] for point in points]
        axes.plot(numbers, [point[1] + point[2] for point in points], label=f"{design}: total")
        if any(point[2] for point in points):
            axes.plot(numbers, [point[1] for point in points], linestyle="--", label=f"{design}: web process")
            axes.plot(numbers, [point[2] for point in points], linestyle=":", label=f"{design}: model child")
    axes.axhline(LIMIT_MB, color="red", linewidth=1, label=f"limit ({LIMIT_MB} MiB)")
    axes.set_xlabel("requests served")
    axes.set_ylabel("RSS (MB)")
    axes.set_title(title)
    axes.set_ylim(0, LIMIT_MB * 1.3)
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def soak_warm_up(requests: int) -> int:
    """Requests a soak's growth is not measured over: the first 1,000, or the first tenth of a shorter soak
    (samples are taken every 100 requests, so a soak of 1,000 still leaves ten)."""
    return min(1000, requests // 10)


def growth_per_1000(points: list[tuple[int, float, float]], warm_up: int) -> float:
    """Least-squares slope of total RSS against requests, after the first ``warm_up``."""
    tail = [(n, web + model) for n, web, model in points if n > warm_up]
    if len(tail) < 2:
        return float("nan")
    mean_n = statistics.fmean(n for n, _ in tail)
    mean_m = statistics.fmean(m for _, m in tail)
    slope = sum((n - mean_n) * (m - mean_m) for n, m in tail) / sum((n - mean_n) ** 2 for n, _ in tail)
    return slope * 1000


def memory_table(runs: dict[str, MemoryRun], peaks: dict[str, dict[str, Any]]) -> list[str]:
    header = " | ".join(f"after {n:,}" for n in CHECKPOINTS)
    lines = [f"| design | {header} | cgroup peak MB | OOM kills | requests served |"]
    lines.append("|" + " --- |" * (len(CHECKPOINTS) + 4))
    for design, run in runs.items():
        cells = []
        for number in CHECKPOINTS:
            if number not in run.rows:
                cells.append("-")
                continue
            web, model = run.rows[number]
            cells.append(f"{web:.0f} + {model:.0f} = {web + model:.0f}" if model else f"{web:.0f}")
        peak = peaks.get(design, {})
        peak_mb = f"{peak.get('peak_bytes', 0) / 2**20:.0f}" if peak else "-"
        lines.append(
            f"| {design} | " + " | ".join(cells) + f" | {peak_mb} | {peak.get('oom_kills', '-')} | {run.survived:,} |"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000, help="sequential requests per design")
    parser.add_argument("--load-requests", type=int, default=300, help="requests per concurrency level")
    parser.add_argument("--before-seconds", type=float, default=120, help="time budget for the 'before' design")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--short-requests", type=int, default=600, help="one-claim requests per memory size")
    parser.add_argument("--mixed-requests", type=int, default=300, help="mixed texts per memory size")
    parser.add_argument("--cost-rounds", type=int, default=3, help="runs per memory size and workload (medians)")
    parser.add_argument("--kills", type=int, default=8, help="model child deaths timed to the next answer")
    parser.add_argument("--cpus", type=float, help="serve under a CFS quota of this many CPUs (default: none)")
    options = parser.parse_args()
    if not MEMCAP.exists():
        sys.exit(f"{MEMCAP} is needed: every design runs under a real memory cap")
    if options.cpus:
        limit_cpus(options.cpus)
    options.out.mkdir(parents=True, exist_ok=True)
    texts = varied_texts(options.requests, seed=1)
    load_texts = varied_texts(options.load_requests * 3, seed=2)
    claims = [claim.text for text in varied_texts(200, seed=3) for claim in split_claims(text, CLAIM_CHARS)][:1024]
    workloads = {
        "short": workload(SHORT_SEED, options.short_requests + 1, 1),  # new claims; the first warms up
        "mixed": load_texts[: options.mixed_requests + 1],
    }
    began = time.monotonic()
    load_samples: list[float] = []
    sampler = asyncio.create_task(sample_load(load_samples))

    say("raw model throughput (the physical limit), on the mixed texts' claims and on the short claims")
    model_cache = tempfile.TemporaryDirectory()
    raw_model = RawModel(Path(model_cache.name))
    best_way, raw_rate = raw_model.best(claims)
    raw = {name: raw_model.best(workload_claims(texts)) for name, texts in workloads.items()}

    runs: dict[str, MemoryRun] = {}
    loads: dict[str, list[Load]] = {}
    peaks: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        cost_runs, raw_rates = await costs_by_memory(scratch, workloads, options.cost_rounds, raw_model, raw)
        del raw_model  # its memory is the machine's, not the servers'
        model_cache.cleanup()
        say(f"model child deaths: {options.kills} kills, one short claim at a time")
        restarts = await restart_time.measure(Settings().model_start_method, options.kills, scratch)
        costs = Costs(cost_runs, raw_rates, raw, restarts)
        for design in ("before", "after", "service"):
            say(f"{design}: starting under memcap {LIMIT_MB}")
            server = await start(design, scratch)
            budget = options.before_seconds if design == "before" else 3600
            say(f"{design}: {len(texts):,} sequential requests")
            runs[design] = await memory_run(server, texts, budget)
            loads[design] = []
            # "before" builds a model per request: a few requests per level show its rate (or its death).
            count = options.load_requests if design != "before" else min(options.load_requests, BEFORE_LOAD_REQUESTS)
            for concurrency in (1, 8, 32):
                if server.process.returncode is not None:
                    break
                say(f"{design}: {count} requests at concurrency {concurrency}")
                loads[design].append(await load(server.url, load_texts[:count], concurrency, deadline_s=120))
            peaks[design] = await stop(server)
        say("faults under load (service)")
        fault_results = await faults(scratch, load_texts)
        say("long unpunctuated texts under the cap (service)")
        long_run = await long_text_rounds(ROOT, scratch, LONG_TEXT_ROUNDS, LONG_TEXT_CONCURRENCY, LONG_TEXT_WORDS)

    plot(options.out / "memory.png", {d: r.samples for d, r in runs.items()}, "RSS per design, under a 512 MiB cap")
    plot(options.out / "soak.png", {"service": runs["service"].samples}, "This service: memory over the soak")
    sampler.cancel()
    setting = (
        f"The servers (every process, each model child) and the raw model ran under a CFS quota of "
        f"{options.cpus:g} CPU; the load generator outside it."
        if options.cpus
        else "No CPU limit."
    )
    setting += (
        f" Load average (1 min, sampled every 10 s; this benchmark alone makes about 2): median "
        f"{statistics.median(load_samples):.1f}, {min(load_samples):.1f} to {max(load_samples):.1f}."
    )
    write_report(
        options.out, runs, loads, peaks, fault_results, long_run, best_way, raw_rate, costs, setting,
        time.monotonic() - began,
    )  # fmt: skip
    say(f"report: {options.out / 'report.md'}")


def cost_lines(costs: Costs) -> list[str]:
    """Issue 11's goals against this run's figures, then the figures by memory size and the restarts."""
    runs_of: dict[tuple[str, int], list[tuple[CostRun, float]]] = {}
    for run, raw_rate in zip(costs.runs, costs.raw_rates, strict=True):
        runs_of.setdefault((run.checkout, run.size), []).append((run, run.claims_per_s / raw_rate))

    def web_ms(name: str, size: int) -> float:
        return statistics.median(run.web_ms for run, _ in runs_of[name, size])

    def ratio(name: str, size: int) -> float:
        return statistics.median(ratio for _, ratio in runs_of[name, size])

    smallest, largest = MEMORY_SIZES[0], MEMORY_SIZES[-1]
    web_none, web_most = web_ms("short", smallest), web_ms("short", largest)
    rounds = len(runs_of["short", smallest])
    restarts = costs.restarts

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        "## Issue 11's goals (this service)",
        "",
        f"Medians of {rounds} runs per memory size and workload (each run below).",
        "",
        "| goal | measured | |",
        "| --- | --- | --- |",
        f"| web CPU per short claim <= {WEB_MS_GOAL} ms | "
        + ", ".join(f"{web_ms('short', size):.2f} ms at {size:,}" for size in MEMORY_SIZES)
        + f" remembered | {met(max(web_ms('short', size) for size in MEMORY_SIZES) <= WEB_MS_GOAL)} |",
        f"| at {largest:,} remembered claims <= {FLAT_GOAL:.2f} x at {smallest:,} | {web_most / web_none:.2f} x "
        f"| {met(web_most / web_none <= FLAT_GOAL)} |",
    ]
    for name, goal in RATIO_GOALS.items():
        ratios = [ratio(name, size) for size in MEMORY_SIZES]
        lines.append(
            f"| claims/s / raw model's best, {name}, concurrency {COST_CONCURRENCY}: >= {goal:.2f} | "
            + ", ".join(f"{ratio:.2f} at {size:,}" for ratio, size in zip(ratios, MEMORY_SIZES, strict=True))
            + f" | {met(min(ratios) >= goal)} |"
        )
    lines += [
        f"| child death to next answer: median <= {RESTART_GOAL_S} s, 0 requests lost | "
        f"{restarts.median_s:.2f} s, {restarts.lost} lost | "
        f"{met(restarts.median_s <= RESTART_GOAL_S and restarts.lost == 0)} |",
        "",
        "## CPU per claim and throughput as the memory grows (this service)",
        "",
        f"A fresh server per row, on a copy of a data directory holding the knowledge base and N remembered claims "
        f"(generated, with random unit vectors: bench/cpu_per_claim.py's); one warm-up request, then "
        f"{COST_CONCURRENCY} clients. short: one new claim per request; mixed: the texts of 1 to 20 sentences of "
        f"the throughput table. CPU time of each process from /proc over the load, per claim answered. The raw "
        f"model, in the benchmark's own process, is timed on the same claims just before each run, the best way "
        f"found at the start: on the short claims {costs.raw['short'][1]:.0f} claims/s ({costs.raw['short'][0]}), "
        f"on the mixed texts' {costs.raw['mixed'][1]:.0f} ({costs.raw['mixed'][0]}).",
        "",
        "| claims remembered | workload | requests | claims | web CPU-ms/claim | model CPU-ms/claim | web share "
        "| claims/s | raw model claims/s | / raw model | web RSS MB | statuses |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run, raw_rate in zip(costs.runs, costs.raw_rates, strict=True):
        share = run.web_cpu_s / (run.web_cpu_s + run.model_cpu_s)
        lines.append(
            f"| {run.size:,} | {run.checkout} | {sum(run.statuses.values())} | {run.claims} | {run.web_ms:.2f} | "
            f"{run.model_ms:.2f} | {share:.0%} | {run.claims_per_s:.1f} | {raw_rate:.0f} | "
            f"{run.claims_per_s / raw_rate:.2f} | {run.web_rss_mb:.0f} | {run.statuses} |"
        )
    lines += [
        "",
        f"Model child killed (SIGKILL) {len(restarts.recoveries)} times, 1 s apart, while one client sends one short "
        f"claim at a time (`{Settings().model_start_method}`): from each kill to the next answer, median "
        f"**{restarts.median_s:.2f} s** ({min(restarts.recoveries):.2f} to {max(restarts.recoveries):.2f}); "
        f"requests sent meanwhile that got no answer: **{restarts.lost}**. (Kills under load at concurrency 8: "
        "below, under Faults.)",
    ]
    return lines


def write_report(
    out: Path,
    runs: dict[str, MemoryRun],
    loads: dict[str, list[Load]],
    peaks: dict[str, dict[str, Any]],
    fault_results: dict[str, Any],
    long_run: LongTextRun,
    best_way: str,
    raw_rate: float,
    costs: Costs,
    setting: str,
    seconds: float,
) -> None:
    lines = [
        f"# Benchmark report ({time.strftime('%Y-%m-%d')})",
        "",
        f"One run of `make bench` on {os.cpu_count()} cores, {seconds / 60:.1f} minutes; every design served under",
        f"`memcap {LIMIT_MB}` (a real cgroup). Figures are RSS in MB (web + model child for the service).",
        setting,
        "",
        *cost_lines(costs),
        "",
        "## Memory after N requests (the guide's table, extended)",
        "",
        *memory_table(runs, peaks),
        "",
        *(f"- {design}: {run.stopped}." for design, run in runs.items()),
        "",
        "![memory](memory.png)",
        "",
        "## Throughput and latency",
        "",
        f"Raw model, alone, at its best ({best_way}): **{raw_rate:.0f} claims/s** (the physical limit).",
        "",
        "| design | concurrency | requests/s | claims/s | share of raw model | p50 s | p95 s | p99 s | statuses |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    claims_per_text = statistics.fmean(len(list(split_claims(text, CLAIM_CHARS))) for text in varied_texts(300, seed=2))
    for design, measured in loads.items():
        for run in measured:
            claims_rate = run.rps * claims_per_text
            lines.append(
                f"| {design} | {run.concurrency} | {run.rps:.1f} | {claims_rate:.0f} | {claims_rate / raw_rate:.0%} | "
                f"{run.percentile(50):.3f} | {run.percentile(95):.3f} | {run.percentile(99):.3f} | "
                f"{dict(run.statuses)} |"
            )
    service = runs["service"]
    warm_up = soak_warm_up(service.survived)
    lines += [
        "",
        f"## Soak: {service.survived:,} requests of varied length, this service",
        "",
        f"Growth after warm-up: **{growth_per_1000(service.samples, warm_up):+.2f} MB per 1,000 requests** "
        f"(least squares over the samples past request {warm_up:,}). Statuses: {dict(service.statuses)}.",
        "",
        "![soak](soak.png)",
        "",
        "## Faults under load (this service)",
        "",
    ]
    kill_load, kills, recoveries, reasons = fault_results["kill"]
    slow = sum(latency > SLOW_S for latency in kill_load.latencies)
    finite = [r for r in recoveries if r == r]
    lines += [
        f"- **kill -9 of the model child every 3 s**, {kills} kills during {kill_load.requests} requests at "
        f"concurrency 8: statuses {dict(kill_load.statuses)}, slow (> {SLOW_S:.0f} s) {slow}; restarts {reasons}; "
        f"time from a death to the next answer: median {statistics.median(finite):.2f} s, "
        f"max {max(finite):.2f} s."
        if finite
        else "- kill -9: no answer after a kill was seen",
    ]
    budget_load, budget_reasons = fault_results["budget"]
    lines.append(
        f"- **1 MB budget** (a restart after every batch): {budget_load.requests} requests at concurrency 8, "
        f"statuses {dict(budget_load.statuses)}, restarts {budget_reasons}."
    )
    abuse, alive = fault_results["abuse"]
    lines.append(f"- **Hostile bodies**: {dict(abuse)}; the service afterwards: {alive}.")
    lines += ["", "## Long unpunctuated texts (this service)", ""]
    lines += long_text_table([long_run], LONG_TEXT_ROUNDS, LONG_TEXT_CONCURRENCY, LONG_TEXT_WORDS)
    (out / "report.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
