"""Words with their place in the text, and the clauses of a passage a claim is compared with.

Every token keeps its character offsets, so a conflict can point at the exact span of the claim
and of the passage. Stems come from the Snowball English stemmer (PyStemmer: Snowball's C code, no data
files), so "strings" meets "string" and "boils" meets "boiling".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, TypeVar, final

import Stemmer

from service.verdict.lexicon import ALIASES, FORMULAS, IRREGULAR_FORMS, STOP_WORDS, VERB_MARKERS

# An ordinal written in digits ("14th") is one token, so that it reads as a day or a rank.
# A minus sign right before a figure ("-18 °C") is a token of its own, read as "minus"; a chemical formula
# ("CO2") is one, read as the words of its name (see ``_formula``).
TOKEN: Final = re.compile(
    r"\b(?:" + "|".join(FORMULAS) + r")\b"
    r"|(?<![\w.,])[-\u2212](?=\d)"
    r"|\d+(?:st|nd|rd|th)\b|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)*|%|°[CFcf]?|[;:,()]|[.!?](?=\s|$)"
)
# Where a passage's clauses end: a new clause states its own fact.
CLAUSE_BREAKS: Final = frozenset({";", ":", ".", "!", "?"})
CLAUSE_STARTERS: Final = frozenset({"while", "whereas", "but", "although", "though"})
# Those that start a clause even without a comma before ("Stalactites hang ... while stalagmites rise").
UNCOMMA_STARTERS: Final = frozenset({"but", "while", "whereas"})
# First words of a parenthetical between commas that describes what stands before it
# ("Canberra, a purpose-built city ..., is the capital").
APPOSITION_STARTERS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "once",
        "now",
        "formerly",
        "originally",
        "which",
        "who",
        "whose",
        "where",
        "popularly",
        "also",
        "then",
        "named",
        "called",
        "known",
    ]
)

LIST_JOINS: Final = frozenset({"and", "or", "but"})

_STEMMER: Final = Stemmer.Stemmer("english")


class Record:
    """A compiled value: equal, hashed and shown by its ``_fields()``, as the frozen dataclasses these replaced
    were. A subclass lists its fields once, in ``_fields``, and keeps them ``Final``."""

    __slots__ = ()

    def _fields(self) -> tuple[object, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._fields()!r}"


@final
class Token(Record):
    """One word, number or mark with its offsets. A plain class with its own constructor, not a frozen
    dataclass: mypyc compiles this ``__init__``, where the dataclass's set each field through
    ``object.__setattr__``. ``Final`` keeps it immutable (mypy checks it; compiled, assigning raises), and
    equality and hashing are by value (``Record``)."""

    __slots__ = ("capitalized", "end", "index", "initial", "is_content", "is_word", "lower", "start", "stem", "text")

    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        index: int,
        lower: str,
        stem: str,
        capitalized: bool,
        initial: bool,
        is_word: bool,
        is_content: bool,
    ) -> None:
        self.text: Final = text
        self.start: Final = start
        self.end: Final = end
        self.index: Final = index
        self.lower: Final = lower  # possessive dropped, aliases folded
        self.stem: Final = stem
        self.capitalized: Final = capitalized
        self.initial: Final = initial  # first word of its sentence: capitalised by grammar, not because it is a name
        self.is_word: Final = is_word  # letters, not a number or punctuation
        self.is_content: Final = is_content  # a word that is not a stop word

    def _fields(self) -> tuple[str, int, int, int, str, str, bool, bool, bool, bool]:
        return (
            self.text,
            self.start,
            self.end,
            self.index,
            self.lower,
            self.stem,
            self.capitalized,
            self.initial,
            self.is_word,
            self.is_content,
        )

    def read_as(self, word: str, is_content: bool) -> Token:
        """The same span read as another word, its form and stem both ``word``."""
        return Token(
            self.text,
            self.start,
            self.end,
            self.index,
            word,
            word,
            self.capitalized,
            self.initial,
            self.is_word,
            is_content,
        )


_Answer = TypeVar("_Answer")


def remember(cache: dict[str, _Answer], word: str, answer: _Answer, bound: int) -> _Answer:
    """``answer`` kept for ``word``, the cache emptied first when it holds ``bound`` words: a plain dict
    that compiled code reads directly (an ``lru_cache`` wrapper is a Python call), its memory bounded."""
    if len(cache) >= bound:
        cache.clear()
    cache[word] = answer
    return answer


# Stems of the words read lately: 8,192 words with their stems, under 1.5 MiB.
STEMS_KEPT: Final = 8192
_STEMS: Final[dict[str, str]] = {}


def stem(word: str) -> str:
    """The Snowball stem, of the verb for an irregular form ("won" -> "win")."""
    known = _STEMS.get(word)
    if known is not None:
        return known
    result: str = _STEMMER.stemWord(IRREGULAR_FORMS.get(word, word))
    return remember(_STEMS, word, result, STEMS_KEPT)


def fold(word: str) -> str:
    """Lower case, without a possessive ending, with aliases folded ("USSR" -> "soviet")."""
    lower = word.lower().replace("\u2019", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    return ALIASES.get(lower, lower)


def tokenize(text: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    initial = True
    for match in TOKEN.finditer(text):
        word = match.group()
        if word in FORMULAS:
            tokens += _formula(word, match.start(), match.end(), len(tokens), initial)
            initial = False
            continue
        lower = fold(word)
        tokens.append(
            Token(
                word,
                match.start(),
                match.end(),
                len(tokens),
                lower,
                "not" if lower.endswith("n't") else stem(lower),  # a contraction's stem is its negation
                word[0].isupper(),
                initial and word[0].isalpha(),
                word[0].isalpha(),
                word[0].isalpha() and lower not in STOP_WORDS,
            )
        )
        if word[0].isalnum():
            initial = False
        elif word in CLAUSE_BREAKS:
            initial = True
    return tuple(_calendar_days(tokens))


def _formula(word: str, start: int, end: int, index: int, initial: bool) -> list[Token]:
    """A chemical formula as the words of the substance's name, each spanning the formula: common nouns,
    not a name."""
    return [
        Token(word, start, end, index + place, name, stem(name), False, initial and place == 0, True, True)
        for place, name in enumerate(FORMULAS[word])
    ]


# A year's first and last days said in words, as their day and month: "the first day of 1995" is
# "1 January 1995", "the last day of the year 1999" is "31 December 1999".
YEAR_ENDS: Final = {"first": ("first", "january"), "last": ("31st", "december")}
YEAR_FILLERS: Final = ("the", "year")


def _calendar_days(tokens: list[Token]) -> list[Token]:
    """The tokens with a year's first or last day folded to its day and month: the ordinal's form
    becomes the day ("31st" for "last"), and "day" the month, their text and offsets unchanged."""
    for place in range(len(tokens) - 3):
        end, day, of = tokens[place], tokens[place + 1], tokens[place + 2]
        if end.lower not in YEAR_ENDS or day.lower != "day" or of.lower != "of":
            continue
        after = place + 3
        while after < len(tokens) - 1 and tokens[after].lower in YEAR_FILLERS:
            after += 1
        if not re.fullmatch(r"\d{4}", tokens[after].text):
            continue
        ordinal, month = YEAR_ENDS[end.lower]
        tokens[place] = end.read_as(ordinal, end.is_content)
        tokens[place + 1] = day.read_as(month, True)
    return tokens


def has_verb(tokens: Sequence[Token]) -> bool:
    return any(
        token.lower in VERB_MARKERS or (token.lower.endswith("ed") and len(token.lower) >= 4) for token in tokens
    )


def clauses(tokens: tuple[Token, ...]) -> list[tuple[Token, ...]]:
    """The views of a passage a claim is compared with: each clause with its parentheticals cut
    out, and each parenthetical with the words it describes.

    A fact stated in a clause is compared with the claim apart from the background the passage
    gives around it; "Canberra, a city chosen between rivals Sydney and Melbourne, is the capital"
    yields "Canberra is the capital" and "Canberra a city chosen between rivals Sydney and Melbourne".
    """
    views: list[tuple[Token, ...]] = []
    for clause in _split_clauses(tokens):
        core: list[Token] = []
        position = 0
        while position < len(clause):
            token = clause[position]
            closing = _apposition_end(clause, position)
            if closing is None:
                core.append(token)
                position += 1
                continue
            views.append(tuple(core) + clause[position + 1 : closing])
            position = closing + 1
        views.append(tuple(core))
    return [view for view in views if any(token.is_word for token in view)]


def _split_clauses(tokens: tuple[Token, ...]) -> list[tuple[Token, ...]]:
    parts: list[tuple[Token, ...]] = []
    start = 0
    for position, token in enumerate(tokens):
        after_comma = position > 0 and tokens[position - 1].text == ","
        # ", and" starts a clause when a verb follows before the next comma ("..., and the Moscow Metro opened").
        new_statement = token.lower == "and" and after_comma and has_verb(_up_to_comma(tokens, position + 1))
        if (
            token.text in CLAUSE_BREAKS
            or new_statement
            or (token.lower in CLAUSE_STARTERS and (after_comma or token.lower in UNCOMMA_STARTERS))
        ):
            parts.append(tokens[start:position])
            start = position + 1
    parts.append(tokens[start:])
    return [part for part in parts if part]


def _up_to_comma(tokens: tuple[Token, ...], start: int) -> tuple[Token, ...]:
    end = next((place for place in range(start, len(tokens)) if tokens[place].text in {",", ";", "."}), len(tokens))
    return tokens[start:end]


def _apposition_end(clause: tuple[Token, ...], position: int) -> int | None:
    """Where the parenthetical opened by the comma at ``position`` closes, if it is one."""
    if clause[position].text != "," or position == 0 or position + 1 >= len(clause):
        return None
    if clause[position + 1].lower not in APPOSITION_STARTERS and not clause[position + 1].text.endswith("ed"):
        return None
    for closing in range(position + 2, len(clause)):
        if clause[closing].text == ",":
            # ", ... fields 11 players, and a match lasts ...": a clause in a list of clauses, no parenthetical.
            following = clause[closing + 1].lower if closing + 1 < len(clause) else ""
            return None if following in LIST_JOINS else closing
    return None
