"""Ingest from JSONL, CSV and text: bad lines, duplicates, resume after an interruption or a kill -9."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from service.ingest.loader import ingest_file
from service.model.embedder import Embedder
from service.settings import Settings
from service.store.embedded import Store
from tests.conftest import wait_until

ROOT = Path(__file__).parent.parent


@pytest.fixture
async def embedder(settings: Settings) -> AsyncIterator[Embedder]:
    embedder = Embedder(settings)
    await embedder.start()
    yield embedder
    await embedder.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store", dim=384) as store:
        yield store


def jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


async def test_jsonl_with_bad_lines_and_duplicates(tmp_path: Path, store: Store, embedder: Embedder) -> None:
    path = jsonl(
        tmp_path / "facts.jsonl",
        [
            {"id": "f1", "text": "The Rhine flows into the North Sea.", "source": "atlas", "topic": "rivers"},
            {"text": "The Danube flows into the Black Sea.", "source": "atlas"},
            "{this is not json",
            {"source": "atlas"},
            {"text": "The Rhine flows into the North Sea.", "source": "atlas"},
            "",
            ["not", "an", "object"],
            {"id": "f9", "text": "The Volga flows into the Caspian Sea.", "source": "atlas"},
        ],
    )
    report = await ingest_file(path, store, embedder.embed, batch_size=32)
    assert (report.added, report.duplicates, report.conflicts) == (3, 1, 0)
    assert [number for number, _ in report.bad_lines] == [3, 4, 7]
    assert "'text'" in report.bad_lines[1][1]
    stored = store.get_passage("f1")
    assert stored is not None and stored.metadata == {"topic": "rivers"} and stored.source == "atlas"
    [[(best, similarity)]] = store.search_passages(await embedder.embed(["Which sea does the Volga reach?"]), 1)
    assert best.id == "f9" and similarity > 0.5


async def test_csv_and_text_files(tmp_path: Path, store: Store, embedder: Embedder) -> None:
    table = tmp_path / "sheet.csv"
    table.write_text(
        "id,text,source,region\n"
        'c1,"Lake Baikal is the deepest lake, at 1,642 metres.",encyclopedia,Siberia\n'
        "c2,,encyclopedia,Nowhere\n"
        "c3,Lake Titicaca lies on the border of Peru and Bolivia.,encyclopedia,Andes,extra\n"
        "c4,Lake Victoria is the largest lake in Africa.,encyclopedia,East Africa\n"
    )
    report = await ingest_file(table, store, embedder.embed, batch_size=32)
    assert report.added == 2 and [number for number, _ in report.bad_lines] == [3, 4]
    lake = store.get_passage("c1")
    assert lake is not None and lake.metadata == {"region": "Siberia"} and "1,642" in lake.text

    notes = tmp_path / "notes.txt"
    long_paragraph = " ".join(f"Sentence {i} of a long report on harbour walls." for i in range(40))
    notes.write_text(f"The old mill was built in 1820.\nIt burned down in 1902.\n\n\n{long_paragraph}\n")
    report = await ingest_file(notes, store, embedder.embed, batch_size=32)
    assert report.added >= 3 and not report.bad_lines  # one short paragraph, the long one in pieces
    [[(mill, _)]] = store.search_passages(await embedder.embed(["When did the mill burn down?"]), 1)
    assert mill.text == "The old mill was built in 1820. It burned down in 1902." and mill.source == "notes.txt"


async def test_interrupted_ingest_resumes_without_redoing_work(
    tmp_path: Path, store: Store, embedder: Embedder
) -> None:
    path = jsonl(tmp_path / "many.jsonl", [{"text": f"Town {i} has {i} bridges.", "source": "s"} for i in range(50)])
    embedded: list[str] = []

    async def failing_after_two_batches(texts: list[str]) -> np.ndarray:
        if len(embedded) >= 20:
            raise ConnectionError("interrupted")
        embedded.extend(texts)
        return await embedder.embed(texts)

    with pytest.raises(ConnectionError):
        await ingest_file(path, store, failing_after_two_batches, batch_size=10)
    assert store.passage_count() == 20

    async def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return await embedder.embed(texts)

    report = await ingest_file(path, store, counting, batch_size=10)
    assert report.resumed_after_line == 20 and report.added == 30
    assert len(embedded) == 50 and len(set(embedded)) == 50  # nothing embedded twice
    assert store.passage_count() == 50
    again = await ingest_file(path, store, counting, batch_size=10)
    assert (again.added, again.duplicates, len(embedded)) == (0, 0, 50)  # a finished file is not read again

    path.write_text(path.read_text() + json.dumps({"text": "Town 50 has 50 bridges.", "source": "s"}) + "\n")
    changed = await ingest_file(path, store, counting, batch_size=10)
    assert (changed.resumed_after_line, changed.added, changed.duplicates) == (0, 1, 50)


def test_kill_9_during_cli_ingest_loses_and_repeats_nothing(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "big.jsonl",
        [{"id": f"b{i}", "text": f"Village {i} has a well {i} metres deep."} for i in range(400)],
    )
    env = dict(os.environ, DATA_DIR=str(tmp_path / "data"), MAX_BATCH_SIZE="8")
    command = [sys.executable, "run.py", "ingest", str(path)]
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    vectors = tmp_path / "data" / "store" / "passages" / "vectors.i8"
    asyncio.run(wait_until(lambda: vectors.exists() and vectors.stat().st_size > 8 * 384 * 3, what="a few batches"))
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    resumed = int(second.stdout.split("resumed after line ")[1].split()[0])
    assert 0 < resumed < 400
    assert "400 passages stored" in second.stdout
    with Store.open(tmp_path / "data" / "store", dim=384) as store:
        assert all(store.get_passage(f"b{i}") is not None for i in range(400))
        assert store.check() == []
