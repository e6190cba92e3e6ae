from service.verdict import NOT_ENOUGH_EVIDENCE, REFUTED, SUPPORTED, decide, is_negated, numbers_conflict

PASSAGE = "Water boils at 100 degrees Celsius at sea level."


def test_close_agreeing_passage_supports() -> None:
    assert decide("Water boils at 100 degrees Celsius at sea level.", PASSAGE, 0.95, 0.6) == SUPPORTED


def test_far_passage_is_not_enough_evidence() -> None:
    assert decide("Cats purr when content.", PASSAGE, 0.2, 0.6) == NOT_ENOUGH_EVIDENCE
    assert decide("Cats purr when content.", None, 0.0, 0.6) == NOT_ENOUGH_EVIDENCE


def test_negation_mismatch_refutes() -> None:
    assert decide("Water does not boil at 100 degrees Celsius at sea level.", PASSAGE, 0.9, 0.6) == REFUTED
    assert is_negated("It isn't so.") and not is_negated("It is so.")
    assert not is_negated("It is not untrue that it is not so.".replace("untrue", "true"))  # two negations cancel


def test_wrong_number_refutes() -> None:
    assert decide("Water boils at 90 degrees Celsius at sea level.", PASSAGE, 0.9, 0.6) == REFUTED
    assert not numbers_conflict("Everest is 8849 metres tall.", "Everest is 8,849 metres tall.")
    assert not numbers_conflict("Everest is very tall.", "Everest is 8,849 metres tall.")
