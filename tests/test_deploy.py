"""The container recipe, without a Docker engine: the Dockerfile's own steps, run here.

The Dockerfile is parsed, not copied: its build stage's COPY and RUN lines are
carried out in a temporary directory (with ``$VENV`` pointing there), then its
runtime stage's ``CMD`` starts the server from that virtual environment, away
from the source tree and with every proxy pointing nowhere, and its
``HEALTHCHECK`` command is run against it. A change to the Dockerfile changes
what this test does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
from dataclasses import fields
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from bench.servers import free_port
from service.settings import Settings
from tests.test_processes import launch

ROOT = Path(__file__).parent.parent
NO_NETWORK = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"}


def stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    """(instruction, arguments) per stage, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    result: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            result.append([])
        result[-1].append((instruction.upper(), arguments.strip()))
    return result


def apply_env(arguments: str, env: dict[str, str], rename: dict[str, str]) -> None:
    for assignment in shlex.split(arguments):
        key, _, value = assignment.partition("=")
        for image_path, local_path in rename.items():
            value = value.replace(image_path, local_path)
        env[key] = expand(value, env)


def expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda match: env.get(match.group(1), ""), value)


def copy(arguments: str, workdir: Path) -> None:
    *sources, target = shlex.split(arguments)
    destination = workdir / target
    for source in sources:
        path = ROOT / source
        if path.is_dir():
            # As .dockerignore leaves out of the build context: caches and what an editable install compiled here.
            shutil.copytree(
                path, destination, ignore=shutil.ignore_patterns("__pycache__", "*.so", "compiled_sources.json")
            )
        else:
            final = destination / path.name if target.endswith("/") else destination
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, final)


def carry_out(
    steps: list[tuple[str, str]], root: Path, env: dict[str, str], rename: dict[str, str], run_steps: bool
) -> Path:
    """ENV, WORKDIR and COPY (not --from) under ``root``, and RUN when ``run_steps``; the last workdir.

    A RUN of apt-get is left out: it installs the image's system packages (the compiler for the verdict rule),
    which this machine has already and which a test must not change. Without them the install step fails.
    """
    workdir = root
    for instruction, arguments in steps:
        if instruction == "ENV":
            apply_env(arguments, env, rename)
        elif instruction == "WORKDIR":
            workdir = root / arguments.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY" and not arguments.startswith("--from"):
            copy(arguments, workdir)
        elif instruction == "RUN" and run_steps and not arguments.startswith("apt-get"):
            done = subprocess.run(["sh", "-c", arguments], cwd=workdir, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"RUN {arguments}\n{done.stdout}\n{done.stderr}"
    return workdir


async def test_dockerfile_recipe_builds_and_serves_offline(tmp_path: Path) -> None:
    build, runtime = stages(ROOT / "Dockerfile")
    venv = tmp_path / "venv"
    rename = {"/opt/venv": str(venv), "/app": str(tmp_path / "app")}

    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    carry_out(build[1:], tmp_path, env, rename, run_steps=True)
    assert (venv / "bin" / "python").exists()

    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(NO_NETWORK)
    workdir = carry_out(runtime[1:], tmp_path, env, rename, run_steps=False)
    runtime_steps = dict(runtime[1:])
    port = free_port()
    env["PORT"] = str(port)
    command = json.loads(runtime_steps["CMD"])
    healthcheck = json.loads(runtime_steps["HEALTHCHECK"].split("CMD", 1)[1])
    assert shutil.which(command[0], path=env["PATH"]) == str(venv / "bin" / command[0])

    server = await launch(command, workdir, env, port)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{server.url}/verify", json={"raw_text": "Water boils at 100 degrees Celsius."}) as reply,
        ):
            assert reply.status == 200
            assert (await reply.json())["claims"][0]["verdict"] == "supported"
        probe = subprocess.run(healthcheck, cwd=workdir, env=env, capture_output=True, timeout=30)
        assert probe.returncode == 0, probe.stderr
        assert (tmp_path / "app" / "data" / "models").is_dir()  # DATA_DIR as the image sets it
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert server.process.stderr is not None
        assert "Verdict rule: compiled with mypyc" in server.process.stderr.read()  # the build stage compiled it
    finally:
        if server.process.poll() is None:
            server.process.kill()


def blueprint_service(name: str) -> dict[str, Any]:
    """The one web service of the Render Blueprint ``name``, parsed."""
    (service,) = yaml.safe_load((ROOT / name).read_text())["services"]
    assert isinstance(service, dict)
    return service


@pytest.mark.parametrize("name", ["render.yaml", "render-scaled.yaml"])
def test_render_blueprint_lists_every_setting(name: str) -> None:
    service = blueprint_service(name)
    keys = [variable["key"] for variable in service["envVars"]]
    assert sorted(keys) == sorted(setting.name.upper() for setting in fields(Settings))
    assert (service["runtime"], service["healthCheckPath"]) == ("docker", "/health")


def test_render_blueprint_is_one_free_instance() -> None:
    service = blueprint_service("render.yaml")
    assert service["plan"] == "free" and "numInstances" not in service


def test_scaled_blueprint_runs_several_instances_on_one_database() -> None:
    spec = yaml.safe_load((ROOT / "render-scaled.yaml").read_text())
    (service,), (database,) = spec["services"], spec["databases"]
    assert service["numInstances"] >= 2
    assert service["plan"] != "free"  # Render's free plan runs one instance at most
    assert database["plan"] != "free"  # a free database expires
    (url,) = [variable for variable in service["envVars"] if variable["key"] == "DATABASE_URL"]
    assert url == {"key": "DATABASE_URL", "fromDatabase": {"name": database["name"], "property": "connectionString"}}
    assert service["region"] == database["region"]  # the internal URL reaches its own region only


@pytest.mark.parametrize("needle", ["USER 10001", "HEALTHCHECK", 'CMD ["python", "run.py"]'])
def test_runtime_stage_is_a_good_container_citizen(needle: str) -> None:
    _, runtime = stages(ROOT / "Dockerfile")
    assert needle in "\n".join(f"{instruction} {arguments}" for instruction, arguments in runtime)
