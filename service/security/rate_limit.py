"""Requests per client per minute: a token bucket each, in a table of bounded size.

A bucket holds up to RATE_LIMIT_PER_MIN tokens (so a client may send that many at once, then one every
60 / RATE_LIMIT_PER_MIN seconds) and each request takes one. The table keeps RATE_LIMIT_CLIENTS buckets
and forgets the least recently seen client first, so a flood of addresses cannot grow memory (about 200
bytes a client); a forgotten client comes back with a full bucket.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from service.errors import RateLimited

# Render's health check and the metrics scraper poll these from one address; they are cheap and read-only.
UNLIMITED_ROUTES = frozenset({"/health", "/metrics"})


class RateLimiter:
    """One token bucket per client identity; ``per_minute`` 0 turns the limit off."""

    def __init__(self, per_minute: int, max_clients: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._clock = clock
        # client -> (tokens left, when they were counted), least recently seen first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str) -> None:
        """Spend one of ``client``'s tokens, or raise ``RateLimited`` with the seconds until the next one."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        tokens, counted = self._buckets.pop(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - counted) * self.per_minute / 60)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            next_token_s = math.ceil((1 - tokens) * 60 / self.per_minute)
            raise RateLimited(f"over {self.per_minute} requests a minute", retry_after_s=next_token_s)
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
