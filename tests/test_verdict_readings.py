"""The cache of passage readings: what it keeps, what it drops first, and the memory it may hold."""

from __future__ import annotations

import gc
import tracemalloc

from service.verdict.compare import PASSAGE_CHARS_KEPT, PASSAGE_MIN_CHARS, analyse
from service.verdict.readings import ReadingCache

BOUND_MIB = 25  # what the README promises the readings take at most


def counting_cache(budget_chars: int, min_chars: int = 1) -> tuple[ReadingCache[str], list[str]]:
    reads: list[str] = []

    def read(text: str) -> str:
        reads.append(text)
        return text.upper()

    return ReadingCache(read, budget_chars, min_chars), reads


def test_a_passage_is_read_once_while_it_fits() -> None:
    cache, reads = counting_cache(budget_chars=10)
    assert [cache("abc"), cache("defg"), cache("abc"), cache("defg")] == ["ABC", "DEFG", "ABC", "DEFG"]
    assert reads == ["abc", "defg"]


def test_the_least_recently_used_goes_first_past_the_budget() -> None:
    cache, reads = counting_cache(budget_chars=10)
    cache("aaaa")
    cache("bbbb")
    cache("aaaa")  # now the more recent of the two
    cache("cccc")  # 12 characters: "bbbb" goes
    cache("aaaa")
    cache("bbbb")
    assert reads == ["aaaa", "bbbb", "cccc", "bbbb"]


def test_a_short_text_counts_as_the_minimum() -> None:
    cache, reads = counting_cache(budget_chars=10, min_chars=5)
    cache("a")
    cache("b")
    cache("c")  # three times 5 > 10: "a" goes
    cache("b")
    cache("a")
    assert reads == ["a", "b", "c", "a"]


def test_cleared_it_reads_again() -> None:
    cache, reads = counting_cache(budget_chars=10)
    cache("abc")
    cache.cache_clear()
    cache("abc")
    assert reads == ["abc", "abc"]


def test_the_service_budget_holds_within_the_bound_for_short_and_long_passages() -> None:
    """Full of the passages a reading costs most per counted character (the shortest counted at the
    minimum), or of the longest the store keeps, the cache stays under the README's bound."""
    sentence = "The Danube flows through 10 countries, more than any other river in the world, and "
    shortest = [f"Rome {i} is old." for i in range(PASSAGE_CHARS_KEPT // PASSAGE_MIN_CHARS)]
    at_minimum = [f"{i:05d} {sentence}"[:PASSAGE_MIN_CHARS] for i in range(PASSAGE_CHARS_KEPT // PASSAGE_MIN_CHARS)]
    longest = [f"{i:05d} {sentence * 30}"[:2000] for i in range(PASSAGE_CHARS_KEPT // 2000)]
    for passages in (shortest, at_minimum, longest):
        cache = ReadingCache(analyse, PASSAGE_CHARS_KEPT, PASSAGE_MIN_CHARS)
        gc.collect()
        tracemalloc.start()
        try:
            for text in passages:
                cache(text)
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert held < BOUND_MIB * 2**20, f"{held / 2**20:.1f} MiB for {len(passages)} passages"
