"""Throughput on ordinary claims: the child's planned calls against the previous child's calls of 8.

The child used to embed each message in length-sorted calls of 8 texts, under glibc's default
malloc. It now tokenizes each message, packs it into calls under MODEL_CALL_BUDGET_MB and fixes
glibc's mmap threshold (see model_proc/calls.py and service/memory/heap.py). Both ways run here on the
same claims, in fresh processes, alternating, so the machine's noise falls on both alike:

    .venv/bin/python -m bench.call_planning [--rounds 5] [--claims 640]

It prints each run's texts/s, the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.run_all import varied_texts
from bench.servers import ROOT
from bench.verify_throughput import CLAIM_CHARS
from service.claims import split_claims

WAYS = ("previous", "planned")
MESSAGE_SIZE = 32  # MAX_BATCH_SIZE: texts per message to the child


def ordinary_claims(count: int) -> list[str]:
    return [claim.text for text in varied_texts(200, seed=3) for claim in split_claims(text, CLAIM_CHARS)][:count]


def run_worker(way: str, count: int, repeats: int) -> float:
    """Median texts/s of ``repeats`` passes over the claims, embedded ``way``, in this process."""
    from model_proc.child import MMAP_THRESHOLD_BYTES
    from model_proc.models import MAX_TEXTS_PER_CALL, embed_within_budget, load_model
    from model_proc.protocol import ModelSpec
    from service.memory.heap import fix_mmap_threshold
    from service.settings import DEFAULT_MODEL, Settings

    settings = Settings()
    if way == "planned":
        fix_mmap_threshold(MMAP_THRESHOLD_BYTES)
    claims = ordinary_claims(count)
    with tempfile.TemporaryDirectory() as cache:
        model = load_model(ModelSpec(DEFAULT_MODEL, Path(cache), max_tokens=settings.max_tokens, threads=0))

        def embed(texts: list[str]) -> None:
            if way == "planned":
                embed_within_budget(model, texts, MAX_TEXTS_PER_CALL, settings.model_call_budget_mb)
            else:  # the previous child: sorted by characters, calls of 8, no token budget
                order = np.argsort([len(text) for text in texts], kind="stable")
                list(model.embed([texts[i] for i in order], batch_size=MAX_TEXTS_PER_CALL))

        embed(claims[:64])  # warm-up
        rates = []
        for _ in range(repeats):
            started = time.perf_counter()
            for first in range(0, len(claims), MESSAGE_SIZE):
                embed(claims[first : first + MESSAGE_SIZE])
            rates.append(len(claims) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per way, alternating")
    parser.add_argument("--claims", type=int, default=640)
    parser.add_argument("--repeats", type=int, default=3, help="passes over the claims in one process")
    parser.add_argument("--worker", choices=WAYS, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(run_worker(options.worker, options.claims, options.repeats))
        return
    rates: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(options.rounds):
        for way in WAYS:
            command = [sys.executable, "-m", "bench.call_planning", "--worker", way]
            command += ["--claims", str(options.claims), "--repeats", str(options.repeats)]
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT)
            rates[way].append(float(done.stdout))
    for way in WAYS:
        print(f"{way:>8}: median {statistics.median(rates[way]):.0f} texts/s; runs {[round(r) for r in rates[way]]}")
    ratio = statistics.median(rates["planned"]) / statistics.median(rates["previous"])
    print(f"planned / previous: {ratio:.2f} ({options.claims} ordinary claims in messages of {MESSAGE_SIZE})")


if __name__ == "__main__":
    main()
