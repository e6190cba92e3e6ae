import itertools

from service.claims import Claim, split_claims

CLAIM_CHARS = 254


def texts(text: str, max_chars: int = CLAIM_CHARS) -> list[str]:
    return [claim.text for claim in split_claims(text, max_chars)]


def test_sentences_become_claims_with_their_spans() -> None:
    text = "Water boils at 100 degrees Celsius at sea level. The Moon is about 384,400 km away! Paris is in France."
    assert list(split_claims(text, CLAIM_CHARS)) == [
        Claim("Water boils at 100 degrees Celsius at sea level.", 0, 48),
        Claim("The Moon is about 384,400 km away!", 49, 83),
        Claim("Paris is in France.", 84, 103),
    ]


def test_questions_fragments_and_symbols_are_not_claims() -> None:
    assert texts("Is the Earth flat? Yes. Indeed it is not.\n--- 42 ...") == ["Indeed it is not."]


def test_decimals_abbreviations_and_bullets_stay_whole() -> None:
    text = "- The marathon is 42.195 km long.\n2) Light travels at about 3.0e8 m/s in a vacuum."
    claims = list(split_claims(text, CLAIM_CHARS))
    assert [claim.text for claim in claims] == [
        "The marathon is 42.195 km long.",
        "Light travels at about 3.0e8 m/s in a vacuum.",
    ]
    assert [text[claim.start : claim.end] for claim in claims] == [claim.text for claim in claims]


def test_titles_initials_and_numbers_after_no_do_not_end_a_sentence() -> None:
    text = (
        "George W. Bush was president. J. K. Rowling wrote the books. Dr. Jenner made a vaccine. "
        "Locomotion No. 1 hauled the first train. Scurvy comes from a lack of vitamin C. It was cured."
    )
    assert texts(text) == [
        "George W. Bush was president.",
        "J. K. Rowling wrote the books.",
        "Dr. Jenner made a vaccine.",
        "Locomotion No. 1 hauled the first train.",
        "Scurvy comes from a lack of vitamin C.",
        "It was cured.",
    ]


def test_a_sentence_may_start_with_any_capital_a_digit_or_an_emoji() -> None:
    text = "Water boils at sea level. 🌍 The Great Wall is long. Émile Zola wrote novels. Ödön was a writer."
    assert texts(text) == [
        "Water boils at sea level.",
        "🌍 The Great Wall is long.",
        "Émile Zola wrote novels.",
        "Ödön was a writer.",
    ]


def test_whitespace_is_normalised_and_the_span_covers_the_original() -> None:
    text = "  The   sky\tis blue  "
    [claim] = split_claims(text, CLAIM_CHARS)
    assert claim.text == "The sky is blue"
    assert text[claim.start : claim.end] == "The   sky\tis blue"


def test_an_unpunctuated_text_is_cut_into_pieces_that_cover_all_of_it() -> None:
    words = "the committee reviewed every clause of the agreement before it voted on the budget"
    text = " ".join(words.split()[i % 14] for i in range(2000))
    claims = list(split_claims(text, CLAIM_CHARS))
    assert all(len(claim.text) <= CLAIM_CHARS for claim in claims)
    assert all(len(claim.text) > CLAIM_CHARS // 2 for claim in claims)  # near-even pieces, no stubs
    assert claims[0].start == 0 and claims[-1].end == len(text)
    for before, after in itertools.pairwise(claims):
        assert text[before.end : after.start] == " "  # each gap is the one space it was cut at
    assert " ".join(claim.text for claim in claims) == text


def test_long_sentences_are_cut_at_clause_boundaries_first() -> None:
    sentence = (
        "In 1990 the city council approved a new bridge over the river; the works began the next spring, "
        "and the bridge opened to traffic in the autumn of 1993 after many delays."
    )
    assert texts(sentence, max_chars=120) == [
        "In 1990 the city council approved a new bridge over the river;",
        "the works began the next spring, and the bridge opened to traffic in the autumn of 1993 after many delays.",
    ]


def test_a_word_longer_than_a_piece_is_cut_and_the_words_after_it_are_kept() -> None:
    text = "x" * 600 + " is a very long token indeed"
    claims = list(split_claims(text, CLAIM_CHARS))
    assert claims[-1].text.endswith("is a very long token indeed")
    assert all(len(claim.text) <= CLAIM_CHARS for claim in claims)
