"""Start the claim-verification service: ``python run.py [--port N] ...`` (see ``--help``).

Heavy imports stay inside :func:`main`: the model child is started with
``spawn``, which re-imports this file, and it should not pay for aiohttp.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys


def main(argv: list[str]) -> None:
    from aiohttp import web

    from service.app import create_app
    from service.logs import configure_logging
    from service.settings import Settings, parse_value

    try:
        defaults = Settings.from_env()
    except ValueError as error:
        sys.exit(f"error: {error}")
    parser = argparse.ArgumentParser(
        description="Claim-verification API. Each option is also read from the environment variable "
        "in its help; the command line wins."
    )
    for setting in dataclasses.fields(Settings):
        parser.add_argument(
            "--" + setting.name.replace("_", "-"),
            dest=setting.name,
            metavar=setting.name.upper(),
            help=f"{setting.metadata['help']} (env {setting.name.upper()}; now {getattr(defaults, setting.name)})",
        )
    options = vars(parser.parse_args(argv))
    changes = {}
    for setting in dataclasses.fields(Settings):
        if options[setting.name] is not None:
            try:
                changes[setting.name] = parse_value(setting, options[setting.name])
            except ValueError as error:
                parser.error(str(error))
    settings = defaults.replace(**changes)
    configure_logging(settings.log_level, settings.log_format, role="web")
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=settings.shutdown_grace_s,
        access_log=None,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
