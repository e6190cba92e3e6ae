"""How many CPUs this process may really use, and so how many threads the model should run.

onnxruntime sizes its thread pool from the cores it can see. On a shared host that is
every core of the machine, not the share the container is allowed (Render's free plan
grants a fraction of one CPU), and threads beyond the quota only contend and get
throttled. So the default is one thread per whole CPU of the cgroup's quota, at least one.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from service.memory.cgroups import CGROUP_ROOT, PROC_CGROUP, cgroup_dirs


@dataclass(frozen=True)
class CpuLimit:
    cpus: float
    source: str  # "cgroup" (a CFS quota) or "affinity" (the cores this process may run on)

    @property
    def threads(self) -> int:
        return max(1, math.floor(self.cpus))


def model_threads(configured: int) -> int:
    """``MODEL_THREADS`` when set, else one per whole CPU this container may use."""
    return configured or detect_cpu_limit().threads


def detect_cpu_limit(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> CpuLimit:
    visible = CpuLimit(float(len(os.sched_getaffinity(0))), "affinity")
    quota = read_cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None and quota < visible.cpus:
        return CpuLimit(quota, "cgroup")
    return visible


def read_cpu_quota(cgroup_root: Path, proc_cgroup: Path) -> float | None:
    """CPUs' worth of time per period the cgroup may use (v2 ``cpu.max``, v1 CFS quota), None without a quota."""
    for directory in cgroup_dirs("cpu", cgroup_root, proc_cgroup):
        try:
            if directory.version == 2:
                quota, _, period = (directory.path / "cpu.max").read_text().partition(" ")
            else:
                quota = (directory.path / "cpu.cfs_quota_us").read_text()
                period = (directory.path / "cpu.cfs_period_us").read_text()
        except OSError:
            continue
        if quota.strip() in ("max", "-1"):
            return None
        try:
            return int(quota) / int(period)
        except (ValueError, ZeroDivisionError):
            continue
    return None
