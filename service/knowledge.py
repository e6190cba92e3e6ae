"""The evidence passages the retrieval agent searches, loaded from JSONL at start.

Each line is ``{"id", "text", "source", ...}``; the built-in file is
``service/data/knowledge_base.jsonl``. Vectors are computed once, through the
model child, and kept as one float32 matrix (a few hundred passages: under 1 MB).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    source: str


def load_passages(path: Path) -> list[Passage]:
    passages: list[Passage] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                passages.append(Passage(id=str(record["id"]), text=record["text"], source=record.get("source", "")))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not a passage ({error})") from None
    return passages


@dataclass(frozen=True)
class KnowledgeBase:
    passages: list[Passage]
    vectors: np.ndarray  # (len(passages), dim) float32, L2-normalised

    def __len__(self) -> int:
        return len(self.passages)
