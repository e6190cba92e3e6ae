"""Which store backend ``DATABASE_URL`` selects, opening it, and naming it without its password.

Why a module of its own: start-up, ``run.py ingest`` and /health must agree on the choice, and the
PostgreSQL driver is imported only when a database is configured, so the embedded store's web process
never loads it.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.embedded import Store

Backend = Literal["embedded", "postgresql"]


def backend(settings: Settings) -> Backend:
    return "postgresql" if settings.database_url else "embedded"


def location(settings: Settings) -> str:
    """Where the store lives, safe to show: the data directory, or the database URL with its password hidden."""
    return redacted(settings.database_url) if settings.database_url else str(settings.data_dir / "store")


def open_store(settings: Settings, dim: int) -> KnowledgeStore:
    """Open the store the settings select, for vectors of ``dim`` dimensions. Blocks: call it in a thread."""
    if not settings.database_url:
        return Store.open(settings.data_dir / "store", dim)
    from service.store.postgres import PostgresStore

    return PostgresStore.open(settings.database_url, dim)


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``, for logs and /health."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
