"""The guide's two designs, as servers the benchmark can measure beside this service.

    python -m bench.baselines --design before|after --port N --data-dir DIR

Both run the service's own pipeline per request (split claims, embed, retrieve
from the same kind of store, decide verdicts, update the claim memory), but with
the model inside the aiohttp process, with fastembed's default options (the CPU
arena on), as the guide's code had it:

- ``before``: a new FastEmbed model for every request (the guide's memory leak).
- ``after``: one model created at start and shared by all requests (the guide's fix).

``GET /health`` reports the process's RSS so the benchmark reads both designs the same way.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np
from aiohttp import web

from model_proc.models import locate
from model_proc.protocol import ModelSpec
from service.ingest.loader import Embed, ingest_file
from service.memory.monitor import measure
from service.model.embedder import Embedding
from service.pipeline import VerificationPipeline
from service.settings import BUILTIN_KNOWLEDGE_BASE, DEFAULT_MODEL, Settings
from service.store.embedded import Store
from service.web.routes import claim_json

PIPELINE = web.AppKey("pipeline", VerificationPipeline)


def new_model(data_dir: Path) -> Any:
    from fastembed import TextEmbedding

    name, model_dir = locate(ModelSpec(DEFAULT_MODEL, data_dir / "models", max_tokens=256, threads=0))
    return TextEmbedding(name, specific_model_path=str(model_dir))


def embedder_for(design: str, data_dir: Path) -> Embed:
    shared = new_model(data_dir) if design == "after" else None

    async def embed(texts: list[str]) -> np.ndarray:
        model = shared if shared is not None else new_model(data_dir)
        return np.asarray(list(model.embed(texts, batch_size=32)), dtype=np.float32)

    return embed


async def verify(request: web.Request) -> web.Response:
    """The service's own pipeline (memory agent included), only the model lives in this process."""
    results = await request.app[PIPELINE].verify((await request.json())["raw_text"], 5)
    return web.json_response({"claims": [claim_json(result) for result in results]})


async def health(request: web.Request) -> web.Response:
    memory = measure(os.getpid())
    rss = memory.rss_mb if memory else 0.0
    return web.json_response({"status": "healthy", "memory_mb": rss, "processes": {"web": {"rss_mb": rss}}})


async def build(design: str, data_dir: Path) -> web.Application:
    app = web.Application(client_max_size=1 << 20)
    embed = embedder_for(design, data_dir)
    probe = await embed(["probe"])
    store = Store.open(data_dir / "store", probe.shape[1])
    await ingest_file(BUILTIN_KNOWLEDGE_BASE, store, embed, batch_size=32)

    async def embed_claims(texts: list[str], client: str) -> Embedding:
        del client  # the guide's designs serve requests in arrival order
        return Embedding(await embed(texts), np.zeros(len(texts), dtype=bool))

    app[PIPELINE] = VerificationPipeline.build(embed_claims, store, Settings())
    app.router.add_post("/verify", verify)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--design", choices=["before", "after"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    options = parser.parse_args()
    web.run_app(build(options.design, options.data_dir), host="127.0.0.1", port=options.port, print=None)


if __name__ == "__main__":
    main()
