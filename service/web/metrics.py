"""Prometheus metrics for one app, in a registry of its own (tests build many apps in one process).

HTTP traffic is counted as it happens; everything about the model child (queue
depth, batch sizes, restarts, memory) is read from the live objects when
Prometheus scrapes, so there is no second copy of that state to keep in step.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from service.memory.guard import MemoryGuard
from service.memory.monitor import MIB
from service.model.embedder import Embedder
from service.startup import Startup

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    def __init__(self, embedder: Embedder, guard: MemoryGuard, startup: Startup) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.disconnects = Counter(
            "http_client_disconnects",
            "Requests whose client went away before the answer (their work is dropped, not failed)",
            ["route"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "http_refusals",
            "Requests and connections the HTTP server itself refused, closed or held back, before or around any "
            "handler, by reason (see service/web/server_limits.py)",
            ["reason"],
            registry=self.registry,
        )
        self.registry.register(ModelCollector(embedder, guard))
        self.registry.register(ClaimMemoryCollector(startup))
        # The labelled children of each (route, method, status) seen, as prometheus_client keeps them too: looked
        # up here in one dict access rather than two ``labels`` calls per request (a lock and a key built each).
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        children = self._children.get((route, method, status))
        if children is None:
            children = (self.requests.labels(route, method, str(status)), self.latency.labels(route))
            self._children[(route, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class ModelCollector(Collector):
    def __init__(self, embedder: Embedder, guard: MemoryGuard) -> None:
        self.embedder = embedder
        self.guard = guard

    def collect(self) -> Iterator[Metric]:
        stats = self.embedder.stats
        yield GaugeMetricFamily("model_queue_texts", "Texts waiting for the model", value=self.embedder.queue_depth())
        yield CounterMetricFamily("model_calls", "Batches the model embedded", value=stats.model_calls)
        yield CounterMetricFamily("model_texts_embedded", "Texts the model embedded", value=stats.texts_embedded)
        restarts = CounterMetricFamily("model_restarts", "Model child restarts by reason", labels=["reason"])
        for reason, count in sorted(stats.restarts.items()):
            restarts.add_metric([reason], count)
        yield restarts
        yield self._batch_sizes()
        rss = GaugeMetricFamily("process_rss_bytes", "Resident memory per process", labels=["process"])
        for role, memory in self.guard.processes().items():
            if memory is not None:
                rss.add_metric([role], memory.rss_mb * MIB)
        yield rss
        child = self.embedder.child
        if child is not None and child.peak_rss_mb is not None:
            yield GaugeMetricFamily(
                "model_peak_rss_bytes",
                "The model child's highest RSS while embedding, since it started (kernel high-water mark)",
                value=child.peak_rss_mb * MIB,
            )
        yield CounterMetricFamily(
            "model_onnx_calls", "onnxruntime calls, planned under MODEL_CALL_BUDGET_MB", value=stats.onnx_calls
        )
        yield GaugeMetricFamily("memory_limit_bytes", "The memory limit in force", value=self.guard.limit.mb * MIB)

    def _batch_sizes(self) -> HistogramMetricFamily:
        sizes = self.embedder.stats.batch_sizes
        buckets: list[tuple[str, float]] = []
        for bound in BATCH_SIZE_BUCKETS:
            buckets.append((str(bound), sum(count for size, count in sizes.items() if size <= bound)))
        buckets.append(("+Inf", sum(sizes.values())))
        total = sum(size * count for size, count in sizes.items())
        return HistogramMetricFamily("model_batch_size", "Texts per model call", buckets=buckets, sum_value=total)


class ClaimMemoryCollector(Collector):
    """The claim memory's size against its bound, so its growth shows before it is the slow part."""

    def __init__(self, startup: Startup) -> None:
        self.startup = startup

    def collect(self) -> Iterator[Metric]:
        if self.startup.store is not None:
            yield GaugeMetricFamily("memory_claims", "Claims remembered", value=self.startup.store.claim_count())
        yield GaugeMetricFamily(
            "memory_claims_max",
            "Claims the memory keeps at most (the least recently seen go first)",
            value=self.startup.settings.max_remembered_claims,
        )
