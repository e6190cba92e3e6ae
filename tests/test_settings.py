import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from service.settings import Settings

ROOT = Path(__file__).parent.parent


def test_environment_overrides_defaults_with_types() -> None:
    settings = Settings.from_env({"PORT": "9000", "MEMORY_LIMIT_MB": "512", "DATA": "ignored", "LOG_LEVEL": ""})
    assert settings.port == 9000
    assert settings.memory_limit_mb == 512.0
    assert settings.log_level == "INFO"
    assert Settings.from_env({}).port == 8000


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(ValueError, match="PORT='eighty'"):
        Settings.from_env({"PORT": "eighty"})


def test_run_help_documents_every_setting() -> None:
    result = subprocess.run(
        [sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    text = " ".join(result.stdout.split())  # undo argparse's line wrapping
    for setting in fields(Settings):
        assert f"env {setting.name.upper()}" in text
