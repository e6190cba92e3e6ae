"""The model choices of TEXT_EMBEDDING_MODEL, the sha256 pin and the token cap, on the real child."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from model_proc.models import (
    PACKAGED_MODELS,
    TOKENIZER_FILES,
    ModelFileError,
    assemble_model_dir,
    read_packaged_tokenizer,
    verify_sha256,
)
from model_proc.protocol import ModelSpec
from service.model.embedder import Embedder
from service.settings import Settings

PAIR = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."]


async def started(settings: Settings) -> Embedder:
    embedder = Embedder(settings)
    await embedder.start()
    return embedder


@pytest.fixture
async def default_embedder(settings: Settings) -> AsyncIterator[Embedder]:
    embedder = await started(settings)
    yield embedder
    await embedder.stop()


def test_sha256_mismatch_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not the pinned model")
    verify_sha256(model, hashlib.sha256(b"not the pinned model").hexdigest())
    with pytest.raises(ModelFileError, match="expected"):
        verify_sha256(model, PACKAGED_MODELS["sentence-transformers/all-MiniLM-L6-v2"].sha256)
    with pytest.raises(ModelFileError, match="missing"):
        verify_sha256(tmp_path / "absent.onnx", "0" * 64)


def test_model_files_are_written_once_and_reused(tmp_path: Path) -> None:
    spec = ModelSpec("sentence-transformers/all-MiniLM-L6-v2", tmp_path / "models", max_tokens=256, threads=1)
    onnx_file = PACKAGED_MODELS[spec.name].onnx_file()
    model_dir = assemble_model_dir(spec, onnx_file, read_packaged_tokenizer())
    written = {path.name: path.stat().st_mtime_ns for path in model_dir.iterdir()}
    assert assemble_model_dir(spec, onnx_file, read_packaged_tokenizer()) == model_dir
    assert {path.name: path.stat().st_mtime_ns for path in model_dir.iterdir()} == written  # nothing rewritten


async def test_default_model_gives_known_similarities(default_embedder: Embedder) -> None:
    vectors = await default_embedder.embed(PAIR)
    assert vectors.shape == (3, 384)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.753, abs=0.01)
    assert float(vectors[0] @ vectors[2]) == pytest.approx(-0.105, abs=0.02)


async def test_texts_are_cut_at_max_tokens(default_embedder: Embedder) -> None:
    long_text = "The old lighthouse keeper counted the ships every night " * 60  # ~600 tokens
    short_text = "The old lighthouse keeper counted the ships every night " * 2
    vectors = await default_embedder.embed([long_text, long_text + " but then the sea turned red", short_text])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)  # the added words fall past the cap
    assert not np.allclose(vectors[0], vectors[2], atol=1e-3)


async def test_rows_come_back_in_the_callers_order(default_embedder: Embedder) -> None:
    """The child embeds in length-sorted groups; each row must still belong to its own text."""
    topics = ["volcanoes", "violins", "tax law", "penguins", "bread", "satellites", "chess", "rivers", "glass"]
    texts = [f"{'A remarkably long and winding sentence about ' * (i % 4)}{topic}." for i, topic in enumerate(topics)]
    together = await default_embedder.embed(texts * 2)  # 18 texts: more than one group of 8
    alone = np.concatenate([await default_embedder.embed([text]) for text in texts])
    np.testing.assert_allclose(together, np.concatenate([alone, alone]), atol=2e-3)


@pytest.mark.parametrize("name", ["paraphrase-MiniLM-L3-v2", "sentence-transformers/paraphrase-MiniLM-L3-v2"])
async def test_lighter_packaged_model(settings: Settings, name: str) -> None:
    embedder = await started(replace(settings, text_embedding_model=name))
    try:
        vectors = await embedder.embed(PAIR)
    finally:
        await embedder.stop()
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.78, abs=0.02)
    assert float(vectors[0] @ vectors[2]) < 0.1


async def test_local_model_directory(settings: Settings, default_embedder: Embedder, tmp_path: Path) -> None:
    local = tmp_path / "my-minilm"
    local.mkdir()
    (local / "model.onnx").symlink_to(PACKAGED_MODELS["sentence-transformers/all-MiniLM-L6-v2"].onnx_file())
    for file, content in read_packaged_tokenizer().items():
        (local / file).write_bytes(content)
    assert sorted(path.name for path in local.iterdir()) == sorted(("model.onnx", *TOKENIZER_FILES))
    embedder = await started(replace(settings, text_embedding_model=str(local)))
    try:
        vectors = await embedder.embed(PAIR)
    finally:
        await embedder.stop()
    np.testing.assert_allclose(vectors, await default_embedder.embed(PAIR), atol=1e-5)


# Run in a child interpreter: the test process stands for the web process, which never imports onnxruntime.
SPINNING_OF_A_LOADED_MODEL = """
import sys
from pathlib import Path
import onnxruntime
from model_proc.models import load_model
from model_proc.protocol import ModelSpec
options_class = onnxruntime.SessionOptions
model = load_model(ModelSpec("sentence-transformers/all-MiniLM-L6-v2", Path(sys.argv[1]), max_tokens=256, threads=2))
options = model.model.model.get_session_options()
print(*(options.get_session_config_entry(f"session.{pool}.allow_spinning") for pool in ("intra_op", "inter_op")))
print(onnxruntime.SessionOptions is options_class, len(next(iter(model.embed(["The threads sleep."])))))
"""


def test_model_threads_sleep_between_calls(tmp_path: Path) -> None:
    """onnxruntime's threads must not spin between calls: that CPU belongs to the web process."""
    done = subprocess.run(
        [sys.executable, "-c", SPINNING_OF_A_LOADED_MODEL, str(tmp_path)], capture_output=True, text=True, check=True
    )
    # Spinning off in both pools; onnxruntime's own options class is back; the model still embeds.
    assert done.stdout.split() == ["0", "0", "True", "384"]
