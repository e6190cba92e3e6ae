"""Shared fixtures: real settings, a real app with a real model child, and a few waiting helpers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient

from service.model.embedder import Embedder
from service.settings import Settings
from service.web.app import create_app
from service.web.keys import EMBEDDER, STARTUP
from tests.postgres import new_database, running_server

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh DATA_DIR per test: its own store, so no test sees another's evidence or memory."""
    return tmp_path / "data"


@pytest.fixture(scope="session")
def postgres_socket() -> Iterator[str]:
    """One PostgreSQL server with pgvector for the whole session, started by the first test that needs it."""
    yield from running_server()


@pytest.fixture
def database_url(postgres_socket: str) -> str:
    """A fresh database per test (see tests/postgres.py), its URL with a password in it."""
    return new_database(postgres_socket)


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, watchdog_interval_ms=100)


@pytest.fixture
async def embedder(settings: Settings) -> AsyncIterator[Embedder]:
    """A started model child on the test's settings (test_faults overrides it with a short timeout)."""
    embedder = Embedder(settings)
    await embedder.start()
    yield embedder
    await embedder.stop()


async def start_client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    """A client of a new app, once its model child and knowledge base are up."""
    client = await aiohttp_client(create_app(settings))
    await wait_until(lambda: client.app[STARTUP].done, timeout_s=120, what="start-up")
    return client


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    return await start_client(aiohttp_client, settings)


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Client]:
    """A client of a new app on a real server, once start-up is done: for fixtures shared by a module."""
    async with TestClient(TestServer(create_app(settings))) as client:
        await wait_until(lambda: client.app[STARTUP].done, timeout_s=120, what="start-up")
        yield client


def embedder_of(client: Client) -> Embedder:
    return client.app[EMBEDDER]


async def wait_until(condition: Callable[[], bool], timeout_s: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.01)


def pid_exists(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
