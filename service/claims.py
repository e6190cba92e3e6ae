"""Split raw text into claims: declarative sentences long enough to check.

Questions, fragments under ``MIN_WORDS`` words and lines without letters are not
claims. The splitter is a regular expression on sentence punctuation followed
by a capital or a digit, which keeps "3.5 km" and "e.g. this" in one piece.
"""

from __future__ import annotations

import re

MIN_WORDS = 3
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
WHITESPACE = re.compile(r"\s+")


def split_claims(text: str) -> list[str]:
    claims: list[str] = []
    for line in text.splitlines():
        line = BULLET.sub("", line)
        for sentence in SENTENCE_BOUNDARY.split(line):
            sentence = WHITESPACE.sub(" ", sentence).strip()
            if is_claim(sentence):
                claims.append(sentence)
    return claims


def is_claim(sentence: str) -> bool:
    return (
        not sentence.endswith("?") and len(sentence.split()) >= MIN_WORDS and any(char.isalpha() for char in sentence)
    )
