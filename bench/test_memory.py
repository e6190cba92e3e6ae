"""The guide's ``test_memory.py``, for this service: a soak under a real 512 MiB cap.

    python -m bench.test_memory [--requests 10000]

Starts ``run.py`` under ``../shared/tools/memcap 512``, sends requests of varied
length one at a time, samples every process's RSS every 100 requests, and
prints the guide's table (after request 1, 10, 20, 100, ...), the growth per
1,000 requests after warm-up, and the cgroup's peak; the curve goes to
``bench/results/soak.png``. ``make bench`` runs the same soak beside the other designs.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.run_all import growth_per_1000, memory_run, memory_table, plot, say, soak_warm_up, varied_texts
from bench.servers import ROOT, start, stop


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        server = await start("service", Path(scratch))
        say(f"soak: {options.requests:,} requests")
        run = await memory_run(server, varied_texts(options.requests, seed=1), deadline_s=3600)
        peak = await stop(server)
    print("\n".join(memory_table({"service": run}, {"service": peak})))
    growth = growth_per_1000(run.samples, soak_warm_up(run.survived))
    print(f"growth after warm-up: {growth:+.2f} MB per 1,000 requests; statuses {dict(run.statuses)}")
    plot(options.out / "soak.png", {"service": run.samples}, "This service: memory over the soak")
    say(f"plot: {options.out / 'soak.png'}")


if __name__ == "__main__":
    asyncio.run(main())
