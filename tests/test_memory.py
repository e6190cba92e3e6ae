"""Memory figures: cgroup v1 and v2 limits, the configured limit, and the guide's log line."""

import os
import re
from pathlib import Path

from service.memory.monitor import MemoryLimit, detect_limit, measure, memory_line, read_cgroup_limit

MIB = 1024 * 1024


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cgroup_v2_limit_of_own_group(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/app.slice/web\n")
    write(tmp_path / "cg" / "app.slice" / "web" / "memory.max", f"{512 * MIB}\n")
    assert read_cgroup_limit(tmp_path / "cg", proc) == 512 * MIB


def test_cgroup_v2_max_means_unlimited(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/\n")
    write(tmp_path / "cg" / "memory.max", "max\n")
    assert read_cgroup_limit(tmp_path / "cg", proc) is None


def test_cgroup_usage_is_read_beside_the_limit(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/web\n")
    write(tmp_path / "cg" / "web" / "memory.max", f"{512 * MIB}\n")
    write(tmp_path / "cg" / "web" / "memory.current", f"{300 * MIB}\n")
    limit = detect_limit(256, tmp_path / "cg", proc)
    assert limit.source == "MEMORY_LIMIT_MB" and limit.cgroup is not None
    assert limit.cgroup.usage_bytes() == 300 * MIB
    v1 = write(tmp_path / "v1proc", "4:memory:/box\n")
    write(tmp_path / "cg1" / "memory" / "box" / "memory.limit_in_bytes", f"{512 * MIB}\n")
    write(tmp_path / "cg1" / "memory" / "box" / "memory.usage_in_bytes", f"{100 * MIB}\n")
    limit = detect_limit(None, tmp_path / "cg1", v1)
    assert limit == MemoryLimit(512.0, "cgroup", limit.cgroup) and limit.cgroup is not None
    assert limit.cgroup.usage_bytes() == 100 * MIB


def test_oom_kills_are_read_from_v2_events_and_v1_oom_control(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/web\n")
    write(tmp_path / "cg" / "web" / "memory.max", f"{512 * MIB}\n")
    events = write(tmp_path / "cg" / "web" / "memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    v2 = detect_limit(None, tmp_path / "cg", proc).cgroup
    assert v2 is not None and v2.oom_kills() == 2
    events.write_text("low 0\n")  # an older kernel: no count
    assert v2.oom_kills() is None
    v1proc = write(tmp_path / "v1proc", "4:memory:/box\n")
    write(tmp_path / "cg1" / "memory" / "box" / "memory.limit_in_bytes", f"{512 * MIB}\n")
    write(tmp_path / "cg1" / "memory" / "box" / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
    v1 = detect_limit(None, tmp_path / "cg1", v1proc).cgroup
    assert v1 is not None and v1.oom_kills() == 5


def test_cgroup_v1_limit_and_its_unlimited_value(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "9:name=systemd:/\n4:memory:/memcap.1\n0::/\n")
    limit_file = write(tmp_path / "cg" / "memory" / "memcap.1" / "memory.limit_in_bytes", f"{256 * MIB}\n")
    assert read_cgroup_limit(tmp_path / "cg", proc) == 256 * MIB
    limit_file.write_text("9223372036854771712\n")
    assert read_cgroup_limit(tmp_path / "cg", proc) is None


def test_namespace_root_is_the_fallback(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/not/visible/here\n")
    write(tmp_path / "cg" / "memory.max", f"{300 * MIB}\n")
    assert read_cgroup_limit(tmp_path / "cg", proc) == 300 * MIB


def test_lowest_limit_wins_and_names_its_source(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/\n")
    write(tmp_path / "cg" / "memory.max", f"{512 * MIB}\n")
    limit = detect_limit(None, tmp_path / "cg", proc)
    assert (limit.mb, limit.source) == (512.0, "cgroup")
    assert detect_limit(400, tmp_path / "cg", proc).source == "MEMORY_LIMIT_MB"
    assert detect_limit(None, tmp_path / "none", proc).source == "machine"


def test_log_line_has_the_guides_form() -> None:
    memory = measure(os.getpid())
    assert memory is not None and memory.rss_mb > 1
    line = memory_line("startup", "web", memory, MemoryLimit(512, "cgroup"), total_rss_mb=300)
    pattern = r"Memory \[startup\]: RSS=\d+\.\dMB, VMS=\d+\.\dMB, Usage=\d+\.\d%, Available=212\.0MB \(web pid=\d+\)"
    assert re.fullmatch(pattern, line), line


def test_measure_of_a_gone_process_is_none() -> None:
    assert measure(2**22 + 12345) is None
