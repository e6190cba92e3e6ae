"""Start the claim-verification service: ``python run.py [--port N] ...`` (see ``--help``).

``python run.py ingest FILE...`` loads evidence files (JSONL, CSV or text) into the store instead.

Heavy imports stay inside :func:`main`: the model child is started with
``spawn``, which re-imports this file, and it should not pay for aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    from aiohttp import web

    from service.ingest.command import ingest_files
    from service.logs import configure_logging
    from service.settings import Settings, parse_value
    from service.web.app import create_app
    from service.web.server_limits import server_limits

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
    parser.add_argument("command", nargs="?", choices=["serve", "ingest"], default="serve", help="what to do")
    parser.add_argument("files", nargs="*", type=Path, help="for ingest: JSONL, CSV or plain-text files")
    options = vars(parser.parse_args(argv))
    changes = {}
    for setting in dataclasses.fields(Settings):
        if options.get(setting.name) is not None:
            try:
                changes[setting.name] = parse_value(setting, options[setting.name])
            except ValueError as error:
                parser.error(str(error))
    settings = defaults.replace(**changes)
    configure_logging(settings.log_level, settings.log_format, role="web")
    if options["command"] == "ingest":
        sys.exit(asyncio.run(ingest_files(settings, options["files"])))
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=settings.shutdown_grace_s,
        access_log=None,
        handler_cancellation=True,  # a client gone away takes its queued work with it
        **server_limits(),  # request heads, keep-alive and the header deadline: see service/web/server_limits.py
    )


def shown(value: object) -> object:
    """A setting's value as its variable would hold it; API keys by their names only (see ``ApiKey.__str__``)."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else value


if __name__ == "__main__":
    main(sys.argv[1:])
