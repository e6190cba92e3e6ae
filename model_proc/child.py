"""Entry point of the model child: load the model, say READY, embed batches until told to stop.

No exception crosses the pipe: a failed load is reported as ``BootFailed`` and a
failed batch as ``BatchFailed``, each with its traceback. The child exits when
its parent is gone (the kernel's parent-death signal, and a periodic check as a
fallback), so an OOM-killed web process never leaves a model behind.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from model_proc.kernel_memory import high_water_mark_mb, reset_high_water_mark, volunteer_for_oom_kill
from model_proc.models import MAX_TEXTS_PER_CALL, embed_within_budget
from model_proc.protocol import (
    BatchFailed,
    BootFailed,
    EmbedBatch,
    Embeddings,
    ModelSpec,
    Ping,
    Pong,
    Ready,
    Shutdown,
)
from service.memory.heap import LIBC, fix_mmap_threshold, release_free_memory

if TYPE_CHECKING:
    from fastembed import TextEmbedding

BOOT_FAILED_EXIT_CODE = 3
PARENT_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1
MMAP_THRESHOLD_BYTES = 1 << 20  # see service.memory.heap.fix_mmap_threshold; the call budget's figures assume it

log = logging.getLogger("model_proc.child")


def main(conn: Connection, spec: ModelSpec, log_level: str, log_format: str) -> None:
    from service.logs import configure_logging

    # The web process, or the forkserver that forked this child for it (it exits with the web process).
    parent_pid = os.getppid()
    configure_logging(log_level, log_format, role="model")
    exit_with_parent()
    volunteer_for_oom_kill()
    fix_mmap_threshold(MMAP_THRESHOLD_BYTES)
    # Ctrl-C reaches the whole process group; the web process decides when the child stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    model = boot(conn, spec)
    if model is None:
        sys.exit(BOOT_FAILED_EXIT_CODE)
    serve(conn, model, spec, parent_pid)


def exit_with_parent() -> None:
    """Ask Linux to send SIGTERM when the parent dies; elsewhere the poll loop notices instead."""
    try:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except AttributeError:
        log.debug("prctl unavailable; relying on the parent check")


def boot(conn: Connection, spec: ModelSpec) -> TextEmbedding | None:
    started = time.monotonic()
    try:
        from model_proc.models import load_model

        model = load_model(spec)
        dim = int(next(iter(model.embed(["warm-up"]))).shape[0])
    except Exception as error:
        log.error("model %s failed to load: %s", spec.name, error)
        conn.send(BootFailed(error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc()))
        return None
    release_free_memory()
    load_seconds = time.monotonic() - started
    log.info("model %s loaded in %.2fs (dim %d)", spec.name, load_seconds, dim)
    conn.send(Ready(pid=os.getpid(), model=spec.name, dim=dim, load_seconds=load_seconds))
    return model


def serve(conn: Connection, model: TextEmbedding, spec: ModelSpec, parent_pid: int) -> None:
    while True:
        if not conn.poll(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                log.warning("parent %d is gone; exiting", parent_pid)
                return
            continue
        try:
            message = conn.recv()
        except EOFError:
            return
        if isinstance(message, Shutdown):
            return
        if isinstance(message, EmbedBatch):
            conn.send(embed(model, spec, message))
            release_free_memory()
        elif isinstance(message, Ping):
            conn.send(Pong(message.ping_id))
        else:
            log.error("ignoring unknown message %r", type(message).__name__)


def embed(model: TextEmbedding, spec: ModelSpec, batch: EmbedBatch) -> Embeddings | BatchFailed:
    reset_high_water_mark()
    try:
        done = embed_within_budget(model, batch.texts, MAX_TEXTS_PER_CALL, spec.call_budget_mb)
    except Exception as error:  # one line here; the web process logs the traceback at DEBUG
        log.error("batch %d failed: %s: %s", batch.batch_id, type(error).__name__, error)
        return BatchFailed(batch.batch_id, f"{type(error).__name__}: {error}", traceback.format_exc())
    return Embeddings(batch.batch_id, done.vectors, done.truncated, done.calls, high_water_mark_mb())
