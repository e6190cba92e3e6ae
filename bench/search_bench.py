"""Time CompactIndex against an exact float32 search in RAM, on the same random unit vectors.

    PYTHONPATH=. .venv/bin/python bench/search_bench.py [--rows 100000] [--queries 200] [--k 5] [--rerank float16]

Builds the index in a temporary directory in batches (so building never holds every vector),
times single-vector queries, then builds the float32 matrix the current service would hold and
times the same queries against it. RSS is the process's (psutil), split into anonymous memory
(heap: what the index saves) and file-backed pages (the memory-mapped index files: page cache
the kernel can drop under pressure, though a cgroup still counts it).

The machine may be shared: the load average and OPENBLAS_NUM_THREADS are printed with the figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import psutil

from service.memory.heap import release_free_memory
from service.store.vector_index import CompactIndex, RerankPrecision

MIB = 1024 * 1024
BATCH_ROWS = 10_000


def batches(rows: int, dim: int, seed: int) -> Iterator[npt.NDArray[np.float32]]:
    """The same seeded unit vectors every time, ``BATCH_ROWS`` at a time."""
    rng = np.random.default_rng(seed)
    for start in range(0, rows, BATCH_ROWS):
        vectors = rng.standard_normal((min(BATCH_ROWS, rows - start), dim), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        yield vectors


def memory() -> tuple[float, float, float]:
    """RSS, its anonymous part and its file-backed part, in MiB, after a collection and a heap trim.

    Without the trim, the build's 10,000-row batches leave ~15 MB of freed heap in RSS.
    """
    gc.collect()
    release_free_memory()
    info = psutil.Process().memory_info()
    return info.rss / MIB, (info.rss - info.shared) / MIB, info.shared / MIB


def time_queries(
    search: Callable[[npt.NDArray[np.float32]], npt.NDArray[np.int64]], queries: npt.NDArray[np.float32]
) -> tuple[list[float], list[list[int]]]:
    """Milliseconds per query, one query at a time, and the rows each returned."""
    for query in queries[:5]:
        search(query)  # warm-up
    timings: list[float] = []
    found: list[list[int]] = []
    for query in queries:
        start = time.perf_counter()
        rows = search(query)
        timings.append((time.perf_counter() - start) * 1000)
        found.append(rows.tolist())
    return timings, found


def percentile(values: list[float], fraction: float) -> float:
    return float(np.percentile(values, fraction * 100))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--rerank", choices=["float16", "float32"], default="float16")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    rerank: RerankPrecision = args.rerank

    rng = np.random.default_rng(args.seed + 1)
    queries = rng.standard_normal((args.queries, args.dim), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    at_start = memory()

    with tempfile.TemporaryDirectory(prefix="search-bench-") as directory:
        built = time.perf_counter()
        with CompactIndex(Path(directory), args.dim, rerank=rerank) as index:
            for vectors in batches(args.rows, args.dim, args.seed):
                index.add(vectors)
            del vectors  # the last batch: not part of what the index costs
            build_s = time.perf_counter() - built
            disk_mb = sum(path.stat().st_size for path in Path(directory).iterdir()) / MIB
            index_before = memory()
            index_times, index_rows = time_queries(lambda q: index.search(q[None], args.k)[0][0], queries)
            index_after = memory()

    matrix = np.concatenate(list(batches(args.rows, args.dim, args.seed)))
    brute_before = memory()

    def brute_force(query: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        scores = matrix @ query
        top = np.argpartition(scores, len(scores) - args.k)[-args.k :]
        ordered: npt.NDArray[np.int64] = top[np.lexsort((top, -scores[top]))]
        return ordered

    brute_times, brute_rows = time_queries(brute_force, queries)
    brute_after = memory()
    identical = sum(a == b for a, b in zip(index_rows, brute_rows, strict=True))

    print(
        f"{args.rows:,} rows x {args.dim} dims, {args.queries} single-vector queries, k={args.k}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    print(f"index: built in {build_s:.1f} s, {disk_mb:.1f} MB on disk (int8 + scales + {rerank} re-rank copy)")
    trimmed = "glibc heap trimmed before each figure" if release_free_memory() else "heap not trimmed (no glibc)"
    print(f"RSS at start (before any vectors): {at_start[0]:.1f} MB ({at_start[1]:.1f} MB anon); {trimmed}")
    print()
    header = (
        f"{'search':<26}{'median ms':>10}{'p95 ms':>9}{'RSS before':>12}{'RSS after':>11}"
        f"{'anon after':>12}{'file after':>12}{'vectors in RAM':>16}"
    )
    print(header)
    print("-" * len(header))
    rows = (
        (f"CompactIndex ({rerank})", index_times, index_before, index_after, "0 MB (mmap)"),
        ("float32 brute force", brute_times, brute_before, brute_after, f"{matrix.nbytes / MIB:.1f} MB"),
    )
    for name, times, before, after, in_ram in rows:
        print(
            f"{name:<26}{statistics.median(times):>10.2f}{percentile(times, 0.95):>9.2f}"
            f"{before[0]:>9.1f} MB{after[0]:>8.1f} MB{after[1]:>9.1f} MB{after[2]:>9.1f} MB{in_ram:>16}"
        )
    print()
    print(f"top-{args.k} identical to brute force (rows, in order) for {identical} of {args.queries} queries")


if __name__ == "__main__":
    main()
