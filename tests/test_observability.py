"""/metrics, request ids and /openapi.json, against a running app."""

from __future__ import annotations

import os
import re
import signal

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from service.model.embedder import State
from tests.conftest import Client, embedder_of, wait_until


async def scrape(client: Client) -> list[Sample]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return [sample for family in text_string_to_metric_families(await response.text()) for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    matches = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matches) == 1, (name, labels, matches)
    return matches[0]


async def test_metrics_count_requests_batches_restarts_and_memory(client: Client) -> None:
    for _ in range(2):
        assert (
            await client.post("/verify", json={"raw_text": "The Moon orbits the Earth. Rain is wet."})
        ).status == 200
    assert (await client.post("/verify", data=b"nope", headers={"Content-Type": "application/json"})).status == 400
    assert (await client.get("/nowhere")).status == 404
    embedder = embedder_of(client)
    assert embedder.pid is not None
    os.kill(embedder.pid, signal.SIGKILL)
    await wait_until(lambda: embedder.stats.restarts["died"] == 1 and embedder.state is State.READY)

    samples = await scrape(client)
    assert value(samples, "http_requests_total", route="/verify", method="POST", status="200") == 2
    assert value(samples, "http_requests_total", route="/verify", method="POST", status="400") == 1
    assert value(samples, "http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert value(samples, "http_request_duration_seconds_count", route="/verify") == 3
    assert value(samples, "http_request_duration_seconds_bucket", route="/verify", le="+Inf") == 3
    assert value(samples, "model_queue_texts") == 0
    assert value(samples, "model_restarts_total", reason="died") == 1
    assert value(samples, "model_batch_size_count") == value(samples, "model_calls_total") == embedder.stats.model_calls
    assert value(samples, "model_batch_size_sum") == value(samples, "model_texts_embedded_total")
    assert value(samples, "model_batch_size_bucket", le="32") == embedder.stats.model_calls
    assert value(samples, "process_rss_bytes", process="web") > 10 * 2**20
    assert value(samples, "process_rss_bytes", process="model") > 100 * 2**20


async def test_request_id_is_echoed_or_made(client: Client) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "trace-42.a:b"})
    assert response.headers["X-Request-ID"] == "trace-42.a:b"
    made = (await client.get("/health")).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    unsafe = await client.post(
        "/verify", data=b"{", headers={"X-Request-ID": "bad id\twith spaces", "Content-Type": "application/json"}
    )
    assert unsafe.status == 400
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-ID"])


async def test_openapi_describes_exactly_the_routes(client: Client) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    served = {
        (route.resource.canonical, route.method)
        for route in client.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    assert documented == served
    schemas = document["components"]["schemas"]
    references = re.findall(r'"#/components/schemas/(\w+)"', await response.text())
    assert references and all(name in schemas for name in references)
