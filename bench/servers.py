"""Helpers for starting a server process, shared by the benchmarks and the process tests."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from service.memory.cgroups import cgroup_dirs

ROOT = Path(__file__).parent.parent
# Runs a command under a real memory cgroup; it lives beside the project, not in it.
MEMCAP = ROOT.parent / "shared" / "tools" / "memcap"
LIMIT_MB = 512  # Render's free plan
CPU_PERIOD_US = 100_000  # the kernel's default CFS period
# Set by limit_cpus(): the cgroup whose CPU quota every server started afterwards runs under.
_cpu_group: Path | None = None


def limit_cpus(cpus: float) -> None:
    """Serve from now on with ``cpus`` CPUs' worth of time, as a container's CPU limit would allow.

    A CFS quota in a group of cgroup v1's ``cpu`` hierarchy (this machine's), made beside this process's
    own group and removed when it exits. memcap moves a server between memory groups only, another
    hierarchy, so both limits hold together, for every process of the server and each model child.
    """
    global _cpu_group
    home = next((d.path for d in cgroup_dirs("cpu") if d.version == 1 and (d.path / "cpu.cfs_quota_us").exists()), None)
    if home is None:
        raise SystemExit("a CPU limit needs cgroup v1's cpu controller (cpu.cfs_quota_us), as root")
    group = home / f"bench-cpus.{os.getpid()}"
    group.mkdir()
    (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
    (group / "cpu.cfs_quota_us").write_text(str(round(cpus * CPU_PERIOD_US)))
    atexit.register(remove_group, group)
    _cpu_group = group


def remove_group(group: Path) -> None:
    """Remove a cgroup once its processes are gone (one still in it keeps it, harmlessly)."""
    with contextlib.suppress(OSError):
        group.rmdir()


@contextlib.contextmanager
def cpu_limited() -> Iterator[None]:
    """This process under the CPU limit (if one is set) for the block: the raw model gets the servers' share."""
    if _cpu_group is None:
        yield
        return
    (_cpu_group / "cgroup.procs").write_text(str(os.getpid()))
    try:
        yield
    finally:
        (_cpu_group.parent / "cgroup.procs").write_text(str(os.getpid()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_until_healthy(url: str, exited: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``url``/health until it says healthy (True) or the server has exited (False).

    Raises TimeoutError when neither happens within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if exited():
                return False
            try:
                async with session.get(f"{url}/health") as response:
                    if (await response.json()).get("status") == "healthy":
                        return True
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy within {timeout_s:g}s")


@dataclass
class Server:
    """A server process running under ``memcap``, and where memcap writes its figures when it ends."""

    design: str
    process: asyncio.subprocess.Process
    url: str
    report: Path

    async def health(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        async with session.get(f"{self.url}/health") as response:
            body: dict[str, Any] = await response.json()
            return body


async def start(design: str, scratch: Path, data_dir: Path | None = None, root: Path = ROOT, **env: str) -> Server:
    """``design`` served under memcap on a free port (its DATA_DIR fresh in ``scratch`` unless given).

    ``root`` is the checkout whose ``run.py`` serves "service": another one (a worktree of an older
    commit) gives a before/after comparison in one run.
    """
    port = free_port()
    data_dir = data_dir or scratch / f"{design}-{port}"
    report = scratch / f"{design}-{port}.memcap.json"
    if design == "service":
        command = [sys.executable, str(root / "run.py")]
    else:
        command = [sys.executable, "-m", "bench.baselines", "--design", design, "--port", str(port)]
        command += ["--data-dir", str(data_dir)]
    environment = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATA_DIR=str(data_dir), LOG_LEVEL="ERROR", **env)
    environment["PYTHONPATH"] = str(root)
    launch = [str(MEMCAP), str(LIMIT_MB), "--report", str(report), "--", *command]
    if _cpu_group is not None:  # joined before memcap starts: every process of the server inherits it
        launch = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(_cpu_group), *launch]
    process = await asyncio.create_subprocess_exec(
        *launch,
        cwd=root, env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    server = Server(design, process, f"http://127.0.0.1:{port}", report)
    if not await wait_until_healthy(server.url, lambda: process.returncode is not None, timeout_s=180):
        raise RuntimeError(f"{design} exited before it was healthy")
    return server


async def stop(server: Server) -> dict[str, Any]:
    """SIGTERM to the server inside memcap, so memcap ends normally and writes its report (peak, OOM kills)."""
    if server.process.returncode is None:
        for child in psutil.Process(server.process.pid).children():
            child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.process.wait(), timeout=60)
    report: dict[str, Any] = json.loads(server.report.read_text()) if server.report.exists() else {}
    return report
