"""The one interface the agents, routes, ingest and repair use, whichever backend is behind it.

Synchronous methods, called from a worker thread. Why not ``async``: the embedded backend is SQLite and
memory-mapped files, which only have blocking calls, and every caller already runs store calls through
``asyncio.to_thread`` (the pipeline's reads, memory's group commit, the routes, ingest, repair); the
PostgreSQL backend uses psycopg's blocking connections from a small pool on the same threads. So a
network round trip waits in a worker thread, never on the event loop. The one method called on the event
loop, ``claim_count`` (for /health and /metrics), must answer from what the store already holds in memory.

Both backends subclass ``KnowledgeStore`` explicitly, so that the conveniences below are written once
and mypy checks each backend against every method here.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt

from service.store.records import (
    AddResult,
    ClaimCopy,
    ClaimMatch,
    IngestProgress,
    NewClaim,
    NewPassage,
    PassageCopy,
    StoredClaim,
    StoredPassage,
)


class KnowledgeStore(Protocol):
    """The knowledge base (passages and their vectors), the claim memory and ingest progress."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data lives, safe to show (/health): a directory, or a database URL without its password."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """The dimension of every vector stored."""

    @abstractmethod
    def close(self) -> None:
        """Release files or connections. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Passages

    @abstractmethod
    def add_passages(
        self, items: Sequence[NewPassage], vectors: npt.ArrayLike, owner: str | None = None
    ) -> list[AddResult]:
        """Store each passage whose content is new; say per item what happened (``AddStatus``), in order.

        The passages added or restored count as ``owner``'s. Nothing is written when an item or the vectors
        are invalid (``ValueError``); what is returned is durable.
        """

    @abstractmethod
    def passages_owned(self, owner: str) -> int:
        """How many live passages ``owner`` added through the API."""

    @abstractmethod
    def get_passage(self, passage_id: str, *, include_deleted: bool = False) -> StoredPassage | None:
        """The passage ``passage_id``; a deleted one only when ``include_deleted``."""

    @abstractmethod
    def delete_passage(self, passage_id: str) -> bool:
        """Tombstone a live passage (adding its content again restores it); False when there is none."""

    @abstractmethod
    def search_passages(self, queries: npt.ArrayLike, k: int) -> list[list[tuple[StoredPassage, float]]]:
        """For each query, up to ``k`` live passages, most similar first, with their cosine similarity."""

    @abstractmethod
    def passage_count(self) -> int:
        """Live (not deleted) passages."""

    # Claim memory

    @abstractmethod
    def write_claims(
        self,
        claims: Sequence[NewClaim],
        vectors: npt.ArrayLike,
        touch_ids: Sequence[int] = (),
        revisions: Sequence[NewClaim | None] = (),
        keep_at_most: int | None = None,
    ) -> tuple[list[StoredClaim], list[StoredClaim | None]]:
        """Store new claims and count a sighting of known ones (with their revised verdicts) in one commit,
        forgetting the least recently seen beyond ``keep_at_most``; the claims stored and touched, in order."""

    @abstractmethod
    def claim_count(self) -> int:
        """How many claims are remembered, from memory: called on the event loop, so it never waits on I/O."""

    @abstractmethod
    def recall_claims(
        self, vectors: npt.ArrayLike, threshold: float, keys: Sequence[str] | None = None
    ) -> list[ClaimMatch | None]:
        """For each vector, the closest remembered claim (of the same key, when ``keys`` are given) whose cosine
        reaches ``threshold``, else None. Changes nothing."""

    @abstractmethod
    def claims_without_key(self, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` claims stored before memory keys existed: (id, claim text) each."""

    @abstractmethod
    def set_claim_keys(self, keys: Sequence[tuple[int, str]]) -> None:
        """Give claims stored before memory keys their key, (id, key) each, in one commit."""

    @abstractmethod
    def delete_claim(self, claim_id: int) -> bool:
        """Forget one remembered claim for good; False when there is none of that id."""

    @abstractmethod
    def clear_claims(self) -> int:
        """Forget every remembered claim; how many there were."""

    @abstractmethod
    def get_claim(self, claim_id: int) -> StoredClaim | None: ...

    @abstractmethod
    def list_claims(self, offset: int = 0, limit: int = 50) -> tuple[list[StoredClaim], int]:
        """One page of remembered claims, newest first, bounded in bytes, and how many there are in all."""

    def remember_claim(self, claim: NewClaim, vector: npt.ArrayLike) -> StoredClaim:
        """Store one verified claim with its unit vector; see ``write_claims``."""
        return self.remember_claims([claim], np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]

    def remember_claims(
        self, claims: Sequence[NewClaim], vectors: npt.ArrayLike, keep_at_most: int | None = None
    ) -> list[StoredClaim]:
        """Store verified claims as new memories (seen once, now); see ``write_claims``."""
        return self.write_claims(claims, vectors, keep_at_most=keep_at_most)[0]

    def touch_claim(self, claim_id: int) -> StoredClaim | None:
        """Count one more sighting of a remembered claim (times_seen + 1, last_seen = now); None if unknown."""
        return self.touch_claims([claim_id])[0]

    def touch_claims(
        self, claim_ids: Sequence[int], revisions: Sequence[NewClaim | None] = ()
    ) -> list[StoredClaim | None]:
        """``touch_claim`` for each id, in one commit. A revision given for an id replaces its remembered
        verdict, score and evidence: memory is a cache of verdicts, kept up to date with the evidence."""
        return self.write_claims((), np.empty((0, self.dim), np.float32), claim_ids, revisions)[1]

    # Moving to another store (run.py export and import): read in pages, so an export holds one page at a time

    @abstractmethod
    def export_passages(self, after_row: int, limit: int) -> list[PassageCopy]:
        """Up to ``limit`` live passages whose row is past ``after_row``, by row, with their owners and vectors
        (text and source cut at their bounds as every read does). Passages whose vector was lost are left out:
        restore them first (``service.store.repair``)."""

    @abstractmethod
    def export_claims(self, after_id: int, limit: int) -> list[ClaimCopy]:
        """Up to ``limit`` remembered claims whose id is past ``after_id``, by id, with their keys and vectors."""

    @abstractmethod
    def export_progress(self, after: str, limit: int) -> list[IngestProgress]:
        """Up to ``limit`` files' ingest progress, by name past ``after``: an export carries it, so that a store
        imported from it does not read a finished file (the built-in knowledge base) again, which would bring
        back the passages of it that were deleted."""

    @abstractmethod
    def import_claims(self, claims: Sequence[ClaimCopy]) -> list[bool]:
        """Remember each claim not yet remembered (none of the same key and text) with its own verdict, counts and
        times, in one commit; whether each was new, in order. Ids are the store's own: each new claim gets one."""

    # Ingest progress

    @abstractmethod
    def get_progress(self, source_file: str) -> IngestProgress | None: ...

    @abstractmethod
    def set_progress(self, source_file: str, sha256: str, lines_done: int) -> None:
        """Record that the first ``lines_done`` lines of ``source_file`` (hashing to ``sha256``) are in."""

    # Consistency

    @abstractmethod
    def check(self, *, verify_vectors: bool = True) -> list[str]:
        """Problems found (empty when consistent); start-up refuses to serve verdicts while there are any.

        ``verify_vectors=False`` trusts the verification the store made when it opened (start-up has just
        opened it) and reports only what that found and nothing has mended since.
        """

    @abstractmethod
    def lost_passages(self) -> list[tuple[int, str]]:
        """(row, text) of each passage whose vector was found lost: to re-embed with the model."""

    @abstractmethod
    def restore_passage_vectors(self, rows: Sequence[int], vectors: npt.ArrayLike) -> None:
        """Write re-embedded unit vectors back over the rows ``lost_passages`` listed."""

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be reached now, for /health to say so. The embedded
        store's files are local, with nothing to reach (their failures show on use: 507, or at start-up)."""
