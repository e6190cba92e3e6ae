"""Transient peak memory of one onnxruntime call of the embedding model, by call shape and thread count.

    .venv/bin/python -m bench.call_peak [--quick] [--batches 1 2 4] [--lengths 32 256] [--threads 1 2]
                                        [--repeats 3] [--malloc-mmap-threshold BYTES]

Why: RSS read after a call returns misses what the call needed while it ran, and that peak,
not the resting RSS, is what meets the container's 512 MiB cap. To bound it (a token budget
per call, a cap on texts or tokens) we need the peak as a function of the call's shape:
B texts per call, each L tokens long (padded calls are rectangles of B x L tokens), and of
onnxruntime's thread count.

Each thread count runs in a fresh child process (onnxruntime's threads are per session, and a
fresh process rests at a clean RSS). The child loads the model as the service's model child
does (``load_model``, CPU arena off), then for each (B, L) warms up once with that shape and
repeats (three times by default): trim the heap as the child does after each batch, reset the kernel's
high-water mark (``5`` into ``/proc/self/clear_refs``), read ``VmRSS`` as the rest, make one
``model.embed`` call of B texts of exactly L tokens ([CLS] and [SEP] included), read ``VmHWM``.
The peak over rest is ``VmHWM - VmRSS``; medians and maxima are reported. The parent prints a table and
least-squares fits of the peak on tokens per call (B*L) and the attention term (B*L*L).

The peak depends on glibc's allocator history as well as on the shape: with its dynamic mmap
threshold, freed activations may stay in the heap and the same call's peak moves by whole
attention tensors (B x 12 heads x L x L float32) from one repeat to the next. The workers fix
the threshold as the service's child does (``--malloc-mmap-threshold 0`` leaves glibc's dynamic
one, to compare). Every repeat is kept so the table's medians can be checked against their spread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_proc.child import MMAP_THRESHOLD_BYTES
from model_proc.kernel_memory import high_water_mark_mb, reset_high_water_mark, resident_mb
from service.memory.heap import fix_mmap_threshold, release_free_memory

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256
DEFAULT_REPEATS = 3
FULL_BATCHES = (1, 2, 4, 8, 16, 32)
FULL_LENGTHS = (16, 32, 64, 128, 256)
QUICK_BATCHES = (1, 4, 8)
QUICK_LENGTHS = (32, 256)
THREADS = (1, 2)
FILLER_WORD = "the"  # one WordPiece token in the BERT-uncased vocabulary
# Repeats of one cell further apart than this (MiB) are flagged as noisy.
NOISY_SPREAD_MIB = 8.0


@dataclass(frozen=True)
class Cell:
    """The repeats of one call shape, for one thread count (medians, and every repeat's peak)."""

    batch: int
    length: int
    rest_mib: float
    peak_over_rest_mib: float
    ms_per_call: float
    peaks_mib: list[float]  # every repeat's peak over rest, in order

    @property
    def max_peak_mib(self) -> float:
        return max(self.peaks_mib)

    @property
    def spread_mib(self) -> float:
        return max(self.peaks_mib) - min(self.peaks_mib)


@dataclass(frozen=True)
class WorkerResult:
    threads: int
    intra_op_threads: int
    rss_after_load_mib: float
    rss_after_warm_up_mib: float
    cells: list[Cell]


# --- child side ---


def trim_heap() -> None:
    """Hand freed heap pages back to the OS, as the service's model child does after each batch."""
    if not release_free_memory():
        raise RuntimeError("no glibc malloc_trim here: the rest would not match the service's child")


def status_mib(read: Callable[[], float | None]) -> float:
    value = read()
    if value is None:
        raise RuntimeError("/proc/self/status does not give this process's memory")
    return value


def text_of_tokens(tokenizer: Any, length: int) -> str:
    """A text the model's tokenizer turns into exactly ``length`` tokens, [CLS] and [SEP] included."""
    text = " ".join([FILLER_WORD] * (length - 2))
    got = len(tokenizer.encode(text).ids)
    if got != length:
        raise RuntimeError(f"{length - 2} x {FILLER_WORD!r} tokenizes to {got} tokens, not {length}")
    return text


def measure_cell(model: Any, tokenizer: Any, batch: int, length: int, repeats: int) -> Cell:
    texts = [text_of_tokens(tokenizer, length)] * batch
    shapes = {len(encoding.ids) for encoding in tokenizer.encode_batch(texts)}
    if shapes != {length}:
        raise RuntimeError(f"a call of {batch} x {length} tokenizes to lengths {sorted(shapes)}")
    list(model.embed(texts, batch_size=batch))  # warm-up with this shape
    rests: list[float] = []
    peaks: list[float] = []
    times: list[float] = []
    for _ in range(repeats):
        trim_heap()
        reset_high_water_mark()
        rest = status_mib(resident_mb)
        started = time.perf_counter()
        vectors = list(model.embed(texts, batch_size=batch))
        elapsed = time.perf_counter() - started
        high = status_mib(high_water_mark_mb)
        if len(vectors) != batch:
            raise RuntimeError(f"{len(vectors)} vectors for {batch} texts")
        del vectors
        rests.append(rest)
        peaks.append(high - rest)
        times.append(elapsed * 1000)
    return Cell(
        batch=batch,
        length=length,
        rest_mib=statistics.median(rests),
        peak_over_rest_mib=statistics.median(peaks),
        ms_per_call=statistics.median(times),
        peaks_mib=peaks,
    )


def run_worker(threads: int, batches: list[int], lengths: list[int], repeats: int, mmap_threshold: int) -> WorkerResult:
    """Load the model with ``threads`` onnxruntime threads and measure every (batch, length) cell."""
    from model_proc.models import load_model
    from model_proc.protocol import ModelSpec

    if mmap_threshold:
        fix_mmap_threshold(mmap_threshold)
    with tempfile.TemporaryDirectory(prefix="call_peak-") as cache_dir:
        # The calls below are made here, one shape at a time: the child's call budget plays no part.
        spec = ModelSpec(
            name=MODEL_NAME,
            cache_dir=Path(cache_dir),
            max_tokens=MAX_TOKENS,
            threads=threads,
            call_budget_mb=float("inf"),
        )
        model = load_model(spec)
        trim_heap()
        after_load = status_mib(resident_mb)
        list(model.embed(["warm-up"]))  # what the service's child embeds before it says READY
        trim_heap()
        after_warm_up = status_mib(resident_mb)
        # fastembed types ``model.model`` as its abstract base; the ONNX implementation behind it has both.
        onnx_model: Any = model.model
        tokenizer = onnx_model.tokenizer
        intra_op = int(onnx_model.model.get_session_options().intra_op_num_threads)
        cells = []
        for batch in batches:
            for length in lengths:
                cell = measure_cell(model, tokenizer, batch, length, repeats)
                print(
                    f"  T={threads} {batch:>3} x {length:>3}: +{cell.peak_over_rest_mib:6.1f} MiB over "
                    f"{cell.rest_mib:5.1f}, {cell.ms_per_call:8.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
                cells.append(cell)
    return WorkerResult(threads, intra_op, after_load, after_warm_up, cells)


# --- parent side ---


def measure_in_fresh_process(
    threads: int, batches: list[int], lengths: list[int], repeats: int, mmap_threshold: int
) -> WorkerResult:
    command = [sys.executable, "-m", "bench.call_peak", "--worker", str(threads), "--repeats", str(repeats)]
    command += ["--batches", *map(str, batches), "--lengths", *map(str, lengths)]
    command += ["--malloc-mmap-threshold", str(mmap_threshold)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    root = Path(__file__).parent.parent
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=root, env=env)
    raw = json.loads(done.stdout)
    return WorkerResult(
        threads=raw["threads"],
        intra_op_threads=raw["intra_op_threads"],
        rss_after_load_mib=raw["rss_after_load_mib"],
        rss_after_warm_up_mib=raw["rss_after_warm_up_mib"],
        cells=[Cell(**cell) for cell in raw["cells"]],
    )


@dataclass(frozen=True)
class Fit:
    names: list[str]
    coefficients: list[float]
    worst_error_mib: float
    worst_cell: tuple[int, int]
    rms_error_mib: float


def fit(cells: list[Cell], peaks: list[float], with_attention: bool) -> Fit | None:
    """Least squares of ``peaks`` (one per cell) on 1, B*L/1000 and (optionally) B*L*L/1e6; None if underdetermined."""
    columns: list[list[float]] = [
        [1.0] * len(cells),
        [cell.batch * cell.length / 1e3 for cell in cells],
    ]
    names = ["c0 (MiB)", "c1 (MiB per 1k tokens)"]
    if with_attention:
        columns.append([cell.batch * cell.length * cell.length / 1e6 for cell in cells])
        names.append("c2 (MiB per 1e6 B*L*L)")
    design = np.array(columns).T
    if len(cells) < len(columns) or np.linalg.matrix_rank(design) < len(columns):
        return None
    observed = np.array(peaks)
    coefficients, *_ = np.linalg.lstsq(design, observed, rcond=None)
    errors = np.abs(design @ coefficients - observed)
    worst = int(np.argmax(errors))
    return Fit(
        names=names,
        coefficients=[float(value) for value in coefficients],
        worst_error_mib=float(errors[worst]),
        worst_cell=(cells[worst].batch, cells[worst].length),
        rms_error_mib=float(np.sqrt(np.mean(errors**2))),
    )


def describe_fit(label: str, result: Fit | None) -> str:
    if result is None:
        return f"  {label}: too few distinct shapes to fit"
    terms = ", ".join(f"{name} = {value:.3f}" for name, value in zip(result.names, result.coefficients, strict=True))
    batch, length = result.worst_cell
    return (
        f"  {label}: {terms}; worst |error| {result.worst_error_mib:.1f} MiB (at {batch} x {length}), "
        f"rms {result.rms_error_mib:.1f} MiB"
    )


def compare_fits(threads: int, cells: list[Cell], peaks: list[float]) -> list[str]:
    """Both fits of ``peaks`` and whether the one on B*L alone does as well as the one with the attention term."""
    full = fit(cells, peaks, with_attention=True)
    simple = fit(cells, peaks, with_attention=False)
    lines = [
        describe_fit(f"T={threads}, with attention term", full),
        describe_fit(f"T={threads}, B*L alone        ", simple),
    ]
    if full is not None and simple is not None:
        as_good = simple.worst_error_mib <= max(1.25 * full.worst_error_mib, full.worst_error_mib + 5.0)
        lines.append(
            f"  T={threads}: the B*L-alone fit is {'as good' if as_good else 'worse'} "
            f"(worst error {simple.worst_error_mib:.1f} vs {full.worst_error_mib:.1f} MiB)"
        )
    return lines


def report(results: list[WorkerResult]) -> list[str]:
    lines: list[str] = []
    for result in results:
        rests = [cell.rest_mib for cell in result.cells]
        lines.append(
            f"T={result.threads} (session intra_op_num_threads={result.intra_op_threads}): RSS after load "
            f"{result.rss_after_load_mib:.1f} MiB, after the warm-up text {result.rss_after_warm_up_mib:.1f} MiB; "
            f"rest before the measured calls {min(rests):.1f} to {max(rests):.1f} MiB"
        )
    lines.append("")
    by_threads = {result.threads: {(cell.batch, cell.length): cell for cell in result.cells} for result in results}
    thread_counts = [result.threads for result in results]
    header = ["B", "L", "tokens/call"]
    header += [f"peak MiB T={threads}" for threads in thread_counts]
    header += [f"max MiB T={threads}" for threads in thread_counts]
    header += [f"ms/call T={threads}" for threads in thread_counts]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(" ---: " for _ in header) + "|")
    noisy: list[str] = []
    for batch, length in by_threads[thread_counts[0]]:
        row = [str(batch), str(length), f"{batch * length:,}"]
        row += [f"{by_threads[threads][batch, length].peak_over_rest_mib:.1f}" for threads in thread_counts]
        row += [f"{by_threads[threads][batch, length].max_peak_mib:.1f}" for threads in thread_counts]
        row += [f"{by_threads[threads][batch, length].ms_per_call:.1f}" for threads in thread_counts]
        lines.append("| " + " | ".join(row) + " |")
        for threads in thread_counts:
            cell = by_threads[threads][batch, length]
            if cell.spread_mib > NOISY_SPREAD_MIB:
                repeats = " / ".join(f"{peak:.1f}" for peak in cell.peaks_mib)
                noisy.append(f"{batch} x {length} at T={threads}: {repeats}")
    lines.append("(peak: median of the repeats' peaks over rest; max: the highest repeat; ms: median)")
    for statistic in ("median", "max"):
        lines.append("")
        lines.append(f"Peak over rest (MiB, {statistic} of the repeats) ~ c0 + c1 * B*L/1000 + c2 * B*L*L/1e6:")
        for result in results:
            peaks = [cell.peak_over_rest_mib if statistic == "median" else cell.max_peak_mib for cell in result.cells]
            lines.extend(compare_fits(result.threads, result.cells, peaks))
    lines.append("")
    if noisy:
        lines.append(f"Cells whose repeats (MiB over rest, in order) spread more than {NOISY_SPREAD_MIB} MiB:")
        lines.extend(f"  {cell}" for cell in noisy)
    else:
        lines.append(f"Every cell's repeats lie within {NOISY_SPREAD_MIB} MiB of each other.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller grid: B in 1 4 8, L in 32 256")
    parser.add_argument("--batches", type=int, nargs="+", help="texts per call (overrides the grid)")
    parser.add_argument("--lengths", type=int, nargs="+", help="tokens per text, 3 to 256 (overrides the grid)")
    parser.add_argument("--threads", type=int, nargs="+", default=list(THREADS), help="onnxruntime thread counts")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="measured calls per cell")
    parser.add_argument(
        "--malloc-mmap-threshold",
        type=int,
        metavar="BYTES",
        default=MMAP_THRESHOLD_BYTES,
        help=f"fix glibc's mmap threshold in the workers (default {MMAP_THRESHOLD_BYTES}, as the service's child; "
        "0 leaves glibc's dynamic threshold)",
    )
    parser.add_argument("--worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    options = parser.parse_args()
    batches: list[int] = options.batches or list(QUICK_BATCHES if options.quick else FULL_BATCHES)
    lengths: list[int] = options.lengths or list(QUICK_LENGTHS if options.quick else FULL_LENGTHS)
    if any(length < 3 or length > MAX_TOKENS for length in lengths):
        parser.error(f"--lengths must be within 3 to {MAX_TOKENS}")
    if options.repeats < 1:
        parser.error("--repeats must be at least 1")
    if options.worker is not None:
        result = run_worker(options.worker, batches, lengths, options.repeats, options.malloc_mmap_threshold)
        print(json.dumps(asdict(result)))
        return
    started = time.monotonic()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    threshold = options.malloc_mmap_threshold
    malloc = f"mmap threshold fixed at {threshold} bytes" if threshold else "glibc's dynamic mmap threshold"
    print(
        f"{MODEL_NAME}, arena off, max_tokens {MAX_TOKENS}, {options.repeats} repeats per cell, {malloc}; "
        f"load average {load}",
        flush=True,
    )
    results = [
        measure_in_fresh_process(threads, batches, lengths, options.repeats, threshold) for threads in options.threads
    ]
    print("\n".join(report(results)))
    print(f"\n{time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
