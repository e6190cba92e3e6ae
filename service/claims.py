"""Split raw text into claims: declarative sentences long enough to check, each no longer than the model reads.

Questions, fragments under ``MIN_WORDS`` words and lines without letters are not
claims. A sentence ends at ``.``, ``!`` or ``?`` followed by white space and anything
but a lower-case letter (a capital in any script, a digit, an emoji), which keeps
"3.5 km" and "e.g. this" in one piece.

Text pasted from a PDF, a transcript, a list or a log often has no sentence
punctuation at all: one "sentence" of thousands of words. A sentence longer than
``max_chars`` is cut into pieces of at most ``max_chars`` characters, at the
strongest clause boundary near an even split (``;`` or ``:``, then ``,`` or a dash,
then a space), so every part of the text is checked and no piece is a stub.
Each claim keeps the span of the input it came from, so a client can highlight it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

MIN_WORDS = 3
# The gap after a sentence's end; group 1 is the next sentence's first character (past an opening quote).
SENTENCE_GAP = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?(\S))")
# Titles written with a period before a name: "Dr. Jenner" does not end a sentence.
TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Mt", "Gen", "Col", "Capt", "Lt", "Sgt", "Rev"})
BULLET = re.compile(r"\s*(?:[-*•]|\d+[.)])\s+")
LINE = re.compile(r"[^\r\n]+")
WHITESPACE = re.compile(r"\s+")
# Places a long sentence may be cut, strongest first; each pattern matches the gap the cut falls in.
CLAUSE_BREAKS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+|\s+[-\u2013\u2014]+\s+"), re.compile(r"\s+"))


@dataclass(frozen=True)
class Claim:
    """A claim's text (white space folded) and the span ``[start, end)`` of the raw text it came from."""

    text: str
    start: int
    end: int


def split_claims(text: str, max_chars: int) -> Iterator[Claim]:
    """The claims of ``text`` in order; a caller that needs only the first N stops the scan there."""
    for line in LINE.finditer(text):
        bullet = BULLET.match(line.group())
        line_start = line.start() + (bullet.end() if bullet else 0)
        body = text[line_start : line.end()]
        sentence_start = 0
        for boundary in [*sentence_gaps(body), None]:
            sentence_end = boundary.start() if boundary else len(body)
            for start, end in pieces(body, sentence_start, sentence_end, max_chars):
                claim = WHITESPACE.sub(" ", body[start:end])
                if is_claim(claim):
                    yield Claim(claim, line_start + start, line_start + end)
            sentence_start = boundary.end() if boundary else len(body)


def sentence_gaps(body: str) -> Iterator[re.Match[str]]:
    """The gaps between sentences: punctuation and space before anything but a lower-case letter, unless the
    period ends a title ("Dr. Jenner"), a number's "No." ("Locomotion No. 1") or a name's initial ("George W.
    Bush", "J. K. Rowling")."""
    return (gap for gap in SENTENCE_GAP.finditer(body) if not gap.group(1).islower() and not _abbreviated(body, gap))


def _abbreviated(body: str, gap: re.Match[str]) -> bool:
    """Whether the period before ``gap`` ends a title, "No." before a figure or an initial. It reads back from
    the period only as far as the word before it (and, for an initial, the one before that): a search from the
    start of the text made every sentence gap of a long paste cost a scan of all the text before it."""
    period = gap.start() - 1
    if body[period] != ".":
        return False
    start = period
    while start > 0 and (body[start - 1].isalnum() or body[start - 1] == "_"):
        start -= 1
    word = body[start:period]
    if word == "No":
        return gap.group(1).isdigit()
    if word in TITLES:
        return True
    if len(word) != 1 or not word.isupper():
        return False
    # A lone capital after a capitalised word or another initial, or opening a sentence: an initial.
    previous = _word_before(body, start)
    return previous is None or previous.endswith((".", "!", "?")) or previous[0].isupper()


def _word_before(body: str, start: int) -> str | None:
    """The run of non-space characters that white space separates from the word at ``start``, if any."""
    if start == 0 or not body[start - 1].isspace():
        return None
    end = start
    while end > 0 and body[end - 1].isspace():
        end -= 1
    begin = end
    while begin > 0 and not body[begin - 1].isspace():
        begin -= 1
    return body[begin:end] or None


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences at its sentence gaps (the gaps left out); the last part may be unfinished."""
    parts, start = [], 0
    for gap in sentence_gaps(text):
        parts.append(text[start : gap.start()])
        start = gap.end()
    parts.append(text[start:])
    return parts


def pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Spans of ``text[start:end]`` with the white space at their ends left out, each at most ``max_chars`` long.

    A span too long is cut into ``ceil(length / max_chars)`` near-even pieces, each cut
    at the strongest break close to where an even split would fall.
    """
    start, end = strip_span(text, start, end)
    while end - start > max_chars:
        target = math.ceil((end - start) / math.ceil((end - start) / max_chars))
        cut_start, cut_end = best_break(text, start, start + max_chars + 1, target)
        yield strip_span(text, start, cut_start)
        start, end = strip_span(text, cut_end, end)
    if end > start:
        yield start, end


def best_break(text: str, start: int, limit: int, target: int) -> tuple[int, int]:
    """The gap ``(begin, end)`` in ``text[start:limit]`` to cut at: the strongest kind of break past a third
    of ``target`` (so no piece is a stub), the one closest to ``start + target``; a hard cut if there is none."""
    earliest = start + max(1, target // 3)
    for pattern in CLAUSE_BREAKS:
        gaps = [gap for gap in pattern.finditer(text, earliest, limit) if gap.start() > start]
        if gaps:
            gap = min(gaps, key=lambda found: abs(found.start() - (start + target)))
            return gap.start(), gap.end()
    cut = start + target
    return cut, cut


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_claim(sentence: str) -> bool:
    return (
        not sentence.endswith("?") and len(sentence.split()) >= MIN_WORDS and any(char.isalpha() for char in sentence)
    )
