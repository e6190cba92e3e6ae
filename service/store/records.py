"""What both store backends take and give back, and the bounds and encodings they share.

Why a module of its own: the embedded and the PostgreSQL store must agree on every record, bound and hash
(a content hash or a memory key computed differently would make the same passage two passages), so they
are defined once here and each backend only moves them in and out of its tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# What the claim memory keeps of each claim, so that a /memory page is bounded in bytes (see list_claims).
# The model reads at most MAX_TOKENS (256) tokens of a claim, about 1,000 characters of English, and the
# splitter makes claims shorter still; a longer claim is stored cut at this length. Evidence ids are kept
# whole, in order, while their JSON list fits in its bound (50 ids of 30 characters do); later ones are dropped.
MAX_STORED_CLAIM_CHARS = 1_000
MAX_STORED_EVIDENCE_IDS_CHARS = 2_000


# What a passage may hold (checked by ingest.passage_from). The model reads a passage's first MAX_TOKENS
# tokens, about 1,000 characters of English; the rest is only for people reading the evidence. A /verify
# answer shows at most MAX_EVIDENCE_PER_REQUEST passages, so these bound its bytes too.
MAX_PASSAGE_CHARS = 2_000
MAX_SOURCE_CHARS = 500
MAX_PASSAGE_ID_CHARS = 200
MAX_METADATA_CHARS = 2_000  # of its JSON


@dataclass(frozen=True)
class NewPassage:
    id: str
    text: str
    source: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredPassage:
    id: str
    text: str
    source: str
    metadata: Mapping[str, Any]
    content_hash: str
    row: int  # its row in the passages index
    deleted: bool
    added_at: float


# added: stored now; duplicate: its content is already stored (existing_id says under which id);
# restored: its content was stored and deleted, and is live again; id_conflict: the id holds other content.
AddStatus = Literal["added", "duplicate", "restored", "id_conflict"]


@dataclass(frozen=True)
class AddResult:
    id: str  # the id asked for
    status: AddStatus
    existing_id: str | None = None  # for duplicate and restored: the passage that holds this content
    row: int | None = None  # the index row holding the content; None for id_conflict


@dataclass(frozen=True)
class NewClaim:
    claim: str
    verdict: str
    score: float
    evidence_ids: tuple[str, ...] = ()
    key: str = ""  # what a claim must share with it to be recalled as it (see ``recall_claims``)


@dataclass(frozen=True)
class StoredClaim:
    id: int
    claim: str
    verdict: str
    score: float
    evidence_ids: tuple[str, ...]
    first_seen: float
    last_seen: float
    times_seen: int
    row: int  # its row in the claims index


@dataclass(frozen=True)
class ClaimMatch:
    claim: StoredClaim
    similarity: float


@dataclass(frozen=True)
class IngestProgress:
    source_file: str
    sha256: str
    lines_done: int
    updated_at: float


@dataclass(frozen=True)
class PassageCopy:
    """A live passage as ``run.py export`` writes it and ``run.py import`` adds it to another store: what it
    holds, who owns it and its vector (so that the copy searches as the original did, without the model)."""

    row: int  # its row in the store it was read from: where the next page starts
    passage: NewPassage
    owner: str | None
    added_at: float
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True)
class ClaimCopy:
    """A remembered claim as ``run.py export`` writes it and ``run.py import`` stores it again: everything recall
    and a sighting need, its memory key as the store keeps it (a hash: the key itself is not stored), and its vector."""

    id: int  # its id in the store it was read from: where the next page starts (the copy gets a new one)
    claim: str
    verdict: str
    score: float
    evidence_ids: tuple[str, ...]
    first_seen: float
    last_seen: float
    times_seen: int
    key_hash: int | None  # None: stored before memory keys, keyed at the next start-up
    vector: npt.NDArray[np.float32]

    @classmethod
    def of(cls, claim: StoredClaim, key_hash: int | None, vector: npt.NDArray[np.float32]) -> ClaimCopy:
        return cls(
            claim.id,
            claim.claim,
            claim.verdict,
            claim.score,
            claim.evidence_ids,
            claim.first_seen,
            claim.last_seen,
            claim.times_seen,
            key_hash,
            vector,
        )

    def stored_columns(self) -> tuple[str, str, float, str, float, float, int]:
        """claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen as either store writes them
        (text and ids within their bounds)."""
        return (
            self.claim[:MAX_STORED_CLAIM_CHARS],
            self.verdict,
            float(self.score),
            bounded_evidence_ids(self.evidence_ids),
            self.first_seen,
            self.last_seen,
            self.times_seen,
        )


def content_hash(text: str, source: str) -> str:
    """sha256 of the passage's text and source, NFKC-normalised with whitespace collapsed.

    Case is kept: "US" and "us" are different passages.
    """

    def normalise(value: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", value).split())

    return hashlib.sha256(f"{normalise(text)}\x1f{normalise(source)}".encode()).hexdigest()


def metadata_json(item: NewPassage) -> str:
    if not item.id or not item.text.strip():
        raise ValueError(f"passage {item.id!r}: id and text must not be empty")
    try:
        return json.dumps(dict(item.metadata), ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"passage {item.id!r}: metadata is not JSON ({error})") from None


def passage_from_row(found: tuple[Any, ...]) -> StoredPassage:
    id_, text, source, metadata, digest, row, deleted, added_at = found
    return StoredPassage(
        str(id_), str(text), str(source), json.loads(metadata), str(digest), int(row), bool(deleted), float(added_at)
    )


def bounded_evidence_ids(ids: Sequence[str]) -> str:
    """The JSON list of the leading ids that fit in ``MAX_STORED_EVIDENCE_IDS_CHARS``; an id is never cut."""
    whole = json.dumps(list(ids))
    if len(whole) <= MAX_STORED_EVIDENCE_IDS_CHARS:  # the usual case: one encoding, not one per id
        return whole
    kept: list[str] = []
    size = len("[]")
    for id_ in ids:
        size += len(json.dumps(id_)) + (len(", ") if kept else 0)
        if size > MAX_STORED_EVIDENCE_IDS_CHARS:
            break
        kept.append(id_)
    return json.dumps(kept)


def leading_ids(cut_json: str) -> tuple[str, ...]:
    """The complete ids at the start of a JSON list of strings that ``substr`` cut short."""
    decoder = json.JSONDecoder()
    ids: list[str] = []
    position = cut_json.find("[") + 1
    while position:
        while cut_json[position : position + 1] in (",", " "):
            position += 1
        try:
            value, position = decoder.raw_decode(cut_json, position)
        except ValueError:
            break
        ids.append(str(value))
    return tuple(ids)


def bounded_claim_from_row(found: tuple[Any, ...]) -> StoredClaim:
    """A claim read with its columns cut by ``list_claims``: a cut evidence-id list keeps its whole ids."""
    try:
        return claim_from_row(found)
    except ValueError:  # the id list was longer than its bound (a row written before the bound): cut mid-way
        claim = claim_from_row((*found[:4], "[]", *found[5:]))
        return dataclasses.replace(claim, evidence_ids=leading_ids(str(found[4])))


def key_hash(key: str) -> int:
    """A memory key as a signed 64-bit integer (SQLite's INTEGER, PostgreSQL's BIGINT): keys collide at odds 2**-64."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def claim_from_row(found: tuple[Any, ...]) -> StoredClaim:
    id_, claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, row = found
    return StoredClaim(
        int(id_),
        str(claim),
        str(verdict),
        float(score),
        tuple(json.loads(evidence_ids)),
        float(first_seen),
        float(last_seen),
        int(times_seen),
        int(row),
    )
