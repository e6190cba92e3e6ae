"""The slots of a text that a claim can get wrong: quantities, names, and negations.

A quantity is a number with what it counts (a unit, converted to one base per dimension, or the
noun after it); a year, a day of a month and an ordinal are quantities of their own kinds. A rate
("km/h") is a unit of its own dimension, and a fraction ("three quarters of") a percentage. A name
is a run of capitalised words; two names are the same when they share a word that tells which
one (not "Ocean" or "Mount"), or, for a name made of such words only ("United States"), the last.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from dataclasses import dataclass
from typing import Final, final

from service.verdict.lexicon import (
    ABILITY_NEGATORS,
    ALWAYS_NEGATIVE,
    CONTRAST_NEGATORS,
    COUNTING_WORDS,
    DIMINISHERS,
    FRACTIONS,
    GENERIC_NAME_WORDS,
    HEDGES,
    LACK_WORDS,
    LOWER_BOUNDS,
    MIN_NEGATED_ABILITY,
    MONTHS,
    NEGATIVE_LESS_WORDS,
    NEGATIVE_PREFIXED_WORDS,
    NEGATIVE_PREFIXES,
    NEGATORS,
    NOT_NEGATED_ABILITY,
    NOT_NEGATING_PREFIXES,
    NUMBER_WORDS,
    ORDINALS,
    SCALE_WORDS,
    STOP_WORDS,
    UN_WORDS,
    UNIT_FILLERS,
    UNITS,
    UPPER_BOUNDS,
)
from service.verdict.text import Record, Token, remember, stem

DIGITS: Final = re.compile(r"\d[\d,]*(?:\.\d+)?$")
ORDINAL_DIGITS: Final = re.compile(r"(\d+)(?:st|nd|rd|th)$")
ROMAN: Final = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})$")
ROMAN_DIGITS: Final = {"I": 1, "V": 5, "X": 10}
MIN_ROMAN: Final = 2
EXACT_KINDS: Final = frozenset({"year", "day", "ordinal"})
COMPOUND_KINDS: Final = frozenset({"length", "time", "mass"})
# What may join the parts of one measure ("23 hours, 56 minutes and 4 seconds"), and how many of them.
MEASURE_JOINS: Final = frozenset({",", "and"})
MEASURE_JOINS_REACH: Final = 2
# Kinds without a unit a bare figure could take from a parallel clause.
UNITLESS_KINDS: Final = frozenset({"count", "year", "day", "ordinal", "percent"})
# Words that join a clause parallel to the one before ("1,024 bytes, whereas ... 1,000").
PARALLEL_JOINS: Final = frozenset({"while", "whereas", "but", "and"})
# Relative difference under which two values are the same figure written differently.
SAME_FIGURE: Final = 0.01
SAME_HEDGED_FIGURE: Final = 0.05
# How far a hedged temperature may be from another: a degree, or a smaller share than other figures (see _slack).
HEDGED_DEGREES: Final = 1.0
HEDGED_TEMPERATURE_SHARE: Final = 0.02
# Words that say a figure is exact, and how near another must be to be that figure (a conversion's float error).
EXACTLY: Final = frozenset({"exactly", "precisely"})
EXACT_FIGURE: Final = 1e-6
# How much looser a bound may be than the evidence's the same way and still be it rounded ("over 300", "more than 320").
ROUNDED_BOUND: Final = 0.2
MAX_ROUNDED_DIGIT: Final = 9  # a hedged measure up to this, as written, stands for what rounds to it (see Quantity)
COUNTED_NOUNS_LOOKAHEAD: Final = 3
CONVERSION_GAP: Final = 2  # words between a figure and its conversion in brackets ("252 km per hour (157 mph)")
# Words between a unit and the one it is divided by ("kilometres per hour", "metres a second", "every hour").
RATE_WORDS: Final = frozenset({"per", "a", "an", "every", "each"})
# "square" and "cubic": the power of the length after them; only they may stand after "per".
POWERS: Final = {"square": 2, "cubic": 3}
POWER_FILLERS: Final = frozenset(POWERS)
# Tokens after "no" or "not" in which "other than", "except", "-er than" or "until" is looked for.
IDIOM_REACH: Final = 10
LIST_ENDS: Final = frozenset({"and", "or"})
# Negators whose object is a thing: they negate having it, not the rest of the clause.
OBJECT_NEGATORS: Final = LACK_WORDS | {"without"}
OTHER_REACH: Final = 8  # tokens from "one" to the "the other" that makes it one of two
SCARCITY_WORDS: Final = frozenset({"little", "few"})  # after "too": a lack ("too little vitamin C")
MIN_NAME_PREFIX: Final = 4  # letters a name needs to stand for a longer one it starts ("Paris", "Parisians")
MIN_COMPOUND_PART: Final = 3  # letters of each part of a compound name ("Sun" and "light" of "Sunlight")
# Letters of a name in capitals read as initials ("UN", "NASA", "UNESCO", "US GPS").
MIN_ACRONYM, MAX_ACRONYM = 2, 6
# The shares fractions in words name, in percent: 1/10, 1/5, 1/4, 3/10, 1/3 ... 9/10.
COMMON_SHARES: Final = frozenset(100.0 * part / parts for parts in set(FRACTIONS.values()) for part in range(1, parts))
MINUS_SIGNS: Final = frozenset({"minus", "-", "\u2212"})
# "a" or "an" before a unit is one of it after a hedge or one of these ("for a week", "in an hour").
SINGLE_ARTICLES: Final = frozenset({"a", "an"})
SINGLE_LEADS: Final = frozenset({"for", "in", "within", "after", "than", "nearly", "almost", "over", "under"})
# Words between a figure and its scale's letter ("100 degrees C").
DEGREE_WORDS: Final = frozenset({"degree", "degrees", "°"})
ALL_WORDS: Final = frozenset({"every", "all", "each", "everyone", "everything"})
COMPARATIVE_WORDS: Final = frozenset({"more", "less", "fewer", "better", "worse"})
# Letters a word before "-less" needs to be read as its stem ("sight-less", not "un-less").
MIN_LESS_STEM: Final = 4
# Endings of the adjectives a negative prefix turns around ("in-visible", "un-safe", "un-changed").
ADJECTIVE_ENDINGS: Final = ("able", "ible", "ive", "al", "ent", "ant", "ful", "ous", "ar", "ct", "safe", "true", "ed")


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    kind: str  # a unit's dimension, "year", "day", "ordinal", or "count"
    nouns: frozenset[str]  # for counts: stems of the words after the number ("six strings")
    bound: str  # "=", ">" (more than) or "<" (less than)
    hedged: bool
    first: int  # token indices of the whole quantity, unit included
    last: int
    # Half a step of the figure as written, relative to it, for a hedged single digit: "almost two years" is
    # anything that rounds to two years (0.25), "about 3 metres" to three metres.
    rounding: float = 0.0
    # The top of a range ("22 to 23 percent", "between 60 and 100 beats"), whose bottom is ``value``.
    top: float | None = None
    # Said to be exact ("exactly 24 hours"): no rounding of the other figure makes it this one.
    exact: bool = False

    @property
    def highest(self) -> float:
        return self.value if self.top is None else self.top

    def comparable(self, other: Quantity) -> bool:
        if self.kind != other.kind:
            return False
        return self.kind != "count" or bool(self.nouns & other.nouns) or not (self.nouns and other.nouns)

    def agrees(self, other: Quantity) -> bool:
        """Whether ``other`` (from the evidence) states a value this (from the claim) allows. Two
        bounds the same way are two thresholds: "at least 157" is not "at least 252"; but one a little
        looser is the other rounded ("over 300" for "more than 320"), which it allows."""
        if self.bound == other.bound != "=":
            return _same(self, other) or _rounded_looser(self, other)
        if self.bound == ">":
            return other.highest > self.value or _same(self, other)
        if self.bound == "<":
            return other.value < self.value or _same(self, other)
        return _same(self, other)


def _rounded_looser(claimed: Quantity, given: Quantity) -> bool:
    """Whether the claim's bound is the evidence's, the same way, made looser by at most ROUNDED_BOUND of it:
    "over 300" allows all that "more than 320" does, "under 1,000" all that "less than 900" does."""
    if claimed.bound == ">":
        return given.highest * (1 - ROUNDED_BOUND) <= claimed.value <= given.highest
    return given.value <= claimed.value <= given.value * (1 + ROUNDED_BOUND)


def _same(claimed: Quantity, given: Quantity) -> bool:
    if claimed.top is not None or given.top is not None:
        return _within(claimed, given)
    if claimed.exact:  # "exactly 24 hours" is not "about 23 hours, 56 minutes and 4 seconds"
        return math.isclose(claimed.value, given.value, rel_tol=EXACT_FIGURE, abs_tol=1e-9)
    if claimed.kind in EXACT_KINDS or (claimed.kind == "count" and max(claimed.value, given.value) < 100):
        return claimed.value == given.value
    # Within half a step of a hedged single digit as written ("almost two years": 1.5 to 2.5 years).
    if any(abs(claimed.value - given.value) <= q.rounding * q.value for q in (claimed, given)):
        return True
    highest = max(abs(claimed.value), abs(given.value))
    return abs(claimed.value - given.value) <= _slack(claimed, given, highest) + 1e-9


def _slack(claimed: Quantity, given: Quantity, highest: float) -> float:
    """How far apart two figures may be and still be one figure rounded: a share of the larger, more when either
    is hedged; a temperature's scale has an arbitrary zero, so a hedge there allows a degree or a smaller share
    ("about 39 degrees" is not "about 37 degrees", though "about 460" is "about 464")."""
    hedged = claimed.hedged or given.hedged
    if claimed.kind == "temperature":
        return max(HEDGED_DEGREES, HEDGED_TEMPERATURE_SHARE * highest) if hedged else SAME_FIGURE * highest
    return (SAME_HEDGED_FIGURE if hedged else SAME_FIGURE) * highest


def _within(claimed: Quantity, given: Quantity) -> bool:
    """Whether one of two ranges (a single figure is a range of one) lies within the other, within the tolerance
    of the figures written: "three to four months" and "100 to 120 days", "22 percent" and "22 to 23 percent";
    ranges that only meet ("between 100 and 150 beats" and "between 60 and 100 beats") are two. A hedged range
    of the claim ("about a fifth": 15 to 22.5 percent) is vague at its ends: it need only share a value."""
    highest = max(abs(claimed.highest), abs(given.highest))
    slack = 0.0 if claimed.kind == "count" and highest < 100 else _slack(claimed, given, highest)
    # A hedged single digit is what rounds to it ("about a month": half a month to a month and a half).
    low, high = claimed.value * (1 - claimed.rounding), claimed.highest + claimed.rounding * claimed.value
    their_low, their_high = given.value * (1 - given.rounding), given.highest + given.rounding * given.value
    if claimed.hedged:
        return low <= their_high + slack and their_low <= high + slack
    inside = their_low <= low + slack and high <= their_high + slack
    around = low <= their_low + slack and their_high <= high + slack
    return inside or around


@final
class Name(Record):
    """A name's telling words and span. A compiled class for the reason ``Token`` is one (see there), equal and
    hashed by value."""

    __slots__ = ("acronym", "first", "initials", "keys", "last", "tail")

    def __init__(self, keys: frozenset[str], first: int, last: int, tail: str, initials: str, acronym: str) -> None:
        self.keys: Final = keys  # the words that tell which one, folded
        self.first: Final = first
        self.last: Final = last
        self.tail: Final = tail  # its last telling word, folded: a person's surname ("lind" of "James Lind")
        # Of its capitalised words, folded: "usgps" for "United States Global Positioning System".
        self.initials: Final = initials
        # Its letters folded, when it is written in capitals ("GPS", "US GPS"), else "".
        self.acronym: Final = acronym

    def _fields(self) -> tuple[frozenset[str], int, int, str, str, str]:
        return (self.keys, self.first, self.last, self.tail, self.initials, self.acronym)

    def spanning(self, first: int, last: int) -> Name:
        """The same name said over another span."""
        return Name(self.keys, first, last, self.tail, self.initials, self.acronym)

    def same_as(self, other: Name) -> bool:
        """Sharing a telling word (the last, when both have several: "James Lind" is not "James Cook"), one
        the start of the other ("Paris", "Parisians"), or one the other's initials ("GPS", "Global
        Positioning System")."""
        return (
            (bool(self.keys & other.keys) and (len(self.keys) == 1 or len(other.keys) == 1 or self.tail == other.tail))
            or any(_one_word_in_the_other(mine, theirs) for mine in self.keys for theirs in other.keys)
            or bool(self.acronym and _abbreviates(self, other))
            or bool(other.acronym and _abbreviates(other, self))
        )


def _one_word_in_the_other(one: str, other: str) -> bool:
    """ "Paris" and "Parisians" (one starts the other, four letters at least); "Sun" or "Light" and "Sunlight"
    (one is a part of the other, which is the two parts joined); two forms of one word, as a sentence's first
    word may be ("Deleted" and "Deleting")."""
    short, long = (one, other) if len(one) <= len(other) else (other, one)  # not sorted(): called per pair
    if len(short) >= MIN_NAME_PREFIX and (long.startswith(short) or stem(short) == stem(long)):
        return True
    rest = len(long) - len(short)
    return (
        rest >= MIN_COMPOUND_PART
        and len(short) >= MIN_COMPOUND_PART
        and (long.startswith(short) or long.endswith(short))
    )


def _abbreviates(short: Name, long: Name) -> bool:
    return short.acronym in long.initials


def quantities(tokens: tuple[Token, ...]) -> list[Quantity]:
    found: list[Quantity] = []
    position = 0
    while position < len(tokens):
        parsed = _quantity_at(tokens, position)
        if parsed is None:
            position += 1
            continue
        previous = found[-1] if found else None
        if previous is not None and _adds_to(tokens, previous, parsed):
            found[-1] = dataclasses.replace(previous, value=previous.value + parsed.value, last=parsed.last)
        elif previous is not None and _converts(tokens, previous, parsed):
            found.append(dataclasses.replace(parsed, bound=previous.bound))
        elif previous is not None and _joins_range(tokens, previous, parsed):
            found[-1] = _range(tokens, previous, parsed)
        else:
            found.append(_with_unit_of_parallel(tokens, found, parsed))
        if parsed.first > 0 and tokens[parsed.first - 1].lower in EXACTLY:
            found[-1] = dataclasses.replace(found[-1], exact=True)
        position = parsed.last + 1
    return found


def _with_unit_of_parallel(tokens: tuple[Token, ...], found: list[Quantity], parsed: Quantity) -> Quantity:
    """A bare figure that ends a clause contrasted with one that has a unit measures in that unit: "a
    kibibyte holds 1,024 bytes, whereas a kilobyte holds 1,000" (bytes), "... while the Amazon is 6,400"."""
    following = tokens[parsed.last + 1] if parsed.last + 1 < len(tokens) else None
    if parsed.kind != "count" or (following is not None and following.is_word) or not found:
        return parsed
    if _nouns_after(tokens, parsed.last) or not any(
        token.lower in PARALLEL_JOINS for token in tokens[found[-1].last + 1 : parsed.first]
    ):
        return parsed
    measured = found[-1]
    raw, _ = _number(tokens, measured.first)
    if measured.kind in UNITLESS_KINDS or measured.kind == "temperature" or not raw:
        return parsed
    return dataclasses.replace(parsed, value=parsed.value * measured.value / raw, kind=measured.kind, nouns=frozenset())


def _joins_range(tokens: tuple[Token, ...], low: Quantity, high: Quantity) -> bool:
    """Whether two figures are the ends of one range: "22 to 23 percent", "between 60 and 100", "20 hertz to
    20,000 hertz". Not dates, ordinals or years, not a change ("rose from 280 to 400"), not "2 to 1"."""
    if low.last + 2 != high.first or low.kind in EXACT_KINDS or high.kind in EXACT_KINDS:
        return False
    if low.kind != high.kind and (low.kind != "count" or _unit_after_number(tokens, low.first) is not None):
        return False
    joiner = tokens[low.last + 1].lower
    before = [token.lower for token in tokens[max(0, low.first - 2) : low.first]]
    if "from" in before or not (joiner == "to" or (joiner == "and" and "between" in before)):
        return False
    return _range(tokens, low, high).value < high.highest


def _range(tokens: tuple[Token, ...], low: Quantity, high: Quantity) -> Quantity:
    """The range from ``low`` to ``high``; a bare bottom figure (a count, its sign and scale read) takes the
    top's unit, and its scale when it has none ("2 to 3 million", "100 to 120 days")."""
    value = low.value
    if low.kind != high.kind or _unit_after_number(tokens, low.first) is None:
        written, _ = _number(tokens, high.first)
        digits, _ = _number(tokens[high.first : high.first + 1], 0)
        if written and digits and not any(token.lower in SCALE_WORDS for token in tokens[low.first : low.last + 1]):
            value *= written / digits
        unit = _unit_after_number(tokens, high.first)
        if unit is not None:
            kind, factor = unit
            value = _to_base(value, kind, factor)
    return dataclasses.replace(
        high,
        value=value,
        top=high.highest,
        first=low.first,
        hedged=low.hedged or high.hedged,
        bound=low.bound,  # "at least 150 to 300 minutes": a bound, as "at least 150 minutes" is
        rounding=0.0,
    )


def _unit_after_number(tokens: tuple[Token, ...], position: int) -> tuple[str, float] | None:
    """The unit after the number that starts at ``position``, if any."""
    _, last = _number(tokens, position)
    _, unit = _unit(tokens, last + 1)
    if unit is None:
        _, unit = _qualified_time(tokens, last + 1)
    return unit


def _converts(tokens: tuple[Token, ...], previous: Quantity, parsed: Quantity) -> bool:
    """Whether ``parsed`` is ``previous`` in other units, in brackets right after it: "at least 252
    kilometres per hour (157 miles per hour)" bounds both figures."""
    between = tokens[previous.last + 1 : parsed.first - 1]
    return (
        previous.kind == parsed.kind
        and tokens[parsed.first - 1].text == "("
        and len(between) <= CONVERSION_GAP
        and all(token.is_word for token in between)  # "per hour"
    )


def _adds_to(tokens: tuple[Token, ...], larger: Quantity, smaller: Quantity) -> bool:
    """Whether two quantities are one measure: adjacent ("5 feet 7 inches"), or joined by a comma or "and" in
    smaller units ("23 hours, 56 minutes and 4 seconds"; "50 metres and 25 metres" are two)."""
    if not (larger.kind == smaller.kind and larger.kind in COMPOUND_KINDS and larger.value > smaller.value):
        return False
    between = tokens[larger.last + 1 : smaller.first]
    if not between:
        return True
    return (
        len(between) <= MEASURE_JOINS_REACH
        and all(token.lower in MEASURE_JOINS for token in between)
        and tokens[larger.last].stem != tokens[smaller.last].stem
    )


def _quantity_at(tokens: tuple[Token, ...], position: int) -> Quantity | None:
    token = tokens[position]
    fraction = _fraction(tokens, position)
    if fraction is not None:
        share, last = fraction
        low, high = _shares_near(share)
        return Quantity(low, "percent", frozenset(), "=", True, position, last, top=high)
    regnal = _regnal(tokens, position)
    if regnal is not None:  # "World War Two" is the Second World War, "Henry VIII" the eighth Henry
        return Quantity(regnal, "ordinal", frozenset(), "=", False, position, position)
    ordinal = _ordinal(token, tokens[position - 1] if position else None)
    if ordinal is not None and _day_of_month(tokens, position):
        return Quantity(ordinal, "day", frozenset(), "=", False, position, position)
    if ordinal is not None:
        return Quantity(ordinal, "ordinal", _nouns_after(tokens, position), "=", False, position, position)
    single = _single_unit(tokens, position)
    if single is not None:
        return single
    value, last = _number(tokens, position)
    if value is None:
        return None
    before = tokens[position - 1].lower if position else ""
    before2 = f"{tokens[position - 2].lower} {before}" if position > 1 else ""
    if before in MINUS_SIGNS:
        value = -value
    bound = "="
    if before in LOWER_BOUNDS or before2 in {"more than", "at least", "greater than"}:
        bound = ">"
    elif before in UPPER_BOUNDS or before2 in {"less than", "fewer than", "at most"}:
        bound = "<"
    # "up to 300": the top of the range, about that figure, not any figure below it.
    hedged = before in HEDGES or (position > 1 and tokens[position - 2].lower in HEDGES) or before2 == "up to"
    following = tokens[last + 1] if last + 1 < len(tokens) else None
    next_to_month = (following is not None and following.lower in MONTHS) or (
        position > 0 and tokens[position - 1].lower in MONTHS
    )
    if next_to_month and value == int(value) and 1 <= value <= 31:
        return Quantity(value, "day", frozenset(), "=", False, position, last)
    unit_end, unit = _unit(tokens, last + 1)
    if unit is None:
        unit_end, unit = _qualified_time(tokens, last + 1)
    if unit is not None:
        kind, factor = unit
        rounding = 0.5 / value if hedged and value == int(value) and 1 <= value <= MAX_ROUNDED_DIGIT else 0.0
        base = _to_base(value, kind, factor)
        return Quantity(base, _base_kind(kind), frozenset(), bound, hedged, position, unit_end, rounding)
    if DIGITS.match(token.text) and "," not in token.text and value == int(value) and 1000 <= value <= 2100:
        return Quantity(value, "year", frozenset(), "=", hedged, position, last)
    if token.lower == "one" and last == position and not _nouns_after(tokens, last):
        return None  # "one of", "each one can": a pronoun
    if token.lower == "one" and _the_other_after(tokens, position):
        return None  # "one car ascending is balanced by the other car": each of two, no count
    numbered = _numbered(tokens, position)
    if numbered is not None:  # "Locomotion No. 1": one of a series, whatever words follow
        return Quantity(value, "count", frozenset({numbered}), "=", False, position, last)
    nouns = _nouns_after(tokens, last)
    if position > 0 and tokens[position - 1].is_content:
        nouns |= {tokens[position - 1].stem}  # "Category 5"
    return Quantity(value, "count", nouns, bound, hedged, position, last)


def _single_unit(tokens: tuple[Token, ...], position: int) -> Quantity | None:
    """ "a week" or "an hour" after a hedge or a preposition ("for about a week", "in an hour"): one of the
    unit. Not in a rate ("15 times a day", "once a year") nor as a subject ("a day on Mars lasts")."""
    if position == 0 or tokens[position].lower not in SINGLE_ARTICLES:
        return None
    before = tokens[position - 1].lower
    if before not in HEDGES and before not in SINGLE_LEADS:
        return None
    end, unit = _unit(tokens, position + 1)
    if unit is None:
        return None
    kind, factor = unit
    hedged = before in HEDGES
    rounding = 0.5 if hedged else 0.0
    return Quantity(_to_base(1.0, kind, factor), _base_kind(kind), frozenset(), "=", hedged, position, end, rounding)


def _the_other_after(tokens: tuple[Token, ...], position: int) -> bool:
    """Whether "the other" follows within the clause ("one ... the other"): "one" then picks one of two."""
    for place in range(position + 1, min(len(tokens) - 1, position + 1 + OTHER_REACH)):
        if not tokens[place].is_word:
            return False
        if tokens[place].lower == "the" and tokens[place + 1].lower == "other":
            return True
    return False


def _qualified_time(tokens: tuple[Token, ...], position: int) -> tuple[int, tuple[str, float] | None]:
    """A unit of time after one word that says whose or which ("88 Earth days", "27 solar days"): the same
    span of time as the bare unit. Not a number word ("two hundred days") nor a stop word."""
    if position + 1 >= len(tokens) or not tokens[position].is_content or tokens[position].lower in NUMBER_WORDS:
        return position, None
    end, unit = _simple_unit(tokens, position + 1, fillers=frozenset())
    if unit is None or unit[0] != "time":
        return position, None
    return end, unit


def _numbered(tokens: tuple[Token, ...], position: int) -> str | None:
    """The stem of the thing a number after "No." numbers ("Locomotion No. 1"), if it is one."""
    if position >= 3 and tokens[position - 1].text == "." and tokens[position - 2].text == "No":
        return tokens[position - 3].stem
    return None


def _fraction(tokens: tuple[Token, ...], position: int) -> tuple[float, int] | None:
    """A part of a whole as a percentage, and its last token: "three quarters of", "a third of", "half the".
    Fractions are hedged: "a third" is about 33 percent."""
    token = tokens[position]
    if token.lower == "half" and position + 1 < len(tokens) and tokens[position + 1].lower in {"of", "the"}:
        return 50.0, position
    if position + 2 >= len(tokens) or tokens[position + 2].lower != "of":
        return None
    parts = FRACTIONS.get(tokens[position + 1].lower)
    if parts is None:
        return None
    if token.lower in {"a", "one"}:
        numerator = 1.0
    elif token.lower in COUNTING_WORDS or DIGITS.match(token.text):
        numerator = NUMBER_WORDS[token.lower] if token.lower in COUNTING_WORDS else float(token.text.replace(",", ""))
    else:
        return None
    return (100.0 * numerator / parts, position + 1) if numerator < parts else None


def _shares_near(share: float) -> tuple[float, float]:
    """The percentages a fraction in words stands for: those nearer to it than to any other fraction of
    halves, thirds, quarters, fifths or tenths ("a fifth" is 15 to 22.5 percent: 22 percent is "about a fifth",
    25 "a quarter")."""
    below = max((other for other in COMMON_SHARES if other < share), default=0.0)
    above = min((other for other in COMMON_SHARES if other > share), default=100.0)
    return (share + below) / 2, (share + above) / 2


def _day_of_month(tokens: tuple[Token, ...], position: int) -> bool:
    """ "the first of January", "the first day of January", "the first January", "January 1st": an ordinal
    day before or after a month."""
    if position > 0 and tokens[position - 1].lower in MONTHS:
        return True
    following = [token.lower for token in tokens[position + 1 : position + 4]]
    for lead in ((), ("of",), ("day", "of")):
        if len(following) > len(lead) and tuple(following[: len(lead)]) == lead and following[len(lead)] in MONTHS:
            return True
    return False


def _regnal(tokens: tuple[Token, ...], position: int) -> float | None:
    """The place in a series a number gives the name it follows, written in capitals or Roman numerals ("World
    War Two", "World War II", "Henry VIII"): an ordinal. Digits ("Apollo 11") number a thing, as before; a
    number inside a name ("The Four Seasons") is a word of it."""
    token = tokens[position]
    if position == 0 or not token.capitalized:
        return None
    before = tokens[position - 1]
    following = tokens[position + 1] if position + 1 < len(tokens) else None
    if not before.capitalized or not before.is_word or before.lower in STOP_WORDS:
        return None
    if following is not None and following.is_word and following.capitalized:
        return None
    if token.lower in NUMBER_WORDS and token.lower not in SCALE_WORDS and not token.initial:
        return float(NUMBER_WORDS[token.lower])
    if token.text == "I" and position > 1 and tokens[position - 2].capitalized and tokens[position - 2].is_content:
        return 1.0  # "World War I": after a name of two words, not the pronoun after one ("In Paris I saw")
    return _roman(token.text)


def _roman(text: str) -> float | None:
    """The value of a Roman numeral of two letters or more up to 39 ("II", "VIII", "XIV"); "I", "V" and "X"
    alone are read as letters."""
    if len(text) < MIN_ROMAN or not ROMAN.match(text):
        return None
    values = [ROMAN_DIGITS[letter] for letter in text]
    following = [*values[1:], 0]  # a letter before a greater one is taken away ("IX" is 9)
    total = sum(-value if value < after else value for value, after in zip(values, following, strict=True))
    return float(total)


def _ordinal(token: Token, before: Token | None) -> float | None:
    if before is not None and (before.lower == "per" or DIGITS.match(before.text)):
        return None  # "metres per second", "8 minutes and 20 seconds"
    if token.lower in ORDINALS:
        return float(ORDINALS[token.lower])
    match = ORDINAL_DIGITS.match(token.lower)
    return _finite(float(match.group(1))) if match else None


def _number(tokens: tuple[Token, ...], position: int) -> tuple[float | None, int]:
    """The value of the number starting at ``position`` (digits or words) and its last token."""
    token = tokens[position]
    if DIGITS.match(token.text):
        value = float(token.text.replace(",", ""))
        last = position
    elif token.lower in NUMBER_WORDS and token.lower not in SCALE_WORDS:
        value, last = _number_words(tokens, position)
    elif token.lower in SINGLE_ARTICLES and position + 1 < len(tokens) and tokens[position + 1].lower in SCALE_WORDS:
        value, last = 1.0, position  # "a million kilometres", "a thousand bytes": one of the scale
    else:
        return None, position
    while last + 1 < len(tokens) and tokens[last + 1].lower in SCALE_WORDS:
        value *= SCALE_WORDS[tokens[last + 1].lower]
        last += 1
    return _finite(value), last


def _finite(value: float) -> float | None:
    """A figure, unless it is too large for a float (309 digits and more, pasted from a log or a hash, or
    "billion" said 35 times): that one is no figure, where comparing it would raise."""
    return value if math.isfinite(value) else None


def _number_words(tokens: tuple[Token, ...], position: int) -> tuple[float, int]:
    """A number in words and its last token: "two hundred and six" is 206, "one two" is only 1.

    Each word must fit the places the words before it left free (units after a multiple of ten,
    tens after a hundred); a scale word ("thousand") closes a group, and "and" is read only after
    "hundred" or a scale word, before another number word.
    """
    total, group, last = 0.0, float(NUMBER_WORDS[tokens[position].lower]), position
    if tokens[position].lower not in COUNTING_WORDS:
        return group, last  # "dozen", "half", "twice": a number of their own
    place = last + 1
    while place < len(tokens):
        word = tokens[place].lower
        if word == "and" and tokens[place - 1].lower in SCALE_WORDS and place + 1 < len(tokens):
            following = tokens[place + 1].lower
            if following in COUNTING_WORDS and NUMBER_WORDS[following] < 100:
                place += 1
                continue
            break
        if word == "hundred" and 0 < group % 100 < 100 and group < 100:
            group *= 100
        elif word in SCALE_WORDS and word != "hundred" and group and (not total or group * SCALE_WORDS[word] < total):
            total += group * SCALE_WORDS[word]
            group = 0.0
        elif word in COUNTING_WORDS and _fits(group, NUMBER_WORDS[word]):
            group += NUMBER_WORDS[word]
        else:
            break
        last = place
        place += 1
    return total + group, last


def _fits(group: float, value: float) -> bool:
    """Whether a number word of ``value`` can follow ``group`` ("twenty" + "six", "hundred" + "ten")."""
    below_hundred = group % 100
    if value < 10:
        return below_hundred == 0 or (below_hundred >= 20 and below_hundred % 10 == 0)
    return below_hundred == 0 and (group >= 100 or group == 0)


def _unit(tokens: tuple[Token, ...], position: int) -> tuple[int, tuple[str, float] | None]:
    """The unit that starts at ``position`` (after fillers such as "degrees"), if any; a rate ("kilometres
    per hour", "km/h", "metres a second") is one unit of its own dimension, so that it converts."""
    end, unit = _simple_unit(tokens, position)
    if unit is None or end + 1 >= len(tokens):
        return end, unit
    rate_at = end + 1 + (tokens[end + 1].lower in RATE_WORDS)
    rate_end, rate = _simple_unit(tokens, rate_at, fillers=POWER_FILLERS)
    if rate is None or rate[0].startswith("temperature") or (rate_at == end + 1 and not _abbreviated(tokens[end])):
        return end, unit
    return rate_end, (f"{unit[0]}/{rate[0]}", unit[1] / rate[1])


def _abbreviated(token: Token) -> bool:
    """ "km" of "km/h" (the "/" is not a token): a unit written short, followed by another without "per"."""
    return len(token.lower) <= 2


def _simple_unit(
    tokens: tuple[Token, ...], position: int, fillers: frozenset[str] = UNIT_FILLERS
) -> tuple[int, tuple[str, float] | None]:
    """One unit word at ``position`` after fillers; "square" and "cubic" make a length an area or a volume."""
    end = position
    while end < len(tokens) and tokens[end].lower in fillers:
        end += 1
    power = POWERS.get(tokens[end - 1].lower, 1) if end > position else 1
    if end < len(tokens):
        word = tokens[end].lower
        found = None
        if end + 1 < len(tokens) and f"{word}-{tokens[end + 1].lower}" in UNITS:
            end, found = end + 1, UNITS[f"{word}-{tokens[end + 1].lower}"]
        elif word == "cent" and end > position and tokens[end - 1].lower == "per":
            found = UNITS["percent"]
        elif word in UNITS:
            found = UNITS[word]
        elif tokens[end].text.startswith("°"):
            found = UNITS.get(tokens[end].text.lower(), ("temperature-c", 1.0))
        if found is not None:
            kind, factor = found
            if power > 1 and kind == "length":
                return end, (f"length^{power}", factor**power)
            return end, found
    if end > position and tokens[end - 1].lower in {"degree", "degrees"}:
        return end - 1, ("angle", 1.0)
    return position, None


def _to_base(value: float, kind: str, factor: float) -> float:
    """Temperatures in Celsius (so that a relative tolerance means something), others in base units."""
    if kind == "temperature-k":
        return value - 273.15
    if kind == "temperature-f":
        return (value - 32) * 5 / 9
    return value * factor


def _base_kind(kind: str) -> str:
    return "temperature" if kind.startswith("temperature") else kind


def _nouns_after(tokens: tuple[Token, ...], position: int) -> frozenset[str]:
    nouns = [
        token.stem
        for token in tokens[position + 1 : position + 1 + COUNTED_NOUNS_LOOKAHEAD]
        if token.is_word and token.lower not in STOP_WORDS
    ]
    return frozenset(nouns)


def names(tokens: tuple[Token, ...], common_words: frozenset[str]) -> list[Name]:
    """Runs of capitalised words. A sentence's first word is a name only when it is not a stop word
    and ``common_words`` (the words the other text uses in lower case) does not have it."""
    found: list[Name] = []
    run: list[Token] = []
    for place, token in enumerate((*tokens, None)):
        if token is not None and _is_name_word(token, common_words, tokens[place - 1] if place else None):
            run.append(token)
            continue
        if not run:
            continue  # no name to join or end
        if token is not None and token.lower in {"of", "de", "da", "van", "von", "the"} and token.text.islower():
            run.append(token)
            continue
        while run and not run[-1].capitalized:
            run.pop()
        keys = frozenset(word.lower for word in run if word.lower not in GENERIC_NAME_WORDS)
        if not keys and len(run) > 1:  # "United States", "United Kingdom": told apart by the last word
            keys = frozenset({run[-1].lower})
        if run and keys:
            found.append(_name(run, keys))
        run = []
    return found


def _name(run: list[Token], keys: frozenset[str]) -> Name:
    last = run[-1].lower
    tail = last if last in keys else next(word.lower for word in reversed(run) if word.lower in keys)
    initials = "".join([word.lower[0] for word in run if word.capitalized])
    acronym = ""
    if run[0].text.isupper():  # a cheap test first: most names are not in capitals
        letters = "".join([word.text for word in run])
        if letters.isalpha() and letters.isupper() and MIN_ACRONYM <= len(letters) <= MAX_ACRONYM:
            acronym = letters.lower()
    return Name(keys, run[0].index, run[-1].index, tail, initials, acronym)


def _is_unit(token: Token, before: Token | None) -> bool:
    """Whether a unit's word stands as a unit: a lone letter only after a figure or "degrees" ("100 C"),
    so that "vitamin C", "hepatitis B" and "Model T" are names."""
    if len(token.text) > 1:
        return True
    return before is not None and (before.text[0].isdigit() or before.lower in DEGREE_WORDS)


def place_qualifiers(tokens: tuple[Token, ...], found: list[Name]) -> list[Name]:
    """Names that say where the name before them is ("Paris, France"): part of that place, not a
    slot of their own. A list ("Paris, Lyon and Marseille") qualifies nothing."""
    qualifying = []
    for before, name in itertools.pairwise(found):
        if name.first != before.last + 2 or tokens[before.last + 1].text != ",":
            continue
        following = [token.lower for token in tokens[name.last + 1 : name.last + 3]]
        if not following or (following[0] not in LIST_ENDS and following[:2] not in ([",", "and"], [",", "or"])):
            qualifying.append(name)
    return qualifying


def _is_name_word(token: Token, common_words: frozenset[str], before: Token | None) -> bool:
    if not token.is_word or not token.capitalized or token.lower in MONTHS:
        return False
    if token.lower in UNITS and _is_unit(token, before):
        return False
    if token.lower in NUMBER_WORDS or token.lower in ORDINALS or token.lower in NEGATORS:
        return False
    if before is not None and before.capitalized and (_roman(token.text) is not None or token.text == "I"):
        return False  # "World War II": an ordinal (see _regnal), no word of the name
    if token.initial:
        return token.lower not in STOP_WORDS and token.lower not in common_words
    return True


def negations(tokens: tuple[Token, ...], other_words: frozenset[str]) -> list[Token]:
    """The tokens that negate, as read against the other text's words (``other_words``).

    "not", "never", "n't", "unable" always negate. A word that negates by an affix ("useless",
    "unreactive", "nonconductive") does too, unless the other text says the same by degree
    ("react very little", "very low conductivity") without a negation of its own.
    """
    explicit = bool(other_words & NEGATORS)  # a contraction's stem is "not" (see text.tokenize)
    by_degree = bool(other_words & DIMINISHERS) and not explicit
    found = []
    for place, token in enumerate(tokens):
        if not token.is_word:
            continue
        always, affixal, rest = _negation_of(token.lower)
        if _too_little(tokens, place):  # "too little vitamin C": a lack of it, when the other text names it
            if not _lacks_another_thing(tokens, place, other_words):
                found.append(token)
            continue
        if not always and not affixal and rest is None and token.lower not in CONTRAST_NEGATORS:
            continue  # most words: nothing below can find them
        if _contrasts(tokens, place):
            if not _lacks_another_thing(tokens, place, other_words):
                found.append(token)
        elif always:
            if not _idiom_without_negation(tokens, place) and not _lacks_another_thing(tokens, place, other_words):
                found.append(token)
        elif not by_degree and (affixal or (rest is not None and _bare_only(token.lower, rest, other_words))):
            found.append(token)
    return found


def _bare_only(word: str, rest: str, other_words: frozenset[str]) -> bool:
    """Whether the other text has the bare word ("sight" for "sightless") and not the affixed one itself:
    "stainless steel" in both texts is no negation in either."""
    return word not in other_words and (rest in other_words or stem(rest) in other_words)


def _contrasts(tokens: tuple[Token, ...], place: int) -> bool:
    """ "rather than", "instead of": a negation of the thing after them."""
    follower = CONTRAST_NEGATORS.get(tokens[place].lower)
    return follower is not None and place + 1 < len(tokens) and tokens[place + 1].lower == follower


def _too_little(tokens: tuple[Token, ...], place: int) -> bool:
    """ "too little" or "too few": a lack in other words, as "a deficiency of" is."""
    return tokens[place].lower in SCARCITY_WORDS and place > 0 and tokens[place - 1].lower == "too"


def _lacks_another_thing(tokens: tuple[Token, ...], place: int, other_words: frozenset[str]) -> bool:
    """ "lack chlorophyll", "without wings", "rather than coal": a negation of a thing the other text
    never names says nothing of what it does name."""
    if tokens[place].lower not in OBJECT_NEGATORS and not _contrasts(tokens, place) and not _too_little(tokens, place):
        return False
    start = next((at for at in range(place + 1, len(tokens)) if tokens[at].is_content or not tokens[at].is_word), None)
    if start is None:
        return False
    thing = list(itertools.takewhile(lambda token: token.is_content, tokens[start:]))
    return bool(thing) and not any(token.lower in other_words or token.stem in other_words for token in thing)


def _idiom_without_negation(tokens: tuple[Token, ...], place: int) -> bool:
    """ "No X other than Y" and "no X except Y" say only Y does; "no X is longer than Y" says Y is the
    longest; "did not X until Y" says X at Y; "every X except Y was unable to" says only Y could; "not
    counting Y" and "not including Y" leave Y out of what is said."""
    word = tokens[place].lower
    ahead = [token.lower for token in tokens[place + 1 : place + 1 + IDIOM_REACH]]
    behind = [token.lower for token in tokens[max(0, place - IDIOM_REACH) : place]]
    if word == "no":
        return _only(ahead) or _no_one_more_than(ahead)
    if _only(behind) and any(quantifier in behind for quantifier in ALL_WORDS):
        return True
    if word == "not" and ahead[:1] in (["counting"], ["including"]):
        return True
    return word in {"not", "n't"} and "until" in ahead


def _only(words: list[str]) -> bool:
    """ "except Y", "other than Y": the words that single out the one thing a negation leaves out."""
    return "except" in words or ("other", "than") in itertools.pairwise(words)


def _no_one_more_than(ahead: list[str]) -> bool:
    """ "No country has a longer coastline than Canada": a comparison after the noun "no" governs
    ("no longer than" right after "no" is a bound, and stays a negation)."""
    if "than" not in ahead:
        return False
    return any(_comparative(word) for word in ahead[1 : ahead.index("than")])


def _comparative(word: str) -> bool:
    """ "longer", "more", "fewer": the word a comparison puts before "than"."""
    return word in COMPARATIVE_WORDS or (word.endswith("er") and len(word) > 4)


# Words asked of lately, with their answers (cleared when full, see text.remember): 16,384 words with
# their tuples (or stems), about 3 MiB each for _NEGATIONS and _BASE_STEMS; 4,096 words, under 1 MiB, for
# _NEGATIVES, asked of every word of the phrases compared.
NEGATIONS_KEPT: Final = 16384
NEGATIVES_KEPT: Final = 4096
BASE_STEMS_KEPT: Final = 16384
_NEGATIONS: Final[dict[str, tuple[bool, bool, str | None]]] = {}
_NEGATIVES: Final[dict[str, bool]] = {}
_BASE_STEMS: Final[dict[str, str]] = {}


def _negation_of(word: str) -> tuple[bool, bool, str | None]:
    """How ``word`` can negate: always ("not"), by an affix whatever the other text says
    ("useless"), or by a prefix when the other text has the rest (that rest, "visible" for "invisible")."""
    known = _NEGATIONS.get(word)
    if known is not None:
        return known
    return remember(_NEGATIONS, word, _negation_read(word), NEGATIONS_KEPT)


def _negation_read(word: str) -> tuple[bool, bool, str | None]:
    """``_negation_of`` worked out, not looked up."""
    if _always_negates(word):
        return True, False, None
    if _negative_affix(word, frozenset()):
        return False, True, None
    if word.endswith("ly"):
        return False, False, None
    if word.endswith("less") and len(word) - len("less") >= MIN_LESS_STEM:
        return False, False, word[: -len("less")]  # "sightless" against "sight"
    for prefix in NEGATIVE_PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and rest.endswith(ADJECTIVE_ENDINGS):
            return False, False, rest
    return False, False, None


def is_negative(word: str) -> bool:
    """Whether a word negates, alone or by an affix, whatever the other text says."""
    known = _NEGATIVES.get(word)
    if known is not None:
        return known
    return remember(_NEGATIVES, word, _always_negates(word) or _negative_affix(word, frozenset()), NEGATIVES_KEPT)


def base_stem(word: str) -> str:
    """The stem of a word with its negative affix taken off ("harmless" and "harmful" -> "harm");
    the word's own stem when it has none."""
    known = _BASE_STEMS.get(word)
    if known is not None:
        return known
    return remember(_BASE_STEMS, word, _base_stem_read(word), BASE_STEMS_KEPT)


def _base_stem_read(word: str) -> str:
    """``base_stem`` worked out, not looked up."""
    if word.endswith("less") and (word in NEGATIVE_LESS_WORDS or len(word) - len("less") >= MIN_LESS_STEM):
        return stem(word[: -len("less")])
    for prefix in NEGATIVE_PREFIXES:
        if word.startswith(prefix) and _negative_affix(word, frozenset()):
            return stem(word[len(prefix) :].lstrip("-"))
    return stem(word)


def _negated_ability(word: str) -> bool:
    """ "in-comprehens-ible", "il-leg-ible", "ir-revers-ible": an "-ible" or "-able" word after a
    negative prefix says "cannot be", whether or not the other text has the bare word."""
    return (
        word.startswith(ABILITY_NEGATORS)
        and not word.startswith(NOT_NEGATING_PREFIXES)
        and word.endswith(("ible", "able"))
        and len(word) >= MIN_NEGATED_ABILITY
        and word not in NOT_NEGATED_ABILITY
    )


def _always_negates(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't") or word in ALWAYS_NEGATIVE


def _negative_affix(word: str, other_words: frozenset[str]) -> bool:
    if word in NEGATIVE_LESS_WORDS or word in NEGATIVE_PREFIXED_WORDS:
        return True
    if word.endswith("ly"):
        return False  # "unusually short" is very short, not "not short"
    if word.startswith("un") and len(word) > 5 and not word.startswith(tuple(UN_WORDS)):
        return True
    if _negated_ability(word):
        return True
    for prefix in NEGATIVE_PREFIXES:
        rest = word[len(prefix) :]
        if (
            word.startswith(prefix)
            and rest.endswith(ADJECTIVE_ENDINGS)
            and (rest in other_words or stem(rest) in other_words)
        ):
            return True
    return False
