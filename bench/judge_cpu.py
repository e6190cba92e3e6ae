"""CPU per claim of the verdict rule, this checkout against another, and whether both give the same answers.

The rule (``claim_key``, then ``judge``) runs in the web process for every new claim: on a tenth of a CPU
its milliseconds are the model's. This times it alone, on every claim of the evaluation sets:

    .venv/bin/python -m bench.judge_cpu --compare ../baseline [--runs 3] [--rounds 3] [--top-k 5] [--evidence PATH]

1. The evidence, once: this checkout's app is served on a fresh data directory with the second domain
   ingested (as ``python -m evaluation`` serves it), and each line of every ``evaluation/data`` claims file
   is split into claims, embedded by the real model child and searched in the real store, as ``/verify``
   does; each claim keeps its passages with their exact similarities (in ``--evidence PATH``, if given, to
   be read from there by the next run instead).
2. ``--runs`` times per checkout, the two checkouts alternating (so that the machine's other load falls on
   both alike), a fresh Python process imports that checkout's ``service.verdict`` and, after one pass to
   warm it, runs ``--rounds`` rounds of two passes over every claim (``claim_key`` then ``judge``, as the
   pipeline calls them): a cold pass with every passage and claim reading dropped first, then a warm pass
   with the passage readings kept and only the claims' dropped (claims are new on every request). CPU time
   is ``time.process_time``; word-level caches stay as a running service has them in both passes.
3. Prints the median ms per claim of each pass over all runs and rounds for each checkout and the ratio
   (this / the other), then compares the two checkouts' key and judgement (verdict, passage, conflicts with
   their spans, explanation) of every claim byte for byte, printing the file and index of any that differ
   (never a claim's text: ``held_out_5`` is a blind set).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.servers import ROOT
from bench.verify_throughput import describe
from evaluation.runner import serving
from evaluation.score import SECOND_DOMAIN, load_claims
from service.claims import split_claims
from service.ingest.command import ingest_files
from service.logs import configure_logging
from service.model.embedder import ANONYMOUS
from service.settings import Settings
from service.web.keys import STARTUP

CLAIM_FILES = sorted((ROOT / "evaluation" / "data").glob("*.jsonl"))
STARTUP_TIMEOUT_S = 300.0
# Run with cwd and PYTHONPATH at a checkout: argv = the evidence file, rounds. Prints one JSON object.
TIMER = """
import dataclasses, json, sys, time
from service.verdict import Passage, analyse_claim, claim_key, forget_readings, judge
evidence_file, rounds = sys.argv[1], int(sys.argv[2])
data = json.load(open(evidence_file))
claims = [(c["text"], [Passage(*p) for p in c["passages"]]) for c in data["claims"]]
threshold = data["threshold"]

def one_pass():
    started = time.process_time()
    for text, passages in claims:
        claim_key(text)
        judge(text, passages, threshold)
    return 1000 * (time.process_time() - started) / len(claims)

one_pass()
cold, warm = [], []
for _ in range(rounds):
    forget_readings()
    cold.append(one_pass())
    analyse_claim.cache_clear()
    warm.append(one_pass())
answers = [
    json.dumps([claim_key(text), dataclasses.asdict(judge(text, passages, threshold))], ensure_ascii=False)
    for text, passages in claims
]
print(json.dumps({"cold": cold, "warm": warm, "answers": answers}))
"""


@dataclass(frozen=True)
class Timing:
    cold_ms: list[float]
    warm_ms: list[float]
    answers: list[str]


async def gather_evidence(top_k: int) -> dict[str, Any]:
    """Every claim of the evaluation sets with its retrieved passages (id, text, similarity), and the threshold."""
    claims: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="judge-cpu-") as scratch:
        settings = Settings.from_env().replace(data_dir=Path(scratch) / "data")
        with contextlib.redirect_stdout(sys.stderr):
            if await ingest_files(settings, [SECOND_DOMAIN]) != 0:
                raise RuntimeError(f"ingesting {SECOND_DOMAIN} failed")
        async with serving(settings) as (_, app):
            pipeline = app[STARTUP].require_pipeline()
            for path in CLAIM_FILES:
                if path == SECOND_DOMAIN:
                    continue
                for index, item in enumerate(load_claims(path)):
                    texts = [claim.text for claim in split_claims(item.claim, settings.max_claim_chars)]
                    if not texts:
                        continue
                    embedding = await pipeline.embed(texts, ANONYMOUS)
                    found = await asyncio.to_thread(pipeline.retriever.retrieve, embedding.vectors, top_k)
                    for text, evidence in zip(texts, found, strict=True):
                        passages = [[e.passage.id, e.passage.text, float(e.similarity)] for e in evidence]
                        claims.append({"file": path.name, "index": index, "text": text, "passages": passages})
    return {"threshold": settings.support_threshold, "claims": claims}


def time_checkout(root: Path, evidence_file: Path, rounds: int) -> Timing:
    """The rule timed in a fresh process importing ``root``'s code, and its answers."""
    command = [sys.executable, "-c", TIMER, str(evidence_file), str(rounds)]
    environment = dict(os.environ, PYTHONPATH=str(root))
    done = subprocess.run(command, cwd=root, env=environment, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    return Timing(result["cold"], result["warm"], result["answers"])


def pooled(runs: list[Timing]) -> Timing:
    """One checkout's runs as one: every round's figures, and the answers (the same in each run)."""
    return Timing(
        [ms for run in runs for ms in run.cold_ms], [ms for run in runs for ms in run.warm_ms], runs[0].answers
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", type=Path, required=True, help="the baseline checkout (a worktree or export)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per checkout (%(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="cold and warm passes per process (%(default)s)")
    parser.add_argument("--top-k", type=int, default=5, help="evidence passages per claim (%(default)s)")
    parser.add_argument(
        "--evidence", type=Path, metavar="PATH", help="keep the evidence in PATH, and read it from there when it exists"
    )
    options = parser.parse_args()
    configure_logging("WARNING", "plain", role="web")
    baseline_root = options.compare.resolve()
    checkouts = [(f"baseline {describe(baseline_root)}", baseline_root), (f"this checkout {describe(ROOT)}", ROOT)]
    with tempfile.TemporaryDirectory(prefix="judge-cpu-") as scratch:
        evidence_file = options.evidence or Path(scratch) / "evidence.json"
        if not evidence_file.exists():
            evidence = asyncio.run(gather_evidence(options.top_k))
            evidence_file.write_text(json.dumps(evidence, ensure_ascii=False), encoding="utf-8")
        claims = json.loads(evidence_file.read_text(encoding="utf-8"))["claims"]
        files = sorted({claim["file"] for claim in claims})
        print(f"{len(claims)} claims from {len(files)} files; {options.runs} runs of {options.rounds} rounds")
        runs: list[list[Timing]] = [[], []]
        for run in range(options.runs):
            for side in (0, 1) if run % 2 == 0 else (1, 0):
                runs[side].append(time_checkout(checkouts[side][1], evidence_file, options.rounds))
        timings = [pooled(side) for side in runs]
    print("\n| checkout | cold ms/claim (median) | warm ms/claim (median) | cold rounds | warm rounds |")
    print("| --- | --- | --- | --- | --- |")
    for (label, _), timing in zip(checkouts, timings, strict=True):
        cold, warm = statistics.median(timing.cold_ms), statistics.median(timing.warm_ms)
        rounds = [" ".join(f"{ms:.3f}" for ms in passes) for passes in (timing.cold_ms, timing.warm_ms)]
        print(f"| {label} | {cold:.3f} | {warm:.3f} | {rounds[0]} | {rounds[1]} |")
    old, new = timings
    for name in ("cold_ms", "warm_ms"):
        ratio = statistics.median(getattr(new, name)) / statistics.median(getattr(old, name))
        print(f"{name[:4]} ratio, this checkout / baseline: {ratio:.2f}")
    differing = [claim for claim, a, b in zip(claims, old.answers, new.answers, strict=True) if a != b]
    print(f"\nanswers identical: {len(claims) - len(differing)} of {len(claims)}")
    for claim in differing:
        print(f"  differs: {claim['file']} claim index {claim['index']}")


if __name__ == "__main__":
    main()
