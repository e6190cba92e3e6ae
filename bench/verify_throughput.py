"""/verify throughput on ordinary claims: this checkout against another (a worktree of an older commit).

The verdict rule (service/verdict/) reads the passages retrieved for each claim and compares their
numbers, names and words with the claim's; this measures what that costs a whole /verify. Both
checkouts serve the same ordinary claims (short sentences, some about the knowledge base's subjects
with a word or number changed, some off-topic), each round in fresh servers under ``memcap 512``
with fresh data directories, the order alternating between rounds so the machine's drift falls on
both alike:

    .venv/bin/python -m bench.verify_throughput --compare ../baseline [--rounds 5] [--requests 60]
        [--claims-per-request 8] [--concurrency 4]

It prints each round's claims/s, then the median claims/s of each checkout, their ratio (this
checkout / the other), the median request latency and the statuses seen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.servers import LIMIT_MB, MEMCAP, ROOT, start, stop
from service.claims import split_claims
from service.settings import Settings

SEED = 11
CLAIM_CHARS = Settings().max_claim_chars  # claims are cut where the service cuts them
ON_TOPIC_SHARE = 0.5  # the rest are about nothing the knowledge base holds
TARGET_RATIO = 0.9  # the new rule may cost at most 10% of the throughput
PASSAGES = [json.loads(line)["text"] for line in (ROOT / "service/data/knowledge_base.jsonl").read_text().splitlines()]
NUMBER = re.compile(r"\d[\d,.]*\d|\d")
CLAUSE = re.compile(r";\s|,\s(?=(?:and|but|because|which|while|with|so)\s)")  # a main clause ends there
OPPOSITES = {
    "largest": "smallest", "smallest": "largest", "highest": "lowest", "lowest": "highest",
    "hottest": "coldest", "coldest": "hottest", "longest": "shortest", "tallest": "shortest",
    "oldest": "youngest", "first": "last", "more": "fewer", "north": "south", "south": "north",
    "east": "west", "west": "east", "before": "after", "after": "before",
}  # fmt: skip
SWAPS = ("copper", "winter", "island", "river", "glass", "forest", "engine", "violin", "desert", "harbour")
SUBJECTS = (
    "The bakery on Elm Street", "My neighbour's dog", "The village football club", "Our office printer",
    "The night bus to the airport", "The school choir", "The corner cafe", "My grandmother's garden",
    "The new parking garage", "The town library", "Our team's quarterly report", "The hiking trail behind the lake",
    "The harbour ferry", "The lift in our building", "The farmers' market", "My cousin's bicycle shop",
    "The old cinema downtown", "The community swimming pool", "Our chess club", "The pizza place near the station",
)  # fmt: skip
PREDICATES = (
    "opens at {n} o'clock", "has {n} members", "was repainted {n} years ago", "sells about {n} loaves of bread",
    "needs {n} minutes to warm up", "was closed for {n} days", "won {n} matches in a row",
    "holds {n} chairs and a piano", "costs {n} euros a month", "is {n} metres from the station",
    "serves {n} customers an hour", "has {n} windows facing the street", "lost {n} umbrellas",
    "raised {n} pounds for charity",
)  # fmt: skip
TAILS = (
    "on weekdays", "since the spring", "according to the caretaker", "every other week",
    "despite the rain", "this season", "after the renovation", "in the local paper",
)  # fmt: skip


def kb_claim(passage: str, rng: random.Random) -> str:
    """The passage's first sentence, cut at its first clause when that is still a sentence, with one
    number or word changed: a claim the rule must read the evidence for (it is close, not the same)."""
    sentence = next(split_claims(passage, CLAIM_CHARS)).text.rstrip(".")
    head = CLAUSE.split(sentence, maxsplit=1)[0]
    if len(head.split()) >= 6:
        sentence = head
    numbers = list(NUMBER.finditer(sentence))
    if numbers:
        number = rng.choice(numbers)
        digits = [i for i in range(number.start(), number.end()) if sentence[i].isdigit()]
        at = rng.choice(digits)
        lowest = 1 if at == number.start() else 0  # no leading zero
        digit = rng.choice([d for d in "0123456789"[lowest:] if d != sentence[at]])
        return f"{sentence[:at]}{digit}{sentence[at + 1 :]}."
    words = sentence.split()
    opposites = [i for i, word in enumerate(words) if word in OPPOSITES]
    if opposites:
        at = rng.choice(opposites)
        words[at] = OPPOSITES[words[at]]
    else:
        at = rng.choice([i for i, word in enumerate(words) if i and word.isalpha() and len(word) >= 4])
        words[at] = rng.choice(SWAPS)
    return " ".join(words) + "."


def off_topic_claim(subject: str, predicate: str, rng: random.Random) -> str:
    return f"{subject} {predicate.format(n=rng.randint(2, 90))} {rng.choice(TAILS)}."


def workload(seed: int, texts: int, claims_per_text: int) -> list[str]:
    """``texts`` texts of ``claims_per_text`` distinct sentences each, no sentence twice in the workload:
    a claim seen before would be one memory recognises, not one an ordinary user sends. Each passage,
    and each subject with each predicate, is used once until the workload needs more than there are:
    sentences differing only in a number are over MEMORY_MATCH_THRESHOLD's similarity."""
    rng = random.Random(seed)
    total = texts * claims_per_text
    on_topic = round(total * ON_TOPIC_SHARE)
    passages: list[str] = []
    pairs: list[tuple[str, str]] = []
    sentences: list[str] = []
    seen: set[str] = set()
    while len(sentences) < total:
        if len(sentences) < on_topic:
            if not passages:  # each passage once, until the workload needs more than there are
                passages = rng.sample(PASSAGES, len(PASSAGES))
            sentence = kb_claim(passages.pop(), rng)
        else:
            if not pairs:
                pairs = rng.sample([(s, p) for s in SUBJECTS for p in PREDICATES], len(SUBJECTS) * len(PREDICATES))
            sentence = off_topic_claim(*pairs.pop(), rng)
        if sentence not in seen:
            seen.add(sentence)
            sentences.append(sentence)
    rng.shuffle(sentences)
    batches = [" ".join(sentences[first : first + claims_per_text]) for first in range(0, total, claims_per_text)]
    for text in batches:
        if len(list(split_claims(text, CLAIM_CHARS))) != claims_per_text:
            raise AssertionError(f"not {claims_per_text} claims: {text!r}")
    return batches


@dataclass
class Run:
    """One checkout's requests in one round, on a fresh server."""

    checkout: str
    seconds: float = 0.0
    claims: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    seen_before: int = 0  # claims memory took for one sent earlier: the workload should keep this at 0
    peak_mib: float = 0.0

    @property
    def claims_per_s(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[p - 1] if len(self.latencies) > 1 else float("nan")


async def measure(label: str, root: Path, scratch: Path, texts: list[str], concurrency: int, top_k: int) -> Run:
    """``texts[0]`` as a warm-up, then the rest from ``concurrency`` clients, on a fresh server of ``root``."""
    try:
        server = await start("service", scratch, root=root)
    except (RuntimeError, TimeoutError) as error:
        raise SystemExit(f"{label} ({root}) did not start: {error}; `python run.py` there shows why") from error
    run = Run(label)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

            async def verify(text: str) -> None:
                sent = time.monotonic()
                try:
                    async with session.post(f"{server.url}/verify", json={"raw_text": text, "top_k": top_k}) as answer:
                        body: dict[str, Any] = await answer.json() if answer.status == 200 else {}
                        run.statuses[str(answer.status)] += 1
                except (TimeoutError, aiohttp.ClientError) as error:
                    run.statuses[type(error).__name__] += 1
                    body = {}
                run.latencies.append(time.monotonic() - sent)
                for claim in body.get("claims", []):
                    run.claims += 1
                    run.verdicts[claim["verdict"]] += 1
                    run.seen_before += claim["memory"]["times_seen"] > 1

            async with session.post(f"{server.url}/verify", json={"raw_text": texts[0], "top_k": top_k}) as answer:
                await answer.read()
                if answer.status != 200:
                    run.statuses[f"warm-up {answer.status}"] += 1
            pending = list(reversed(texts[1:]))

            async def client() -> None:
                while pending:
                    await verify(pending.pop())

            started = time.monotonic()
            await asyncio.gather(*(client() for _ in range(concurrency)))
            run.seconds = time.monotonic() - started
    finally:
        figures = await stop(server)
    run.peak_mib = figures.get("peak_bytes", 0) / 2**20
    return run


def describe(root: Path) -> str:
    """The checkout's commit, and whether its working tree differs from it (figures then may move)."""

    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")


def round_table(runs: list[Run]) -> list[str]:
    lines = [
        "| checkout | claims/s | claims answered | seconds | p50 s | p95 s | statuses | seen before | peak MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        lines.append(
            f"| {run.checkout} | {run.claims_per_s:.1f} | {run.claims} | {run.seconds:.1f} | "
            f"{run.percentile(50):.3f} | {run.percentile(95):.3f} | {dict(run.statuses)} | {run.seen_before} | "
            f"{run.peak_mib:.0f} |"
        )
    return lines


def summary(runs: dict[str, list[Run]], baseline: str, new: str) -> list[str]:
    lines = [
        "| checkout | median claims/s | claims/s per round | p50 s (all requests) | statuses | verdicts |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, measured in runs.items():
        latencies = [latency for run in measured for latency in run.latencies]
        statuses = sum((run.statuses for run in measured), Counter[str]())
        verdicts = sum((run.verdicts for run in measured), Counter[str]())
        lines.append(
            f"| {label} | {statistics.median(run.claims_per_s for run in measured):.1f} | "
            f"{[round(run.claims_per_s, 1) for run in measured]} | {statistics.median(latencies):.3f} | "
            f"{dict(statuses)} | {dict(verdicts)} |"
        )
    ratio = statistics.median(r.claims_per_s for r in runs[new]) / statistics.median(
        r.claims_per_s for r in runs[baseline]
    )
    verdict = "within" if ratio >= TARGET_RATIO else "NOT within"
    lines += ["", f"{new} / {baseline}, median claims/s: {ratio:.3f} ({verdict} the {1 - TARGET_RATIO:.0%} budget)"]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", type=Path, required=True, help="the baseline checkout (a worktree)")
    parser.add_argument("--rounds", type=int, default=5, help="fresh servers per checkout, alternating")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per server (after one warm-up)")
    parser.add_argument("--claims-per-request", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4, help="clients sending at once")
    parser.add_argument("--top-k", type=int, default=5, help="evidence passages per claim (the service's default)")
    options = parser.parse_args()
    if not MEMCAP.exists():
        raise SystemExit(f"{MEMCAP} is needed")
    baseline = f"baseline {describe(options.compare)}"
    new = f"this checkout {describe(ROOT)}"
    checkouts = [(baseline, options.compare.resolve()), (new, ROOT)]
    print(f"{options.rounds} rounds; per server 1 warm-up + {options.requests} requests of ", end="")
    print(f"{options.claims_per_request} claims, {options.concurrency} clients, top_k {options.top_k}, ", end="")
    print(f"memcap {LIMIT_MB}; baseline: {options.compare.resolve()}", flush=True)
    runs: dict[str, list[Run]] = {label: [] for label, _ in checkouts}
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(options.rounds):
            texts = workload(SEED + round_number, options.requests + 1, options.claims_per_request)
            order = checkouts if round_number % 2 == 0 else checkouts[::-1]
            measured = []
            for label, root in order:
                measured.append(await measure(label, root, Path(scratch), texts, options.concurrency, options.top_k))
                runs[label].append(measured[-1])
            print(f"\nround {round_number + 1} ({order[0][0]} first)", *round_table(measured), sep="\n", flush=True)
    print("\nsummary", *summary(runs, baseline, new), sep="\n")


if __name__ == "__main__":
    asyncio.run(main())
