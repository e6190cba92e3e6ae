"""Planning model calls under a memory budget: every text in exactly one call, no call over the budget."""

from __future__ import annotations

import random

from model_proc.calls import CALL_COST, CallCost, plan_calls

COST = CallCost(base_mb=4.0, mb_per_kilotoken=10.0, mb_per_attention_mega=1000.0)


def test_short_texts_fill_calls_up_to_the_text_limit() -> None:
    calls = plan_calls([12] * 20, max_texts=8, budget_mb=100, cost=COST)
    assert [len(call) for call in calls] == [8, 8, 4]


def test_calls_take_texts_shortest_first() -> None:
    counts = [40, 10, 30, 20]
    calls = plan_calls(counts, max_texts=2, budget_mb=100, cost=COST)
    assert [[counts[index] for index in call] for call in calls] == [[10, 20], [30, 40]]


def test_long_texts_get_calls_of_their_own() -> None:
    calls = plan_calls([256, 256, 256, 16], max_texts=8, budget_mb=80, cost=COST)
    assert sorted(len(call) for call in calls) == [1, 1, 1, 1]


def test_random_batches_never_plan_a_call_over_the_budget() -> None:
    rng = random.Random(7)
    for _ in range(200):
        counts = [rng.randint(3, 256) for _ in range(rng.randint(1, 64))]
        calls = plan_calls(counts, max_texts=8, budget_mb=100, cost=CALL_COST)
        assert sorted(index for call in calls for index in call) == list(range(len(counts)))
        for call in calls:
            assert len(call) <= 8
            if len(call) > 1:
                assert CALL_COST.peak_mb(len(call), max(counts[index] for index in call)) <= 100
