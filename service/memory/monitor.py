"""Memory figures: per-process RSS/VMS/USS, the container's limit, and the guide's log line.

The limit is the lowest of the cgroup's (v2 ``memory.max``, v1
``memory.limit_in_bytes``), ``MEMORY_LIMIT_MB`` and the machine's RAM; which one
won is reported as its source so ``/health`` can say why the number is what it is.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from service.memory.cgroups import CGROUP_ROOT, PROC_CGROUP, cgroup_dirs

MIB = 1024 * 1024
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# cgroup v1 writes a page-aligned 2**63 when there is no limit; anything this big means "none".
UNLIMITED_BYTES = 1 << 60

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    rss_mb: float
    vms_mb: float
    uss_mb: float | None  # costly to read (smaps); only measured when asked for


@dataclass(frozen=True)
class Cgroup:
    """The memory files of one cgroup: its limit, its current usage (page cache included) and its OOM events."""

    limit_file: Path
    usage_file: Path
    events_file: Path  # v2 memory.events, v1 memory.oom_control: both have an "oom_kill N" line

    def usage_bytes(self) -> int | None:
        try:
            return int(self.usage_file.read_text())
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int | None:
        """Processes the kernel's OOM killer has ended in this cgroup (None: the kernel does not count them)."""
        try:
            lines = self.events_file.read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return None


@dataclass(frozen=True)
class MemoryLimit:
    mb: float
    source: str  # "cgroup", "MEMORY_LIMIT_MB" or "machine"
    cgroup: Cgroup | None = None  # found even when another limit is lower, for its usage


def measure(pid: int, with_uss: bool = False) -> ProcessMemory | None:
    """Memory of process ``pid``, or None when it no longer exists.

    RSS and VMS are read from ``/proc/PID/statm`` (what psutil's ``memory_info`` reads): every request is
    admitted on them, and building a ``psutil.Process`` for it was a sixth of the web process's CPU per claim.
    """
    try:
        if with_uss:
            full = psutil.Process(pid).memory_full_info()
            return ProcessMemory(pid, full.rss / MIB, full.vms / MIB, full.uss / MIB)
        size, resident = Path(f"/proc/{pid}/statm").read_text().split()[:2]
        return ProcessMemory(pid, int(resident) * PAGE_BYTES / MIB, int(size) * PAGE_BYTES / MIB, None)
    except (OSError, psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def detect_limit(
    configured_mb: float | None,
    cgroup_root: Path = CGROUP_ROOT,
    proc_cgroup: Path = PROC_CGROUP,
) -> MemoryLimit:
    cgroup, cgroup_bytes = find_cgroup(cgroup_root, proc_cgroup)
    candidates = [MemoryLimit(psutil.virtual_memory().total / MIB, "machine", cgroup)]
    if cgroup_bytes is not None:
        candidates.append(MemoryLimit(cgroup_bytes / MIB, "cgroup", cgroup))
    if configured_mb is not None:
        candidates.append(MemoryLimit(configured_mb, "MEMORY_LIMIT_MB", cgroup))
    return min(candidates, key=lambda limit: limit.mb)


def read_cgroup_limit(cgroup_root: Path, proc_cgroup: Path) -> int | None:
    """The memory limit in bytes of this process's cgroup (v2 or v1), or None when unlimited or unreadable."""
    return find_cgroup(cgroup_root, proc_cgroup)[1]


def find_cgroup(cgroup_root: Path, proc_cgroup: Path) -> tuple[Cgroup | None, int | None]:
    """The first cgroup whose limit file reads, and that limit in bytes (None: no limit)."""
    for cgroup in cgroup_candidates(cgroup_root, proc_cgroup):
        try:
            text = cgroup.limit_file.read_text().strip()
        except OSError:
            continue
        if text == "max":
            return cgroup, None
        try:
            value = int(text)
        except ValueError:
            continue
        return cgroup, value if value < UNLIMITED_BYTES else None
    return None, None


def cgroup_candidates(cgroup_root: Path, proc_cgroup: Path) -> list[Cgroup]:
    """The memory files of each directory that may hold this process's cgroup, most specific first."""
    return [
        Cgroup(directory.path / "memory.max", directory.path / "memory.current", directory.path / "memory.events")
        if directory.version == 2
        else Cgroup(
            directory.path / "memory.limit_in_bytes",
            directory.path / "memory.usage_in_bytes",
            directory.path / "memory.oom_control",
        )
        for directory in cgroup_dirs("memory", cgroup_root, proc_cgroup)
    ]


def memory_line(context: str, role: str, memory: ProcessMemory, limit: MemoryLimit, total_rss_mb: float) -> str:
    """The guide's log line (``Memory [startup]: RSS=..``), with the process it is about appended."""
    usage = 100.0 * memory.rss_mb / limit.mb
    available = max(0.0, limit.mb - total_rss_mb)
    return (
        f"Memory [{context}]: RSS={memory.rss_mb:.1f}MB, VMS={memory.vms_mb:.1f}MB, "
        f"Usage={usage:.1f}%, Available={available:.1f}MB ({role} pid={memory.pid})"
    )
