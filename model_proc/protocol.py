"""Messages that cross the pipe between the web process and the model child.

Every message is a small frozen dataclass pickled by ``multiprocessing``.
Requests carry a batch id; every reply to a request carries the same id, so a
reply that arrives after its request was given up on is recognised and dropped.
Nothing in here imports numpy's heavy friends or the model libraries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ModelSpec:
    """What the child should load and how."""

    name: str
    cache_dir: Path
    max_tokens: int
    threads: int
    call_budget_mb: float = math.inf  # predicted transient peak one onnxruntime call may have


# --- web process -> child ---


@dataclass(frozen=True)
class EmbedBatch:
    batch_id: int
    texts: list[str]


@dataclass(frozen=True)
class Ping:
    """Sent between batches: a child that does not answer is hung (stopped, deadlocked), not idle."""

    ping_id: int


@dataclass(frozen=True)
class Shutdown:
    """Ask the child to exit after the batch it is working on."""


# --- child -> web process ---


@dataclass(frozen=True)
class Ready:
    """Sent once, after the model has loaded and embedded a warm-up text."""

    pid: int
    model: str
    dim: int
    load_seconds: float


@dataclass(frozen=True)
class BootFailed:
    """The model could not be loaded; the child exits after sending this."""

    error: str
    traceback: str


@dataclass(frozen=True)
class Embeddings:
    batch_id: int
    vectors: np.ndarray  # (len(texts), dim) float32, L2-normalised
    truncated: tuple[int, ...]  # indices of the texts cut at the token cap
    calls: int  # onnxruntime calls the batch took
    peak_rss_mb: float | None  # the child's high-water mark while embedding it (None: not on Linux)


@dataclass(frozen=True)
class Pong:
    ping_id: int


@dataclass(frozen=True)
class BatchFailed:
    """The model raised while embedding a batch; the child stays up."""

    batch_id: int
    error: str
    traceback: str


ToChild = EmbedBatch | Ping | Shutdown
FromChild = Ready | BootFailed | Embeddings | BatchFailed | Pong
