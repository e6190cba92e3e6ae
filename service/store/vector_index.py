"""A compact on-disk index of L2-normalised vectors, searched without a float32 copy of them in RAM.

Why: a float32 matrix of a million 384-d vectors is 1.5 GB, three times the container. Here
each row is kept three times on disk and only memory-mapped:

- ``vectors.i8``: the row quantised to int8, symmetric, with one scale per row
  (``scale = max|v| / 127``, ``q = round(v / scale)``); a search scans these, a chunk at a time;
- ``scales.f32``: those scales, one float32 per row;
- ``vectors.f16`` (or ``vectors.f32``, see ``rerank``): the row itself, read only for the few
  candidates a scan keeps, to score them exactly;
- ``meta.json``: format, dimension and re-rank precision, checked on every open.

A search costs one float32 scratch block of ``chunk_rows`` rows (0.75 MB at 512 x 384), a
window of scores and its candidates. The block (which the exact re-rank reuses when its candidates
fit) is kept between searches, its pages resident once used: allocated afresh it was a separate mmap
each time (the web process maps every allocation of 128 KiB or more, ``service.memory.heap``), faulted
in and zeroed again per search. Measured with that setting, 12 queries against the built-in 320
passages: 0.62 ms of CPU per search before, 0.30 ms now.
The file pages a search reads are released from the process (``MADV_DONTNEED``) as soon as they
are scanned: they stay in the kernel's page cache (shared, reclaimable) but never pile up in this
process's RSS, which the service's memory guard compares with the container limit; kept mapped, a
1M-row index would add ~370 MB of int8 pages (and, through fault-around, much of the re-rank file)
to the web process's RSS.

Appends are crash-safe: rows are written at the committed row count in all three files, each
is fsynced, and only then is the count raised. A row is part of the index when all three
files hold it completely; on open, a torn tail (a crash mid-append) is cut back to the last
complete row. With ``fsync_derived=False`` (as ``Store`` opens its indexes) an append fsyncs the
float copy only: the int8 copy and scales are derived from it, and a caller that opens with
``rows=`` and runs ``verify`` at every open pads and rebuilds whatever of them a power cut lost
(their rows fail ``verify``, see below), so their fsyncs bought nothing. One process writes an
index at a time (the caller ensures it; ``Store`` locks its data directory); within a process,
``add`` and ``search`` may run on different threads.

Damage is found, not trusted: a caller that knows how many rows the index must hold (``Store``
does, from its SQLite rows) opens it with ``rows=`` so that no file is ever cut below them (a
short file is padded with zero rows instead); ``verify`` then reads every row and names those
whose float copy is not a finite unit vector (``lost``: only the caller can recompute them, and
``replace`` writes them back) and those whose int8 copy disagrees with an intact float copy
(``stale``: ``requantise`` rebuilds them from it). Whatever the files hold, a score is in [-1, 1].

``rerank="float16"`` (the default) halves the re-rank file; its scores are within about 1e-5
of the float32 cosine, so two candidates closer than that may swap places against an exact
float32 search (measured: ~8% of random queries at k=20 show one such swap). ``"float32"`` makes
the results identical to an exact float32 brute-force search, for twice that file's disk.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

RerankPrecision = Literal["float16", "float32"]

FORMAT = 1
# 512 x 384 float32 is 0.75 MB: the scratch block stays in L2 while the query is multiplied by it.
# Measured on the 2-core dev box, 100k rows, one query: 512 rows ~11 ms, 1,024 ~12.5 ms, 8,192 ~18 ms
# (and past ~2,048 rows OpenBLAS starts threading the product, which stalls when the cores are busy).
DEFAULT_CHUNK_ROWS = 512
# Scores of this many rows are gathered before one partition; capped at SCAN_WINDOW_BYTES for all queries.
SCAN_WINDOW_ROWS = 16384
SCAN_WINDOW_BYTES = 4 * 1024 * 1024
# Candidates kept by the int8 scan per result asked for; the int8 score error (~4e-4) is far
# below the gap between rank k and rank 4k, so the exact re-rank sees every true top-k row.
DEFAULT_OVERSAMPLE = 4
# Inputs must be unit vectors (scores are cosines); this much norm error is still accepted.
NORM_TOLERANCE = 1e-3
# Rows read at a time by ``verify``: with its temporaries, 1,024 x 384 rows raise the web process's
# peak RSS by ~13 MB (4,096: ~39 MB) for the same ~0.5-1 s per 100k rows on the 2-core dev box.
VERIFY_CHUNK_ROWS = 1024
# How far a stored scale may be from the one recomputed from the float copy (float16 rounding is ~5e-4).
SCALE_TOLERANCE = 1e-3

_RERANK_DTYPES: dict[str, type[np.floating[Any]]] = {"float16": np.float16, "float32": np.float32}


@dataclass(frozen=True)
class _Maps:
    """Read-only views of the first ``count`` rows; replaced (never mutated) when rows are added.

    The arrays are plain ndarrays over ``mmap`` objects (slicing a ``np.memmap`` costs
    microseconds of Python per call, paid per chunk); the mappings are kept for ``madvise``.
    """

    count: int
    quantised: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    rerank: npt.NDArray[Any]
    quantised_map: mmap.mmap
    rerank_map: mmap.mmap


@dataclass(frozen=True)
class RowHealth:
    """What ``verify`` found, as sorted row numbers; both empty when the index is sound."""

    lost: npt.NDArray[np.int64]  # the float copy is not a finite unit vector: the vector is gone
    stale: npt.NDArray[np.int64]  # the float copy is sound, its int8 copy or scale is not


class CompactIndex:
    """Append-only int8 + re-rank index of unit vectors in ``directory``; see the module docstring."""

    def __init__(
        self,
        directory: Path,
        dim: int,
        *,
        rerank: RerankPrecision = "float16",
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        oversample: int = DEFAULT_OVERSAMPLE,
        rows: int | None = None,
        fsync_derived: bool = True,
    ) -> None:
        """Open (creating if needed) the index; ``rows`` as for ``_conform``, ``fsync_derived`` as the module says."""
        if dim < 1 or chunk_rows < 1 or oversample < 1:
            raise ValueError("dim, chunk_rows and oversample must be at least 1")
        if rerank not in _RERANK_DTYPES:
            raise ValueError(f"rerank must be one of {sorted(_RERANK_DTYPES)}, not {rerank!r}")
        if rows is not None and rows < 0:
            raise ValueError("rows must not be negative")
        self.directory = Path(directory)
        self.dim = dim
        self.rerank: RerankPrecision = rerank
        self.chunk_rows = chunk_rows
        self.oversample = oversample
        self._rerank_dtype = np.dtype(_RERANK_DTYPES[rerank])
        self._paths = (
            self.directory / "vectors.i8",
            self.directory / "scales.f32",
            self.directory / ("vectors.f16" if rerank == "float16" else "vectors.f32"),
        )
        self._row_bytes = (dim, 4, dim * self._rerank_dtype.itemsize)
        self._fsync_derived = fsync_derived
        self._workspace = np.empty(chunk_rows * dim, np.float32)  # pages are only taken as a search uses them
        self._workspace_lock = threading.Lock()
        self._lock = threading.Lock()
        self._maps: _Maps | None = None
        self._fds: list[int] = []
        self.directory.mkdir(parents=True, exist_ok=True)
        self._check_meta()
        try:
            created = [not path.exists() for path in self._paths]
            self._fds = [os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644) for path in self._paths]
            self._count = self._conform(rows)
            if any(created):
                _fsync_directory(self.directory)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return self._count

    def __enter__(self) -> CompactIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the files; the index cannot be used afterwards. Idempotent."""
        with self._lock:
            fds, self._fds = self._fds, []
            self._maps = None
        for fd in fds:
            os.close(fd)

    def add(self, vectors: npt.ArrayLike) -> range:
        """Append unit vectors ``(n, dim)``; returns their row numbers once they are on disk (fsynced: the float
        copy, and the derived ones unless ``fsync_derived`` is False).

        On any error nothing becomes visible: the files are cut back to the rows before the call.
        """
        rows = as_matrix(vectors, self.dim, "vectors")
        require_unit(rows)
        payloads = self._payloads(rows)
        with self._lock:
            self._require_open()
            start = self._count
            if len(rows) == 0:
                return range(start, start)
            try:
                for fd, payload, row_bytes in zip(self._fds, payloads, self._row_bytes, strict=True):
                    _pwrite_all(fd, payload, start * row_bytes)
                for fd in self._fds if self._fsync_derived else self._fds[2:]:  # the float copy is the last
                    os.fsync(fd)
            except BaseException:
                self._truncate_to(start)
                raise
            self._count = start + len(rows)
            return range(start, self._count)

    def search(
        self, queries: npt.ArrayLike, k: int, exclude: Collection[int] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The ``k`` rows most similar to each query, best first, and their cosine similarities.

        Returns two ``(m, k')`` arrays, ``k' = min(k, rows not excluded)``; equal scores are ordered
        by lower row. Rows in ``exclude`` (e.g. tombstones) are never returned. Queries should be
        unit vectors too (the scores are their dot products with the rows).
        """
        matrix = as_matrix(queries, self.dim, "queries")
        if k < 1:
            raise ValueError("k must be at least 1")
        if not np.isfinite(matrix).all():
            raise ValueError("queries must be finite")
        maps = self._current_maps()
        count = 0 if maps is None else maps.count
        skipped = _sorted_rows(exclude, count)
        wanted = min(k, count - len(skipped))
        if maps is None or wanted <= 0 or len(matrix) == 0:
            return np.empty((len(matrix), 0), np.int64), np.empty((len(matrix), 0), np.float32)
        with self._workspace_taken() as workspace:
            candidates, approximate = self._scan(maps, matrix, min(wanted * self.oversample, count), skipped, workspace)
            return self._rerank(maps, matrix, candidates, approximate, wanted, workspace)

    @contextlib.contextmanager
    def _workspace_taken(self) -> Iterator[npt.NDArray[np.float32]]:
        """The kept scratch block, or a fresh one while a search on another thread holds it."""
        if not self._workspace_lock.acquire(blocking=False):
            yield np.empty_like(self._workspace)
            return
        try:
            yield self._workspace
        finally:
            self._workspace_lock.release()

    def reconstruct(self, rows: Sequence[int] | npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.float32]:
        """The stored vectors of ``rows`` as float32 (from the re-rank copy), e.g. to rebuild or check."""
        maps = self._current_maps()
        wanted = np.asarray(rows, dtype=np.int64)
        count = 0 if maps is None else maps.count
        if wanted.size and (wanted.min() < 0 or wanted.max() >= count):
            raise IndexError(f"rows must be in [0, {count})")
        if maps is None:
            return np.empty((0, self.dim), np.float32)
        vectors = np.asarray(maps.rerank[wanted], dtype=np.float32)
        maps.rerank_map.madvise(mmap.MADV_DONTNEED)
        return vectors

    def verify(self, chunk_rows: int = VERIFY_CHUNK_ROWS) -> RowHealth:
        """Read every row: the float copy must be a finite unit vector, its int8 copy and scale those
        that quantising it gives (within one step; a float16 copy is rounded). Pages are released as read.

        Cost: one pass over all three files, about 2 kB a row at 384-d float32 (see the README's
        measurement for 100k rows); the store runs it when it opens and in its ``check``.
        """
        maps = self._current_maps()
        if maps is None:
            return RowHealth(np.empty(0, np.int64), np.empty(0, np.int64))
        lost: list[npt.NDArray[np.int64]] = []
        stale: list[npt.NDArray[np.int64]] = []
        for start in range(0, maps.count, chunk_rows):
            stop = min(start + chunk_rows, maps.count)
            vectors = np.asarray(maps.rerank[start:stop], dtype=np.float32)
            with np.errstate(over="ignore", invalid="ignore"):
                sound = np.asarray(np.isfinite(vectors).all(axis=1), dtype=bool)
                sound &= np.abs(np.linalg.norm(np.where(sound[:, None], vectors, 0), axis=1) - 1.0) <= NORM_TOLERANCE
            quantised, scales = _quantise(vectors[sound])
            stored_scales = maps.scales[start:stop][sound]
            agree = np.abs(stored_scales - scales) <= SCALE_TOLERANCE * scales
            steps = np.abs(maps.quantised[start:stop][sound].astype(np.int16) - quantised)
            agree &= (steps <= 1).all(axis=1)
            rows = np.arange(start, stop, dtype=np.int64)
            lost.append(rows[~sound])
            stale.append(rows[sound][~agree])
            _release(maps.quantised_map, start * self.dim, stop * self.dim)
            row_bytes = self._row_bytes[2]
            _release(maps.rerank_map, start * row_bytes, stop * row_bytes)
        return RowHealth(np.concatenate(lost), np.concatenate(stale))

    def requantise(self, rows: Sequence[int] | npt.NDArray[np.integer[Any]]) -> None:
        """Rebuild the int8 copy and scale of ``rows`` from their float copy (which must be sound)."""
        vectors = self.reconstruct(rows)
        require_unit(vectors)
        self._overwrite(np.asarray(rows, dtype=np.int64), vectors, copies=2)

    def replace(self, rows: Sequence[int] | npt.NDArray[np.integer[Any]], vectors: npt.ArrayLike) -> None:
        """Write unit ``vectors`` over existing ``rows`` in all three files (fsynced): lost rows recomputed."""
        matrix = as_matrix(vectors, self.dim, "vectors")
        wanted = np.asarray(rows, dtype=np.int64)
        if wanted.shape != (len(matrix),):
            raise ValueError(f"{len(matrix)} vectors for {wanted.size} rows")
        require_unit(matrix)
        self._overwrite(wanted, matrix, copies=3)

    def _overwrite(self, rows: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32], copies: int) -> None:
        """Write the first ``copies`` files' payloads of ``vectors`` at ``rows`` (a run of adjacent rows in
        one call), then fsync them. Rows keep their numbers, so the current maps stay valid."""
        if rows.size == 0:
            return
        if len(np.unique(rows)) != len(rows):
            raise ValueError("rows must not repeat")
        order = np.argsort(rows)
        rows, vectors = rows[order], vectors[order]
        payloads = self._payloads(vectors)
        with self._lock:
            self._require_open()
            if rows[0] < 0 or rows[-1] >= self._count:
                raise IndexError(f"rows must be in [0, {self._count})")
            runs = np.split(np.arange(len(rows)), np.flatnonzero(np.diff(rows) != 1) + 1)
            for fd, payload, row_bytes in list(zip(self._fds, payloads, self._row_bytes, strict=True))[:copies]:
                for run in runs:
                    _pwrite_all(fd, payload[run[0] : run[-1] + 1], int(rows[run[0]]) * row_bytes)
                os.fsync(fd)

    def _scan(
        self,
        maps: _Maps,
        queries: npt.NDArray[np.float32],
        width: int,
        skipped: npt.NDArray[np.int64],
        workspace: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The int8 pass: a running top ``width`` (row, approximate score) per query.

        Rows are converted to float32 ``chunk_rows`` at a time (the block stays in cache) and their
        scores gathered into a window of up to ``SCAN_WINDOW_ROWS`` rows, which is partitioned once:
        one ``argpartition`` per window rather than per chunk keeps the Python overhead small.
        """
        m, count = len(queries), maps.count
        chunk = min(self.chunk_rows, count)
        window = max(chunk, min(SCAN_WINDOW_ROWS, SCAN_WINDOW_BYTES // (4 * m)) // chunk * chunk)
        scratch = workspace[: chunk * self.dim].reshape(chunk, self.dim)
        window_scores = np.empty((m, min(window, count)), np.float32)
        lines = np.arange(m)[:, None]
        best_rows = np.empty((m, 0), np.int64)
        best_scores = np.empty((m, 0), np.float32)
        for start in range(0, count, window):
            stop = min(start + window, count)
            scores = window_scores[:, : stop - start]
            for low in range(start, stop, chunk):
                high = min(low + chunk, stop)
                block = scratch[: high - low]
                np.copyto(block, maps.quantised[low:high], casting="unsafe")
                np.matmul(queries, block.T, out=scores[:, low - start : high - start])
            scores *= maps.scales[start:stop]
            # A damaged row may hold anything (NaN, 1e38): keep it from crowding out sound candidates.
            np.nan_to_num(scores, copy=False, nan=-1.0, posinf=1.0, neginf=-1.0)
            _release(maps.quantised_map, start * self.dim, stop * self.dim)
            first, last = np.searchsorted(skipped, (start, stop))
            if last > first:
                scores[:, skipped[first:last] - start] = -np.inf
            if stop - start > width:
                top = np.argpartition(scores, stop - start - width, axis=1)[:, -width:]
                best_rows = np.concatenate((best_rows, top + start), axis=1)
                best_scores = np.concatenate((best_scores, scores[lines, top]), axis=1)
            else:
                rows = np.broadcast_to(np.arange(start, stop, dtype=np.int64), scores.shape)
                best_rows = np.concatenate((best_rows, rows), axis=1)
                best_scores = np.concatenate((best_scores, scores), axis=1)
            if best_rows.shape[1] > width:
                keep = np.argpartition(best_scores, best_rows.shape[1] - width, axis=1)[:, -width:]
                best_rows, best_scores = best_rows[lines, keep], best_scores[lines, keep]
        return best_rows, best_scores

    def _rerank(
        self,
        maps: _Maps,
        queries: npt.NDArray[np.float32],
        candidates: npt.NDArray[np.int64],
        approximate: npt.NDArray[np.float32],
        wanted: int,
        workspace: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Exact scores for the candidates only, from the re-rank copy; best first, lower row on ties."""
        m, width = candidates.shape
        size = m * width * self.dim
        vectors = (workspace[:size] if size <= workspace.size else np.empty(size, np.float32)).reshape(m, width, -1)
        np.copyto(vectors, maps.rerank[candidates.ravel()].reshape(m, width, self.dim))
        maps.rerank_map.madvise(mmap.MADV_DONTNEED)
        with np.errstate(over="ignore", invalid="ignore"):
            exact = np.matmul(vectors, queries[:, :, None])[:, :, 0]
        # A cosine is in [-1, 1] whatever a damaged file holds: no NaN or 3.9e37 ever leaves the index.
        np.clip(np.nan_to_num(exact, nan=-1.0), -1.0, 1.0, out=exact)
        # Excluded rows only fill slots when fewer rows than the candidate width remain.
        exact[np.isneginf(approximate)] = -np.inf
        order = np.lexsort((candidates, -exact), axis=1)[:, :wanted]
        lines = np.arange(m)[:, None]
        return candidates[lines, order], exact[lines, order].astype(np.float32)

    def _payloads(self, rows: npt.NDArray[np.float32]) -> tuple[npt.NDArray[Any], ...]:
        """What each file holds of unit ``rows``: int8 copy, scales, re-rank copy."""
        return (*_quantise(rows), rows.astype(self._rerank_dtype))

    def _current_maps(self) -> _Maps | None:
        with self._lock:
            self._require_open()
            if self._count == 0:
                return None
            if self._maps is None or self._maps.count != self._count:
                count = self._count
                quantised, scales, rerank = (
                    mmap.mmap(fd, count * row_bytes, access=mmap.ACCESS_READ)
                    for fd, row_bytes in zip(self._fds, self._row_bytes, strict=True)
                )
                # Candidates are a few scattered rows: no read-ahead or fault-around of their neighbours.
                rerank.madvise(mmap.MADV_RANDOM)
                self._maps = _Maps(
                    count,
                    np.frombuffer(quantised, dtype=np.int8).reshape(count, self.dim),
                    np.frombuffer(scales, dtype=np.float32),
                    np.frombuffer(rerank, dtype=self._rerank_dtype).reshape(count, self.dim),
                    quantised,
                    rerank,
                )
            return self._maps

    def _check_meta(self) -> None:
        """Refuse to open files written with another layout; write the layout on first use."""
        meta_path = self.directory / "meta.json"
        expected = {"format": FORMAT, "dim": self.dim, "rerank": self.rerank}
        if meta_path.exists():
            found = json.loads(meta_path.read_text(encoding="utf-8"))
            if found != expected:
                raise ValueError(f"{self.directory}: index is {found}, asked for {expected}")
            return
        if any(path.exists() and path.stat().st_size for path in self._paths):
            raise ValueError(f"{self.directory}: vector files without meta.json; refusing to guess their layout")
        temporary = meta_path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(expected, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, meta_path)
        _fsync_directory(self.directory)

    def _conform(self, rows: int | None) -> int:
        """Give each file exactly ``rows`` rows and return that count.

        ``None``: the rows complete in all three files, so a torn append is cut off. Given (the caller
        knows how many rows it references), nothing below ``rows`` is ever cut: a short or missing file
        is padded with zero rows, which ``verify`` reports (zero is not a unit vector), and only rows
        past ``rows`` (appended but never referenced) are dropped. The padding is allocated, not left
        sparse: reading a hole through a mapping can allocate (tmpfs does), and on a full disk that is a
        SIGBUS, where allocating now is an ``ENOSPC`` the caller can report.
        """
        sizes = [os.fstat(fd).st_size for fd in self._fds]
        if rows is None:
            rows = min(size // row_bytes for size, row_bytes in zip(sizes, self._row_bytes, strict=True))
        for fd, size, row_bytes in zip(self._fds, sizes, self._row_bytes, strict=True):
            if size > rows * row_bytes:
                os.ftruncate(fd, rows * row_bytes)
            elif size < rows * row_bytes:
                os.posix_fallocate(fd, size, rows * row_bytes - size)
            if size != rows * row_bytes:
                os.fsync(fd)
        return rows

    def _truncate_to(self, rows: int) -> None:
        for fd, row_bytes in zip(self._fds, self._row_bytes, strict=True):
            # Best effort: writes go to explicit offsets, and reopening cuts any leftover tail.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, rows * row_bytes)

    def _require_open(self) -> None:
        if not self._fds:
            raise ValueError(f"index {self.directory} is closed")


def as_matrix(values: npt.ArrayLike, dim: int, name: str) -> npt.NDArray[np.float32]:
    matrix = np.ascontiguousarray(values, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}), not {matrix.shape}")
    return matrix


def require_unit(rows: npt.NDArray[np.float32]) -> None:
    if not np.isfinite(rows).all():
        raise ValueError("vectors must be finite")
    if np.any(np.abs(np.linalg.norm(rows, axis=1) - 1.0) > NORM_TOLERANCE):
        raise ValueError("vectors must be L2-normalised (scores are cosine similarities)")


def _quantise(rows: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """The int8 copy of unit ``rows`` and their scales: symmetric, one scale per row (max|v| / 127)."""
    scales = (np.abs(rows).max(axis=1) / 127.0).astype(np.float32)
    quantised = np.rint(rows / scales[:, None]).clip(-127, 127).astype(np.int8)
    return quantised, scales


def _sorted_rows(rows: Collection[int] | None, count: int) -> npt.NDArray[np.int64]:
    """``rows`` as a sorted array without repeats, keeping only rows that exist."""
    if not rows:
        return np.empty(0, np.int64)
    array = np.unique(np.fromiter(rows, dtype=np.int64, count=len(rows)))
    return array[(array >= 0) & (array < count)]


def _pwrite_all(fd: int, array: npt.NDArray[Any], offset: int) -> None:
    """Write all of ``array``'s bytes at ``offset`` (explicit offsets: a failed append leaves no gap)."""
    data = np.ascontiguousarray(array).data.cast("B")
    while data:
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


def _release(mapping: mmap.mmap, start: int, stop: int) -> None:
    """Unmap the pages of bytes ``[start, stop)`` from this process once they have been read.

    They stay in the kernel's page cache, so the next search finds them there, but they stop
    counting toward this process's RSS, which the service's memory guard watches. A page shared
    with the next window is released with that window; the last window releases to the end.
    """
    low = start - start % mmap.PAGESIZE
    high = len(mapping) if stop >= len(mapping) else stop - stop % mmap.PAGESIZE
    if high > low:
        mapping.madvise(mmap.MADV_DONTNEED, low, high - low)


def _fsync_directory(directory: Path) -> None:
    """Make new and renamed entries of ``directory`` durable, not just the files' contents."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
