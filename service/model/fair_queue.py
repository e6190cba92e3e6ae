"""The model's waiting line, shared fairly: clients are served in turn, not in order of arrival.

One client's pile of long texts would otherwise hold every other client's one short claim behind
it. Each client has its own first-in-first-out line; a batch takes one job from each client in
turn (round robin over clients, a job being at most one batch of texts), starting after the
client the last batch started with. When the line is full, new requests of the clients holding
the most waiting texts are refused: a client below its fair share (the waiting texts divided among
the clients waiting) is still admitted, up to twice the limit, so the line stays bounded.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar


class Queued(Protocol):
    texts: list[str]
    client: str

    def done(self) -> bool: ...


JobT = TypeVar("JobT", bound=Queued)


class FairQueue(Generic[JobT]):
    def __init__(self) -> None:
        self._lines: OrderedDict[str, deque[JobT]] = OrderedDict()  # in turn order: the next client first
        self._texts_by_client: dict[str, int] = {}
        self.texts = 0

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def __iter__(self) -> Iterator[JobT]:
        for line in self._lines.values():
            yield from line

    def admits(self, client: str, limit: int) -> bool:
        """Whether a new request of ``client``'s may join (whole, however long) a line bounded by ``limit``."""
        if self.texts < limit:
            return True
        if self.texts >= 2 * limit or not self._texts_by_client:
            return False
        return self._texts_by_client.get(client, 0) < self.texts / len(self._texts_by_client)

    def push(self, job: JobT, front: bool = False) -> None:
        """Add a job at the end of its client's line (``front``: at its start, and its client's turn next)."""
        line = self._lines.get(job.client)
        if line is None:
            line = self._lines[job.client] = deque()
        if front:
            line.appendleft(job)
            self._lines.move_to_end(job.client, last=False)
        else:
            line.append(job)
        self._count(job, +1)

    def take(self, fits: Callable[[list[JobT], JobT], bool]) -> list[JobT]:
        """Jobs for one batch, one client's turn at a time, while ``fits(batch, job)``. Jobs whose
        future is already done (cancelled or timed out while waiting) are dropped on the way."""
        batch: list[JobT] = []
        while (client := self._next_client()) is not None:
            job = self._lines[client][0]
            if batch and not fits(batch, job):
                break
            self._pop(client)
            batch.append(job)
        return batch

    def clear(self) -> list[JobT]:
        """Empty the line; the jobs it held, for their futures to be failed."""
        jobs = list(self)
        self._lines.clear()
        self._texts_by_client.clear()
        self.texts = 0
        return jobs

    def _next_client(self) -> str | None:
        """The first client in turn with a job still wanted."""
        for client in list(self._lines):
            line = self._lines[client]
            while line and line[0].done():
                self._count(line.popleft(), -1)
            if line:
                return client
            del self._lines[client]
        return None

    def _pop(self, client: str) -> None:
        """Take the client's first job; its turn passes to the next client."""
        line = self._lines[client]
        self._count(line.popleft(), -1)
        if line:
            self._lines.move_to_end(client)
        else:
            del self._lines[client]

    def _count(self, job: JobT, sign: int) -> None:
        self.texts += sign * len(job.texts)
        held = self._texts_by_client.get(job.client, 0) + sign * len(job.texts)
        if held > 0:
            self._texts_by_client[job.client] = held
        else:
            self._texts_by_client.pop(job.client, None)
