"""What the model child tells the Linux kernel, and asks it, about its own memory.

* OOM priority: in a container at its limit the kernel kills the process with the
  highest ``oom_score``. Raising our own ``oom_score_adj`` needs no privilege, and it
  makes the child, which the web process restarts in about a second, the one that
  dies, never the web process, whose death takes the whole service down.
* High-water mark: ``VmHWM`` in ``/proc/self/status`` is the peak RSS since the mark
  was last reset (by writing ``5`` to ``/proc/self/clear_refs``). A watchdog sampling
  RSS twice a second misses a model call's peak, which lasts a few milliseconds;
  the kernel's mark does not.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

OOM_SCORE_ADJ_MAX = 1000
SELF = Path("/proc/self")

log = logging.getLogger(__name__)


def volunteer_for_oom_kill() -> bool:
    """Ask to be the OOM killer's first choice; False where the kernel offers no such knob."""
    try:
        (SELF / "oom_score_adj").write_text(str(OOM_SCORE_ADJ_MAX))
    except OSError as error:
        log.warning("could not raise oom_score_adj: %s", error)
        return False
    return True


def reset_high_water_mark() -> None:
    """Start a new peak measurement from the current RSS."""
    # Not Linux, or /proc read-only: high_water_mark_mb() then reports the peak since start.
    with contextlib.suppress(OSError):
        (SELF / "clear_refs").write_text("5")


def high_water_mark_mb() -> float | None:
    """Peak RSS in MiB since the last reset, or None where /proc does not say."""
    return _status_mb("VmHWM")


def resident_mb() -> float | None:
    """RSS in MiB, or None where /proc does not say."""
    return _status_mb("VmRSS")


def _status_mb(field: str) -> float | None:
    try:
        status = (SELF / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key == field:
            return int(value.split()[0]) / 1024  # kB
    return None
