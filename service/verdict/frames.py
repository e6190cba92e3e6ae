"""Ways a sentence can change a fact without a name, a number or a listed opposite.

- **Who holds a unique place.** "The heart is the largest internal organ" and "The liver is the
  largest internal organ" share the frame "X is the largest Y": only one thing fills it, so
  another word in the subject is another fact. Such a swap counts only when the claim's word is
  nowhere in the passage and the passage's word is nowhere in the claim, so a paraphrase that
  names the same thing twice ("the femur, or thigh bone") is not one. The noun after the
  superlative is not compared so: "the first person" and "the first human" are one.
- **By what measure, among what.** "The tallest mountain when measured from base to summit" and
  "the highest mountain on Earth" are two places, as are "the highest mountain in Africa" and
  "on Earth": a superlative (or "first", "only") followed by another measure ("by mass", "above
  sea level") or another scope ("in Africa") is not the same superlative, so a clause that has
  the claim's superlative only so is compared on no slot, and a negation of it ("Everest is not
  the tallest ... from base to summit") negates nothing of the claim. A superlative without a
  scope holds everywhere, as "on Earth" does; "on Earth" names no place a passage must state.
- **Whose the rest is.** "Stalagmites hang from the ceilings of caves" against "Stalactites hang
  from the ceilings of caves while stalagmites rise from the floor": a clause says all the rest of
  the claim of another subject, and the passage gives the claim's subject a clause of its own.
- **Another word where the claim puts its own.** "Wimbledon is played on clay courts" against
  "played on grass courts": the noun phrases a word governs (its object or complement, after at
  most GOVERNED_GAP stop words) differ, the claim's word is nowhere in the passage and the
  passage's word nowhere in the claim. They fill one slot when the two phrases share a word, or
  follow the same preposition, or when the claim's phrase ends its clause ("Koalas eat bamboo."):
  a verb straight after a subject ("pods grow", "pods develop") is no such slot. Synonyms
  (lexicon.SYNONYMS) are the same word. Names and numbers are left to their own slots.
- **Modifiers that change what a noun names.** A "dwarf planet" is not a planet and a "former
  capital" is not the capital: one text has such a modifier before a noun the other has bare.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from service.verdict.lexicon import (
    MONTHS,
    NEGATORS,
    NUMBER_WORDS,
    ORDINALS,
    PRIVATIVE_MODIFIERS,
    STOP_WORDS,
    SYNONYMS,
    VERB_MARKERS,
)
from service.verdict.slots import is_negative
from service.verdict.text import Token, has_verb, stem

# Words that give a noun phrase one holder: "the first", "the only"; superlatives are added by the caller.
UNIQUE_MARKERS: Final = frozenset({"only", "first", "last", "most", "least", *ORDINALS})
DETERMINERS: Final = frozenset({"a", "an", "the", "its", "their", "his", "her", "our", "my", "your"})
# Markers of an event's place in a sequence: a date after their noun says when, not among which ("its first
# launch in April 1981" is the first launch of all).
SEQUENCE_MARKERS: Final = frozenset({"first", "last", *ORDINALS})
# Stop words that may stand between a word and the phrase it governs ("played on the grass"), and
# the content words of that phrase compared.
GOVERNED_GAP: Final = 2
GOVERNED_REACH: Final = 4
# Words that open a relative clause or join another phrase: what follows is not governed by the word before.
PHRASE_BREAKS: Final = frozenset(
    {"that", "which", "who", "whom", "whose", "where", "when", "and", "or", "but", "while"}
)
# Links after which two phrases are the object of the same preposition ("spread by ticks", "by mosquitoes").
PREPOSITIONS: Final = frozenset(
    {"on", "in", "at", "by", "of", "from", "to", "with", "into", "onto", "through", "under", "over"}
)
# Prepositions that follow an intransitive verb ("live for", "flows into") as readily as a noun: not "of".
VERB_PREPOSITIONS: Final = {"for", "during", "until", "around", "across", "along", "toward", "towards"}
AFTER_A_VERB: Final = (PREPOSITIONS - {"of"}) | VERB_PREPOSITIONS
# Words that start a verb's object: a word right before one of them is read as a verb.
OBJECT_STARTS: Final = frozenset(
    {"a", "an", "the", "its", "their", "his", "her", "your", "our", "my", "you", "it", "them", "him", "us", "this"}
)
# Words of a noun phrase's modifiers read back from its noun ("a former royal palace").
MODIFIER_REACH: Final = 3
# Verbs that join a subject to what is said of it ("the core is liquid").
COPULAS: Final = frozenset({"is", "are", "was", "were"})
# Words after a superlative's noun that give the measure ("when measured from base to summit",
# "by mass", "above sea level"), the words that may lead them in, and those that give a scope.
MEASURE_WORDS: Final = frozenset({"measured", "measuring", "by", "from", "above", "below"})
MEASURE_LEADS: Final = frozenset({"when", "if", "as"})
SCOPE_WORDS: Final = frozenset({"in", "on", "of", "among"})
# A scope that says "everywhere": "the highest mountain on Earth", "the largest planet in the Solar System".
WIDEST_SCOPES: Final = frozenset({"world", "earth", "globe", "planet", "sun", "system", "universe", "any", "known"})
EVERYWHERE: Final = frozenset({"*"})
PHRASE_ENDS: Final = MEASURE_WORDS | MEASURE_LEADS | SCOPE_WORDS | frozenset({"and", "but", "which", "that", "while"})
# Words a superlative's noun phrase may have between the marker and its measure or scope.
NOUN_REACH: Final = 3
LIST_JOINS: Final = frozenset({"and", "or"})
# Words before the holders of a list of places ("with talc as the softest and diamond as the hardest").
HOLDER_LIST_LEADS: Final = frozenset({"with", "and"})
# Tokens an apposition between commas may have ("The femur, or thigh bone, is the longest").
APPOSITION_REACH: Final = 8
# Tokens from a negation to the marker it negates ("not the tallest", "never the largest").
NEGATION_REACH: Final = 3
# Each synonym's stem, to the stems of its group: "stores" meets "keeps".
SYNONYM_STEMS: Final = {stem(word): frozenset(stem(other) for other in group) for group in SYNONYMS for word in group}


@dataclass(frozen=True)
class Qualifiers:
    """What a superlative is measured by and among what; no stated scope is everywhere ("the
    largest planet" is "the largest planet in the Solar System", not "the largest in Africa")."""

    measure: frozenset[str]
    scope: frozenset[str]
    kind: frozenset[str] = frozenset()  # words between the superlative and its noun: "land" of "fastest land animal"
    owner: frozenset[str] = frozenset()  # a possessive's scope: "Britain" of "Britain's last steam train"

    def same_as(self, other: Qualifiers) -> bool:
        """The same measure, a shared scope, and neither noun narrowed where the other is not ("land
        animal" and "animal"; "cold desert" and "hot desert" are one slot with two values). A possessive's
        scope is shared by a text that states none: "Britain's last" may be "the last ... run by British
        Railways"; against another scope it must be that one ("the body's", "of the human body")."""
        if self.measure != other.measure or self.kind < other.kind or other.kind < self.kind:
            return False
        mine, theirs = self.scope | self.owner, other.scope | other.owner
        if (self.owner and not theirs) or (other.owner and not mine):
            return True
        return bool((mine or EVERYWHERE) & (theirs or EVERYWHERE))


@dataclass(frozen=True)
class Swap:
    """A word of the claim and the word the passage has in its place; ``kind`` is "role" for the
    holder of a unique place or the subject of a clause, "word" for another word governed by the
    same word, "modifier" for a changed modifier."""

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
    view_markers: dict[str, list[int]] = {}
    for place, token in enumerate(view):
        if _marks_place(view, place, superlatives):
            view_markers.setdefault(token.lower, []).append(place)
    for place, token in enumerate(claim):
        if token.lower not in view_markers or not _marks_place(claim, place, superlatives):
            continue
        claimed = _subject_head(claim, place)
        # The first of the view's places with a holder: "the ostrich is the largest living bird, and its eggs
        # ... are the largest laid" names no holder of the second.
        given = next(
            (head for other in view_markers[token.lower] if (head := _subject_head(view, other)) is not None), None
        )
        if claimed is not None and given is not None and same_word(claimed, given):
            # One head, two kinds of it: "the king penguin" and "the emperor penguin" are told by the word before.
            claimed, given = _modifier_before(claim, claimed), _modifier_before(view, given)
        if (
            claimed is not None
            and given is not None
            and claimed.index not in names
            and (not in_passage(claimed) or _holds_another(claimed, view, view_markers, token.lower))
            and not in_claim(given)
        ):
            swaps.append(Swap("role", (claimed, claimed), (given, given)))
    return swaps


def _modifier_before(tokens: Sequence[Token], head: Token) -> Token | None:
    """The content word right before a holder's head ("king" of "the king penguin"), if any."""
    place = next((place for place, token in enumerate(tokens) if token is head), 0)
    before = tokens[place - 1] if place > 0 else None
    return before if before is not None and before.is_content and before.is_word else None


def _holds_another(word: Token, view: Sequence[Token], markers: dict[str, list[int]], marker: str) -> bool:
    """Whether the view gives ``word`` another unique place than ``marker`` ("with talc as the softest and
    diamond as the hardest"): the claim's holder is then in the passage, but not as the holder of its place."""
    return any(
        (holder := _subject_head(view, place)) is not None and same_word(word, holder)
        for other, places in markers.items()
        if other != marker
        for place in places
    )


def subject_swaps(
    claim: Sequence[Token],
    view: Sequence[Token],
    in_passage: Callable[[Token], bool],
    in_view: Callable[[Token], bool],
    in_claim: Callable[[Token], bool],
    names: set[int],
) -> list[Swap]:
    """The claim's subject, when the view states all the rest of the claim of another subject and
    the claim's subject is elsewhere in the passage (``in_view``: whether a word is in this view)."""
    claimed, given = _first_content(claim), _first_content(view)
    if claimed is None or given is None or claimed.index in names or in_claim(given) or in_view(claimed):
        return []
    rest = [token for token in claim if token.is_content and token is not claimed and token.index not in names]
    if in_passage(claimed) and rest and all(in_view(token) for token in rest):
        return [Swap("role", (claimed, claimed), (given, given))]
    return []


def _first_content(tokens: Sequence[Token]) -> Token | None:
    return next((token for token in tokens if token.is_content), None)


def _is_marker(token: Token, superlatives: frozenset[str]) -> bool:
    return token.lower in UNIQUE_MARKERS or token.lower in superlatives


def _marks_place(tokens: Sequence[Token], place: int, superlatives: frozenset[str]) -> bool:
    """Whether the word at ``place`` gives its noun one holder: not "only" before a figure ("only 10 percent",
    "only ten percent" bound a quantity, they name no unique place), nor a word of a name."""
    word = tokens[place].lower
    if word not in UNIQUE_MARKERS and word not in superlatives:
        return False
    if tokens[place].capitalized and not tokens[place].initial:
        return False  # a word of a name: "The Last Supper", "the First World War"
    if word == "only" and place + 1 < len(tokens):
        following = tokens[place + 1]
        return not (following.text[0].isdigit() or following.lower in NUMBER_WORDS)
    if word in SEQUENCE_MARKERS and 0 < place < len(tokens) - 1:
        return not _adverb_of_time(tokens, place)
    return True


def _adverb_of_time(tokens: Sequence[Token], place: int) -> bool:
    """ "was first released", "last seen in": "first" or "last" before a participle says when, unless an article
    or a possessive makes it an adjective that ranks ("the first recorded journey", "Europe's last surviving")."""
    before, after = tokens[place - 1], tokens[place + 1]
    return after.lower.endswith("ed") and before.lower not in DETERMINERS and not _possessive(tokens, place - 1, place)


def another_place(claim: Sequence[Token], view: Sequence[Token], superlatives: frozenset[str]) -> bool:
    """Whether the view has a superlative of the claim (or "first", "only") only with another measure
    or scope: "the highest mountain in Africa" against "on Earth". It then states another fact."""
    for mine, token in enumerate(claim):
        if not _marks_place(claim, mine, superlatives):
            continue
        stated = qualifiers(claim, mine)
        theirs = [place for place, other in enumerate(view) if same_word(token, other)]
        if theirs and not any(stated.same_as(_in_its_scope(qualifiers(view, place), stated, view)) for place in theirs):
            return True
    return False


def _in_its_scope(given: Qualifiers, stated: Qualifiers, view: Sequence[Token]) -> Qualifiers:
    """The view's qualifiers, with the claim's scope when the view states none after its superlative but names
    that scope as what it speaks of: "The Beaufort scale runs ..., with calm as the lowest force" ranks calm on
    the Beaufort scale, as "the lowest force on the Beaufort scale" does."""
    if given.scope or given.owner or not stated.scope or stated.scope == EVERYWHERE:
        return given
    if not stated.scope <= {token.lower for token in view}:
        return given
    return Qualifiers(given.measure, stated.scope, given.kind, given.owner)


def narrower_place(claim: Sequence[Token], text: Sequence[Token], superlatives: frozenset[str]) -> bool:
    """Whether ``text`` has a superlative of the claim only of a narrower noun ("the fastest land animal"
    for "the fastest animal"): true of fewer things, it does not state the claim's."""
    claim_stems = {token.stem for token in claim}
    for mine, token in enumerate(claim):
        if not _marks_place(claim, mine, superlatives) or not _bare_noun(claim, mine):
            continue
        kind = qualifiers(claim, mine).kind
        theirs = [qualifiers(text, place).kind for place, other in enumerate(text) if same_word(token, other)]
        if theirs and all(kind < other and other - claim_stems for other in theirs):
            return True
    return False


def _bare_noun(tokens: Sequence[Token], marker: int) -> bool:
    """Whether the superlative's noun phrase is followed only by punctuation, a measure or a scope: words
    such as "still in existence" narrow it too, in a way the rule does not read."""
    end = _noun_end(tokens, marker)
    if end >= len(tokens) or not tokens[end].is_word:
        return True
    word = tokens[end].lower
    return word in MEASURE_WORDS or word in MEASURE_LEADS or word in SCOPE_WORDS or word in VERB_MARKERS


def negates_another_place(
    text: Sequence[Token], negation: int, other: Sequence[Token], superlatives: frozenset[str]
) -> bool:
    """Whether the negation at ``negation`` negates a superlative ("not the tallest ... from base to
    summit") that ``other`` does not state with the same measure and scope: it then says nothing of ``other``."""
    marker = next(
        (
            place
            for place in range(negation + 1, min(len(text), negation + 1 + NEGATION_REACH))
            if _marks_place(text, place, superlatives) or text[place].is_content or not text[place].is_word
        ),
        None,
    )
    if marker is None or not _marks_place(text, marker, superlatives):
        return False
    stated = qualifiers(text, marker)
    return not any(
        same_word(text[marker], token) and stated.same_as(qualifiers(other, place)) for place, token in enumerate(other)
    )


def _subject_head(tokens: Sequence[Token], marker: int) -> Token | None:
    """The last word of the subject of "<subject> is the <marker>": a verb must stand between, and may be
    followed by a possessive that scopes the marker ("The skin is the body's largest organ")."""
    place = marker - 1
    verb = False
    while (
        place >= 0
        and tokens[place].is_word
        and (not tokens[place].is_content or tokens[place].lower in VERB_MARKERS or _possessive(tokens, place, marker))
    ):
        verb = verb or tokens[place].lower in VERB_MARKERS or _ranked_as(tokens, place)
        place -= 1
    if verb and place >= 0 and tokens[place].text == ",":
        place = _before_apposition(tokens, place)
    if not verb or place < 0 or not tokens[place].is_content:
        return None
    return tokens[place]


def _ranked_as(tokens: Sequence[Token], place: int) -> bool:
    """Whether the "as" at ``place`` gives the noun before it a place in a list of holders: "with talc as the
    softest and diamond as the hardest" (not "known as" or "such as": there the word before is no holder)."""
    return (
        tokens[place].lower == "as"
        and place >= 2
        and tokens[place - 1].is_content
        and not has_verb((tokens[place - 1],))  # "and regarded as the largest": a verb's, no holder
        and tokens[place - 2].lower in HOLDER_LIST_LEADS
    )


def _possessive(tokens: Sequence[Token], place: int, marker: int) -> bool:
    """Whether the word at ``place`` is a possessive right before the marker ("the world's tallest")."""
    return place == marker - 1 and tokens[place].text.lower().endswith(("'s", "\u2019s"))


def _before_apposition(tokens: Sequence[Token], comma: int) -> int:
    """Where the subject ends before an apposition between commas ("The femur, or thigh bone, is"):
    the place before the opening comma, or -1 when there is none within reach."""
    for place in range(comma - 1, max(-1, comma - 1 - APPOSITION_REACH), -1):
        if tokens[place].text == ",":
            return place - 1
        if not tokens[place].is_word:
            return -1
    return -1


def governed_swaps(
    claim: Sequence[Token],
    view: Sequence[Token],
    superlatives: frozenset[str],
    in_passage: Callable[[Token], bool],
    in_claim: Callable[[Token], bool],
    slots: set[int],
) -> list[Swap]:
    """Words the claim has after a word that the view has other words after ("eat bamboo", "eat
    eucalyptus leaves"); ``slots`` are the claim's names and numbers, left to their own slots."""
    swaps: list[Swap] = []
    compared: set[int] = set()
    for place, anchor in enumerate(claim):
        # A negation governs no slot: what it denies is compared by the negation rule ("not a water
        # tank" and "does not store water" deny things, they do not fill one slot).
        if not anchor.is_content or _is_name(anchor) or place in slots or anchor.lower in NEGATORS:
            continue
        link, phrase = _governed(claim, place)
        # A word negated by an affix ("unreadable") denies a property: the negation rule compares it.
        phrase = [token for token in phrase if not is_negative(token.lower)]
        claimed = [token for token in phrase if token.index not in slots and not in_passage(token)]
        if not claimed or compared & {token.index for token in claimed}:
            continue
        for other, token in enumerate(view):
            if not same_word(anchor, token):
                continue
            their_link, theirs = _governed(view, other)
            theirs = [word for word in theirs if not is_negative(word.lower)]
            mine = [word for word in claimed if not any(same_word(word, their) for their in theirs)]
            given = [word for word in theirs if not in_claim(word) and not any(same_word(word, c) for c in claimed)]
            # The same slot: the phrases share a word ("clay courts", "grass courts"), or both are the
            # object of the same preposition after the same word ("spread by ticks", "by mosquitoes").
            # A word of theirs the claim says outside its phrase is a paraphrase, not a shared word:
            # "the freezing point" and "the temperature at which it freezes".
            # "first" or a superlative shared says nothing: "the first vaccine" and "the first disease" are two
            # kinds of thing ranked, not two values of one slot.
            shared = any(
                same_word(their, word) for their in theirs for word in phrase if not _is_marker(word, superlatives)
            )
            same_slot = shared or (
                link == their_link and (bool(PREPOSITIONS.intersection(link)) or _ends_clause(claim, phrase[-1]))
            )
            if shared and _verbs_after_subject(claim, mine) and _verbs_after_subject(view, given):
                continue  # "red blood cells live for" and "blood cells circulate for": two verbs, not two nouns
            if mine and same_slot and any(not _is_name(word) for word in given):
                swaps.append(Swap("word", (mine[0], mine[-1]), (given[0], given[-1])))
                compared.update(token.index for token in claimed)
                break
    return swaps


def _verbs_after_subject(tokens: Sequence[Token], words: list[Token]) -> bool:
    """Whether ``words`` is one word that a preposition other than "of" follows ("live for", "circulate
    in"): after a shared noun, that is a verb of it, not another noun of the phrase ("calcium sulfate left",
    "roasted seeds of")."""
    if len(words) != 1:
        return False
    place = next((at for at, token in enumerate(tokens) if token is words[0]), None)
    if place is None or place + 1 >= len(tokens):
        return False
    return tokens[place + 1].lower in AFTER_A_VERB


def _governed(tokens: Sequence[Token], place: int) -> tuple[tuple[str, ...], list[Token]]:
    """The stop words that link the word at ``place`` to the noun phrase it governs, and the content
    words of that phrase: the run right after them, up to a verb. At most GOVERNED_GAP stop words
    link; a relative pronoun or a conjunction starts another phrase ("a generator that feeds ...")."""
    start = place + 1
    while start < len(tokens) and tokens[start].is_word and not tokens[start].is_content:
        if tokens[start].lower in PHRASE_BREAKS:
            return (), []
        start += 1
    link = tuple(token.lower for token in tokens[place + 1 : start])
    if len(link) > GOVERNED_GAP:
        return (), []
    phrase: list[Token] = []
    for at in range(start, min(len(tokens), start + GOVERNED_REACH)):
        token = tokens[at]
        if not token.is_content or token.lower in NEGATORS or _verb_at(tokens, at):
            break
        phrase.append(token)
    return link, phrase


def _ends_clause(tokens: Sequence[Token], last: Token) -> bool:
    """Whether nothing but punctuation follows ``last`` in its clause: the object that ends it."""
    following = last.index - tokens[0].index + 1
    return following >= len(tokens) or not tokens[following].is_word


def _is_name(token: Token) -> bool:
    return token.capitalized and not token.initial


def _verb_at(tokens: Sequence[Token], place: int) -> bool:
    """Whether the word at ``place`` reads as a verb taking an object, not as a noun or adjective:
    a listed verb ("took place"), or a word followed by an article, a pronoun or a number ("reached
    603", "puts eleven", "drew its power"), or an "-ed" form followed by a stop word ("opened on").
    Before a content word an "-ed" form modifies it ("infected ticks")."""
    if tokens[place].lower in VERB_MARKERS:
        return True
    if place + 1 >= len(tokens):
        return False
    following = tokens[place + 1]
    if following.lower in NUMBER_WORDS or following.text[0].isdigit():
        return True
    if following.is_content or not following.is_word:
        return False
    return following.lower in OBJECT_STARTS or has_verb((tokens[place],))


def modifier_changes(claim: Sequence[Token], view: Sequence[Token]) -> list[Swap]:
    """Nouns of the claim that the view qualifies by a modifier that changes what they name, or the
    reverse: "classified as a planet" against "classified as a dwarf planet"."""
    if not any(token.lower in PRIVATIVE_MODIFIERS for token in (*claim, *view)):
        return []  # most texts: no such modifier on either side
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


def attached_elsewhere(
    claim: Sequence[Token], place: int, view: Sequence[Token], rivals: Sequence[Token]
) -> Token | None:
    """The rival value (an opposite or another member of the word's category) that the view attaches
    to the thing the claim's word at ``place`` describes, when the view attaches the claim's word
    itself to something else: in "a solid inner core ... a liquid outer core", "liquid" describes
    the outer core, so it does not state "the inner core is liquid"; "solid" contradicts it. A word
    describes the nouns right after it, or, after "is", the noun phrase before the verb."""
    described = _described(claim, place)
    if not described:
        return None
    word = claim[place]

    places = {token.index: position for position, token in enumerate(view)}

    def overlap(other: Token) -> int:
        return len(described & _described(view, places[other.index]))

    own = max((overlap(token) for token in view if token.is_word and token.lower == word.lower), default=0)
    best = max(rivals, key=overlap, default=None)
    return best if best is not None and overlap(best) > own else None


def _described(tokens: Sequence[Token], place: int) -> frozenset[str]:
    """The stems of what the word at ``place`` is said of: the nouns right after it ("liquid outer
    core"), and across a copula the other side ("the outer core is a solid sphere": "outer" is said
    of a solid sphere, "solid" of the outer core; "the core is liquid")."""
    after = list(itertools.takewhile(lambda token: token.is_content, tokens[place + 1 : place + 1 + MODIFIER_REACH]))
    modifiers = list(itertools.takewhile(lambda token: token.is_content, reversed(tokens[:place])))
    found = {token.stem for token in after}
    start, end = place - len(modifiers), place + len(after)
    if start >= 1:  # a predicate: the subject before its verb ("is", "is a", "talc as the softest")
        verb = next(
            (
                position
                for position in range(start - 1, -1, -1)
                if tokens[position].is_content or tokens[position].lower in COPULAS or _ranked_as(tokens, position)
            ),
            None,
        )
        if verb is not None and (tokens[verb].lower in COPULAS or _ranked_as(tokens, verb)):
            found |= _phrase(reversed(tokens[:verb]))
    if end + 1 < len(tokens) and tokens[end + 1].lower in COPULAS:  # a subject: what its verb says of it
        found |= _phrase(iter(tokens[end + 2 :]))
    return frozenset(found)


def _phrase(tokens: Iterator[Token]) -> set[str]:
    """The stems of the first run of content words among ``tokens`` (after articles), at most MODIFIER_REACH."""
    words = itertools.dropwhile(lambda token: token.is_word and not token.is_content, tokens)
    return {
        token.stem for token in itertools.islice(itertools.takewhile(lambda t: t.is_content, words), MODIFIER_REACH)
    }


def _privative_before(tokens: Sequence[Token], place: int) -> Token | None:
    """The modifier among the words right before a noun that makes it name something else, if any."""
    for token in reversed(tokens[max(0, place - MODIFIER_REACH) : place]):
        if not token.is_word or (token.lower in STOP_WORDS and token.lower not in PRIVATIVE_MODIFIERS):
            return None
        if token.lower in PRIVATIVE_MODIFIERS:
            return token
    return None


def qualifiers(tokens: Sequence[Token], marker: int) -> Qualifiers:
    """The measure and scope stated after the superlative at ``marker`` and its noun, and the words
    that narrow the noun: "the fastest land animal" holds among land animals, not among all animals."""
    measure: set[str] = set()
    scope: set[str] = set()
    for word, phrase in _qualifier_phrases(tokens, marker):
        if tokens[marker].lower in SEQUENCE_MARKERS and _is_date(phrase):
            continue
        if word in MEASURE_WORDS:
            measure.update(token.stem for token in phrase)
        else:
            scope.update(_scope(phrase))
    owner = _scope([tokens[marker - 1]]) if marker > 0 and _possessive(tokens, marker - 1, marker) else frozenset()
    noun_phrase = tokens[_joined_superlatives_end(tokens, marker) : _noun_end(tokens, marker)]
    # A number word counts the noun ("only eleven letters"), as a figure does: it does not narrow it. A name
    # before the noun says where, as a scope does ("the first ARPANET message", "the first message on ARPANET"),
    # unless the noun is a word of that name: "the first modern Olympic Games" are the thing ranked.
    modifiers = noun_phrase[:-1]
    kind = frozenset(token.stem for token in modifiers if token.lower not in NUMBER_WORDS and not token.capitalized)
    named = [token for token in modifiers if token.capitalized and not noun_phrase[-1].capitalized]
    if named:
        scope.update(_scope(named))
    return Qualifiers(frozenset(measure), frozenset(scope), kind, owner)


def everywhere_words(tokens: Sequence[Token], superlatives: frozenset[str]) -> set[int]:
    """Indices of the words that say a superlative holds everywhere ("on Earth", "in the Solar
    System"): they name no place a passage must state."""
    found: set[int] = set()
    for marker in range(len(tokens)):
        if _marks_place(tokens, marker, superlatives):
            for word, phrase in _qualifier_phrases(tokens, marker):
                if word in SCOPE_WORDS and _scope(phrase) == EVERYWHERE:
                    found.update(token.index for token in phrase)
    return found


def possessive_scopes(tokens: Sequence[Token], superlatives: frozenset[str]) -> set[int]:
    """Indices of the possessives that scope a superlative ("Africa's highest mountain"): its scope, compared
    as one (see :func:`qualifiers`), no name of a slot of its own."""
    return {
        marker - 1
        for marker in range(1, len(tokens))
        if _marks_place(tokens, marker, superlatives) and _possessive(tokens, marker - 1, marker)
    }


def _is_date(phrase: list[Token]) -> bool:
    return bool(phrase) and all(token.lower in MONTHS or token.text.isdigit() for token in phrase)


def _scope(phrase: list[Token]) -> frozenset[str]:
    named = {token.lower for token in phrase}
    return EVERYWHERE if named <= WIDEST_SCOPES else frozenset(named - WIDEST_SCOPES)


def _qualifier_phrases(tokens: Sequence[Token], marker: int) -> list[tuple[str, list[Token]]]:
    """The phrases after a superlative's noun that measure or scope it, each with the word that
    opens it ("from", "in") and its content words. A second superlative joined to the first shares its
    noun and qualifiers ("the longest and strongest bone in the body")."""
    place = _noun_end(tokens, marker)
    phrases: list[tuple[str, list[Token]]] = []
    while place < len(tokens):
        word = tokens[place].lower
        if word in MEASURE_LEADS:
            place += 1
            continue
        if word not in MEASURE_WORDS and word not in SCOPE_WORDS:
            break
        end = _phrase_end(tokens, place + 1)
        phrases.append((word, [token for token in tokens[place + 1 : end] if token.is_content]))
        place = end
    return phrases


def _joined_superlatives_end(tokens: Sequence[Token], marker: int) -> int:
    """Where the superlatives joined at ``marker`` end ("longest and strongest"): their noun phrase's start."""
    place = marker + 1
    while place + 1 < len(tokens) and tokens[place].lower in LIST_JOINS and tokens[place + 1].lower.endswith("est"):
        place += 2
    return place


def _noun_end(tokens: Sequence[Token], marker: int) -> int:
    """The place after the noun phrase of the superlative at ``marker``: its content words, at most NOUN_REACH."""
    place = _joined_superlatives_end(tokens, marker)
    while (
        place < len(tokens)
        and place <= marker + NOUN_REACH
        and tokens[place].is_content
        and tokens[place].lower not in MEASURE_WORDS
        and not has_verb((tokens[place],))  # "the first train ran from ...": the verb's, not a measure
    ):
        place += 1
    return place


def _phrase_end(tokens: Sequence[Token], start: int) -> int:
    """Where the phrase that starts at ``start`` ends: punctuation, a new clause or another qualifier."""
    for place in range(start, len(tokens)):
        token = tokens[place]
        if not token.is_word or token.lower in PHRASE_ENDS:
            return place
    return len(tokens)


def same_word(one: Token, other: Token) -> bool:
    """The same word in any form, or a synonym of it."""
    return one.stem == other.stem or one.lower == other.lower or other.stem in SYNONYM_STEMS.get(one.stem, ())
