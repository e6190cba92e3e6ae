"""Refuses to run a compiled verdict module built from another version of its source; says which run compiled.

``make install`` (an editable install) compiles the rule with mypyc (setup.py) and leaves each compiled
module beside its source, where Python imports it first: a source edited after that build would leave the
old code running, silently. So importing this module checks every compiled module against the sha256 of
the source it was built from, which the build records in ``compiled_sources.json``, and raises ImportError
on a mismatch. Hashes rather than modification times: pip unpacks a wheel's files in its own order and git
rewrites times, so times would refuse sound builds. This module is never compiled itself, so the check is
always the one written here; ``service.verdict`` imports it before any other module of the rule.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

MANIFEST = "compiled_sources.json"  # written by setup.py's build_ext
PACKAGE = __name__.rpartition(".")[0]


def compiled_beside_source(package_dir: Path) -> list[Path]:
    """The sources in ``package_dir`` that have a compiled module next to them (Python would import that)."""
    return sorted(
        source
        for source in package_dir.glob("*.py")
        if any(source.with_name(source.stem + suffix).exists() for suffix in EXTENSION_SUFFIXES)
    )


def refuse_stale(package_dir: Path) -> None:
    """Raise ImportError naming the first compiled module whose source is not the one it was built from.

    With any compiled module present, every module the build compiled is checked, not only those with a file
    of their own: mypyc puts all of them in one shared library, and a compiled module imports the others from
    it, compiled, even when their own small files are gone.
    """
    compiled = compiled_beside_source(package_dir)
    if not compiled:
        return
    try:
        built = json.loads((package_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        built = {}
    for name in sorted(built.keys() | {source.stem for source in compiled}):
        source = package_dir / f"{name}.py"
        if not source.exists() or built.get(name) != hashlib.sha256(source.read_bytes()).hexdigest():
            raise ImportError(
                f"{source} is not the source its compiled module was built from: run `make install` to compile "
                f"it again (or delete the compiled modules, {package_dir}/*.so, to run the rule interpreted)"
            )


def compiled_modules() -> list[str]:
    """The modules of the verdict rule imported so far that run compiled, for the start-up log and the tests."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (name == PACKAGE or name.startswith(PACKAGE + "."))
        and str(getattr(module, "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES))
    )


def describe() -> str:
    """How the rule runs, for the start-up log: "compiled" (with how many modules) or "interpreted"."""
    compiled = compiled_modules()
    if compiled:
        return f"compiled with mypyc ({len(compiled)} modules)"
    return "interpreted (not compiled: `make install` compiles it)"


refuse_stale(Path(__file__).parent)
