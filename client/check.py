"""``python run.py check FILE``: verify a text and print each claim with its verdict.

For a person at a terminal the verdicts are in colour (green supported, red refuted, grey not enough
evidence); piped, or with ``NO_COLOR`` set, the same lines are plain; ``--json`` prints the whole
answer for scripts. run.py starts the service when no ``--url`` is given; this module only calls one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from client.api import Client
from client.errors import ClientError
from client.results import Claim, Verification

RESET = "\033[0m"
DIM = "\033[2m"
# Each verdict as printed, and its colour (ANSI: green, red, bright black).
VERDICTS = {
    "supported": ("supported", "\033[32m"),
    "refuted": ("refuted", "\033[31m"),
    "not_enough_evidence": ("not enough evidence", "\033[90m"),
}
LABEL_WIDTH = max(len(label) for label, _ in VERDICTS.values())
INDENT = " " * (LABEL_WIDTH + 8)


class CheckError(Exception):
    """The text to check cannot be read: said in one line, with exit status 2."""


def read_text(source: str) -> str:
    """The text of a file, or of standard input for ``-``; refused when there is nothing to check."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckError(f"no such file: {source}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CheckError(f"cannot read {source}: {error}") from None
    if not text.strip():
        raise CheckError(f"{'standard input' if source == '-' else source} has no text to check")
    return text


def wants_colour(stream: TextIO) -> bool:
    """Colour for a terminal only, and not when NO_COLOR is set to anything (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


async def check(
    url: str,
    text: str,
    *,
    as_json: bool,
    out: TextIO = sys.stdout,
    api_key: str | None = None,
    ready_timeout_s: float = 120.0,
) -> int:
    """Wait for the service at ``url`` to be ready, verify ``text`` and print the answer; the exit status:
    0 when the text was checked (whatever the verdicts), 1 with a message when the service could not."""
    try:
        async with Client(url, api_key) as service:
            await service.wait_ready(ready_timeout_s)
            result = await service.verify(text)
    except ClientError as error:
        print(f"error: {url}: {error}", file=sys.stderr)
        return 1
    if as_json:
        json.dump(dataclasses.asdict(result), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(render(result, wants_colour(out)))
    return 0


def render(result: Verification, colour: bool) -> str:
    """One block per claim (verdict, score, claim; why; the passage it rests on), then a count."""
    if not result.claims:
        return "No claims to check: the text has no sentence that states something.\n"
    blocks = [render_claim(claim, colour) for claim in result.claims]
    counts = Counter(claim.verdict for claim in result.claims)
    total = f"{len(result.claims)} claim{'s' if len(result.claims) != 1 else ''}: " + ", ".join(
        f"{counts[verdict]} {label}" for verdict, (label, _) in VERDICTS.items()
    )
    return "\n".join(blocks) + "\n" + total + "\n"


def render_claim(claim: Claim, colour: bool) -> str:
    label, tint = VERDICTS.get(claim.verdict, (claim.verdict, ""))
    label = label.ljust(LABEL_WIDTH)
    if colour:
        label = f"{tint}{label}{RESET}"
    lines = [f"{label}  {claim.score:.2f}  {claim.claim}"]
    if claim.reason.explanation:
        lines.append(INDENT + paint(claim.reason.explanation, DIM, colour))
    source = next((item for item in claim.evidence if item.id == claim.reason.passage_id), None)
    if source is not None:
        lines.append(INDENT + paint(f"{source.id}: {source.source}", DIM, colour))
    return "\n".join(lines) + "\n"


def paint(text: str, tint: str, colour: bool) -> str:
    return f"{tint}{text}{RESET}" if colour else text
