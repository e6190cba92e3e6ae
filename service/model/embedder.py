"""The web process's one handle on the model: queue, micro-batching, futures by id, restarts.

Every ``embed()`` call becomes one or more jobs (at most ``max_batch_size`` texts
each) with a future. A batching task drains the queue into one model call at a
time, serving clients in turn (:mod:`service.model.fair_queue`); the reply comes back
with the batch id and is split among the jobs. A caller that is cancelled (its
client went away) leaves its jobs behind, and the batcher skips them unread.

The child is watched through its pipe *and* its sentinel, so a death is seen at
once. When it dies, the in-flight jobs go back to the front of the queue and are
re-sent to a new child; a job whose batch was lost twice fails with
``ModelCrashed``. When the model raises on a batch instead (the child stays up),
each of its jobs is retried in a batch of its own, and a job that fails alone fails
with ``TextRejected``: one bad text never fails the requests batched with it. No
future is ever left pending: shutdown and boot failure fail every waiting job with
``ModelUnavailable``. Only one model runs at a time, because two would not fit in a
512 MiB container.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from model_proc.protocol import BatchFailed, BootFailed, EmbedBatch, Embeddings, FromChild, ModelSpec, Ping, Pong, Ready
from service.errors import ModelCrashed, ModelOverloaded, ModelTimeout, ModelUnavailable, TextRejected
from service.model.cpu import model_threads
from service.model.fair_queue import FairQueue
from service.model.process import ModelProcess, start_context
from service.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
# A child killed while it boots is replaced this many times in a row at most, after pauses doubling from this.
BOOT_ATTEMPTS = 4
BOOT_BACKOFF_S = 0.5
ANONYMOUS = "-"  # the client of work that has none (start-up, ingest)
STOP_GRACE_S = 5.0


class State(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


class ChildDied(Exception):
    """Internal: the child ended while a batch or the READY handshake was pending."""


class BootFailedError(Exception):
    """Internal: the child reported that the model could not load."""


@dataclass(frozen=True)
class Embedding:
    """Rows of vectors for a request's texts, and which texts the model read only up to the token cap."""

    vectors: np.ndarray
    truncated: np.ndarray  # bool, one per text


@dataclass(eq=False)
class Job:
    texts: list[str]
    future: asyncio.Future[Embedding]
    client: str = ANONYMOUS  # whose request it is: the queue serves clients in turn
    attempts: int = 0
    last_error: str = ""
    alone: bool = False  # in a batch of its own, since a batch it was in failed

    def done(self) -> bool:
        """Answered, failed, or no longer wanted (cancelled, timed out): the batcher skips it."""
        return self.future.done()


@dataclass(eq=False)
class InFlight:
    batch_id: int
    jobs: list[Job]
    reply: asyncio.Future[FromChild]
    sent_at: float = field(default_factory=time.monotonic)


@dataclass
class EmbedderStats:
    model_calls: int = 0
    texts_embedded: int = 0
    late_replies_dropped: int = 0
    onnx_calls: int = 0  # each batch takes one or more, planned under MODEL_CALL_BUDGET_MB
    batch_sizes: Counter[int] = field(default_factory=Counter)  # texts per batch -> batches
    last_batch_peak_mb: float | None = None  # the child's high-water mark during its last batch
    restarts: Counter[str] = field(default_factory=Counter)
    last_restart_reason: str = ""
    last_restart_seconds: float | None = None


def restart_kind(reason: str) -> str:
    """The counter a restart reason is tallied under: its first word (``budget``, ``died``, ``timeout``)."""
    return reason.split(":", 1)[0]


class Embedder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = ModelSpec(
            name=settings.text_embedding_model,
            cache_dir=settings.data_dir / "models",
            max_tokens=settings.max_tokens,
            threads=model_threads(settings.model_threads),
            call_budget_mb=settings.model_call_budget_mb,
        )
        self._start_context = start_context(settings.model_start_method)
        self.state = State.STARTING
        self.failure = ""
        self.child: ModelProcess | None = None
        self.stats = EmbedderStats()
        self._queue: FairQueue[Job] = FairQueue()
        self._work = asyncio.Event()
        self._ready = asyncio.Event()
        self._batch_lock = asyncio.Lock()
        self._batch_ids = itertools.count(1)
        self._ping_ids = itertools.count(1)
        self._in_flight: InFlight | None = None
        self._last_batch_jobs = 0
        self._handshake: asyncio.Future[Ready] | None = None
        self._batcher: asyncio.Task[None] | None = None
        self._restart_task: asyncio.Task[None] | None = None

    # --- lifecycle ---

    async def start(self) -> None:
        """Spawn the child and wait for READY; raises ModelUnavailable if the model cannot load."""
        await self._spawn()
        if self.state is State.FAILED:
            raise ModelUnavailable(self.failure)
        self._batcher = asyncio.create_task(self._run_batches(), name="embedder-batcher")

    async def stop(self) -> None:
        self.state = State.STOPPED
        self._ready.clear()
        for task in (self._restart_task, self._batcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._fail_queue(ModelUnavailable("the service is shutting down"))
        if self.child is not None:
            await self._retire(self.child)

    def request_restart(self, reason: str, graceful: bool) -> None:
        """Replace the child (once, however many callers ask); the batcher pauses until the new one is ready."""
        if self.state in (State.STOPPED, State.FAILED) or self._restart_in_progress():
            return
        self.state = State.RESTARTING
        self._ready.clear()
        self._restart_task = asyncio.create_task(self._restart(reason, graceful), name="embedder-restart")

    def _restart_in_progress(self) -> bool:
        return self._restart_task is not None and not self._restart_task.done()

    async def _restart(self, reason: str, graceful: bool) -> None:
        started = time.monotonic()
        old = self.child
        pid = old.pid if old else 0
        self.stats.restarts[restart_kind(reason)] += 1
        self.stats.last_restart_reason = reason
        log.warning("Restarting model child pid=%d: %s", pid, reason)
        if graceful:
            # Let the batch in flight finish on the old child; the batcher starts no new one meanwhile.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.model_call_timeout_s):
                    async with self._batch_lock:
                        pass
        if old is not None:
            # A child that stopped answering cannot heed a shutdown request: it is killed at once.
            await self._retire(old, STOP_GRACE_S if graceful else 0.0)
        await self._spawn()
        if self.state is not State.FAILED:
            self.stats.last_restart_seconds = time.monotonic() - started
            log.info("Model child restarted in %.2fs (pid %d -> %d)", self.stats.last_restart_seconds, pid, self.pid)

    async def _spawn(self) -> None:
        """Start a child and wait for READY. A child killed while booting (by the OOM killer, an operator)
        is replaced, after a growing pause, up to BOOT_ATTEMPTS times in a row; a model that cannot load
        (the child says so, or never answers) is not retried: it would fail the same way."""
        for attempt in range(1, BOOT_ATTEMPTS + 1):
            child, handshake = self._start_child()
            try:
                async with asyncio.timeout(self.settings.model_boot_timeout_s):
                    child.ready = await handshake
            except ChildDied as death:
                await self._retire(child)
                if attempt == BOOT_ATTEMPTS:
                    await self._boot_failed(child, f"{death} while booting, {attempt} times in a row")
                    return
                pause_s = BOOT_BACKOFF_S * 2 ** (attempt - 1)
                log.warning("Model child pid=%d %s while booting; starting another in %.1fs", child.pid, death, pause_s)
                await asyncio.sleep(pause_s)
                continue
            except (TimeoutError, BootFailedError) as error:
                await self._boot_failed(child, str(error) or "timed out waiting for READY")
                return
            break
        ready = child.ready
        assert ready is not None
        log.info(
            "Model child pid=%d ready: %s, dim %d, onnxruntime threads %d",
            child.pid,
            ready.model,
            ready.dim,
            self.spec.threads,
        )
        self.state = State.READY
        self._ready.set()

    def _start_child(self) -> tuple[ModelProcess, asyncio.Future[Ready]]:
        """A new child, watched through its pipe and its sentinel, and the future of its READY."""
        loop = asyncio.get_running_loop()
        child = ModelProcess(self.spec, self.settings.log_level, self.settings.log_format, self._start_context)
        self.child = child
        self._handshake = handshake = loop.create_future()
        loop.add_reader(child.conn.fileno(), self._on_readable, child)
        loop.add_reader(child.sentinel, self.on_child_exit, child)
        return child, handshake

    async def _boot_failed(self, child: ModelProcess, reason: str) -> None:
        """A model that cannot load will not load on the next try either: stop, fail everything, say why."""
        self.failure = f"model {self.spec.name!r} failed to load: {reason}"
        log.error("%s; not restarting", self.failure)
        self.state = State.FAILED
        self._ready.clear()
        await self._retire(child)
        self._fail_queue(ModelUnavailable(self.failure))

    async def _retire(self, child: ModelProcess, grace_s: float = STOP_GRACE_S) -> None:
        self._detach(child)
        await child.stop(grace_s)

    def _detach(self, child: ModelProcess) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(child.conn.fileno())
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(child.sentinel)

    # --- the pipe and the sentinel ---

    def _on_readable(self, child: ModelProcess) -> None:
        try:
            message: FromChild = child.conn.recv()
        except (EOFError, OSError):
            self.on_child_exit(child)
            return
        self._dispatch(child, message)

    def _dispatch(self, child: ModelProcess, message: FromChild) -> None:
        if isinstance(message, Ready | BootFailed):
            if child is self.child and self._handshake is not None and not self._handshake.done():
                if isinstance(message, Ready):
                    self._handshake.set_result(message)
                else:
                    log.error("Model child traceback:\n%s", message.traceback)
                    self._handshake.set_exception(BootFailedError(message.error))
            return
        if isinstance(message, Pong):
            child.answered(message)
            return
        flight = self._in_flight
        if flight is None or child is not self.child or message.batch_id != flight.batch_id:
            self.stats.late_replies_dropped += 1
            log.warning("Dropping reply for batch %d: its request is no longer waiting", message.batch_id)
            return
        if not flight.reply.done():
            flight.reply.set_result(message)

    def on_child_exit(self, child: ModelProcess) -> None:
        """The sentinel fired (or the pipe broke, or the watchdog saw it dead): read what it sent, then mourn it.

        Its batch and handshake fail with ChildDied (so the batch is retried) and a restart is requested.
        Only the first call for a child does anything.
        """
        if child.reaped:
            return
        with contextlib.suppress(EOFError, OSError):
            while child.conn.poll(0):
                self._dispatch(child, child.conn.recv())
        self._detach(child)
        child.reap()
        if child is not self.child:
            return
        reason = f"died: {child.exit_description()}"
        log.error("Model child pid=%d %s", child.pid, reason)
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_exception(ChildDied(reason))
        if self._in_flight is not None and not self._in_flight.reply.done():
            self._in_flight.reply.set_exception(ChildDied(reason))
        if self.state is State.READY:
            self.request_restart(reason, graceful=False)

    # --- requests ---

    async def embed(self, texts: list[str], client: str = ANONYMOUS) -> np.ndarray:
        """L2-normalised embeddings, one row per text, in order."""
        return (await self.embed_texts(texts, client)).vectors

    async def embed_texts(self, texts: list[str], client: str = ANONYMOUS) -> Embedding:
        """Embeddings, and which texts were cut at the token cap (so a caller can say what was not read).

        If the caller is cancelled (its client went away), its texts leave the queue unread.
        """
        if not texts:
            return Embedding(np.zeros((0, self.dim), dtype=np.float32), np.zeros(0, dtype=bool))
        if self.state in (State.FAILED, State.STOPPED):
            raise ModelUnavailable(self.failure or "the model is not running")
        if not self._queue.admits(client, self.settings.max_queue_texts):  # a request joins whole or not at all
            raise ModelOverloaded(
                f"{self._queue.texts} texts are already waiting for the model, many of them yours; retry shortly"
            )
        loop = asyncio.get_running_loop()
        size = self.settings.max_batch_size
        jobs = [Job(texts[i : i + size], loop.create_future(), client) for i in range(0, len(texts), size)]
        for job in jobs:
            self._enqueue(job)
        try:
            async with asyncio.timeout(self.settings.request_timeout_s):
                parts = await asyncio.gather(*(job.future for job in jobs))
        except TimeoutError:
            raise ModelTimeout(f"no embeddings within {self.settings.request_timeout_s:g}s") from None
        finally:
            for job in jobs:
                if not job.future.done():
                    job.future.cancel()  # the batcher skips it, or ignores its result
                elif not job.future.cancelled():
                    job.future.exception()  # mark a second failure as seen
        return Embedding(
            np.concatenate([part.vectors for part in parts]), np.concatenate([part.truncated for part in parts])
        )

    @property
    def dim(self) -> int:
        child = self.child
        return child.ready.dim if child is not None and child.ready is not None else 0

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child is not None else None

    def queue_depth(self) -> int:
        return self._queue.texts

    @property
    def batch_age_s(self) -> float | None:
        """How long the child has been working on its batch (None between batches): a stopped or hung
        child shows here long before its batch times out."""
        return None if self._in_flight is None else time.monotonic() - self._in_flight.sent_at

    def ping(self) -> None:
        """Ask the child, between batches, whether it still answers; a batch in flight is watched by its own timeout."""
        child = self.child
        if self.state is not State.READY or child is None or self._in_flight is not None or child.ping is not None:
            return
        with contextlib.suppress(OSError):  # a dead child's pipe: its sentinel reports the death
            child.send_ping(Ping(next(self._ping_ids)))

    @property
    def unanswered_ping_s(self) -> float | None:
        """How long the child has left a ping unanswered (None: it has none): a stopped or deadlocked
        child between batches shows here, where no batch timeout can see it."""
        child = self.child
        return None if child is None else child.ping_age_s()

    @property
    def in_flight_batch(self) -> int | None:
        """The id of the batch the child is working on, if any."""
        return self._in_flight.batch_id if self._in_flight is not None else None

    def _enqueue(self, job: Job, front: bool = False) -> None:
        self._queue.push(job, front)
        self._work.set()

    def _take_batch(self) -> list[Job]:
        batch = self._queue.take(self._fits)
        if not self._queue.texts:
            self._work.clear()
        return batch

    def _fits(self, batch: list[Job], job: Job) -> bool:
        """Whether ``job`` may join ``batch``: a job retried alone takes a batch of its own."""
        if job.alone or batch[0].alone:
            return False
        return sum(len(queued.texts) for queued in batch) + len(job.texts) <= self.settings.max_batch_size

    def _fail_queue(self, error: Exception) -> None:
        for job in self._queue.clear():
            if not job.future.done():
                job.future.set_exception(error)
        self._work.clear()

    # --- the batching task ---

    async def _run_batches(self) -> None:
        while True:
            await self._work.wait()
            await self._ready.wait()
            if self._should_wait_for_company():
                await asyncio.sleep(self.settings.max_batch_wait_ms / 1000)
            async with self._batch_lock:
                if not self._ready.is_set():
                    continue
                jobs = self._take_batch()
                if jobs:
                    self._last_batch_jobs = len(jobs)
                    await self._run_batch(jobs)

    def _should_wait_for_company(self) -> bool:
        """Wait for a batch to fill only while requests arrive together (the last batch served several).

        A lone caller would pay the wait on every request for nothing.
        """
        return self._last_batch_jobs > 1 and self._queue.texts < self.settings.max_batch_size

    async def _run_batch(self, jobs: list[Job]) -> None:
        child = self.child
        assert child is not None
        loop = asyncio.get_running_loop()
        flight = InFlight(next(self._batch_ids), jobs, loop.create_future())
        texts = [text for job in jobs for text in job.texts]
        self._in_flight = flight
        try:
            child.send(EmbedBatch(flight.batch_id, texts))
            async with asyncio.timeout(self.settings.model_call_timeout_s):
                reply = await flight.reply
        except TimeoutError:
            self._retry(jobs, f"batch {flight.batch_id} timed out")
            limit = self.settings.model_call_timeout_s
            self.request_restart(f"timeout: batch {flight.batch_id} took over {limit:g}s", graceful=False)
            return
        except (ChildDied, BrokenPipeError, OSError) as error:
            self._retry(jobs, str(error) or "the model child died")
            return
        except asyncio.CancelledError:  # shutdown: nobody will send this batch again
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(ModelUnavailable("the service is shutting down"))
            raise
        finally:
            self._in_flight = None
        if isinstance(reply, BatchFailed):
            log.debug("Model child's traceback for batch %d:\n%s", flight.batch_id, reply.traceback)
            self._isolate(flight.batch_id, jobs, reply.error)
            return
        assert isinstance(reply, Embeddings)
        self._deliver(child, jobs, reply)

    def _deliver(self, child: ModelProcess, jobs: list[Job], reply: Embeddings) -> None:
        vectors = reply.vectors
        child.record_batch(reply.peak_rss_mb)
        self.stats.model_calls += 1
        self.stats.onnx_calls += reply.calls
        self.stats.texts_embedded += len(vectors)
        self.stats.batch_sizes[len(vectors)] += 1
        self.stats.last_batch_peak_mb = reply.peak_rss_mb
        truncated = np.zeros(len(vectors), dtype=bool)
        truncated[list(reply.truncated)] = True
        offset = 0
        for job in jobs:
            if not job.future.done():
                end = offset + len(job.texts)
                job.future.set_result(Embedding(vectors[offset:end], truncated[offset:end]))
            offset += len(job.texts)

    def _isolate(self, batch_id: int, jobs: list[Job], error: str) -> None:
        """The model raised on this batch: try each request's texts alone, so only the one at fault fails.

        A request that fails alone is rejected (not retried: the same texts fail the same way).
        """
        live = [job for job in jobs if not job.future.done()]
        if len(live) == 1 and live[0].alone:
            log.error("Model failed on a request's texts alone (batch %d): %s", batch_id, error)
            live[0].future.set_exception(TextRejected(f"the model could not embed this text: {error}"))
            return
        log.warning("Model failed batch %d (%s); retrying its %d requests one by one", batch_id, error, len(live))
        for job in reversed(live):
            job.alone = True
            self._enqueue(job, front=True)

    def _retry(self, jobs: list[Job], error: str) -> None:
        """Put lost jobs back at the front, in order; a job lost twice fails instead."""
        for job in reversed(jobs):
            if job.future.done():
                continue
            job.attempts += 1
            job.last_error = error
            if job.attempts >= MAX_ATTEMPTS:
                job.future.set_exception(ModelCrashed(f"the model failed twice on this request: {error}"))
            else:
                self._enqueue(job, front=True)
