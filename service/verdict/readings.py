"""Readings of passages kept for the next claims, bounded by the characters read, not by their count.

A reading's memory grows with its passage's length (about 150 bytes a character, a few KiB at the least),
so a cap on the number of readings had to be set for the longest passage the store keeps: 128 of them,
fewer than the built-in knowledge base's 320 short ones, and claims whose evidence was spread over it
read the same passages again and again. A cap on characters bounds the memory the same way for long
passages and keeps many more short ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Reading = TypeVar("Reading")


class ReadingCache(Generic[Reading]):
    """``read(text)``, remembered for the texts read lately (least recently used first out) up to
    ``budget_chars`` characters, each text counted as at least ``min_chars``. Safe to call from several
    threads (the pipeline judges in worker threads)."""

    def __init__(self, read: Callable[[str], Reading], budget_chars: int, min_chars: int) -> None:
        self._read = read
        self._budget_chars = budget_chars
        self._min_chars = min_chars
        self._kept: OrderedDict[str, Reading] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __call__(self, text: str) -> Reading:
        with self._lock:
            if text in self._kept:
                self._kept.move_to_end(text)
                return self._kept[text]
        reading = self._read(text)  # outside the lock: other threads' hits need not wait for it
        with self._lock:
            if text not in self._kept:
                self._kept[text] = reading
                self._chars += self._charge(text)
                while self._chars > self._budget_chars:
                    oldest, _ = self._kept.popitem(last=False)
                    self._chars -= self._charge(oldest)
        return reading

    def cache_clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._chars = 0

    def _charge(self, text: str) -> int:
        return max(len(text), self._min_chars)
