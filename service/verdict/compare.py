"""What one passage says of one claim: it supports it, refutes it, or is silent, and why.

The claim is compared with the clause of the passage that covers most of its words (see
:func:`service.verdict.text.clauses`), slot by slot:

- **names and quantities** are aligned by the words around them: in "Mozart was born in Vienna"
  the name after "born" is compared with the name after "born" in the passage ("Salzburg"),
  not with any name the passage happens to contain. A quantity is compared only with quantities
  of its kind (lengths with lengths, converted; years with years; "six strings" with strings),
  and belongs to the thing its clause names ("whereas a netball team has seven"). A comparison
  ("more players than") is computed from the two sides' figures. A year, or a subject or object
  name, that no word of the passage aligns is compared only when the passage has the word that
  governs it in the claim: "painted in 1503" is no date of "stolen in 1911".
- **roles**: two names either side of the same verb in the other order ("A defeated B", "B beat A"),
  or the doer of a participle ("A won, beating B") given as that verb's object ("by beating A").
- **opposites and categories**: the claim says "largest" or "iron" where the clause says
  "smallest" or "gold"; or the clause has the claim's word too, but attached to another noun
  and the rival attached to the claim's ("a solid inner core ... a liquid outer core").
- **frames** (:mod:`service.verdict.frames`): another subject of the same superlative (with
  the same measure and scope), other words governed by the same word ("played on clay courts",
  "on grass courts"), and a modifier such as "former" or "dwarf" before a noun the other text
  has bare.
- **negation**: "not", "never", "n't", "-less" words and negative prefixes are counted in both
  (a negating word only when the other text says something of what follows it: "cannot roar");
  a swapped opposite counts as one more, so "Bats can see" agrees with "Bats are not blind".
  "lack" (and "deficiency", "shortage", "absence") and "without" count only when the other text
  names what is lacking, and a negated superlative only when the other text states that
  superlative with the same measure and scope.

A clause refutes when it conflicts on a slot and otherwise covers at least half of the claim (it
speaks of the same thing). A passage supports when no slot conflicts, every name and number of
the claim is in it, and it covers enough of the claim's words.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, TypeVar

from service.verdict.frames import (
    PREPOSITIONS,
    SYNONYM_STEMS,
    WIDEST_SCOPES,
    Swap,
    another_place,
    attached_elsewhere,
    everywhere_words,
    governed_swaps,
    modifier_changes,
    narrower_place,
    negates_another_place,
    possessive_scopes,
    same_word,
    subject_swaps,
    unique_frame_swaps,
)
from service.verdict.lexicon import (
    ALWAYS_NEGATIVE,
    CATEGORIES,
    DEGREE_FAMILIES,
    GREATER_WORDS,
    LESSER_WORDS,
    MONTHS,
    NEGATORS,
    OPPOSITES,
    SYMMETRIC_VERBS,
)
from service.verdict.readings import ReadingCache
from service.verdict.slots import (
    Name,
    Quantity,
    base_stem,
    names,
    negations,
    place_qualifiers,
    quantities,
)
from service.verdict.text import Token, clauses, has_verb, stem, tokenize

SUPPORTS: Final = "supports"
REFUTES: Final = "refutes"
SILENT: Final = "silent"

# Share of the claim's other words a conflicting clause must cover to be about the same thing.
REFUTE_COVERAGE: Final = 0.5
# Share of the claim's words a passage must contain to state it, and the lower share enough when
# the passage is a close paraphrase (cosine similarity at least CLOSE_PARAPHRASE).
SUPPORT_COVERAGE: Final = 0.6
PARAPHRASE_COVERAGE: Final = 0.4
CLOSE_PARAPHRASE: Final = 0.8
# Tokens after a negation that say what it denies ("cannot roar", "does not work against viruses").
NEGATION_SCOPE: Final = 5
# Tokens from a comparative to its "than" ("fewer players on the field than").
COMPARISON_REACH: Final = 6
# Tokens between two names and the verb that relates them ("A was defeated by B").
RELATION_GAP: Final = 4
# Words between two names that end the relation: a list or another clause ("A and B", "A, which B").
PHRASE_BREAK_WORDS: Final = frozenset({"and", "or", "but", "while", "which", "who", "that", "where", "when"})
# Stems of verbs that say the same with their two names swapped: "France borders Spain".
SYMMETRIC_STEMS: Final = frozenset(stem(word) for word in SYMMETRIC_VERBS)
# Conflicts whose clause may be short ("..., and 3 act as stop signals"; "..., by beating Argentina"):
# the whole passage tells whether it speaks of the same thing.
WHOLE_PASSAGE_KINDS: Final = frozenset({"number", "role"})
# Words that put a name in its slot without a verb: a preposition, or a list with another name.
NAME_LINKS: Final = PREPOSITIONS | {"between", "except", "than", "for", "against", "and", "or"}
# How many tokens from an anchor word a slot may stand and still be the one it governs.
ALIGNMENT_WINDOW: Final = 6
PLACE_ROLE: Final = "where or when"
# The role a preposition gives the name or number after it; those of one role may stand for each other.
PREPOSITION_ROLES: Final = {
    **dict.fromkeys(("in", "at", "on", "within", "inside", "near"), PLACE_ROLE),
    **dict.fromkeys(("by",), "by whom"),
    **dict.fromkeys(("from",), "from where"),
    **dict.fromkeys(("to", "into", "onto", "toward", "towards"), "to where"),
    **dict.fromkeys(("with",), "with what"),
}
OBJECT_ROLE: Final = "what"
ARTICLES: Final = frozenset({"a", "an", "the"})
PASSIVE_AUXILIARIES: Final = frozenset({"is", "are", "was", "were", "be", "been", "being"})
# Words between a place and the wider place it is in ("in Gale crater on Mars").
PLACE_CHAIN_GAP: Final = 3
# Words that compare two things' years as "than" does their figures ("opened before the Paris Metro"), each
# with the comparative it stands for.
ORDER_WORDS: Final = {"before": "earlier", "after": "later"}
# Comparisons of time: computed from years only (a day of the month or an ordinal is no date of its own).
TIME_ORDER: Final = frozenset(ORDER_WORDS) | frozenset(ORDER_WORDS.values())
# Verbs that say their subject won, and the stems of those whose object lost ("defeated the Chiefs"), at most
# BEATEN_REACH words before it ("defeated the English forces of King Harold II").
WIN_WORDS: Final = frozenset({"won", "wins", "win", "beat", "beats", "defeated", "defeats"})
BEATEN_STEMS: Final = frozenset(stem(word) for word in ("beat", "beating", "defeated", "defeating", "beaten"))
BEATEN_REACH: Final = 7
PASSIVE_BEATEN_WORDS: Final = 2  # "was defeated"
# A Celsius temperature in Fahrenheit, and how near a claim's bare degrees must be to it (see _degrees_of).
FAHRENHEIT_DEGREES, FAHRENHEIT_ZERO = 1.8, 32.0
SAME_DEGREES: Final = 0.01
YEAR_REACH: Final = 10  # tokens from a verb to the year it is dated by, across its object (see _year_of_verb)
# How far apart "from" and "to" of one route may be, and the destination after "to".
ROUTE_REACH: Final = 6


def _opposite_words() -> dict[str, frozenset[str]]:
    """Each word's opposites; a comparative is also opposed to its opposite's superlative ("smaller"
    and "largest"), since "no planet is smaller than Jupiter" says of Jupiter what "smallest" would."""
    known = {word for pair in OPPOSITES for word in pair}
    pairs = list(OPPOSITES)
    for one, other in OPPOSITES:
        superlatives = (one[:-2] + "est", other[:-2] + "est")
        if one.endswith("er") and other.endswith("er") and all(word in known for word in superlatives):
            pairs += [(one, superlatives[1]), (other, superlatives[0])]
    opposites: dict[str, frozenset[str]] = {}
    for one, other in pairs:
        opposites[one] = opposites.get(one, frozenset()) | {other}
        opposites[other] = opposites.get(other, frozenset()) | {one}
    return opposites


OPPOSITE_WORDS: Final = _opposite_words()
SUPERLATIVES: Final = frozenset(word for word in OPPOSITE_WORDS if word.endswith("est"))
SUPERLATIVE_MARKERS: Final = SUPERLATIVES | {"least"}  # "the least dense"; "most" is as often "most of them"
# Words before an adjective that stands before its noun ("an unpowered object", "the tallest uninterrupted fall").
ATTRIBUTE_LEADS: Final = ARTICLES | SUPERLATIVE_MARKERS
# Superlatives of one degree, each stated by the others when the measure moves to the noun ("the lowest
# density" for "the least dense", "the largest number" for "the most").
DEGREE_FAMILY: Final = {word: family for family in DEGREE_FAMILIES for word in family}
CATEGORY_OF: Final = {word: category for category in CATEGORIES for word in category}
# Words that compare before "than": "more" and "less" and theirs, and the opposites in "-er" ("faster", "slower").
COMPARATIVES: Final = GREATER_WORDS | LESSER_WORDS | frozenset(word for word in OPPOSITE_WORDS if word.endswith("er"))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Conflict:
    """A slot on which the claim and a passage disagree; a span is None when that side is silent
    (a negation only one of them has)."""

    kind: str  # "name", "number", "opposite", "category" or "negation"
    claim: Span | None
    evidence: Span | None


@dataclass(frozen=True)
class Reading:
    stance: str
    coverage: float  # share of the claim's words and quantities the passage states
    conflicts: tuple[Conflict, ...] = ()
    missing: tuple[str, ...] = ()  # what of the claim the passage does not state, when silent


@dataclass(frozen=True)
class Analysed:
    """A text read once (passages are read again for every claim): its tokens, quantities and
    clauses, which do not depend on the other text, and the word forms and token places of each clause."""

    text: str
    tokens: tuple[Token, ...]
    quantities: tuple[Quantity, ...]
    lowers: frozenset[str]
    # Its words' lower cases, stems and stems without a negative affix ("wire" of "wireless"): what the
    # other text's negations are read against.
    word_forms: frozenset[str]
    lowercase_words: frozenset[str]  # words the text writes in lower case: not names
    views: tuple[tuple[Token, ...], ...]  # a passage's; a claim's are never read, so not made
    # A claim's words that have opposites (or whose singular has) or a category, with those: few claims have
    # any (a passage's are never looked at, so not found).
    rivalled: tuple[tuple[Token, frozenset[str], frozenset[str]], ...]
    # A claim's possessives that scope a superlative ("Africa's highest"): said by the passage, aligned by nothing.
    scopes: frozenset[int]
    # A claim's words that are the head of another of its words ("nuts" of "Peanuts are tree nuts"): the passage's
    # compound ("peanuts") states that other word, not these (see _found).
    own_heads: frozenset[int]
    forms: dict[int, frozenset[str]] = field(compare=False)  # id of a view (or of tokens) -> its word forms
    places: dict[int, dict[int, int]] = field(compare=False)  # id of a view (or of tokens) -> index -> place in it


# Claims read lately: the pipeline reads each claim for its memory key, then again for its verdict once
# memory has been asked; a request carries at most MAX_CLAIMS (200) of them. A claim is at most 254
# characters, a reading of it about 20 KiB: at most about 5 MiB.
CLAIMS_KEPT: Final = 256


@lru_cache(maxsize=CLAIMS_KEPT)
def analyse_claim(text: str) -> Analysed:
    return analyse(text, passage=False)


def analyse(text: str, passage: bool = True) -> Analysed:
    """``text`` read once, as a passage (with the clauses a claim is compared with) or as a claim."""
    tokens = tokenize(text)
    words = [token for token in tokens if token.is_word]
    lowers = frozenset(token.lower for token in words)
    views = tuple(clauses(tokens)) if passage else ()
    return Analysed(
        text,
        tokens,
        tuple(quantities(tokens)),
        lowers,
        lowers | {token.stem for token in words} | {base_stem(token.lower) for token in words},
        frozenset(token.lower for token in words if token.text.islower()),
        views,
        () if passage else tuple(_rivalled(words)),
        frozenset() if passage else frozenset(possessive_scopes(tokens, SUPERLATIVES)),
        frozenset() if passage else _own_heads(words),
        {id(view): _forms(view, heads=passage) for view in (*views, tokens)},
        {id(view): {token.index: place for place, token in enumerate(view)} for view in (*views, tokens)},
    )


# Passages read lately, kept for the next claims (claims on one subject share evidence). A reading
# costs about 157 bytes a character (23 KiB for a typical passage, 10.7 KiB for one of 64 characters,
# 260 KiB for one of 2,000, the longest the store keeps): at most 20 MiB of the web process's memory
# (passages of 64 characters), 7.5 MiB with the whole built-in base kept.
PASSAGE_CHARS_KEPT: Final = 120_000
PASSAGE_MIN_CHARS: Final = 64  # what a shorter passage's reading is counted as
analyse_passage = ReadingCache(analyse, PASSAGE_CHARS_KEPT, PASSAGE_MIN_CHARS)


def _own_heads(words: list[Token]) -> frozenset[int]:
    """Indices of the words that are a compound head of another word of the same text."""
    compounds = [word.lower for word in words if len(word.lower) >= MIN_HEAD + MIN_MODIFIER]
    if not compounds:  # most claims: no word long enough to be a compound
        return frozenset()
    return frozenset(
        word.index
        for word in words
        if len(word.lower) >= MIN_HEAD and any(is_compound_head(word.lower, other) for other in compounds)
    )


def _forms(tokens: tuple[Token, ...], heads: bool) -> frozenset[str]:
    """Every form a word of ``tokens`` can be matched by: lower case, stem, stem without a negative
    affix, its synonyms' stems, and with ``heads`` (marked "~") the heads of compounds it ends with ("~light"
    for "sunlight"; only a passage's are looked up by them, in :func:`_found`)."""
    forms: set[str] = set()
    for token in tokens:
        if token.is_word:
            forms.update((token.lower, token.stem, base_stem(token.lower)))
            forms.update(SYNONYM_STEMS.get(token.stem, ()))
            if heads:
                forms.update("~" + head for head in compound_heads(token.lower))
    return frozenset(forms)


def read(claim: Analysed, passage: Analysed, similarity: float) -> Reading:
    """The stance of ``passage`` towards ``claim`` (see the module's docstring for the rule)."""
    all_items = _items(claim)
    if not all_items:
        return Reading(SILENT, 0.0, missing=("any word the passage could state",))
    claim_names = _slot_names(claim, passage)
    covered = sorted(
        ((_coverage(all_items, claim, view, passage), view) for view in passage.views),
        key=lambda pair: -pair[0],
    )
    restated: set[int] = set()
    seen_conflicts: list[Conflict] = []
    best = [view for view_coverage, view in covered if view_coverage == covered[0][0]]
    negated = {id(view): _negations_in(claim, passage, view) for view in best}
    # Clauses that state the claim equally well: a negation conflicts only when all of them disagree.
    negation_differs = all(_odd(*negated[id(view)]) for view in best)
    for view_coverage, view in covered:
        negations = negated[id(view)] if id(view) in negated else _negations_in(claim, passage, view)
        with_negation = negation_differs and view_coverage == covered[0][0]
        found = _conflicts(claim, claim_names, passage, view, negations, with_negation)
        # A different name together with a different number or word is a different event, not one
        # wrong slot (a swapped name that is also a category word, "Silver" for "Gold", counts once).
        named = {c.claim.start for c in found.conflicts if c.kind == "name" and c.claim is not None}
        # A word the passage says through its negated opposite ("see" for "not blind") is stated.
        restated |= found.restated
        items = [item for item in all_items if _first_index(item) not in found.restated]
        rest = [item for item in items if _first_index(item) not in found.taken]
        kinds = {c.kind for c in found.conflicts if c.claim is None or c.claim.start not in named}
        names_and_more = bool(named) and bool(kinds - {"name"})
        if found.conflicts and not names_and_more and _about_the_same(rest, claim, view, passage, found.conflicts):
            return Reading(REFUTES, _coverage(items, claim, view, passage) if items else 1.0, tuple(found.conflicts))
        seen_conflicts += found.conflicts
        if (
            not found.conflicts
            and view_coverage >= SUPPORT_COVERAGE
            and _states_slots(claim, claim_names, view, passage)
            and not another_place(claim.tokens, view, SUPERLATIVES)
            and not _said_only_elsewhere(items, claim, view, passage)
        ):
            break  # this clause says what the claim says; a clause covering less cannot overrule it
    items = [item for item in all_items if _first_index(item) not in restated]
    whole = passage.tokens
    coverage = _coverage(items, claim, whole, passage) if items else 1.0
    missing = [_describe(item, claim) for item in items if not _found(item, claim, whole, passage)]
    unstated = [_describe(name, claim) for name in claim_names if not _name_in(name, claim, passage)]
    unstated += _unstated_scopes(claim, passage)
    unstated += [
        _describe(quantity, claim) for quantity in claim.quantities if not _stated(quantity, passage.quantities)
    ]
    # A figure the passage states as the claim does is strong evidence: fewer other words need match.
    close = similarity >= CLOSE_PARAPHRASE or any(q.kind != "count" or q.value >= 10 for q in claim.quantities)
    needed = PARAPHRASE_COVERAGE if close else SUPPORT_COVERAGE
    if _denies_another_superlative(claim, passage) or narrower_place(claim.tokens, passage.tokens, SUPERLATIVES):
        unstated.append("the superlative as the claim measures it")
    unstated += _other_superlative(claim, passage)
    if not unstated and coverage >= needed:
        unstated = _narrowed_by_affix(claim, passage)
    if not unstated and coverage >= needed:
        return Reading(SUPPORTS, coverage)
    return Reading(SILENT, coverage, tuple(seen_conflicts), tuple(dict.fromkeys(unstated + missing)))


def _said_only_elsewhere(items: list[Item], claim: Analysed, view: tuple[Token, ...], passage: Analysed) -> bool:
    """Whether this clause gives a noun of the claim another modifier than the claim's, which another clause
    of the passage says: "A rugby union team has 15 players" states most of "A rugby league team has 15
    players", but the clause that names the league ("whereas a rugby league team has 13") speaks of its subject."""
    claim_words = claim.forms[id(claim.tokens)]
    for item in items:
        if not isinstance(item, Token) or item.index + 1 >= len(claim.tokens):
            continue
        noun = claim.tokens[item.index + 1]
        if not noun.is_content or _found(item, claim, view, passage):
            continue
        if not _found(item, claim, passage.tokens, passage):
            continue
        if any(
            _same_word(noun, token) and modifier.is_content and not _in_forms(modifier, claim_words)
            for modifier, token in itertools.pairwise(view)
        ):
            return True
    return False


def _narrowed_by_affix(claim: Analysed, passage: Analysed) -> list[str]:
    """The claim's words the passage says only with an adjective negated by an affix before them, the claim's
    word being bare: "the tallest uninterrupted waterfall" states nothing of "the tallest waterfall", nor "an
    unpowered object needs" of "an object needs" (nor does it deny them: see :func:`_denies_what_follows`)."""
    claim_forms = claim.forms[id(claim.tokens)]
    tokens = passage.tokens
    return [
        f"{tokens[token.index + 1].text} without {token.text}"
        for token in negations(tokens, claim.word_forms)
        if not _denies_what_follows(token)
        and 0 < token.index < len(tokens) - 1
        and tokens[token.index - 1].lower in ATTRIBUTE_LEADS
        and tokens[token.index + 1].is_word
        and _in_forms(tokens[token.index + 1], claim_forms)
        and base_stem(token.lower) not in claim_forms
    ]


def _other_superlative(claim: Analysed, passage: Analysed) -> list[str]:
    """The claim's superlatives the passage does not say where it says another ("the least dense planet"
    against "the largest planet"): it then states another fact of the thing, not this one."""
    if claim.lowers.isdisjoint(SUPERLATIVE_MARKERS) or passage.lowers.isdisjoint(SUPERLATIVE_MARKERS):
        return []  # most claims and passages: no superlative
    forms = passage.forms[id(passage.tokens)]
    return [
        token.text
        for token in claim.tokens
        if token.lower in SUPERLATIVE_MARKERS
        and not _in_forms(token, forms)
        and not DEGREE_FAMILY.get(token.lower, frozenset()) & passage.lowers
    ]


def _unstated_scopes(claim: Analysed, passage: Analysed) -> list[str]:
    """The scopes the claim gives a superlative by a possessive that the passage does not say: a place must be
    said ("Asia's highest mountain"), the whole world need not ("the world's highest")."""
    if not claim.scopes:
        return []
    scoping = [name for name in names(claim.tokens, passage.lowercase_words) if name.last in claim.scopes]
    unstated = [_describe(name, claim) for name in scoping if not _name_in(name, claim, passage)]
    named = {name.last for name in scoping}
    return unstated + [
        claim.tokens[place].text
        for place in claim.scopes
        if place not in named
        and claim.tokens[place].lower not in WIDEST_SCOPES
        and not _found(claim.tokens[place], claim, passage.tokens, passage)
    ]


def _slot_names(claim: Analysed, passage: Analysed) -> list[Name]:
    """The claim's names that are slots: not the country after a city ("Paris, France"), nor "Earth"
    in "the highest mountain on Earth", nor "Africa" in "Africa's highest mountain" (a scope)."""
    found = names(claim.tokens, passage.lowercase_words)
    qualifying = place_qualifiers(claim.tokens, found)
    everywhere = everywhere_words(claim.tokens, SUPERLATIVES)
    return [
        name
        for name in found
        if name not in qualifying
        and not everywhere.issuperset(range(name.first, name.last + 1))
        and name.last not in claim.scopes
    ]


def _states_slots(claim: Analysed, claim_names: list[Name], view: tuple[Token, ...], passage: Analysed) -> bool:
    """Whether every name and number of the claim is in this clause (agreeing)."""
    view_quantities = _in_view(passage, view)
    names_in = all(any(other.lower in name.keys for other in view) for name in claim_names)
    return names_in and all(_stated(quantity, view_quantities) for quantity in claim.quantities)


def _about_the_same(
    rest: list[Item], claim: Analysed, view: tuple[Token, ...], passage: Analysed, conflicts: list[Conflict]
) -> bool:
    """Whether a clause that conflicts with the claim speaks of the same thing: it states at least
    REFUTE_COVERAGE of the claim's other words; for a differing number or a swapped role, the whole
    passage may (the clause can be short: "..., and 3 act as stop signals"), and so may it for an
    opposite when the passage never says the claim's word ("...; an arm held horizontal meant stop"
    against "meant go"). A figure the passage writes as the claim does, with another unit ("42 miles"
    against "42 kilometres"), is the same figure: it counts as one more word stated."""
    if not rest:
        return True
    whole = all(
        conflict.kind in WHOLE_PASSAGE_KINDS or _only_opposed(conflict, claim, passage) for conflict in conflicts
    )
    text = passage.tokens if whole else view
    same_figures = sum(1 for conflict in conflicts if _same_figure_other_unit(conflict))
    stated = sum(1 for item in rest if _found(item, claim, text, passage)) + same_figures
    return stated / (len(rest) + same_figures) >= REFUTE_COVERAGE


def _same_figure_other_unit(conflict: Conflict) -> bool:
    if conflict.kind != "number" or conflict.claim is None or conflict.evidence is None:
        return False
    mine, theirs = conflict.claim.text.split(), conflict.evidence.text.split()
    return len(mine) > 1 and len(theirs) > 1 and mine[0] == theirs[0] and mine[1:] != theirs[1:]


def _only_opposed(conflict: Conflict, claim: Analysed, passage: Analysed) -> bool:
    """An opposite whose claim word the passage never says: the opposite is all it says of it."""
    if conflict.kind != "opposite" or conflict.claim is None:
        return False
    word = next(token for token in claim.tokens if token.start == conflict.claim.start)
    return not _found(word, claim, passage.tokens, passage)


Item = Token | Quantity
Slot = TypeVar("Slot", Quantity, Name)


def _items(claim: Analysed) -> list[Item]:
    """What the claim asserts, one item each: its content words outside quantities, and its quantities."""
    inside = {index for quantity in claim.quantities for index in range(quantity.first, quantity.last + 1)}
    words: list[Item] = [
        token for token in claim.tokens if token.is_content and token.index not in inside and not _explicit(token)
    ]
    return words + list(claim.quantities)


def _first_index(item: Item) -> int:
    return item.index if isinstance(item, Token) else item.first


def _coverage(items: list[Item], claim: Analysed, view: tuple[Token, ...], passage: Analysed) -> float:
    return sum(1 for item in items if _found(item, claim, view, passage)) / len(items)


def _found(item: Item, claim: Analysed, view: tuple[Token, ...], passage: Analysed) -> bool:
    if isinstance(item, Quantity):
        return _stated(item, _in_view(passage, view))
    forms = passage.forms[id(view)]  # every view of a passage, and its whole token tuple, has its forms
    if item.stem in forms or item.lower in forms or base_stem(item.lower) in forms:
        return True
    if "~" + item.lower not in forms:
        return False
    # A head of the claim's own compound ("nuts" of "Peanuts") is stated only by another compound ("songbirds").
    return item.index not in claim.own_heads or any(
        is_compound_head(item.lower, token.lower) and token.lower not in claim.lowers for token in view
    )


def _same_word(word: Token, other: Token) -> bool:
    if not other.is_word:
        return False
    if same_word(word, other) or base_stem(word.lower) == base_stem(other.lower):
        return True
    return is_compound_head(word.lower, other.lower)


# A compound's head has at least four letters, after at least three: "light" of "sunlight".
MIN_HEAD: Final = 4
MIN_MODIFIER: Final = 3


def compound_heads(word: str) -> Iterator[str]:
    """The words ``word`` may be a compound of, as its head: "light" of "sunlight", not "long" of "longest"
    or "rail" of "railway"."""
    return (word[start:] for start in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1))


def is_compound_head(head: str, word: str) -> bool:
    """Whether ``head`` is one of :func:`compound_heads` of ``word``, without listing them (a hot path)."""
    return len(head) >= MIN_HEAD and len(word) - len(head) >= MIN_MODIFIER and word.endswith(head)


def _stated(claimed: Quantity, given: tuple[Quantity, ...] | list[Quantity]) -> bool:
    return any((claimed.comparable(other) and claimed.agrees(other)) or _degrees_of(claimed, other) for other in given)


def _degrees_of(claimed: Quantity, given: Quantity) -> bool:
    """Whether the claim's bare "degrees" (read as an angle) are the passage's temperature in Celsius or in
    Fahrenheit ("heated to about 72 degrees" for "72 degrees Celsius", "boils at 212 degrees"); where a clause
    gives temperatures and no angle, another figure conflicts ("boils at 90 degrees")."""
    if claimed.kind != "angle" or given.kind != "temperature":
        return False
    fahrenheit = given.value * FAHRENHEIT_DEGREES + FAHRENHEIT_ZERO
    return any(
        math.isclose(claimed.value, value, rel_tol=SAME_DEGREES, abs_tol=1e-9) for value in (given.value, fahrenheit)
    )


def _in_view(passage: Analysed, view: tuple[Token, ...]) -> list[Quantity]:
    places = passage.places[id(view)]
    return [quantity for quantity in passage.quantities if quantity.first in places]


def _name_in(name: Name, claim: Analysed, passage: Analysed) -> bool:
    """Whether the passage says the name: one of its telling words, or, for initials, the name they stand for."""
    if name.acronym and any(name.same_as(other) for other in names(passage.tokens, claim.lowercase_words)):
        return True
    # Its last telling word, a person's surname, tells it; another only where the passage names it by that
    # word alone ("Leonardo" for "Leonardo da Vinci"): "James Cook" is not in a passage naming "James Lind".
    words = claim.tokens[name.first : name.last + 1]
    if any(token.lower == name.tail and _found(token, claim, passage.tokens, passage) for token in words):
        return True
    found = {
        token.lower for token in words if token.lower in name.keys and _found(token, claim, passage.tokens, passage)
    }
    return bool(found) and any(
        len(other.keys) == 1 and other.keys <= found for other in names(passage.tokens, claim.lowercase_words)
    )


@dataclass
class _Found:
    conflicts: list[Conflict]
    taken: set[int]  # claim token indices of the conflicting slots
    restated: set[int]  # claim token indices the view says through a negated opposite


def _conflicts(
    claim: Analysed,
    claim_names: list[Name],
    passage: Analysed,
    view: tuple[Token, ...],
    negations: tuple[list[Token], list[Token]],
    with_negation: bool,
) -> _Found:
    """The slots on which ``view`` disagrees with the claim; ``negations`` are :func:`_negations_in` them;
    negation only ``with_negation`` (in the clause that states most of the claim: another clause may
    negate something else)."""
    found = _Found([], set(), set())
    if another_place(claim.tokens, view, SUPERLATIVES):
        return found
    view_quantities = _in_view(passage, view)
    view_indices = passage.places[id(view)]
    view_names = [name for name in names(view, claim.lowercase_words) if name.first in view_indices]
    if _another_numbered_thing(claim, claim_names, view_names, view_quantities):
        return found
    slots: list[Quantity | Name] = [*view_quantities, *view_names]
    slot_indices = {index for slot in slots for index in range(slot.first, slot.last + 1)}
    for quantity in claim.quantities:
        other = _conflicting_quantity(claim, quantity, view, view_quantities, passage, slot_indices)
        if other is not None and not _told_elsewhere(claim, passage, view, quantity):
            found.conflicts.append(Conflict("number", _span(claim, quantity), _span(passage, other)))
            found.taken.add(quantity.first)
    for name in claim_names:
        other_name = _conflicting_name(claim, name, passage, view, view_names, claim_names)
        if other_name is not None:
            found.conflicts.append(Conflict("name", _span(claim, name), _span(passage, other_name)))
            found.taken.update(range(name.first, name.last + 1))
    comparison = _compared_figures(claim, passage)
    if comparison is not None:
        word, figure, holds = comparison
        if holds:  # the figures say it: the comparative is stated, and no opposite of it conflicts
            found.restated.add(word.index)
        else:
            found.conflicts.append(Conflict("number", _token_span(word), _span(passage, figure)))
            found.taken.add(word.index)
    for mine, theirs in _reversed_roles(claim, claim_names, passage, view, view_names):
        if not found.taken & set(range(mine.first, mine.last + 1)):
            found.conflicts.append(Conflict("role", _span(claim, mine), _span(passage, theirs)))
            found.taken.update(range(mine.first, mine.last + 1))
    claim_negations, view_negations = negations
    # "is not a vegetable but a fruit": a member the view denies is no value it gives for the slot the
    # claim fills ("is a fruit"); a member the claim denies stays compared ("is not a mammal").
    denied_in_claim = _denied_indices(claim, claim.tokens, claim_negations)
    denied_in_view = _denied_indices(passage, view, view_negations)
    swaps = [
        (kind, claimed, given)
        for kind, claimed, given in _swapped_words(claim, view) + _said_the_same(claim, view)
        if claimed.index not in found.restated
        and not (kind == "category" and given.index in denied_in_view and claimed.index not in denied_in_claim)
    ]
    turned = _opposite_turned_round(claim.tokens, view) if "than" in claim.lowers else None
    if turned is not None:  # "faster than in air" and "in air, slower than": the order undoes the opposite
        found.restated.add(turned.index)
        # ... and the sides found swapped are the order that undoes it ("in water than in steel"), no conflict.
        swaps = [
            swap
            for swap in swaps
            if swap[1].index != turned.index and not (swap[0] == "opposite" and swap[1].lower not in OPPOSITE_WORDS)
        ]
    opposites = [(claimed, given) for kind, claimed, given in swaps if kind == "opposite"]
    odd = _odd(claim_negations, view_negations)
    if opposites and odd:
        # "Bats can see" and "Bats are not blind": the negation undoes the opposite.
        found.restated.update(claimed.index for claimed, _ in opposites)
        swaps = [swap for swap in swaps if swap[0] != "opposite"]
    elif not opposites and odd and with_negation and _negates_what_both_say(claim, passage, view, negations):
        found.conflicts.append(
            Conflict(
                "negation",
                _token_span(claim_negations[0]) if claim_negations else None,
                _token_span(view_negations[0]) if view_negations else None,
            )
        )
    for kind, claimed, given in swaps:
        found.conflicts.append(Conflict(kind, _token_span(claimed), _token_span(given)))
        found.taken.add(claimed.index)
    # What the view denies ("does not store water") is no value it gives the slot ("stores fat").
    places = passage.places[id(view)]
    denied_by_view = {
        word.index for token in view_negations if _explicit(token) for word in _denied(view, places[token.index])
    }
    for swap in _frame_swaps(claim, claim_names, passage, view):
        first, last = swap.claimed
        if swap.kind == "role" and _told_elsewhere(claim, passage, view, first):
            continue
        if swap.kind == "word" and swap.given[0].index in denied_by_view:
            continue
        if not (found.taken | found.restated) & set(range(first.index, last.index + 1)):
            found.conflicts.append(
                Conflict(swap.kind, _tokens_span(claim, *swap.claimed), _tokens_span(passage, *swap.given))
            )
            found.taken.update(range(first.index, last.index + 1))
    return found


def _told_elsewhere(claim: Analysed, passage: Analysed, view: tuple[Token, ...], item: Item) -> bool:
    """Whether another clause of the passage states ``item`` of the claim together with a word of the
    claim this clause lacks: "a basketball team has five players, whereas a netball team has seven"
    gives seven to the netball team, and five is no figure of "a netball side of seven"; "stalagmites
    rise from the floor" is a clause of the claim's subject, but says nothing more of the claim. What a
    figure counts tells no clause apart: a parallel clause leaves it out ("..., whereas a rugby league
    team has 13" is 13 players, though "players" is only in the clause before)."""
    first, last = (item.index, item.index) if isinstance(item, Token) else (item.first, item.last)
    counted = item.nouns if isinstance(item, Quantity) else frozenset()
    words = [
        word
        for word in claim.tokens
        if word.is_content and not first <= word.index <= last and word.stem not in counted
    ]
    # A year is told by the verb it dates: "mapped ... in 1952" tells no date of "received the medal in 1952".
    verb = _dated_verb(claim, item) if isinstance(item, Quantity) and item.kind == "year" else None
    for other in passage.views:
        if other is view or not _found(item, claim, other, passage):
            continue
        if verb is not None and _found(verb, claim, view, passage) and not _found(verb, claim, other, passage):
            continue
        if any(_found(word, claim, other, passage) and not _found(word, claim, view, passage) for word in words):
            return True
    return False


def _compared_figures(claim: Analysed, passage: Analysed) -> tuple[Token, Quantity, bool] | None:
    """ "A netball side has more players than a basketball side" against a passage that gives each
    side its figure in a clause of its own ("a basketball team has five players, whereas a netball
    team has seven"): the comparative, the first side's figure, and whether the two figures bear the
    comparison out. A side is told by the words the claim gives it and not the other side; the two
    figures must be the only pair of one kind, else nothing is computed."""
    place = next((t.index for t in claim.tokens if t.lower == "than" or t.lower in ORDER_WORDS), None)
    if place is None or place + 1 >= len(claim.tokens) or not claim.tokens[place + 1].is_word:
        return None  # no comparison, or a bound ("more than 20,000", "before 1900")
    before = claim.tokens[max(0, place - COMPARISON_REACH) : place]
    word: Token | None = claim.tokens[place]  # "opened before": the word both compares and divides the sides
    if claim.tokens[place].lower == "than":
        word = next((t for t in reversed(before) if t.lower in GREATER_WORDS or t.lower in LESSER_WORDS), None)
    if word is None:
        return None
    after = list(itertools.takewhile(lambda t: t.is_word, claim.tokens[place + 1 :]))
    first_side = {t.stem for t in claim.tokens[: word.index] if t.is_content}
    second_side = {t.stem for t in after if t.is_content}
    pairs = [
        (first, second)
        for first in _figures_of(passage, first_side - second_side)
        for second in _figures_of(passage, second_side - first_side)
        if first is not second and first.comparable(second) and (word.lower not in TIME_ORDER or first.kind == "year")
    ]
    if len(pairs) != 1:
        return None
    first, second = pairs[0]
    if first.value == second.value:
        return None
    greater = ORDER_WORDS.get(word.lower, word.lower) in GREATER_WORDS
    return word, first, (first.value > second.value) == greater


def _said_the_same(claim: Analysed, view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """ "Brown eggs are more nutritious than white eggs" against a clause that calls the two "the same": the
    comparative is opposed to "same" (so "no more nutritious than", negated, agrees with it, as "Bats can see"
    does with "not blind")."""
    if "than" not in claim.lowers or "same" in claim.lowers:
        return []
    same = next((token for token in view if token.lower == "same"), None)
    if same is None or any(token.lower == "than" for token in view):
        return []  # a clause that compares too ("80 times more heat than the same mass of ...") says no sameness
    place = next(token.index for token in claim.tokens if token.lower == "than")
    before = claim.tokens[max(0, place - COMPARISON_REACH) : place]
    word = next((t for t in before if t.lower in GREATER_WORDS or t.lower in LESSER_WORDS), None)
    if word is None and before and before[-1].lower.endswith("er"):
        word = before[-1]  # "sweeter than": a comparative of any adjective
    after = next((t for t in claim.tokens[place + 1 :] if t.is_content), None)
    if word is None or after is None or not any(_same_word(after, token) for token in view):
        return []  # no comparison, or the clause does not name its other side
    return [("opposite", word, same)]


def _figures_of(passage: Analysed, side: set[str]) -> list[Quantity]:
    """The figures of the passage's clauses that name ``side`` (a word of it) and not the other side."""
    found: list[Quantity] = []
    for view in passage.views:
        if side and any(token.stem in side for token in view):
            found += [quantity for quantity in _in_view(passage, view) if quantity not in found]
    return found


def _another_numbered_thing(
    claim: Analysed, claim_names: list[Name], view_names: list[Name], view_quantities: list[Quantity]
) -> bool:
    """Whether the claim names a numbered one of a thing ("Python 3.0", "Windows 95") that the view names
    without its number: the view then states a fact of the thing, not of that one."""
    numbered = [
        name
        for name in claim_names
        if any(
            q.first == name.last + 1 and q.kind == "count" and claim.tokens[q.first].text[0].isdigit()
            for q in claim.quantities
        )
    ]
    view_starts = {quantity.first for quantity in view_quantities}
    return any(name.same_as(other) and other.last + 1 not in view_starts for name in numbered for other in view_names)


def _frame_swaps(claim: Analysed, claim_names: list[Name], passage: Analysed, view: tuple[Token, ...]) -> list[Swap]:
    """Another holder of the claim's unique place, another word where the claim governs its own, and
    modifiers that change a noun (:mod:`.frames`)."""
    in_names = {index for name in claim_names for index in range(name.first, name.last + 1)}
    in_quantities = {index for quantity in claim.quantities for index in range(quantity.first, quantity.last + 1)}

    def in_passage(token: Token) -> bool:
        return _found(token, claim, passage.tokens, passage)

    def in_claim(token: Token) -> bool:  # as the claim's word is looked for in the passage: a synonym is the word
        return _in_forms(token, claim.forms[id(claim.tokens)])

    def in_view(token: Token) -> bool:
        return _found(token, claim, view, passage)

    return (
        unique_frame_swaps(claim.tokens, view, SUPERLATIVES, in_passage, in_claim, in_names)
        + subject_swaps(claim.tokens, view, in_passage, in_view, in_claim, in_names | in_quantities)
        + governed_swaps(claim.tokens, view, SUPERLATIVES, in_passage, in_claim, in_names | in_quantities)
        + modifier_changes(claim.tokens, view)
    )


def _negations_in(claim: Analysed, passage: Analysed, view: tuple[Token, ...]) -> tuple[list[Token], list[Token]]:
    """The negating words of the claim and of the view, each read against the other's words."""
    view_words = frozenset(token.lower for token in view) | frozenset(token.stem for token in view)
    places = passage.places[id(view)]
    return (
        [
            token
            for token in negations(claim.tokens, view_words)
            if not negates_another_place(claim.tokens, token.index, view, SUPERLATIVES)
        ],
        [
            token
            for token in negations(view, claim.word_forms)
            if not negates_another_place(view, places[token.index], claim.tokens, SUPERLATIVES)
        ],
    )


def _denies_another_superlative(claim: Analysed, passage: Analysed) -> bool:
    """Whether the passage denies the claim's superlative only by another measure or scope ("not the tallest
    when measured from base to summit" for "the highest on Earth"): a negation that cannot refute the claim,
    and a fact that cannot support it, whether the claim affirms or denies its own superlative."""
    tokens = passage.tokens
    places = passage.places[id(tokens)]
    return another_place(claim.tokens, tokens, SUPERLATIVES) and any(
        negates_another_place(tokens, places[token.index], claim.tokens, SUPERLATIVES)
        for token in negations(tokens, claim.word_forms)
    )


def _negates_what_both_say(
    claim: Analysed, passage: Analysed, view: tuple[Token, ...], negations: tuple[list[Token], list[Token]]
) -> bool:
    """Whether the negations still differ in number once those of a thing the other text never says are
    left out: "Cheetahs cannot roar" denies roaring, and a clause that never speaks of roaring does not
    assert it. What a negating word denies is in the next few words. A word negated by an affix denies
    its own word too: the claim's always counts (the passage may say its opposite in other words), the
    passage's only when the claim has its bare word or the words after it ("an unpowered object")."""
    claim_forms = claim.forms[id(claim.tokens)]
    claim_negations, view_negations = negations
    denied_in_view = [
        token
        for token in claim_negations
        if not _explicit(token)
        or any(_found(word, claim, view, passage) for word in _denied(claim.tokens, token.index))
    ]
    places = passage.places[id(view)]
    view_forms = passage.forms[id(view)]
    denied_in_claim = [
        token
        for token in view_negations
        if (not _explicit(token) and base_stem(token.lower) in claim_forms)
        or (
            _denies_what_follows(token)
            and _denies_what_claim_says(_denied_anew(view, places[token.index], claim), claim, claim_forms, view_forms)
        )
    ]
    return (len(denied_in_view) + len(denied_in_claim)) % 2 == 1


def _denies_what_follows(negation: Token) -> bool:
    """A negating word denies the words after it, and so does an adverb negated by an affix ("unusually short");
    an adjective negated by one denies only itself: "the tallest uninterrupted waterfall" denies no waterfall."""
    return _explicit(negation) or negation.lower.endswith("ly")


def _denies_what_claim_says(
    denied: list[Token], claim: Analysed, claim_forms: frozenset[str], view_forms: frozenset[str]
) -> bool:
    """Whether a passage's negation denies something the claim says: a word of what it denies, unless it
    denies the claim's verb of another object ("does not store water" says nothing against "stores fat":
    each verb's object the other text never says)."""
    if not any(_in_forms(word, claim_forms) for word in denied):
        return False
    verb, *rest = denied
    if not rest or any(_in_forms(word, claim_forms) for word in rest):
        return True
    mine = next((token for token in claim.tokens if _same_word(verb, token)), None)
    if mine is None:
        return True
    following = [token for token in claim.tokens[mine.index + 1 : mine.index + 3] if token.is_word]
    object_ = next((token for token in following if token.is_content), None)
    if object_ is None or any(token.lower not in ARTICLES for token in following[: following.index(object_)]):
        return True  # no object right after the claim's verb ("visible from space"): the denial holds
    return _in_forms(object_, view_forms)


def _explicit(negation: Token) -> bool:
    """A negating word ("not", "never", "cannot", "don't", "unable"), not a word negated by an affix ("unchanged"):
    an affix negates its own word, whose opposite ("raise") the other text may say in its place."""
    return negation.lower in NEGATORS or negation.lower in ALWAYS_NEGATIVE or negation.stem == "not"


def _denied(tokens: tuple[Token, ...], place: int) -> list[Token]:
    """The words a negation at ``place`` may deny: the content words among the NEGATION_SCOPE tokens
    after it, up to a clause's punctuation."""
    denied = []
    for token in tokens[place + 1 : place + 1 + NEGATION_SCOPE]:
        if not token.is_word and not token.text[0].isdigit():
            break
        if token.is_content and token.lower not in NEGATORS:
            denied.append(token)
    return denied


def _denied_anew(tokens: tuple[Token, ...], place: int, claim: Analysed) -> list[Token]:
    """What a negation at ``place`` denies, but the words its clause says before it in the phrase the claim says
    them in: "Olympic gold medals are not made of solid gold" denies being made of solid gold, not the gold of
    "gold medals", which a claim of "gold medals" speaks of too ("... contain more gold than silver" says it
    again, elsewhere)."""
    said = {
        token.stem: _next_stem(tokens, position) for position, token in enumerate(tokens[:place]) if token.is_content
    }
    claimed = [(token.stem, _next_stem(claim.tokens, token.index)) for token in claim.tokens if token.is_content]
    return [
        token
        for token in _denied(tokens, place)
        if token.stem not in said or any(mine == token.stem and after != said[token.stem] for mine, after in claimed)
    ]


def _next_stem(tokens: tuple[Token, ...], position: int) -> str:
    return tokens[position + 1].stem if position + 1 < len(tokens) else ""


def _denied_indices(text: Analysed, tokens: tuple[Token, ...], negations: list[Token]) -> set[int]:
    """Indices of the words the negating words among ``negations`` (of ``tokens``, ``text``'s or a view of
    it) deny first ("not a vegetable": "vegetable"; "do not work against viruses": "work", not the viruses)."""
    places = text.places[id(tokens)]
    firsts = (_denied(tokens, places[token.index])[:1] for token in negations if _explicit(token))
    return {word.index for first in firsts for word in first}


def _in_forms(word: Token, forms: frozenset[str]) -> bool:
    return word.stem in forms or word.lower in forms or base_stem(word.lower) in forms


def _odd(claim_negations: list[Token], view_negations: list[Token]) -> bool:
    """Whether the claim and a view differ in polarity: an odd number of negations between them."""
    return (len(claim_negations) + len(view_negations)) % 2 == 1


def _conflicting_quantity(
    claim: Analysed,
    quantity: Quantity,
    view: tuple[Token, ...],
    view_quantities: list[Quantity],
    passage: Analysed,
    slots: set[int],
) -> Quantity | None:
    comparable = [other for other in view_quantities if quantity.comparable(other)]
    # Bare "degrees" where the clause gives temperatures only: compared where aligned ("boils at 90 degrees").
    degrees = not comparable and quantity.kind == "angle"
    if degrees:
        comparable = [other for other in view_quantities if other.kind == "temperature"]
    if not comparable:
        return None
    # Between a verb and its number may stand names, dates and other numbers ("died in Vienna in 1791").
    crossable = slots | {token.index for token in view if token.lower in MONTHS}
    aligned, _ = _aligned(claim, quantity.first, quantity.last, passage, view, comparable, crossable)
    if aligned:
        agreeing = [other for other in aligned if quantity.agrees(other) or _degrees_of(quantity, other)]
        return None if agreeing else aligned[0]
    if quantity.kind == "year":
        dated = _year_of_verb(claim, quantity, passage, view, comparable)
        if dated is not None:
            return None if quantity.agrees(dated) else dated
    if (
        degrees
        or _stated(quantity, passage.quantities)
        or (quantity.kind == "year" and not _relation_in(claim, quantity, passage))
    ):
        return None
    return comparable[0]


def _dated_verb(claim: Analysed, year: Quantity) -> Token | None:
    """The claim's verb a year dates: its last word in "-ed" before the year ("received the medal in 1978")."""
    return next((t for t in reversed(claim.tokens[: year.first]) if t.lower.endswith("ed") and t.is_content), None)


def _year_of_verb(
    claim: Analysed, quantity: Quantity, passage: Analysed, view: tuple[Token, ...], years: list[Quantity]
) -> Quantity | None:
    """The year the view gives the claim's verb across its object: "discovered blood groups in 1930" against
    "discovered the ABO blood group system in 1901". The verb is the claim's last in "-ed" before the year;
    the view's year follows the same verb within YEAR_REACH tokens, with no punctuation or other verb between."""
    verb = _dated_verb(claim, quantity)
    if verb is None:
        return None
    places = passage.places[id(view)]
    starts = {places[year.first]: year for year in years if year.first in places}
    for place, token in enumerate(view):
        if not same_word(verb, token):
            continue
        for later in range(place + 1, min(len(view), place + 1 + YEAR_REACH)):
            if later in starts:
                return starts[later]
            if not view[later].is_word or (view[later].is_content and has_verb((view[later],))):
                break
    return None


def _conflicting_name(
    claim: Analysed,
    name: Name,
    passage: Analysed,
    view: tuple[Token, ...],
    view_names: list[Name],
    claim_names: list[Name],
) -> Name | None:
    if not view_names:
        return None
    # Between a verb and its name may stand other names ("Armstrong and Aldrin walked"), not numbers.
    crossable = {index for other in view_names for index in range(other.first, other.last + 1)}
    # The view's names that stand for the claim's other names are theirs, not candidates for this one.
    others = [mine for mine in claim_names if mine is not name]
    candidates = [other for other in view_names if name.same_as(other) or not any(other.same_as(m) for m in others)]
    aligned, either_side = _aligned(claim, name.first, name.last, passage, view, candidates, crossable)
    if aligned:
        nearby = aligned + either_side
        if any(name.same_as(other) for other in nearby) or _subject_of_same_word(claim, name, view):
            return None
        if _within(aligned[0], name, passage, view, view_names):
            return None
        return aligned[0]
    if _name_in(name, claim, passage) or _lone_initial(claim, name):
        return None
    # A name after a preposition is a place or a party the passage may give with its own verb ("located
    # in Kenya", "in Tanzania"); a subject or an object needs the claim's verb in the passage to conflict.
    linked = name.first > 0 and claim.tokens[name.first - 1].lower in NAME_LINKS
    if not linked and not _relation_in(claim, name, passage):
        return None
    strangers = [
        other
        for other in view_names
        if not any(_stands_for(other, mine, view_names) for mine in claim_names)
        and not _lone_initial(passage, other)
        and (linked or _next_to_verb(claim, name, passage, view, other))
    ]
    # Not a place or a time for a verb's object ("wrote Hamlet" is not "wrote in Early Modern English"), and the
    # one in the claim's name's very role first: "by Bill Gates" against "by Ken Thompson", not "at Bell Labs".
    role = _roles(claim.tokens[name.first - 1 : name.first])
    roles = [(other, _roles(passage.tokens[other.first - 1 : other.first])) for other in strangers]
    fitting = [(other, theirs) for other, theirs in roles if not (role == {OBJECT_ROLE} and theirs == {PLACE_ROLE})]
    fitting.sort(key=lambda pair: not role & pair[1])
    return fitting[0][0] if fitting else None


def _stands_for(other: Name, mine: Name, view_names: list[Name]) -> bool:
    """Whether the view's name ``other`` is the claim's ``mine``: the same name, unless the view also writes
    ``mine`` exactly as the claim does ("Turing" of "the Turing machine" is that one, not "Alan Turing")."""
    if not other.same_as(mine):
        return False
    return other.keys == mine.keys or not any(name is not other and name.keys == mine.keys for name in view_names)


def _next_to_verb(claim: Analysed, name: Name, passage: Analysed, view: tuple[Token, ...], other: Name) -> bool:
    """Whether ``other`` stands within ALIGNMENT_WINDOW tokens of the view's word for the claim's verb next to
    ``name``: a subject or object of that verb, not a name of another clause ("The WHO certified ...,
    making it the first" has no maker to set against "Edward Jenner made the first vaccine")."""
    anchors = [token for token in _anchors(claim, name.first, name.last) if token is not None]
    positions = passage.places[id(view)]
    start, end = positions.get(other.first), positions.get(other.last)
    # Measured from the name's nearer end: "The British de Havilland Comet became the world's first".
    return (
        start is not None
        and end is not None
        and any(
            min(abs(place - start), abs(place - end)) <= ALIGNMENT_WINDOW
            for place, token in enumerate(view)
            for anchor in anchors
            if _same_word(anchor, token)
        )
    )


def _anchors(claim: Analysed, first: int, last: int) -> tuple[Token | None, Token | None]:
    """The content words that govern the claim's slot from ``first`` to ``last``: the nearest anchor before
    it and after it."""
    before = next((t for t in reversed(claim.tokens[:first]) if _is_anchor(claim, t)), None)
    after = next((t for t in claim.tokens[last + 1 :] if _is_anchor(claim, t)), None)
    return before, after


def _within(place: Name, name: Name, passage: Analysed, view: tuple[Token, ...], view_names: list[Name]) -> bool:
    """Whether the view places ``place`` in the claim's ``name`` right after it, names the claim's name in an
    "of" phrase after it, or describes it ("Dutch programmer Guido van Rossum"): "landed in Gale crater on Mars"
    says where on Mars, so it does not deny "landed on Mars", nor "buried the Roman towns of Pompeii" "buried
    Pompeii", nor "created by Dutch programmer Guido van Rossum" "created by Guido van Rossum"."""
    positions = passage.places[id(view)]
    end = positions[place.last]
    for other in view_names:
        start = positions.get(other.first, -1)
        between = view[end + 1 : start]
        if (
            end < start <= end + 1 + PLACE_CHAIN_GAP
            and name.same_as(other)
            and all(token.is_word and token.lower not in PHRASE_BREAK_WORDS for token in between)
            and (
                any(PREPOSITION_ROLES.get(token.lower) == PLACE_ROLE or token.lower == "of" for token in between)
                or (
                    bool(between)
                    and all(token.is_content and not token.capitalized for token in between)
                    and not has_verb(between)
                    and not view[end].text.lower().endswith(("'s", "\u2019s"))  # an owner: "Schiller's poem"
                )
            )
        ):
            return True
    return False


def _relation_in(claim: Analysed, slot: Quantity | Name, passage: Analysed) -> bool:
    """Whether the passage speaks of the relation that gives the claim's slot its value: a word that
    governs the slot in the claim (its nearest content word either side) is in the passage. A year of
    another event ("began painting it around 1503" for "stolen in 1911"), a name in another relation
    ("the Arab Revolt of the First World War" for "Lawrence led raids"), fill another slot: the passage
    neither states the claim's value nor denies it."""
    anchors = [anchor for anchor in _anchors(claim, slot.first, slot.last) if anchor is not None]
    return not anchors or any(_found(anchor, claim, passage.tokens, passage) for anchor in anchors)


def _subject_of_same_word(claim: Analysed, name: Name, view: tuple[Token, ...]) -> bool:
    """Whether the view has the name before the word that follows it in the claim, however far:
    a subject may stand apart from its verb ("The Channel Tunnel between England and France opened")."""
    after = next((t for t in claim.tokens[name.last + 1 :] if _is_anchor(claim, t)), None)
    if after is None:
        return False
    for place, token in enumerate(view):
        if _same_word(after, token):
            return any(other.lower in name.keys for other in view[:place])
    return False


def _lone_initial(text: Analysed, name: Name) -> bool:
    """A name that is one word at the start of a sentence: maybe a name, maybe a capitalised noun."""
    return name.first == name.last and text.tokens[name.first].initial


def _aligned(
    claim: Analysed,
    first: int,
    last: int,
    passage: Analysed,
    view: tuple[Token, ...],
    candidates: list[Slot],
    crossable: set[int],
) -> tuple[list[Slot], list[Slot]]:
    """The candidates that stand where the claim's slot stands: next to the word that governs it.

    The anchors are the nearest content words before and after the slot in the claim. A
    candidate is aligned when it follows (or precedes) the same word in the view within
    ALIGNMENT_WINDOW tokens with nothing between but stop words and ``crossable`` tokens (other
    slots: "born in Salzburg on 27 January 1756"). Those, nearest first, and (one pass finds both)
    those on either side of the anchor ("Australia's capital" and "the capital of Australia").
    """
    if not candidates:
        return [], []
    before, after = _anchors(claim, first, last)
    anchors = [(anchor, side) for anchor, side in ((before, 1), (after, -1)) if anchor is not None]
    # "developed by Ken Thompson" and "developed at Bell Labs": a slot after another preposition is another role.
    roles = _roles(claim.tokens[before.index + 1 : first]) if before is not None else set()
    # ... and the object of a verb is none of them: "orbit the Sun" is not "orbit in 88 Earth days".
    positions = passage.places[id(view)]
    scored: list[tuple[int, Slot]] = []
    either: list[tuple[int, Slot]] = []
    for place, token in enumerate(view):
        if token.capitalized and not token.initial:
            continue  # a word inside a name ("Railway" of "Snowdon Mountain Railway") governs nothing
        for anchor, side in anchors:
            if not _same_word(anchor, token):
                continue
            for candidate in candidates:
                start, end = positions.get(candidate.first), positions.get(candidate.last)
                if start is None or end is None:
                    continue
                if start > place:
                    gap, own_side = view[place + 1 : start], side == 1
                    if own_side and roles and (their_roles := _roles(gap)) and not roles & their_roles:
                        continue
                elif end < place:
                    gap, own_side = view[end + 1 : place], side == -1
                    if own_side and _passive(claim.tokens[last + 1 : anchor.index], anchor) != _passive(gap, token):
                        continue  # "Linux was released" is what "Linus Torvalds released", not who
                else:
                    continue
                if len(gap) < ALIGNMENT_WINDOW and all(
                    between.text != ","
                    and (not between.is_content or between.index in crossable or between.lower in NEGATORS)
                    for between in gap
                ):
                    either.append((len(gap), candidate))
                    if own_side:
                        scored.append((len(gap), candidate))
    return _nearest_first(scored), _nearest_first(either)


def _passive_beaten(after: Sequence[Token]) -> bool:
    """Whether the words after a name say it was beaten: "were defeated", "was beaten"."""
    return (
        len(after) >= PASSIVE_BEATEN_WORDS and after[0].lower in PASSIVE_AUXILIARIES and after[1].stem in BEATEN_STEMS
    )


def _passive(between: Sequence[Token], verb: Token) -> bool:
    """Whether a name before ``verb`` with ``between`` them is what the verb is done to ("Linux was released"),
    not who does it ("Linus Torvalds released")."""
    return verb.lower.endswith("ed") and any(token.lower in PASSIVE_AUXILIARIES for token in between)


def _roles(words: Sequence[Token]) -> set[str]:
    """The roles the prepositions among ``words`` give what follows them (see ``PREPOSITION_ROLES``); a
    verb's object's when there is no preposition at all."""
    roles = {PREPOSITION_ROLES[word.lower] for word in words if word.lower in PREPOSITION_ROLES}
    if roles or any(word.lower in NAME_LINKS for word in words):
        return roles
    return {OBJECT_ROLE}


def _nearest_first(scored: list[tuple[int, Slot]]) -> list[Slot]:
    return [candidate for _, candidate in sorted(scored, key=lambda pair: pair[0])]


def _is_anchor(claim: Analysed, token: Token) -> bool:
    """A content word of the claim that is not itself a slot (a name or part of a quantity), nor the scope of
    a superlative ("the orchard's largest apple": "largest" governs the holder)."""
    if not token.is_content or (token.capitalized and not token.initial) or token.index in claim.scopes:
        return False
    return not any(quantity.first <= token.index <= quantity.last for quantity in claim.quantities)


def _swapped_words(claim: Analysed, view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """Claim words whose opposite, or another member of whose category, the view says instead (a
    plural for its listed singular: "floors" against "ceilings")."""
    swaps: list[tuple[str, Token, Token]] = []
    if not claim.rivalled:  # most claims: no word has an opposite or a category, so the view's words are not needed
        return swaps + _reversed_orders(claim, view)
    view_lowers = {token.lower: token for token in view if token.is_word}
    view_lowers |= {_singular(token.lower): token for token in view if token.is_word} | view_lowers
    view_stems = {token.stem for token in view if token.is_word}
    # A rival the claim says itself, in either number ("ceilings" for "ceiling"), is no value the view gives
    # instead: "hang from the ceilings ... while stalagmites rise from the floor" has both.
    said = claim.lowers | {_singular(word) for word in claim.lowers}
    for token, opposites, category in claim.rivalled:
        if token.lower in view_lowers or token.stem in view_stems:
            rivals = opposites | category
            given = [other for other in view if other.lower in rivals and other.lower not in claim.lowers]
            rival = attached_elsewhere(claim.tokens, token.index, view, given) if given else None
            if rival is not None:
                swaps.append(("opposite" if rival.lower in opposites else "category", token, rival))
            continue
        opposite = next(
            (view_lowers[o] for o in sorted(opposites) if o in view_lowers and o not in said),
            None,
        )
        if opposite is None:  # another form of an opposite: "did not die" and "survived"
            by_stem = {other.stem: other for other in view if other.is_word and other.lower not in said}
            opposite = next((by_stem[stem(o)] for o in sorted(opposites) if stem(o) in by_stem), None)
        if opposite is not None:
            swaps.append(("opposite", token, opposite))
            continue
        member = next((view_lowers[w] for w in sorted(category) if w in view_lowers and w not in said), None)
        if member is not None:
            swaps.append(("category", token, member))
    return swaps + _reversed_orders(claim, view)


def _reversed_orders(claim: Analysed, view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """Two things both texts name in the other order: a pair, the sides of "than", the ends of a route."""
    return _reversed_pairs(claim, view) + _reversed_comparison(claim.tokens, view) + _reversed_route(claim.tokens, view)


def _rivalled(words: list[Token]) -> Iterator[tuple[Token, frozenset[str], frozenset[str]]]:
    """Each word that has opposites (or whose singular has) or a category, with its opposites and its category."""
    for word in words:
        opposites = OPPOSITE_WORDS.get(word.lower) or OPPOSITE_WORDS.get(_singular(word.lower), frozenset())
        category = CATEGORY_OF.get(word.lower, frozenset())
        if opposites or category:
            yield word, opposites, category


def _reversed_roles(
    claim: Analysed, claim_names: list[Name], passage: Analysed, view: tuple[Token, ...], view_names: list[Name]
) -> list[tuple[Name, Name]]:
    """Two names on either side of the same verb, in the other order ("A defeated B" against "B beat
    A"): who did it and to whom are swapped. A passive ("was defeated by") turns the order round; a
    verb that says the same both ways ("borders", "married") swaps nothing. Each pair: who does it in
    the claim, and in the passage."""
    swapped = []
    for first, second in itertools.combinations(claim_names, 2):
        claimed = _relation(claim.tokens, claim.places[id(claim.tokens)], first, second)
        if claimed is None:
            continue
        for one, other in itertools.permutations(view_names, 2):
            same_order = one.same_as(first) and other.same_as(second)
            if not (same_order or (one.same_as(second) and other.same_as(first))) or one.same_as(other):
                continue
            given = _relation(view, passage.places[id(view)], one, other)
            if given is None or not any(same_word(mine, theirs) for mine in claimed[0] for theirs in given[0]):
                continue
            if same_order != (claimed[1] == given[1]):  # the doer of one is the other's receiver
                swapped.append((second if claimed[1] else first, other if given[1] else one))
    places = passage.places[id(view)]
    return (
        swapped
        + _participle_roles(claim, claim_names, places, view, view_names)
        + _winner_beaten(claim, claim_names, places, view, view_names)
    )


def _winner_beaten(
    claim: Analysed, claim_names: list[Name], places: dict[int, int], view: tuple[Token, ...], view_names: list[Name]
) -> list[tuple[Name, Name]]:
    """ "The Chiefs won the first Super Bowl" against "the Packers defeated the Chiefs": the name the claim says
    won (right before "won" or "beat") is what the view's "defeated" or "beat" is done to, a few words after it
    with no punctuation or "by" between ("defeated the English forces of King Harold II"), or the subject of
    its passive ("the Chiefs were defeated"). Each pair: the claim's winner and the view's beaten name."""
    found = []
    numbers = {index for quantity in claim.quantities for index in range(quantity.first, quantity.last + 1)}
    for name in claim_names:
        after = [t for t in claim.tokens[name.last + 1 : name.last + 1 + RELATION_GAP] if t.index not in numbers]
        verb = next((token for token in after if token.is_content), None)
        if (
            verb is None
            or verb.lower not in WIN_WORDS
            or any(not token.is_word for token in after[: after.index(verb)])
        ):
            continue
        for other in view_names:
            start = places.get(other.first)
            if start is None or not other.same_as(name):
                continue
            end = places.get(other.last, start)
            following = view[end + 1 : end + 1 + RELATION_GAP]
            if _passive_beaten(following):  # "the Saracens were defeated by ...": they lost
                found.append((name, other.spanning(other.first, following[1].index)))
                continue
            words = view[max(0, start - BEATEN_REACH) : start]
            before = list(itertools.takewhile(lambda token: token.is_word, reversed(words)))
            beaten = next((place for place, token in enumerate(before) if token.stem in BEATEN_STEMS), None)
            if beaten is None or any(token.lower == "by" for token in before[:beaten]):
                continue  # not that verb's object ("defeated by the Chiefs": the Chiefs won)
            if beaten + 1 < len(before) and before[beaten + 1].lower in PASSIVE_AUXILIARIES:
                continue  # "the Chiefs were defeated": the name before the verb lost, this one is another
            found.append((name, other.spanning(before[beaten].index, other.last)))  # the span says "defeated ... X"
    return found


def _participle_roles(
    claim: Analysed, claim_names: list[Name], places: dict[int, int], view: tuple[Token, ...], view_names: list[Name]
) -> list[tuple[Name, Name]]:
    """ "A won the cup, beating B": a participle after a comma has the sentence's subject (the name
    it starts with) as its doer. A view that has that name as the object of the same verb ("by beating A") says
    it was done to the name, not by it. Each pair: the doer in the claim, the receiver in the view."""
    swapped = []
    for verb in claim.tokens[1:]:
        if not (verb.lower.endswith("ing") and claim.tokens[verb.index - 1].text == ","):
            continue
        doer = next((name for name in claim_names if name.last < verb.index), None)
        if doer is None or any(token.is_content for token in claim.tokens[: doer.first]):
            continue  # no name, or not the subject that starts the sentence
        for other in view_names:
            start = places.get(other.first)
            if start is None or not other.same_as(doer):
                continue
            before = view[max(0, start - RELATION_GAP) : start]
            verbs = list(itertools.takewhile(lambda token: not token.is_content, reversed(before)))
            governing = before[len(before) - len(verbs) - 1] if len(verbs) < len(before) else None
            if governing is not None and governing.is_word and same_word(verb, governing):
                swapped.append((doer, other))
    return swapped


def _relation(
    tokens: tuple[Token, ...], places: dict[int, int], first: Name, second: Name
) -> tuple[list[Token], bool] | None:
    """The verb between two names (``first`` before ``second`` in ``tokens``, ``places`` their tokens' places
    by index) and whether it is passive; None when anything else stands between (punctuation, another
    clause, more than RELATION_GAP tokens) or the verb reads the same both ways."""
    start, end = places.get(first.last), places.get(second.first)
    if start is None or end is None or not 0 < end - start - 1 <= RELATION_GAP:
        return None
    between = tokens[start + 1 : end]
    if any(not token.is_word or token.lower in PHRASE_BREAK_WORDS for token in between):
        return None
    verbs = [token for token in between if token.is_content]
    if not verbs or any(token.stem in SYMMETRIC_STEMS for token in verbs):
        return None
    if PREPOSITION_ROLES.get(between[-1].lower) == PLACE_ROLE:
        return None  # "Adler was built in Britain": a place or a time, not the verb's other party
    return verbs, any(token.lower == "by" for token in between[between.index(verbs[0]) + 1 :])


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _reversed_pairs(claim: Analysed, view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """Opposites both texts name in the other order ("from left to right", "from right to left"), and
    members of a category on either side of the same relation ("steam replaced diesel", "diesel
    replaced steam"; "blue more than red"). A list ("red, green and blue") has no relation between."""
    if sum(1 for word in claim.lowers if word in OPPOSITE_WORDS or word in CATEGORY_OF) < 2:
        return []  # no two words of the claim to find reversed (each pair's words both have opposites or a category)
    claim_first = {token.lower: token for token in reversed(claim.tokens) if token.is_word}
    view_first = {token.lower: token for token in reversed(view) if token.is_word}
    shared = claim_first.keys() & view_first.keys()
    pairs = [
        (kind, one, other)
        for one in shared
        for kind, others in (("opposite", OPPOSITE_WORDS.get(one, ())), ("category", CATEGORY_OF.get(one, ())))
        for other in others
        if one < other and other in shared
    ]
    reversed_pairs: list[tuple[str, Token, Token]] = []
    for kind, one, other in sorted(pairs):
        claim_order = claim_first[one].index < claim_first[other].index
        if claim_order == (view_first[one].index < view_first[other].index):
            continue
        if kind == "category" and not (
            _relations(claim.tokens, claim_first[one], claim_first[other])
            & _relations(view, view_first[one], view_first[other])
        ):
            continue
        leading = claim_first[one] if claim_order else claim_first[other]
        reversed_pairs.append((kind, leading, view_first[leading.lower]))
    return reversed_pairs


def _reversed_comparison(claim: tuple[Token, ...], view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """The two sides of "than" swapped: "closer to A than to B" against "closer to B than to A", or, read as
    phrases, "carbon dioxide traps more heat than methane" against "methane traps more heat than the same
    mass of carbon dioxide"."""
    return _swapped_pair("opposite", _compared(claim), _compared(view)) or _swapped_sides(claim, view)


def _swapped_sides(claim: tuple[Token, ...], view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """The sides of "than" turned round (see :func:`_turned_round`) with the same comparative in both: the claim's
    word the view has on the other side, and the view's word in its place."""
    claimed, given = _sides(claim), _sides(view)
    if claimed is None or given is None or not same_word(claimed[0], given[0]):
        return []
    turned = _turned_round(claimed, given)
    return [] if turned is None else [("opposite", *turned)]


def _turned_round(
    claimed: tuple[Token, list[Token], list[Token]], given: tuple[Token, list[Token], list[Token]]
) -> tuple[Token, Token] | None:
    """Whether the claim's words after "than" all stand before the view's "than" and none after it, and a word
    of the claim before its "than" that the view does not say there stands after it ("carbon dioxide traps more
    heat than methane", "methane traps more heat than the same mass of carbon dioxide"): that word of the claim,
    and the view's word in its place."""
    (_, before, after), (_, their_before, their_after) = claimed, given

    def said(word: Token, phrase: list[Token]) -> bool:
        return any(same_word(word, other) for other in phrase)

    if not all(said(word, their_before) and not said(word, their_after) for word in after):
        return None
    moved = next((word for word in before if said(word, their_after) and not said(word, their_before)), None)
    instead = next((other for other in their_before if same_word(after[0], other)), None)
    return None if moved is None or instead is None else (moved, instead)


def _opposite_turned_round(claim: tuple[Token, ...], view: tuple[Token, ...]) -> Token | None:
    """The claim's comparative, when the view says its opposite with the sides of "than" turned round: "sound
    travels faster in water than in air" is "in air, sound travels slower than in water"."""
    claimed, given = _sides(claim), _sides(view)
    if claimed is None or given is None or given[0].lower not in OPPOSITE_WORDS.get(claimed[0].lower, ()):
        return None
    return claimed[0] if _turned_round(claimed, given) is not None else None


def _sides(tokens: tuple[Token, ...]) -> tuple[Token, list[Token], list[Token]] | None:
    """The comparative before the first "than" (a word of "more" or "less", or a listed one in "-er"), the words
    before that "than", and those after it up to the clause's punctuation."""
    place = next((place for place, token in enumerate(tokens) if token.lower == "than"), None)
    if place is None:
        return None
    reach = tokens[max(0, place - COMPARISON_REACH) : place]
    comparative = next(
        (t for t in reversed(reach) if t.lower in COMPARATIVES),
        None,
    )
    before = [token for token in tokens[:place] if token.is_content]
    following = itertools.takewhile(lambda token: token.is_word, tokens[place + 1 :])
    after = [token for token in following if token.is_content]
    return (comparative, before, after) if comparative is not None and before and after else None


def _reversed_route(claim: tuple[Token, ...], view: tuple[Token, ...]) -> list[tuple[str, Token, Token]]:
    """The two ends of a route swapped: "sent from Stanford to UCLA" against "from UCLA to Stanford", or "from
    Thane to Bombay" against "from Bori Bunder in Bombay to Thane" (each end a phrase of words)."""
    claimed, given = _route(claim), _route(view)
    if claimed is None or given is None:
        return []
    (origin, destination), (their_origin, their_destination) = claimed, given

    def said(words: list[Token], phrase: list[Token]) -> bool:
        return any(same_word(word, other) for word in words for other in phrase)

    if (
        said(origin, their_destination)
        and said(destination, their_origin)
        and not said(origin, their_origin)
        and not said(destination, their_destination)
    ):
        return [("role", origin[0], their_origin[0])]
    return []


def _swapped_pair(
    kind: str, claimed: tuple[Token, Token] | None, given: tuple[Token, Token] | None
) -> list[tuple[str, Token, Token]]:
    """The claim's first word against the view's in its place, when the view has the claim's two words the
    other way round."""
    if claimed is None or given is None:
        return []
    (first, second), (their_first, their_second) = claimed, given
    if same_word(first, their_second) and same_word(second, their_first) and not same_word(first, second):
        return [(kind, first, their_first)]
    return []


def _route(tokens: tuple[Token, ...]) -> tuple[list[Token], list[Token]] | None:
    """The content words between "from" and the "to" that follows it within a few words, and those after that
    "to" up to a clause's punctuation."""
    start = next((place for place, token in enumerate(tokens) if token.lower == "from"), None)
    if start is None:
        return None
    end = next(
        (place for place in range(start + 2, min(len(tokens), start + ROUTE_REACH)) if tokens[place].lower == "to"),
        None,
    )
    if end is None:
        return None
    origin = [token for token in tokens[start + 1 : end] if token.is_content]
    after = itertools.takewhile(lambda token: token.is_word, tokens[end + 1 : end + ROUTE_REACH])
    destination = [token for token in after if token.is_content]
    return (origin, destination) if origin and destination else None


def _compared(tokens: tuple[Token, ...]) -> tuple[Token, Token] | None:
    """The content words either side of the first "than": what is compared with what."""
    place = next((place for place, token in enumerate(tokens) if token.lower == "than"), None)
    if place is None:
        return None
    before = next((token for token in reversed(tokens[:place]) if token.is_content), None)
    after = next((token for token in tokens[place + 1 :] if token.is_content), None)
    return (before, after) if before is not None and after is not None else None


def _relations(tokens: tuple[Token, ...], one: Token, other: Token) -> set[str]:
    """The stems of the words that relate two words of a sentence: "than" and verbs between them."""
    low, high = sorted((one.index, other.index))
    return {
        token.stem for token in tokens if low < token.index < high and (token.lower == "than" or has_verb((token,)))
    }


def _span(text: Analysed, slot: Quantity | Name) -> Span:
    start, end = text.tokens[slot.first].start, text.tokens[slot.last].end
    return Span(start, end, text.text[start:end])


def _tokens_span(text: Analysed, first: Token, last: Token) -> Span:
    return Span(first.start, last.end, text.text[first.start : last.end])


def _token_span(token: Token) -> Span:
    return Span(token.start, token.end, token.text)


def _describe(item: Item | Name, claim: Analysed) -> str:
    if isinstance(item, Token):
        return item.text
    return _span(claim, item).text
