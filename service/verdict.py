"""How a verdict is decided from the retrieved evidence.

The service has an embedding model, not an entailment model, so the rule is
simple and stated here in full:

1. ``score`` is the cosine similarity of the claim to its closest passage.
2. Below ``SUPPORT_THRESHOLD`` no passage is about the claim:
   ``not_enough_evidence``.
3. Otherwise the closest passage is about the claim. It is ``refuted`` when the
   two disagree on negation (one says "not", "never", "no"..., the other does
   not) or when the claim states a number that the passage, which gives numbers,
   does not contain; else it is ``supported``.
"""

from __future__ import annotations

import re

SUPPORTED = "supported"
REFUTED = "refuted"
NOT_ENOUGH_EVIDENCE = "not_enough_evidence"

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot"})
WORD = re.compile(r"[a-z']+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def decide(claim: str, best_passage: str | None, similarity: float, threshold: float) -> str:
    if best_passage is None or similarity < threshold:
        return NOT_ENOUGH_EVIDENCE
    if is_negated(claim) != is_negated(best_passage) or numbers_conflict(claim, best_passage):
        return REFUTED
    return SUPPORTED


def is_negated(text: str) -> bool:
    words = WORD.findall(text.lower().replace("\u2019", "'"))
    negations = sum(1 for word in words if word in NEGATIONS or word.endswith("n't"))
    return negations % 2 == 1


def numbers(text: str) -> set[str]:
    return {match.replace(",", "") for match in NUMBER.findall(text)}


def numbers_conflict(claim: str, passage: str) -> bool:
    claimed, given = numbers(claim), numbers(passage)
    return bool(claimed and given and not claimed <= given)
