"""How far a command of ``run.py`` (ingest, export, import) has got: a bar on a terminal, plain lines when piped.

Why both: tqdm redraws its bar with carriage returns, which a log file or CI output keeps as one long line of
every state the bar went through; piped, a line per tenth of the work says the same and reads as a log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

Tell = Callable[[int], None]  # how much of the total is done now
STEPS = 10  # lines told when piped: one per tenth


@contextmanager
def progress(name: str, total: int, unit: str = "B") -> Iterator[Tell]:
    """Progress towards ``total`` (bytes by default); log lines print above the bar, not through it."""
    if sys.stderr.isatty():
        with (
            logging_redirect_tqdm(),
            tqdm(total=total, desc=name, unit=unit, unit_scale=True, file=sys.stderr) as bar,
        ):

            def move(done: int) -> None:
                bar.update(min(done, total) - bar.n)

            yield move
        return
    told = [0]  # the last tenth told

    def tell(done: int) -> None:
        step = STEPS if total <= 0 else min(done, total) * STEPS // total
        if step > told[0]:
            told[0] = step
            print(f"{name}: {step * 100 // STEPS}% ({min(done, total):,} of {total:,} {unit})", file=sys.stderr)

    yield tell
