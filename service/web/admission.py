"""Body admission: how many bytes of request bodies the web process holds at once, decided before reading.

Without it every connection could make the web process read up to ``MAX_BODY_BYTES`` into memory
(300 stalled uploads of 1 MiB OOM-killed it under 512 MiB). A request with a body reserves its
declared ``Content-Length`` (``MAX_BODY_BYTES`` when chunked, since its size is unknown) when its
headers arrive; a reservation that would take the total over ``MAX_BODY_BYTES_IN_FLIGHT`` is refused
at once, and the reservation is held until the handler has finished with the body and answered.
Everything runs on the event loop thread, so a plain integer is enough: no lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from service.errors import BodyTooLarge, Busy


class BodyAdmission:
    """The running total of admitted request-body bytes, bounded by ``max_in_flight_bytes``."""

    def __init__(self, max_body_bytes: int, max_in_flight_bytes: int) -> None:
        if max_in_flight_bytes < max_body_bytes:
            # Otherwise a body of the largest allowed size could never be admitted.
            raise ValueError(
                f"MAX_BODY_BYTES_IN_FLIGHT ({max_in_flight_bytes}) must be at least MAX_BODY_BYTES ({max_body_bytes})"
            )
        self.max_body_bytes = max_body_bytes
        self.max_in_flight_bytes = max_in_flight_bytes
        self.in_flight_bytes = 0

    def size_to_reserve(self, content_length: int | None, has_body: bool) -> int:
        """What a request may bring: its declared length, ``max_body_bytes`` when chunked, 0 without a body."""
        if content_length is None:
            return self.max_body_bytes if has_body else 0
        if content_length > self.max_body_bytes:
            raise BodyTooLarge(f"the body declares {content_length} bytes; at most {self.max_body_bytes} are accepted")
        return content_length

    @contextmanager
    def reserve(self, size: int) -> Iterator[None]:
        """Hold ``size`` bytes of the bound for the duration of the block, or raise Busy when they do not fit."""
        if size and self.in_flight_bytes + size > self.max_in_flight_bytes:
            raise Busy(
                f"{self.in_flight_bytes} bytes of request bodies are already in flight; "
                f"{size} more would pass the bound of {self.max_in_flight_bytes}"
            )
        self.in_flight_bytes += size
        try:
            yield
        finally:
            self.in_flight_bytes -= size
