"""How long a model child's death costs, started with ``spawn`` against ``forkserver``, in one run.

Each start method serves under memcap 512 in turn; its child is killed with SIGKILL
``--kills`` times while a client asks one short claim at a time, and the figures are
the time from each kill to the next answer and the requests sent meanwhile that got
no answer (lost). At rest, the container's usage and the forkserver's own memory
(what keeping it costs) are read too.

    python -m bench.restart_time [--kills 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

from bench import servers

PROBE = {"raw_text": "Rain falls from clouds in the sky."}


async def answered_after(session: aiohttp.ClientSession, url: str, since: float) -> tuple[float, int]:
    """Seconds from ``since`` to the first 200 of a request sent after it, and the requests before it that failed."""
    lost = 0
    while True:
        try:
            async with session.post(f"{url}/verify", json=PROBE) as response:
                await response.read()
                if response.status == 200:
                    return time.monotonic() - since, lost
        except aiohttp.ClientError:
            pass  # counted as lost, like an error status
        lost += 1
        await asyncio.sleep(0.01)


@dataclass
class Restarts:
    """One start method's kills: what each cost, and what the container held at rest before them."""

    recoveries: list[float]  # seconds from each kill to the next answer
    lost: int  # requests sent after a kill that got no answer
    container_mb: float
    forkserver_rss_mb: float | None  # None: no forkserver (spawn)
    forkserver_uss_mb: float | None

    @property
    def median_s(self) -> float:
        return statistics.median(self.recoveries)


async def measure(method: str, kills: int, scratch: Path) -> Restarts:
    server = await servers.start("service", scratch, MODEL_START_METHOD=method)
    try:
        async with aiohttp.ClientSession() as session:
            await answered_after(session, server.url, time.monotonic())
            await asyncio.sleep(3)  # let the first batch's memory settle before reading the rest figures
            health = await server.health(session)
            child = psutil.Process(health["processes"]["model"]["pid"])
            launcher = child.parent()
            web_pid = health["processes"]["web"]["pid"]
            forkserver = launcher.memory_full_info() if launcher and launcher.pid != web_pid else None
            recoveries: list[float] = []
            lost = 0
            for _ in range(kills):
                pid = (await server.health(session))["processes"]["model"]["pid"]
                killed = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                seconds, failed = await answered_after(session, server.url, killed)
                recoveries.append(seconds)
                lost += failed
                await asyncio.sleep(1)
    finally:
        await servers.stop(server)
    return Restarts(
        recoveries,
        lost,
        health["container_usage_mb"],
        forkserver.rss / 2**20 if forkserver else None,
        forkserver.uss / 2**20 if forkserver else None,
    )


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=8)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        results = {method: await measure(method, options.kills, Path(scratch)) for method in ("spawn", "forkserver")}
    print("| start method | kill to next answer, median (min-max) s | lost | container at rest MB |", end="")
    print(" forkserver RSS / USS MB |\n| --- | --- | --- | --- | --- |")
    for method, found in results.items():
        rss, uss = found.forkserver_rss_mb, found.forkserver_uss_mb
        launcher = f"{rss:.1f} / {uss:.1f}" if rss is not None and uss is not None else "none"
        times = found.recoveries
        print(
            f"| {method} | {found.median_s:.2f} ({min(times):.2f}-{max(times):.2f}) | {found.lost} "
            f"| {found.container_mb} | {launcher} |"
        )
    ratio = results["forkserver"].median_s / results["spawn"].median_s
    print(f"\nforkserver / spawn, median time to the next answer: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
