"""How long a model child's death costs, started with ``spawn`` against ``forkserver``, in one run.

Each start method serves under memcap 512 in turn; its child is killed with SIGKILL
``--kills`` times while a client asks one short claim at a time, and the figure is
the time from each kill to the next answer. At rest, the container's usage and the
forkserver's own memory (what keeping it costs) are read too.

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
from pathlib import Path

import aiohttp
import psutil

from bench import servers

PROBE = {"raw_text": "Rain falls from clouds in the sky."}


async def answered_after(session: aiohttp.ClientSession, url: str, since: float) -> float:
    """Seconds from ``since`` to the first 200 of a request sent after it."""
    while True:
        async with session.post(f"{url}/verify", json=PROBE) as response:
            await response.read()
            if response.status == 200:
                return time.monotonic() - since
        await asyncio.sleep(0.01)


async def measure(method: str, kills: int, scratch: Path) -> dict[str, object]:
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
            recoveries = []
            for _ in range(kills):
                pid = (await server.health(session))["processes"]["model"]["pid"]
                killed = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                recoveries.append(await answered_after(session, server.url, killed))
                await asyncio.sleep(1)
    finally:
        await servers.stop(server)
    return {
        "recoveries": recoveries,
        "container_mb": health["container_usage_mb"],
        "model_rss_mb": health["processes"]["model"]["rss_mb"],
        "forkserver_rss_mb": forkserver.rss / 2**20 if forkserver else None,
        "forkserver_uss_mb": forkserver.uss / 2**20 if forkserver else None,
    }


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=8)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        results = {method: await measure(method, options.kills, Path(scratch)) for method in ("spawn", "forkserver")}
    print("| start method | kill to next answer, median (min-max) s | container at rest MB | forkserver RSS / USS MB |")
    print("| --- | --- | --- | --- |")
    for method, found in results.items():
        times = found["recoveries"]
        assert isinstance(times, list)
        rss, uss = found["forkserver_rss_mb"], found["forkserver_uss_mb"]
        launcher = f"{rss:.1f} / {uss:.1f}" if isinstance(rss, float) and isinstance(uss, float) else "none"
        print(
            f"| {method} | {statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f}) "
            f"| {found['container_mb']} | {launcher} |"
        )
    spawn, fork = (statistics.median(results[m]["recoveries"]) for m in ("spawn", "forkserver"))  # type: ignore[arg-type]
    print(f"\nforkserver / spawn, median time to the next answer: {fork / spawn:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
