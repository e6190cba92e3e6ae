"""The compiled verdict rule: installed, it runs compiled; built from an older source, it refuses to be imported."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

import service.verdict
from service.verdict.freshness import MANIFEST, PACKAGE, compiled_modules, refuse_stale

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(service.verdict.__file__).parent
COMPILED = EXTENSION_SUFFIXES[0]  # e.g. ".cpython-311-x86_64-linux-gnu.so"


def record_build(package_dir: Path, *names: str) -> None:
    """What setup.py leaves after compiling ``names``: a compiled file beside each source and their hashes."""
    hashes = {}
    for name in names:
        (package_dir / f"{name}{COMPILED}").write_bytes(b"not a real shared object")
        hashes[name] = hashlib.sha256((package_dir / f"{name}.py").read_bytes()).hexdigest()
    (package_dir / MANIFEST).write_text(json.dumps(hashes))


def test_a_source_changed_after_its_build_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rule.py").write_text("LIMIT = 1\n")
    (tmp_path / "helper.py").write_text("X = 2\n")  # not compiled: never in question
    record_build(tmp_path, "rule")
    refuse_stale(tmp_path)

    (tmp_path / "rule.py").write_text("LIMIT = 2\n")
    with pytest.raises(ImportError, match=r"rule\.py is not the source .* run `make install`"):
        refuse_stale(tmp_path)


def test_every_module_the_build_compiled_is_checked_while_any_is_compiled(tmp_path: Path) -> None:
    """mypyc's shared library still serves a compiled module whose own file was deleted."""
    for name in ("rule", "words"):
        (tmp_path / f"{name}.py").write_text(f"{name.upper()} = 1\n")
    record_build(tmp_path, "rule", "words")
    (tmp_path / f"words{COMPILED}").unlink()
    (tmp_path / "words.py").write_text("WORDS = 2\n")
    with pytest.raises(ImportError, match=r"words\.py"):
        refuse_stale(tmp_path)

    (tmp_path / f"rule{COMPILED}").unlink()  # nothing compiled left: all of it runs from source
    refuse_stale(tmp_path)


def test_a_compiled_module_without_the_builds_record_is_refused(tmp_path: Path) -> None:
    """Compiled by hand (mypyc on the command line), nothing says which source it came from."""
    (tmp_path / "rule.py").write_text("LIMIT = 1\n")
    (tmp_path / f"rule{COMPILED}").write_bytes(b"")
    with pytest.raises(ImportError, match=r"rule\.py"):
        refuse_stale(tmp_path)


def test_nothing_compiled_runs_interpreted(tmp_path: Path) -> None:
    (tmp_path / "rule.py").write_text("LIMIT = 1\n")
    refuse_stale(tmp_path)


def test_importing_the_rule_checks_before_any_compiled_module_loads(tmp_path: Path) -> None:
    """A copy of the package whose compare.py changed after its (stand-in) build: the import names it."""
    copy = tmp_path / "service" / "verdict"
    copy.mkdir(parents=True)
    shutil.copy(ROOT / "service" / "__init__.py", copy.parent)
    for source in PACKAGE_DIR.glob("*.py"):
        shutil.copy(source, copy)
    record_build(copy, "compare")
    with (copy / "compare.py").open("a") as edited:
        edited.write("# edited after the build\n")

    done = subprocess.run(
        [sys.executable, "-c", "import service.verdict"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ImportError: ") and f"{copy / 'compare.py'} is not the source" in last_line
    assert "make install" in last_line


def installed_from_this_tree() -> bool:
    """Whether pip installed the code under test: editable from this checkout, or into site-packages."""
    try:
        installed = distribution("claim-verification-service")
    except PackageNotFoundError:
        return False
    if PACKAGE_DIR.is_relative_to(Path(str(installed.locate_file("")))):
        return True
    origin = json.loads(installed.read_text("direct_url.json") or "{}")
    return bool(origin.get("dir_info", {}).get("editable")) and origin.get("url") == ROOT.as_uri()


def test_the_installed_rule_runs_compiled() -> None:
    """What `make install` (or the Dockerfile's install) compiled is what runs: CI proves the rule runs compiled."""
    if not installed_from_this_tree():
        pytest.skip(f"{ROOT} is not what pip installed here, so nothing compiled it (`make install` does)")
    manifest = PACKAGE_DIR / MANIFEST
    assert manifest.exists(), f"pip installed {ROOT}, but without compiling the verdict rule: run `make install`"
    built = json.loads(manifest.read_text())
    expected = sorted(PACKAGE if name == "__init__" else f"{PACKAGE}.{name}" for name in built)
    assert {"__init__", "compare", "slots", "text"} <= set(built)
    assert compiled_modules() == expected
