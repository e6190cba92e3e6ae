"""``python run.py check`` as a person or a script runs it: a real subprocess against the real service.

Most runs use ``--url`` with one service for the module (its model child started once); one run starts
the service in-process, as a person without a running service would.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

from service.settings import Settings
from tests.conftest import pid_exists, running_app, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Water boils at 90 degrees Celsius at sea level.\nThe Eiffel Tower is in Paris. Is it tall?\n"
ESCAPE = "\x1b["


@dataclass
class Run:
    status: int
    out: str
    err: str


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with running_app(Settings(data_dir=tmp_path_factory.mktemp("data"))) as client:
        yield str(client.make_url("")).rstrip("/")


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "claims.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def read_terminal(master: int) -> bytes:
    """All the program wrote to its terminal: read until it is closed (EIO once no process holds it)."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks)


async def run_check(*args: str, stdin: str | None = None, terminal: bool = False, **env: str) -> Run:
    """``run.py check ARGS`` in a new session (so that every process it starts can be found), its standard
    output a pipe, or a terminal; NO_COLOR is unset unless given."""
    environment = {name: value for name, value in os.environ.items() if name != "NO_COLOR"} | env
    master, slave = pty.openpty() if terminal else (-1, -1)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "run.py",
        "check",
        *args,
        cwd=ROOT,
        env=environment,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=slave if terminal else asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    if terminal:
        os.close(slave)
        # A thread of its own: the service in this process keeps the default executor's one worker busy.
        with ThreadPoolExecutor(1) as reader:
            screen, (_, err) = await asyncio.gather(
                asyncio.get_running_loop().run_in_executor(reader, read_terminal, master),
                process.communicate(None if stdin is None else stdin.encode()),
            )
        out = screen.decode().replace("\r\n", "\n")
    else:
        raw_out, err = await process.communicate(None if stdin is None else stdin.encode())
        out = raw_out.decode()
    assert process.returncode is not None
    # multiprocessing's resource tracker leaves a moment after the command; its model child must be gone too.
    session = [p.pid for p in psutil.process_iter() if p.pid != process.pid and session_of(p.pid) == process.pid]
    await wait_until(lambda: not any(map(pid_exists, session)), timeout_s=30, what=f"{session} of run.py check to end")
    return Run(process.returncode, out, err.decode())


def session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


async def test_a_file_piped_prints_each_claim_and_verdict_without_colour(service: str, text_file: Path) -> None:
    run = await run_check(str(text_file), "--url", service)
    assert run.status == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("refuted ") and lines[0].endswith("Water boils at 90 degrees Celsius at sea level.")
    assert 'the claim says "90 degrees Celsius"' in run.out
    assert any(line.startswith("supported ") and line.endswith("The Eiffel Tower is in Paris.") for line in lines)
    assert "Is it tall?" not in run.out  # a question is no claim
    assert lines[-1] == "2 claims: 1 supported, 1 refuted, 0 not enough evidence"
    assert ESCAPE not in run.out and run.err == ""


async def test_stdin_with_json_prints_the_whole_answer(service: str) -> None:
    run = await run_check("-", "--url", service, "--json", stdin=TEXT)
    assert run.status == 0, run.err
    answer = json.loads(run.out)
    assert [claim["verdict"] for claim in answer["claims"]] == ["refuted", "supported"]
    first = answer["claims"][0]
    assert TEXT[first["span"]["start"] : first["span"]["end"]] == first["claim"]
    assert first["evidence"] and first["reason"]["passage_id"] and answer["request_id"]


async def test_a_terminal_gets_colour_unless_no_color(service: str, text_file: Path) -> None:
    coloured = await run_check(str(text_file), "--url", service, terminal=True)
    plain = await run_check(str(text_file), "--url", service, terminal=True, NO_COLOR="1")
    assert coloured.status == plain.status == 0
    assert "\x1b[31mrefuted" in coloured.out and "\x1b[32msupported" in coloured.out
    assert ESCAPE not in plain.out and "refuted" in plain.out


async def test_a_text_without_claims_says_so(service: str) -> None:
    run = await run_check("-", "--url", service, stdin="Is water wet? Why?")
    assert run.status == 0 and run.out.startswith("No claims to check")


async def test_errors_exit_non_zero_with_a_clear_message(service: str, tmp_path: Path, text_file: Path) -> None:
    missing = await run_check(str(tmp_path / "nope.txt"), "--url", service)
    assert (missing.status, missing.err.strip()) == (2, f"error: no such file: {tmp_path / 'nope.txt'}")
    empty = await run_check("-", "--url", service, stdin="  \n")
    assert (empty.status, empty.err.strip()) == (2, "error: standard input has no text to check")
    two = await run_check(str(text_file), str(text_file), "--url", service)
    assert two.status == 2 and "check takes one FILE" in two.err
    too_many = " ".join(f"Claim {number} says the tower has {number} floors." for number in range(201))
    refused = await run_check("-", "--url", service, stdin=too_many)
    assert refused.status == 1 and "422 too_many_claims" in refused.err and refused.out == ""
    with_nothing_there = await run_check(str(text_file), "--url", "http://127.0.0.1:9")
    assert with_nothing_there.status == 1 and with_nothing_there.err.startswith("error: http://127.0.0.1:9")


async def test_without_url_the_service_is_started_and_stopped(tmp_path: Path, text_file: Path) -> None:
    """No --url: the service and its model child start in the command, and nothing is left running after
    (run_check looks for any process left in the command's session)."""
    run = await run_check(str(text_file), "--json", DATA_DIR=str(tmp_path / "data"))
    assert run.status == 0, run.err
    assert [claim["verdict"] for claim in json.loads(run.out)["claims"]] == ["refuted", "supported"]
    assert " INFO " not in run.err  # the service's start-up lines stay out of the way
