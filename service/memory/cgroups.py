"""Where this process's cgroup files live for a controller, under cgroup v2 or v1.

A process names its group in ``/proc/self/cgroup``; inside a container that group
is usually mounted as the namespace root instead. Both places are returned, the
process's own group first, so the memory and CPU readers try them in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


@dataclass(frozen=True)
class CgroupDir:
    version: int  # 1 or 2: the file names differ
    path: Path


def cgroup_dirs(controller: str, cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> list[CgroupDir]:
    """The directories that may hold ``controller``'s files for this process, most specific first."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    found: list[CgroupDir] = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        group = group.lstrip("/")
        if hierarchy == "0" and controllers == "":
            found.append(CgroupDir(2, cgroup_root / group))
        elif controller in controllers.split(","):
            found.append(CgroupDir(1, cgroup_root / controller / group))
    return [*found, CgroupDir(2, cgroup_root), CgroupDir(1, cgroup_root / controller)]
