"""glibc's malloc, tuned for a process that must return to its resting size (both processes use it).

glibc keeps freed memory for reuse instead of giving it back to the OS, and adapts
its rules to what it has seen; in a 512 MiB container that shows up as RSS that
stays at its high-water mark, and as model calls whose peak depends on the calls
before them. Each function is a no-op returning False where there is no glibc.
"""

from __future__ import annotations

import ctypes

LIBC = ctypes.CDLL(None, use_errno=True)
# mallopt parameters, from glibc's malloc.h.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def release_free_memory() -> bool:
    """Give freed heap pages back to the OS.

    Measured in the model child on 60 batches of long texts: RSS ends at 209 MB with
    this after every batch, 326 MB without, at the same speed.
    """
    malloc_trim = getattr(LIBC, "malloc_trim", None)
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True


def cap_malloc_arenas(arenas: int) -> bool:
    """Cap the malloc arenas (call before worker threads start).

    glibc's default is 8 per core, and each thread that allocates (asyncio.to_thread's
    workers: store reads and writes) may get an arena of its own, which keeps its freed pages.
    """
    return _mallopt(M_ARENA_MAX, arenas)


def fix_mmap_threshold(size_bytes: int) -> bool:
    """Serve every allocation of ``size_bytes`` or more with its own mmap, returned to the OS when freed.

    By default the threshold rises (up to 32 MiB) each time a large block is freed, after
    which onnxruntime's activations stay in the heap and several can coexist: one call's
    peak then moved by whole attention tensors from one repeat to the next (8 x 256 tokens:
    305 to 353 MiB over rest). A fixed threshold of 1 MiB made the peaks repeatable and
    predictable from the call's shape (worst error 7.5 MiB over the grid of bench/call_peak.py),
    with the same throughput on ordinary claims within noise (166 against 158 texts/s, medians
    of 5 interleaved runs).
    """
    return _mallopt(M_MMAP_THRESHOLD, size_bytes)


def _mallopt(parameter: int, value: int) -> bool:
    mallopt = getattr(LIBC, "mallopt", None)
    return mallopt is not None and bool(mallopt(parameter, value))
