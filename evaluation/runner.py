"""Serve the real app on a fresh DATA_DIR with the second domain ingested, ask it about each claim, report.

The service is run in-process exactly as ``run.py`` builds it (its own model child,
the built-in knowledge base loaded at start-up), and asked over real HTTP, one claim
per ``POST /verify``, in file order: the claim memory starts empty and fills as a
user's would, so a claim the service recalls from an earlier one is scored as answered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.servers import free_port, wait_until_healthy
from evaluation.score import (
    DEFAULT_CLAIMS,
    ERROR,
    NO_CLAIM,
    SECOND_DOMAIN,
    LabelledClaim,
    Prediction,
    failure_json,
    load_claims,
    metrics_of,
    most_severe,
    report,
)
from service.ingest.command import ingest_files
from service.logs import configure_logging
from service.settings import Settings
from service.web.app import create_app
from service.web.keys import STARTUP

STARTUP_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 150.0
# A 503 (model restarting, memory guard) is retried after its Retry-After, a few times, before it counts as an error.
RETRIES_ON_503 = 3


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, web.Application]]:
    """The app on a free local port, once /health says healthy, and its URL; cleaned up (child stopped) on exit."""
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        url = f"http://127.0.0.1:{port}"
        if not await wait_until_healthy(url, lambda: bool(app[STARTUP].error), STARTUP_TIMEOUT_S):
            raise RuntimeError(app[STARTUP].error)
        yield url, app
    finally:
        await runner.cleanup()


async def ask(session: aiohttp.ClientSession, url: str, item: LabelledClaim) -> Prediction:
    """The service's verdict on one claim; several claims in the answer give the most severe verdict.

    A failed request is scored as an ``error`` prediction rather than ending the run, so one bad
    answer does not cost the report.
    """
    try:
        body = await post_verify(session, url, item.claim)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return Prediction(item, ERROR, 0, reason=f"{type(error).__name__}: {error}")
    claims: list[dict[str, Any]] = body["claims"]
    if not claims:
        return Prediction(item, NO_CLAIM, 0)
    predicted = most_severe(claim["verdict"] for claim in claims)
    # The claim that decided the line explains it: the first one with the line's verdict.
    deciding = next(claim for claim in claims if claim["verdict"] == predicted)
    evidence = deciding.get("evidence") or []
    return Prediction(
        item,
        predicted,
        len(claims),
        reason=deciding.get("reason"),
        score=deciding.get("score"),
        top_evidence=evidence[0]["id"] if evidence else None,
        from_memory=bool(deciding.get("from_memory")),
    )


async def post_verify(session: aiohttp.ClientSession, url: str, text: str) -> dict[str, Any]:
    """The /verify answer for ``text``; a 503 is retried after its Retry-After, other statuses raise."""
    for attempt in range(RETRIES_ON_503 + 1):
        async with session.post(f"{url}/verify", json={"raw_text": text}) as response:
            body: dict[str, Any] = await response.json()
            if response.status == 200:
                return body
            if response.status != 503 or attempt == RETRIES_ON_503:
                message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
                raise ValueError(f"HTTP {response.status}: {message}")
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
    raise AssertionError("unreachable: the last attempt returns or raises")


async def evaluate(claims: list[LabelledClaim], second_domain: Path) -> list[Prediction]:
    """Ingest the second domain into a temporary DATA_DIR, serve the app on it, and ask about every claim."""
    with tempfile.TemporaryDirectory(prefix="evaluation-") as scratch:
        settings = Settings.from_env().replace(data_dir=Path(scratch) / "data")
        with contextlib.redirect_stdout(sys.stderr):  # ingest's summary lines, kept out of the report
            status = await ingest_files(settings, [second_domain])
        if status != 0:
            raise RuntimeError(f"ingesting {second_domain} failed (exit code {status})")
        async with serving(settings) as (url, _):
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                predictions = []
                for number, item in enumerate(claims, start=1):
                    predictions.append(await ask(session, url, item))
                    if number % 50 == 0:
                        print(f"{number}/{len(claims)} claims asked", file=sys.stderr)
                return predictions


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation",
        description="Score the service's verdicts against labelled claims (a report: it exits 0 whatever the score).",
    )
    parser.add_argument("--claims", type=Path, default=DEFAULT_CLAIMS, help="labelled claims, JSONL (%(default)s)")
    parser.add_argument(
        "--second-domain",
        type=Path,
        default=SECOND_DOMAIN,
        help="passages ingested before the run, JSONL (%(default)s)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument("--quiet", action="store_true", help="leave out the list of failures")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the evaluation and print the report; 1 only when there is no report (bad file, service down)."""
    options = parse_args(argv)
    configure_logging("WARNING", "plain", role="web")
    try:
        claims = load_claims(options.claims)
        predictions = asyncio.run(evaluate(claims, options.second_domain))
    except (OSError, ValueError, RuntimeError, TimeoutError, aiohttp.ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    metrics = metrics_of(predictions)
    print(report(predictions, metrics, str(options.claims), show_failures=not options.quiet))
    if options.json is not None:
        figures = {
            "claims_file": str(options.claims),
            **metrics.to_json(),
            "lines_with_several_claims": sum(1 for p in predictions if p.claims_returned > 1),
            "answered_from_memory": sum(1 for p in predictions if p.from_memory),
            "failures": [failure_json(p) for p in predictions if not p.correct],
        }
        options.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
