"""`python -m bench.run_all --cpus 1`: every process of a served design, and the raw model, under one CPU's quota.

The one-CPU report is only worth reading if the limit really held: the web process, the model child
(forked after start-up) and the benchmark's own raw-model run must all have been in the quota's group,
and the service must have seen the quota (its model then runs one onnxruntime thread).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.servers import MEMCAP, ROOT

# The benchmark's own steps, in a process of their own: the limit lasts for the process, as in run_all.
SCRIPT = """
import asyncio, json, tempfile
from pathlib import Path
import aiohttp
from bench import servers
from service.memory.cgroups import cgroup_dirs

def cpu_group(pid="self"):
    return str(cgroup_dirs("cpu", proc_cgroup=Path(f"/proc/{pid}/cgroup"))[0].path)

async def main():
    found = {"home": cpu_group()}
    servers.limit_cpus(1)
    with servers.cpu_limited():
        found["raw model"] = cpu_group()
    found["after the raw model"] = cpu_group()
    with tempfile.TemporaryDirectory() as scratch:
        server = await servers.start("service", Path(scratch))
        try:
            async with aiohttp.ClientSession() as session:
                health = (await server.health(session))["processes"]
            found["web"] = cpu_group(health["web"]["pid"])
            found["model"] = cpu_group(health["model"]["pid"])
            found["threads"] = health["model"]["threads"]
            found["quota"] = (Path(found["web"]) / "cpu.cfs_quota_us").read_text().strip()
        finally:
            await servers.stop(server)
    print(json.dumps(found))

asyncio.run(main())
"""


@pytest.mark.skipif(
    not MEMCAP.exists() or os.geteuid() != 0 or not Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists(),
    reason="needs ../shared/tools/memcap, root and cgroup v1's cpu controller",
)
def test_one_cpu_holds_for_every_server_process_and_the_raw_model() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    group = found["web"]
    assert Path(group).name.startswith("bench-cpus.")
    assert Path(group).parent == Path(found["home"])
    assert found["model"] == found["raw model"] == group
    assert found["after the raw model"] == found["home"]
    assert found["quota"] == "100000"  # one period's worth: one CPU
    if len(os.sched_getaffinity(0)) >= 2:  # with one core the thread count would be 1 anyway
        assert found["threads"] == 1
    assert not Path(group).exists()  # removed when the benchmark exited
