"""``python run.py ingest FILE...``: load files into the store from the command line, with a progress bar.

It starts its own model child (the same code the service uses) and opens the
store directly, so the service must not be running on the same DATA_DIR
(POST /evidence adds passages to a running service).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from tqdm import tqdm

from service.errors import ModelUnavailable
from service.ingest.loader import ingest_file
from service.model.embedder import Embedder
from service.settings import Settings
from service.store.embedded import Store, StoreLockedError

log = logging.getLogger(__name__)


async def ingest_files(settings: Settings, files: list[Path]) -> int:
    """Ingest each file in turn; the exit code is 1 when any file or the store could not be used."""
    missing = [str(path) for path in files if not path.is_file()]
    if missing or not files:
        print(
            f"error: no such file: {', '.join(missing)}" if missing else "error: name a file to ingest", file=sys.stderr
        )
        return 2
    embedder = Embedder(settings)
    try:
        await embedder.start()
        with Store.open(settings.data_dir / "store", embedder.dim) as store:
            for path in files:
                with path.open("rb") as handle:
                    total = sum(1 for _ in handle)
                with tqdm(total=total, desc=path.name, unit="line", file=sys.stderr) as bar:
                    report = await ingest_file(
                        path, store, embedder.embed, settings.max_batch_size, lambda line: bar.update(line - bar.n)
                    )
                    bar.update(total - bar.n)
                for number, problem in report.bad_lines:
                    print(f"{path}:{number}: skipped: {problem}", file=sys.stderr)
                print(report.summary())
            print(f"{store.passage_count()} passages stored in {settings.data_dir / 'store'}")
    except StoreLockedError:
        print(f"error: {settings.data_dir / 'store'} is in use (is the service running?); use POST /evidence")
        return 1
    except ModelUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        await embedder.stop()
    return 0
