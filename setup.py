"""Compiles the verdict rule with mypyc; the package's metadata and dependencies stay in setup.cfg.

The rule (``claim_key`` and ``judge`` for every new claim) is about a third of the web process's CPU per
claim; compiled, it takes about half the time. A build that cannot compile it fails, with what to install:
a service that silently runs twice as slow is a kind of silently wrong.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mypyc.build import mypycify
from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError, ExecError, LinkError, PlatformError

PACKAGE = "service.verdict"
# The modules compiled; freshness.py is not one of them, as it checks the compiled ones against their sources.
COMPILED = ("__init__", "text", "lexicon", "slots", "frames", "compare", "readings")
# Written beside the compiled modules: the sha256 of each source as it was compiled (read by freshness.py).
MANIFEST = "compiled_sources.json"
SOURCE_DIR = Path(*PACKAGE.split("."))


class BuildVerdictRule(build_ext):
    """build_ext that names the missing compiler on failure and records what it compiled."""

    def run(self) -> None:
        try:
            super().run()
        except (CCompilerError, CompileError, ExecError, LinkError, PlatformError) as error:
            raise SystemExit(
                f"error: the verdict rule ({PACKAGE}) could not be compiled with mypyc: {error}\n"
                "It needs a C compiler and Python's headers (Debian: apt-get install gcc libc6-dev, and "
                "python3-dev for a system Python). The install stops here rather than run the rule "
                "interpreted, about twice as slow."
            ) from error
        sources = {name: hashlib.sha256((SOURCE_DIR / f"{name}.py").read_bytes()).hexdigest() for name in COMPILED}
        where = Path(self.get_ext_fullpath(f"{PACKAGE}.text")).parent
        where.mkdir(parents=True, exist_ok=True)
        (where / MANIFEST).write_text(json.dumps(sources, indent=1, sort_keys=True) + "\n")


setup(
    ext_modules=mypycify([str(SOURCE_DIR / f"{name}.py") for name in COMPILED]),
    cmdclass={"build_ext": BuildVerdictRule},
)
