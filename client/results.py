"""Typed answers: the service's JSON read into frozen dataclasses.

Field names are the JSON keys of the API (README, "API"), so ``dataclasses.asdict`` gives back the
service's own shape, plus ``request_id`` on each whole answer. Keys this client does not know yet are
ignored, so a newer service does not break an older client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """Where a claim stands in the text sent: ``text[start:end]``, in code points."""

    start: int
    end: int


@dataclass(frozen=True)
class TextSpan:
    """A stretch of a claim or a passage, with its text."""

    start: int
    end: int
    text: str

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TextSpan | None:
        return None if data is None else cls(int(data["start"]), int(data["end"]), str(data["text"]))


@dataclass(frozen=True)
class Conflict:
    """Where claim and passage disagree: ``kind`` is name, number, opposite, category or negation;
    a side is None where it says nothing (a negation only one of them has)."""

    kind: str
    claim: TextSpan | None
    evidence: TextSpan | None


@dataclass(frozen=True)
class Reason:
    """Why the verdict: a sentence a person can check, and the passage it rests on."""

    explanation: str
    passage_id: str | None
    conflicts: tuple[Conflict, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        conflicts = tuple(
            Conflict(str(item["kind"]), TextSpan.from_json(item["claim"]), TextSpan.from_json(item["evidence"]))
            for item in data["conflicts"]
        )
        return cls(str(data["explanation"]), data["passage_id"], conflicts)


@dataclass(frozen=True)
class Evidence:
    """A passage retrieved for a claim, with its cosine similarity to it."""

    id: str
    text: str
    source: str
    similarity: float


@dataclass(frozen=True)
class RememberedClaim:
    """A claim in the service's memory. In a /verify answer, ``similarity`` and ``seen_before`` say how
    close the claim is to it and whether it existed before that request; in a /memory page they are None."""

    id: int
    claim: str
    verdict: str
    score: float
    evidence_ids: tuple[str, ...]
    times_seen: int
    first_seen: float
    last_seen: float
    similarity: float | None = None
    seen_before: bool | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RememberedClaim:
        return cls(
            id=int(data["id"]),
            claim=str(data["claim"]),
            verdict=str(data["verdict"]),
            score=float(data["score"]),
            evidence_ids=tuple(map(str, data["evidence_ids"])),
            times_seen=int(data["times_seen"]),
            first_seen=float(data["first_seen"]),
            last_seen=float(data["last_seen"]),
            similarity=None if data.get("similarity") is None else float(data["similarity"]),
            seen_before=None if data.get("seen_before") is None else bool(data["seen_before"]),
        )


@dataclass(frozen=True)
class Claim:
    """One claim of the text and its verdict: ``supported``, ``refuted`` or ``not_enough_evidence``."""

    claim: str
    span: Span
    verdict: str
    score: float
    from_memory: bool
    truncated: bool
    reason: Reason
    evidence: tuple[Evidence, ...]
    memory: RememberedClaim

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Claim:
        return cls(
            claim=str(data["claim"]),
            span=Span(int(data["span"]["start"]), int(data["span"]["end"])),
            verdict=str(data["verdict"]),
            score=float(data["score"]),
            from_memory=bool(data["from_memory"]),
            truncated=bool(data["truncated"]),
            reason=Reason.from_json(data["reason"]),
            evidence=tuple(
                Evidence(str(item["id"]), str(item["text"]), str(item["source"]), float(item["similarity"]))
                for item in data["evidence"]
            ),
            memory=RememberedClaim.from_json(data["memory"]),
        )


@dataclass(frozen=True)
class Verification:
    """The answer to :meth:`client.Client.verify`: one :class:`Claim` per claim found, in text order."""

    claims: tuple[Claim, ...]
    model: str
    took_ms: float
    request_id: str

    @classmethod
    def from_json(cls, data: dict[str, Any], request_id: str) -> Verification:
        claims = tuple(Claim.from_json(item) for item in data["claims"])
        return cls(claims, str(data["model"]), float(data["took_ms"]), request_id)


@dataclass(frozen=True)
class NewPassage:
    """A passage to add with :meth:`client.Client.add_evidence`. Without ``id`` the service makes one from
    text and source; ``metadata`` is kept with it (keys other than text, source and id)."""

    text: str
    source: str | None = None
    id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {**self.metadata, "text": self.text}
        if self.source is not None:
            body["source"] = self.source
        if self.id is not None:
            body["id"] = self.id
        return body


@dataclass(frozen=True)
class AddedPassage:
    """What became of one passage: ``added``, ``duplicate`` (``existing_id`` names the one stored),
    ``restored`` (it had been deleted) or ``id_conflict`` (its id holds other content; nothing stored)."""

    id: str
    status: str
    existing_id: str | None


@dataclass(frozen=True)
class EvidenceAdded:
    """The answer to :meth:`client.Client.add_evidence`, one result per passage sent, in order."""

    results: tuple[AddedPassage, ...]
    request_id: str

    @classmethod
    def from_json(cls, data: dict[str, Any], request_id: str) -> EvidenceAdded:
        results = tuple(
            AddedPassage(str(item["id"]), str(item["status"]), item.get("existing_id")) for item in data["results"]
        )
        return cls(results, request_id)


@dataclass(frozen=True)
class Passage:
    """A stored evidence passage (:meth:`client.Client.get_evidence`)."""

    id: str
    text: str
    source: str
    metadata: dict[str, Any]
    added_at: float
    request_id: str

    @classmethod
    def from_json(cls, data: dict[str, Any], request_id: str) -> Passage:
        return cls(
            str(data["id"]),
            str(data["text"]),
            str(data["source"]),
            dict(data["metadata"]),
            float(data["added_at"]),
            request_id,
        )


@dataclass(frozen=True)
class MemoryPage:
    """A page of the claims verified so far, newest first; ``total`` counts them all."""

    items: tuple[RememberedClaim, ...]
    total: int
    offset: int
    limit: int
    request_id: str

    @classmethod
    def from_json(cls, data: dict[str, Any], request_id: str) -> MemoryPage:
        items = tuple(RememberedClaim.from_json(item) for item in data["items"])
        return cls(items, int(data["total"]), int(data["offset"]), int(data["limit"]), request_id)


@dataclass(frozen=True)
class Health:
    """``GET /health``: ``status`` is starting, healthy, degraded or unhealthy (with the reason in ``error``).

    ``processes`` holds the ``web`` and ``model`` entries as the service sends them (their fields grow
    with the service; see the README's ``/health`` section).
    """

    status: str
    memory_mb: float
    memory_percent: float
    memory_limit_mb: float
    memory_limit_source: str
    processes: dict[str, Any]
    error: str | None
    request_id: str

    @property
    def ready(self) -> bool:
        """True when the service verifies texts: healthy, or degraded (its model child restarting)."""
        return self.status in ("healthy", "degraded")

    @classmethod
    def from_json(cls, data: dict[str, Any], request_id: str) -> Health:
        return cls(
            status=str(data["status"]),
            memory_mb=float(data["memory_mb"]),
            memory_percent=float(data["memory_percent"]),
            memory_limit_mb=float(data["memory_limit_mb"]),
            memory_limit_source=str(data["memory_limit_source"]),
            processes=dict(data["processes"]),
            error=data.get("error"),
            request_id=request_id,
        )
