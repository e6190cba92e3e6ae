"""The model's thread count follows the container's CPU quota (cgroup v2 or v1), not the host's cores."""

import os
from pathlib import Path

from service.model.cpu import CpuLimit, detect_cpu_limit, model_threads, read_cpu_quota
from tests.test_memory import write


def test_cgroup_v2_quota_of_own_group(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/app.slice/web\n")
    write(tmp_path / "cg" / "app.slice" / "web" / "cpu.max", "150000 100000\n")
    assert read_cpu_quota(tmp_path / "cg", proc) == 1.5


def test_cgroup_v2_max_means_no_quota(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/\n")
    write(tmp_path / "cg" / "cpu.max", "max 100000\n")
    assert read_cpu_quota(tmp_path / "cg", proc) is None
    assert detect_cpu_limit(tmp_path / "cg", proc) == CpuLimit(float(len(os.sched_getaffinity(0))), "affinity")


def test_cgroup_v1_quota_and_its_unlimited_value(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "4:memory:/memcap.1\n3:cpu,cpuacct:/box\n0::/\n")
    quota = write(tmp_path / "cg" / "cpu" / "box" / "cpu.cfs_quota_us", "25000\n")
    write(tmp_path / "cg" / "cpu" / "box" / "cpu.cfs_period_us", "100000\n")
    assert read_cpu_quota(tmp_path / "cg", proc) == 0.25
    quota.write_text("-1\n")
    assert read_cpu_quota(tmp_path / "cg", proc) is None


def test_a_fraction_of_a_cpu_still_gets_one_thread(tmp_path: Path) -> None:
    proc = write(tmp_path / "proc", "0::/\n")
    write(tmp_path / "cg" / "cpu.max", "10000 100000\n")  # Render's free plan: a tenth of a CPU
    limit = detect_cpu_limit(tmp_path / "cg", proc)
    assert limit == CpuLimit(0.1, "cgroup")
    assert limit.threads == 1
    assert CpuLimit(2.5, "cgroup").threads == 2


def test_configured_threads_win_over_detection() -> None:
    assert model_threads(3) == 3
    assert 1 <= model_threads(0) <= len(os.sched_getaffinity(0))
