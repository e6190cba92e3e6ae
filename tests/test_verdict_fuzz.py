"""The verdict rule answers whatever text it is given: random claims and passages made of the words its
rules react to (figures, ranges, scales, ordinals, units, dates, negations, conjunctions, names, formulas,
punctuation) never make it raise. A raise there is a 500 for every claim the passage is evidence for."""

from __future__ import annotations

import random

import pytest

from service.verdict import NOT_ENOUGH_EVIDENCE, REFUTED, SUPPORTED, Passage, claim_key, forget_readings, judge

# Space-separated words and marks the rule reads (\u2212 is the minus sign people paste: "\u22125 °C").
VOCABULARY = (
    "0 1 2 3 7 10 12 88 100 120 1000 1,000 1999 2024 3.5 -18 \u22125 22 23 1st 2nd 3rd 14th 31st 0th 99th "
    "one two three twelve twenty hundred thousand million billion trillion dozen half twice a an the "
    "to and or but between from of in on at by for with than more less fewer least most up about "
    "nearly over under around only not no never none nothing cannot isn't doesn't unknown unable useless "
    "largest smallest first last tallest longest earliest later earlier before after "
    "percent % km kilometres metres miles kg pounds °C °F degrees hours days years months minutes seconds "
    "per every January May December Monday Paris France Eiffel Tower Everest Apollo NASA U.S. Dr. No. "
    "J. World War Two CO2 H2O NaCl while whereas because although which who that is was are has had "
    "world's body's its it's , ; : . ( ) - ' \" ? !"
)
WORDS = VOCABULARY.split()
CASES = 750


def soup(rng: random.Random, most: int, limit: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, most)))[:limit]


@pytest.mark.parametrize("seed", range(4))
def test_random_claims_and_passages_always_get_a_verdict(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(CASES):
        claim = soup(rng, 40, 254)  # the longest claim /verify cuts
        passages = [Passage(f"p{i}", soup(rng, 120, 2000), rng.uniform(0.4, 1.0)) for i in range(rng.randint(1, 5))]
        if rng.random() < 0.3:
            forget_readings()
        assert isinstance(claim_key(claim), str)
        assert judge(claim, passages, 0.5).verdict in {SUPPORTED, REFUTED, NOT_ENOUGH_EVIDENCE}, (claim, passages)


@pytest.mark.parametrize(
    "text",
    ["7" * 400, "1 " + "billion " * 400, "1" * 1990 + "th", ",".join(["999"] * 600)],
    ids=["400 digits", "billion 400 times", "ordinal of 1990 digits", "digits and commas"],
)
def test_figures_too_large_for_a_float_are_no_figures(text: str) -> None:
    passage = Passage("log", f"Transaction {text} settled in 2024.", 0.9)
    assert judge("The transaction settled in 2024.", [passage], 0.5).verdict == SUPPORTED
    assert isinstance(claim_key(f"It cost {text[:240]}."), str)
