"""Start the claim-verification service: ``python run.py [--port N] ...`` (see ``--help``).

``python run.py ingest FILE...`` loads evidence files (JSONL, CSV or text) into the store instead.
``python run.py export FILE`` writes the store's passages and claim memory to one JSONL file, and
``python run.py import FILE`` loads such a file into the store ``DATABASE_URL`` selects (to move between stores).
``python run.py check FILE`` (``-`` for stdin) verifies a text and prints each claim's verdict, with a
service started here for the purpose or, with ``--url``, a running one.

Heavy imports stay inside :func:`main`: the model child is started with
``spawn``, which re-imports this file, and it should not pay for aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# The web process multiplies small matrices (a few queries by a few hundred rows at a time): OpenBLAS's
# own threads gain nothing there, and between products they busy-wait, which under load cost the web
# process more CPU than the products (37% of its samples at 32 concurrent requests). Set before numpy is
# first imported (in main). The model child inherits it; onnxruntime keeps its own threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from aiohttp import web

    from service.settings import Settings


def main(argv: list[str]) -> None:
    from service.ingest.command import ingest_files
    from service.ingest.export import export_store
    from service.ingest.importer import import_command
    from service.logs import configure_logging
    from service.settings import Settings, parse_value
    from service.web.app import create_app

    try:
        defaults = Settings.from_env()
    except ValueError as error:
        sys.exit(f"error: {error}")
    parser = argparse.ArgumentParser(
        description="Claim-verification API. Each option is also read from the environment variable "
        "in its help; the command line wins."
    )
    for setting in dataclasses.fields(Settings):
        now = shown(getattr(defaults, setting.name))
        parser.add_argument(
            "--" + setting.name.replace("_", "-"),
            dest=setting.name,
            metavar=setting.name.upper(),
            help=f"{setting.metadata['help']} (env {setting.name.upper()}; now {now})",
        )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "ingest", "check", "export", "import"],
        default="serve",
        help="what to do",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="for ingest: JSONL, CSV or plain-text files; for check: one text file, or -; "
        "for export: the file to write; for import: a file export wrote",
    )
    parser.add_argument("--url", help="for check: a running service to call (else one is started here, then stopped)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="for check: print the answer as JSON")
    options = vars(parser.parse_args(argv))
    changes = {}
    for setting in dataclasses.fields(Settings):
        if options.get(setting.name) is not None:
            try:
                changes[setting.name] = parse_value(setting, options[setting.name])
            except ValueError as error:
                parser.error(str(error))
    settings = defaults.replace(**changes)
    if options["command"] == "check" and settings.log_level == Settings().log_level:
        # Verdicts for a person: the default level's start-up lines (both processes) would bury them.
        settings = settings.replace(log_level="WARNING")
    configure_logging(settings.log_level, settings.log_format, role="web")
    if options["command"] == "ingest":
        sys.exit(asyncio.run(ingest_files(settings, options["files"])))
    if options["command"] in ("export", "import"):
        if len(options["files"]) != 1:
            parser.error(f"{options['command']} takes one FILE")
        move = export_store if options["command"] == "export" else import_command
        sys.exit(asyncio.run(move(settings, options["files"][0])))
    if options["command"] == "check":
        if len(options["files"]) != 1:
            parser.error("check takes one FILE, or - to read standard input")
        sys.exit(asyncio.run(check_text(settings, str(options["files"][0]), options["url"], options["as_json"])))
    asyncio.run(serve(create_app(settings), settings))


async def serve(app: web.Application, settings: Settings) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, then let requests in flight finish (SHUTDOWN_GRACE_S) and clean up.

    What web.run_app does, with the runner of service/web/server_limits.py (connection limits, write timeout,
    JSON parser errors), which web.run_app cannot be given.
    """
    from aiohttp import web

    from service.web.keys import METRICS
    from service.web.server_limits import AppRunner

    runner = AppRunner(
        app,
        settings,
        app[METRICS].refusals,
        shutdown_timeout=settings.shutdown_grace_s,
        handler_cancellation=True,  # a client gone away takes its queued work with it
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        logging.getLogger(__name__).info("Serving on %s", site.name)
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


async def check_text(settings: Settings, source: str, url: str | None, as_json: bool) -> int:
    """``run.py check``: the text is read first (a wrong file name should not wait for a model); without
    ``url`` the service is started on loopback and a free port, away from any running one, and stopped."""
    from aiohttp import web

    from client.check import CheckError, check, read_text
    from service.web.app import create_app
    from service.web.keys import METRICS
    from service.web.server_limits import AppRunner

    try:
        text = read_text(source)
    except CheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if url is not None:
        return await check(url, text, as_json=as_json)
    print("Starting the service and its model (--url uses a running one)...", file=sys.stderr)
    app = create_app(settings)
    runner = AppRunner(app, settings, app[METRICS].refusals, handler_cancellation=True)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        key = settings.api_keys[0].secret if settings.api_keys else None
        return await check(
            f"http://{host}:{port}",
            text,
            as_json=as_json,
            api_key=key,
            ready_timeout_s=settings.model_boot_timeout_s + 60,
        )
    finally:
        await runner.cleanup()


def shown(value: object) -> object:
    """A setting's value as its variable would hold it; API keys by their names only (see ``ApiKey.__str__``)."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else value


if __name__ == "__main__":
    main(sys.argv[1:])
