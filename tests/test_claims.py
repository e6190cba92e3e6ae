from service.claims import split_claims


def test_sentences_become_claims() -> None:
    text = "Water boils at 100 degrees Celsius at sea level. The Moon is about 384,400 km away! Paris is in France."
    assert split_claims(text) == [
        "Water boils at 100 degrees Celsius at sea level.",
        "The Moon is about 384,400 km away!",
        "Paris is in France.",
    ]


def test_questions_fragments_and_symbols_are_not_claims() -> None:
    assert split_claims("Is the Earth flat? Yes. Indeed it is not.\n--- 42 ...") == ["Indeed it is not."]


def test_decimals_abbreviations_and_bullets_stay_whole() -> None:
    text = "- The marathon is 42.195 km long.\n2) Light travels at about 3.0e8 m/s in a vacuum."
    assert split_claims(text) == [
        "The marathon is 42.195 km long.",
        "Light travels at about 3.0e8 m/s in a vacuum.",
    ]


def test_whitespace_is_normalised() -> None:
    assert split_claims("  The   sky\tis blue  ") == ["The sky is blue"]
