"""How a verdict is decided from the retrieved evidence, and the reason given with it.

The service has an embedding model, not an entailment model; the rule is stated here in full:

1. A passage is *about* the claim when its cosine similarity reaches the support threshold.
   With none about it, the claim is ``not_enough_evidence``.
2. Each passage about the claim is read slot by slot (:mod:`service.verdict.compare`): it
   supports the claim, refutes it (a different name, number, opposite, category, negation,
   holder of a superlative, word governed by the same word, noun-changing modifier, the two
   sides of "than" swapped, two names swapped around the same verb or the two ends of a route
   ("from A to B"), or a comparison its figures contradict, where it otherwise says the same
   thing), or is silent. A passage that
   names the thing without the number the claim gives it ("Python" for "Python 3.0") is silent.
3. Refuting and supporting passages: the one that states more of the claim (higher word
   coverage, then higher similarity) decides; on a tie the refutation wins, since a stated
   contradiction is not outweighed by an equally close statement. Only supporting ones:
   ``supported``; only refuting ones: ``refuted``; only silent ones: ``not_enough_evidence``.
4. A claim of two statements joined by "and", "but" or ";" ("Jupiter is the largest planet and
   Mercury the hottest") is judged part by part: refuted when a part is, supported when every
   part is, else not enough evidence.

Every judgement names the passage it rests on and, for a refutation, the spans that conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# First, before any compiled module of the rule is imported: it refuses one built from an older source.
from service.verdict import freshness  # noqa: F401
from service.verdict.compare import (
    CATEGORY_OF,
    OPPOSITE_WORDS,
    REFUTES,
    SUPPORTS,
    Analysed,
    Conflict,
    Reading,
    analyse,
    analyse_claim,
    analyse_passage,
    read,
)
from service.verdict.slots import names, negations
from service.verdict.text import Token, has_verb

SUPPORTED: Final = "supported"
REFUTED: Final = "refuted"
NOT_ENOUGH_EVIDENCE: Final = "not_enough_evidence"

CONJUNCTIONS: Final = frozenset({"and", "but", "while", "whereas", ";"})
# Those that join two clauses, never two nouns: the part after them is a statement whatever its verb.
CLAUSE_CONJUNCTIONS: Final = frozenset({"while", "whereas"})
ARTICLES: Final = frozenset({"a", "an", "the"})
MIN_PART_TOKENS: Final = 3


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    similarity: float


@dataclass(frozen=True)
class Judgement:
    verdict: str
    passage_id: str | None  # the passage the verdict rests on
    conflicts: tuple[Conflict, ...]
    explanation: str


def judge(claim: str, evidence: Sequence[Passage], threshold: float) -> Judgement:
    """The verdict on ``claim`` from ``evidence`` (closest first) and the reason for it."""
    about = [passage for passage in evidence if passage.similarity >= threshold]
    if not about:
        best = max((passage.similarity for passage in evidence), default=None)
        closest = f"the closest has similarity {best:.2f}" if best is not None else "the store is empty"
        return Judgement(
            NOT_ENOUGH_EVIDENCE, None, (), f"no passage is about this claim ({closest}, below {threshold:.2f})"
        )
    analysed = analyse_claim(claim)
    parts = _statements(analysed)
    if len(parts) <= 1:  # one statement, or separators alone (";"): the claim as it is
        return _judge_part(analysed, about)
    judgements = [_judge_part(analyse(part, passage=False), about) for part in parts]
    for verdict in (REFUTED, NOT_ENOUGH_EVIDENCE):
        for index, judgement in enumerate(judgements):
            if judgement.verdict == verdict:
                return Judgement(
                    verdict,
                    judgement.passage_id,
                    judgement.conflicts,
                    f'in part {index + 1} ("{parts[index]}"): {judgement.explanation}',
                )
    ids = ", ".join(dict.fromkeys(j.passage_id for j in judgements if j.passage_id))
    return Judgement(SUPPORTED, judgements[0].passage_id, (), f"every part is stated: {ids}")


def forget_readings() -> None:
    """Drop the passages and claims read lately (a burst can fill the caches with up to 30 MiB of readings)."""
    analyse_passage.cache_clear()
    analyse_claim.cache_clear()


def _judge_part(analysed: Analysed, about: Sequence[Passage]) -> Judgement:
    readings = [(read(analysed, analyse_passage(passage.text), passage.similarity), passage) for passage in about]
    supporting = _strongest([pair for pair in readings if pair[0].stance == SUPPORTS])
    refuting = _strongest([pair for pair in readings if pair[0].stance == REFUTES])
    if refuting is not None and (supporting is None or refuting[0].coverage >= supporting[0].coverage):
        reading, passage = refuting
        return Judgement(REFUTED, passage.id, reading.conflicts, _contradiction(passage, reading))
    if supporting is not None:
        reading, passage = supporting
        return Judgement(
            SUPPORTED,
            passage.id,
            (),
            f"{passage.id} states it: its names and numbers, and {reading.coverage:.0%} of its words",
        )
    reading, passage = max(readings, key=lambda pair: (pair[0].coverage, pair[1].similarity))
    missing = ", ".join(f'"{item}"' for item in reading.missing[:3]) or "what it asserts"
    return Judgement(
        NOT_ENOUGH_EVIDENCE, passage.id, (), f"{passage.id} is about the subject but does not state {missing}"
    )


def _strongest(pairs: list[tuple[Reading, Passage]]) -> tuple[Reading, Passage] | None:
    return max(pairs, key=lambda pair: (pair[0].coverage, pair[1].similarity), default=None)


def _contradiction(passage: Passage, reading: Reading) -> str:
    said = []
    for conflict in reading.conflicts:
        if conflict.claim is not None and conflict.evidence is not None:
            said.append(f'the claim says "{conflict.claim.text}"; {passage.id} says "{conflict.evidence.text}"')
        elif conflict.claim is not None:
            said.append(f'the claim says "{conflict.claim.text}"; {passage.id} does not')
        elif conflict.evidence is not None:
            said.append(f'{passage.id} says "{conflict.evidence.text}"; the claim does not')
    return "; ".join(said)


def statements(claim: str) -> list[str]:
    """The statements a claim joins with "and", "but" or ";", each with a verb of its own."""
    return _statements(analyse(claim, passage=False))


def _statements(analysed: Analysed) -> list[str]:
    claim, tokens = analysed.text, analysed.tokens
    cuts = [
        token
        for token in tokens
        if token.lower in CONJUNCTIONS
        and token.index >= MIN_PART_TOKENS
        and len(tokens) - token.index > MIN_PART_TOKENS
        and (token.lower == ";" or _joins_statements(tokens, token.index))
    ]
    parts: list[str] = []
    start = 0
    for cut in cuts:
        parts.append(claim[start : cut.start].strip(" ,;"))
        start = cut.end
    parts.append(claim[start:].strip(" ,;"))
    return [part for part in parts if part]


def _joins_statements(tokens: Sequence[Token], place: int) -> bool:
    """Whether a conjunction joins two statements, each with a verb, rather than two names or numbers.
    A semicolon always does, whatever the words either side ("X is not Y; Z is"); "while" and "whereas" do
    when a subject follows them, whether or not the verb after it is one the rule knows ("Stalactites hang
    ... while stalagmites rise ..."), not a participle or a phrase ("while working at CERN", "while in orbit")."""
    if _joins_names_or_numbers(tokens, place) or _pairs_one_and_the_other(tokens, place):
        return False
    if tokens[place].lower in CLAUSE_CONJUNCTIONS and _starts_with_subject(tokens[place + 1 :]):
        return True
    return has_verb(tokens[place + 1 :]) and has_verb(tokens[:place])


def _starts_with_subject(tokens: Sequence[Token]) -> bool:
    """Whether ``tokens`` start with an article or a content word that is not a participle, and do not end
    with a bare figure, which takes its unit from the part before ("..., whereas a kilobyte holds 1,000")."""
    first = tokens[0]
    words = [token for token in tokens if token.is_word or token.text[0].isdigit()]
    if not words or not words[-1].is_word:
        return False
    return first.lower in ARTICLES or (first.is_content and not first.lower.endswith("ing"))


def _pairs_one_and_the_other(tokens: Sequence[Token], place: int) -> bool:
    """ "one car descends while the other ascends": one statement of two things, each part meaningless alone
    (its "one" would read as a count)."""
    after = tokens[place + 1 : place + 3]
    return [token.lower for token in after] == ["the", "other"] and any(t.lower == "one" for t in tokens[:place])


def _joins_names_or_numbers(tokens: Sequence[Token], place: int) -> bool:
    """ "Paris and Lyon", "1969 and 1972": an "and" between two names or two numbers joins them."""
    if place == 0 or place + 1 >= len(tokens):
        return False
    before, after = tokens[place - 1], tokens[place + 1]
    return (before.capitalized and after.capitalized) or (before.text[0].isdigit() and after.text[0].isdigit())


def claim_key(claim: str) -> str:
    """What two claims must share to be the same claim: their numbers, names and negations.

    Memory answers a claim only when its key equals the remembered one's, whatever their cosine
    similarity: "Water boils at 90 degrees" and "at 100 degrees" are different claims. A sentence's
    first word counts as a name unless the claim also writes it in lower case, so a reordering
    can make two keys of one claim: memory then misses (and judges afresh), never answers wrongly.
    """
    analysed = analyse_claim(claim)
    # A range adds its top; a single figure keeps the form keys had before ranges, so remembered claims match.
    figures = sorted(
        f"{q.kind}:{q.bound}{q.value:.6g}" + (f"-{q.top:.6g}" if q.top is not None else "") for q in analysed.quantities
    )
    found = sorted(" ".join(sorted(name.keys)) for name in names(analysed.tokens, analysed.lowercase_words))
    negated = len(negations(analysed.tokens, analysed.lowers)) % 2
    opposites = sorted(
        token.lower for token in analysed.tokens if token.lower in OPPOSITE_WORDS or token.lower in CATEGORY_OF
    )
    return "|".join([",".join(figures), ",".join(found), str(negated), ",".join(opposites)])
