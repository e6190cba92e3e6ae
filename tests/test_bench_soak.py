"""The soak's growth figure in `make bench`'s report: measured past its warm-up, on a soak of any length."""

from __future__ import annotations

import math

import pytest

from bench.run_all import growth_per_1000, soak_warm_up


def samples(requests: int, mb_per_request: float) -> list[tuple[int, float, float]]:
    """RSS sampled every 100 requests as the soak takes them: web grows linearly, the model child is flat,
    and the first sample is inflated as a warm-up's is."""
    points = [(n, 60.0 + mb_per_request * n, 177.0) for n in range(100, requests + 1, 100)]
    points[0] = (100, 90.0, 177.0)
    return points


@pytest.mark.parametrize("requests", [1_000, 2_000, 10_000])
def test_growth_is_the_slope_past_the_warm_up(requests: int) -> None:
    growth = growth_per_1000(samples(requests, 0.002), soak_warm_up(requests))
    assert math.isclose(growth, 2.0, rel_tol=1e-9)


def test_warm_up_is_a_tenth_of_a_short_soak_and_1000_of_a_long_one() -> None:
    assert soak_warm_up(1_000) == 100
    assert soak_warm_up(10_000) == 1_000
    assert soak_warm_up(50_000) == 1_000


def test_too_few_samples_give_no_figure() -> None:
    assert math.isnan(growth_per_1000(samples(100, 0.002), soak_warm_up(100)))
