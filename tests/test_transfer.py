"""``run.py export`` and ``run.py import`` as a user runs them: subprocesses with their own model child, on real
files and a real PostgreSQL. A round trip SQLite -> PostgreSQL -> SQLite, imports repeated, killed and cut short,
a file of another model, damaged lines."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import numpy as np

from service.ingest.export import write_export
from service.ingest.transfer import Header
from service.model.embedder import Embedder
from service.settings import BUILTIN_KNOWLEDGE_BASE
from service.store.base import KnowledgeStore
from service.store.embedded import Store
from service.store.postgres import PostgresStore
from service.store.records import NewClaim, NewPassage
from tests.conftest import wait_until
from tests.test_check_command import read_terminal
from tests.test_store import unit_vectors

ROOT = Path(__file__).resolve().parent.parent
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
CLAIMS = "Water boils at 90 degrees Celsius at sea level.\nThe Great Wall of China is visible from space.\n"
QUERIES = [
    "How far away is the Moon?",
    "At what temperature does water boil?",
    "Can you see the Great Wall from orbit?",
    "When was the canal dug?",
    "Which metal is liquid at room temperature?",
]


def run(
    command: str, file: Path, data_dir: Path, database_url: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """``python run.py COMMAND FILE`` with DATA_DIR (and DATABASE_URL when given), to its end."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(DATA_DIR=str(data_dir), DATABASE_URL=database_url, **env)
    return subprocess.run(
        [sys.executable, "run.py", command, str(file), *(["--json"] if command == "check" else [])],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def records(path: Path, *kinds: str) -> list[dict[str, Any]]:
    """The file's records of these kinds, without ``added_at`` (an import stamps its own)."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: v for k, v in line.items() if k != "added_at"} for line in lines if line["kind"] in kinds]


def answers(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """``run.py check --json``'s claims, but for the moment of this sighting and the memory's own ids."""
    claims = json.loads(succeeded(done))["claims"]
    for claim in claims:
        del claim["memory"]["last_seen"], claim["memory"]["id"]
    return list(claims)


async def test_a_round_trip_through_postgresql_answers_as_the_original(
    tmp_path: Path, database_url: str, embedder: Embedder
) -> None:
    first, last, unused = tmp_path / "first", tmp_path / "last", tmp_path / "unused"
    claims = tmp_path / "claims.txt"
    claims.write_text(CLAIMS)
    succeeded(run("ingest", BUILTIN_KNOWLEDGE_BASE, first))
    succeeded(run("check", claims, first))  # the claims go into memory
    with Store.open(first / "store", DIM) as store:  # what API users do: a passage of their own, a deletion
        mine = NewPassage("mine", "The Suez Canal was dug between 1859 and 1869.", "notes", {"page": 3})
        store.add_passages([mine], await embedder.embed([mine.text]), owner="key:ci")
        assert store.delete_passage("kb-0001")  # the Moon's distance

    exported, again = tmp_path / "first.jsonl", tmp_path / "again.jsonl"
    assert "320 passages and 2 remembered claims" in succeeded(run("export", exported, first))
    into_postgres = succeeded(run("import", exported, unused, database_url))
    assert "320 added, 0 already stored, 0 skipped; 2 claims remembered, 0 already remembered" in into_postgres
    succeeded(run("export", again, unused, database_url))
    succeeded(run("import", again, last))
    # Every passage (ids, text, metadata, owner, vector to the bit) and every claim (counts, times, key) came back.
    assert records(again, "header", "passage", "claim", "end") == records(exported, "header", "passage", "claim", "end")

    # Importing again adds nothing: the same file is not even read, another holding the same is all known.
    assert "already imported to its end and unchanged since; nothing to do" in succeeded(
        run("import", exported, unused, database_url)
    )
    assert "0 added, 320 already stored, 0 skipped; 0 claims remembered, 2 already remembered" in succeeded(
        run("import", again, unused, database_url)
    )

    queries = await embedder.embed(QUERIES)
    stores: list[KnowledgeStore] = [
        Store.open(first / "store", DIM),
        PostgresStore.open(database_url, DIM),
        Store.open(last / "store", DIM),
    ]
    try:
        found = [opened.search_passages(queries, 10) for opened in stores]
        assert [opened.passages_owned("key:ci") for opened in stores] == [1, 1, 1]
        assert [opened.claim_count() for opened in stores] == [2, 2, 2]
    finally:
        for opened in stores:
            opened.close()
    for results in found[1:]:
        for expected, line in zip(found[0], results, strict=True):
            assert [passage.id for passage, _ in line] == [passage.id for passage, _ in expected]
            np.testing.assert_allclose([score for _, score in line], [score for _, score in expected], atol=1e-5)
    assert found[0][3][0][0].id == "mine" and "kb-0001" not in {p.id for line in found[0] for p, _ in line}

    # The same answers from memory (seen twice now, first seen when the original saw them), and start-up of each
    # copy did not read the built-in knowledge base again: the deleted passage stays deleted.
    original = answers(run("check", claims, first))
    assert all(claim["from_memory"] and claim["memory"]["times_seen"] == 2 for claim in original)
    assert answers(run("check", claims, unused, database_url)) == original
    assert answers(run("check", claims, last)) == original
    with Store.open(last / "store", DIM) as store, PostgresStore.open(database_url, DIM) as postgres:
        assert store.get_passage("kb-0001") is None and postgres.get_passage("kb-0001") is None
        assert store.passage_count() == postgres.passage_count() == 320


def source_file(tmp_path: Path, passages: int, claims: int = 0, model: str = MODEL, dim: int = DIM) -> Path:
    """An export of a store of ``passages`` notes and ``claims`` remembered claims (random unit vectors), as
    ``run.py export`` writes it, under the name of ``model`` with vectors of ``dim``."""
    vectors = unit_vectors(np.random.default_rng(passages), passages + claims, dim)
    path = tmp_path / "export.jsonl"
    with Store.open(tmp_path / "source", dim) as store:
        items = [
            NewPassage(f"n{i}", f"Note {i}: bridge {i} is {i % 97} metres long.", "notes") for i in range(passages)
        ]
        store.add_passages(items, vectors[:passages])
        findings = [NewClaim(f"Bridge {i} is long.", "supported", 0.8, (f"n{i}",), f"k{i}") for i in range(claims)]
        store.remember_claims(findings, vectors[passages:])
        write_export(store, path, Header(model, dim), lambda done: None)
    return path


def test_an_import_killed_mid_file_resumes_after_its_last_batch(tmp_path: Path) -> None:
    path = source_file(tmp_path, 3000)
    target = tmp_path / "target"
    command = [sys.executable, "run.py", "import", str(path)]
    env = dict(os.environ, DATA_DIR=str(target), IMPORT_BATCH_ROWS="8")
    env.pop("DATABASE_URL", None)
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    vectors = target / "store" / "passages" / "vectors.i8"
    asyncio.run(wait_until(lambda: vectors.exists() and vectors.stat().st_size > 8 * DIM * 3, what="a few batches"))
    first.send_signal(signal.SIGKILL)
    first.wait()

    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    resumed = int(second.stdout.split("resumed after line ")[1].split(";")[0])
    added = int(second.stdout.split(": ")[1].split(" added")[0])
    assert 0 < resumed < 3001 and added < 3000  # the second run started past the batches stored
    assert "3000 passages and 0 claims" in second.stdout
    with Store.open(target / "store", DIM) as store, Store.open(tmp_path / "source", DIM) as source:
        assert store.check() == []
        copies, originals = store.export_passages(-1, 5000), source.export_passages(-1, 5000)
        assert [c.passage for c in copies] == [o.passage for o in originals]  # each once, its id kept
        np.testing.assert_array_equal([c.vector for c in copies], [o.vector for o in originals])


def test_on_a_terminal_the_import_draws_a_bar(tmp_path: Path) -> None:
    path = source_file(tmp_path, 3)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty has no width
    env = dict(os.environ, DATA_DIR=str(tmp_path / "target"))
    env.pop("DATABASE_URL", None)
    with subprocess.Popen([sys.executable, "run.py", "import", str(path)], cwd=ROOT, env=env, stderr=slave) as done:
        os.close(slave)
        screen = read_terminal(master).decode()
    assert done.returncode == 0, screen
    assert "\r" in screen and "export.jsonl: 100%|" in screen  # tqdm's bar, redrawn in place


def test_a_file_of_another_model_is_refused_whole(tmp_path: Path) -> None:
    for model, dim in (("sentence-transformers/paraphrase-MiniLM-L3-v2", DIM), (MODEL, 768)):
        path = source_file(tmp_path / f"{dim}", 3, model=model, dim=dim)
        refused = run("import", path, tmp_path / "target")
        assert refused.returncode == 1
        [line] = [line for line in refused.stdout.splitlines() if "refused" in line]
        assert f"its vectors are {model}'s ({dim} dimensions) and this store's model is {MODEL} (384)" in line
        assert "0 passages and 0 claims" in refused.stdout


def test_damaged_lines_are_skipped_with_their_numbers_and_a_cut_file_completed_later(tmp_path: Path) -> None:
    path = source_file(tmp_path, 6, claims=2)
    lines = path.read_text().splitlines(keepends=True)  # header, n0..n5 on lines 2-7, claims on 8-9, end
    lines[2] = lines[2][:40] + "\n"  # cut mid-way
    lines[3] = lines[3].replace('"vector":"', '"vector":"AAAA')  # a vector of the wrong length
    lines[8] = lines[8].replace('"supported"', '"maybe"')
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("".join(lines))

    done = run("import", damaged, tmp_path / "target")
    told = done.stdout + done.stderr
    assert done.returncode == 0, told
    assert "damaged.jsonl:3: skipped, malformed: Invalid control character" in told  # the line ends in a string
    assert "damaged.jsonl:4: skipped, malformed: 'vector' must be 384 float32 numbers in base64" in told
    assert "damaged.jsonl:9: skipped, malformed: 'verdict' must be one of" in told
    assert "4 added, 0 already stored, 3 skipped (3 malformed); 1 claims remembered" in done.stdout
    assert "damaged.jsonl: 100% (" in done.stderr and "\r" not in done.stderr  # piped: plain progress lines

    cut = tmp_path / "cut.jsonl"
    whole = path.read_text()
    cut.write_text(whole[: whole.index('"id":"n4"') + 30])
    short = run("import", cut, tmp_path / "cut-target")
    assert short.returncode == 1
    assert "cut.jsonl:6: skipped, malformed" in short.stdout + short.stderr
    assert "4 added" in short.stdout and "the file has no end line: cut short?" in short.stdout
    assert run("import", cut, tmp_path / "cut-target").returncode == 1  # told again, never taken for a whole file
    cut.write_text(whole)  # the rest of it arrives
    completed = run("import", cut, tmp_path / "cut-target")
    assert "2 added, 4 already stored, 0 skipped; 2 claims remembered" in succeeded(completed)
    assert "6 passages and 2 claims" in completed.stdout
