"""Two ways a sentence can change a fact without a name, a number or a listed opposite.

- **Who holds a unique place.** "The heart is the largest internal organ" and "The liver is the
  largest internal organ" share the frame "X is the largest Y": only one thing fills it, so
  another word in the subject is another fact. Such a swap counts only when the claim's word is
  nowhere in the passage and the passage's word is nowhere in the claim, so a paraphrase that
  names the same thing twice ("the femur, or thigh bone") is not one. The noun after the
  superlative is not compared so: "the first person" and "the first human" are one.
- **Modifiers that change what a noun names.** A "dwarf planet" is not a planet and a "former
  capital" is not the capital: one text has such a modifier before a noun the other has bare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.verdict.lexicon import ORDINALS, PRIVATIVE_MODIFIERS, STOP_WORDS, VERB_MARKERS
from service.verdict.text import Token

# Words that give a noun phrase one holder: "the first", "the only"; superlatives are added by the caller.
UNIQUE_MARKERS = frozenset({"only", "first", "last", "most", "least", *ORDINALS})
# Words of a noun phrase's modifiers read back from its noun ("a former royal palace").
MODIFIER_REACH = 3


@dataclass(frozen=True)
class Swap:
    """A word of the claim and the word the passage has in its place; ``kind`` is "role" for the
    holder of a unique place, "modifier" for a changed modifier."""

    kind: str
    claimed: tuple[Token, Token]  # first and last token of the claim's side
    given: tuple[Token, Token]


def unique_frame_swaps(
    claim: Sequence[Token],
    view: Sequence[Token],
    superlatives: frozenset[str],
    in_passage: Callable[[Token], bool],
    in_claim: Callable[[Token], bool],
    names: set[int],
) -> list[Swap]:
    """The subject of "X is the <unique> Y" that the view fills with another word.

    ``in_passage`` and ``in_claim`` say whether a word is anywhere in the other text; ``names`` are
    the token indices of the claim's names, left to the name slot.
    """
    swaps: list[Swap] = []
    view_markers = {token.lower: place for place, token in enumerate(view) if _is_marker(token, superlatives)}
    for place, token in enumerate(claim):
        if token.lower not in view_markers:
            continue
        other = view_markers[token.lower]
        claimed, given = _subject_head(claim, place), _subject_head(view, other)
        if (
            claimed is not None
            and given is not None
            and claimed.index not in names
            and not in_passage(claimed)
            and not in_claim(given)
        ):
            swaps.append(Swap("role", (claimed, claimed), (given, given)))
    return swaps


def _is_marker(token: Token, superlatives: frozenset[str]) -> bool:
    return token.lower in UNIQUE_MARKERS or token.lower in superlatives


def _subject_head(tokens: Sequence[Token], marker: int) -> Token | None:
    """The last word of the subject of "<subject> is the <marker>": a verb must stand between."""
    place = marker - 1
    verb = False
    while (
        place >= 0 and tokens[place].is_word and (not tokens[place].is_content or tokens[place].lower in VERB_MARKERS)
    ):
        verb = verb or tokens[place].lower in VERB_MARKERS
        place -= 1
    if not verb or place < 0 or not tokens[place].is_content:
        return None
    return tokens[place]


def modifier_changes(claim: Sequence[Token], view: Sequence[Token]) -> list[Swap]:
    """Nouns of the claim that the view qualifies by a modifier that changes what they name, or the
    reverse: "classified as a planet" against "classified as a dwarf planet"."""
    by_lower: dict[str, list[int]] = {}
    by_stem: dict[str, list[int]] = {}
    for other, candidate in enumerate(view):
        if candidate.is_word:
            by_lower.setdefault(candidate.lower, []).append(other)
            by_stem.setdefault(candidate.stem, []).append(other)
    swaps: list[Swap] = []
    for place, token in enumerate(claim):
        if not token.is_content or token.lower in PRIVATIVE_MODIFIERS:
            continue
        # The same form where the view has it ("planet", not "planets"), else any form.
        same = by_lower.get(token.lower) or by_stem.get(token.stem)
        if not same:
            continue
        mine = _privative_before(claim, place)
        theirs = [_privative_before(view, other) for other in same]
        if all((modifier is None) != (mine is None) for modifier in theirs):
            given = view[same[0]]
            swaps.append(Swap("modifier", (mine or token, token), (theirs[0] or given, given)))
    return swaps


def _privative_before(tokens: Sequence[Token], place: int) -> Token | None:
    """The modifier among the words right before a noun that makes it name something else, if any."""
    for token in reversed(tokens[max(0, place - MODIFIER_REACH) : place]):
        if not token.is_word or (token.lower in STOP_WORDS and token.lower not in PRIVATIVE_MODIFIERS):
            return None
        if token.lower in PRIVATIVE_MODIFIERS:
            return token
    return None
