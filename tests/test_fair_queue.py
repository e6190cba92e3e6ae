"""The model's queue serves clients in turn and refuses the heaviest first when full."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.model.fair_queue import FairQueue


@dataclass(eq=False)
class Job:
    client: str
    texts: list[str]
    cancelled: bool = False

    def done(self) -> bool:
        return self.cancelled


def up_to(limit: int) -> Callable[[list[Job], Job], bool]:
    """A batch of at most ``limit`` texts."""

    def fits(batch: list[Job], job: Job) -> bool:
        return sum(len(queued.texts) for queued in batch) + len(job.texts) <= limit

    return fits


def test_a_short_claim_is_served_in_the_next_batch_however_long_the_pile_before_it() -> None:
    queue: FairQueue[Job] = FairQueue()
    pile = [Job("flood", ["long text"] * 32) for _ in range(30)]
    for job in pile:
        queue.push(job)
    short = Job("one-claim", ["a short claim"])
    queue.push(short)
    first = queue.take(up_to(32))
    second = queue.take(up_to(33))
    assert first == [pile[0]]
    assert second == [short, pile[1]]  # its turn came before the flood's second job
    assert queue.texts == 28 * 32 and len(queue) == 28


def test_clients_take_turns_and_a_retried_job_goes_first() -> None:
    queue: FairQueue[Job] = FairQueue()
    a1, a2, b1, c1 = Job("a", ["x"]), Job("a", ["x"]), Job("b", ["x"]), Job("c", ["x"])
    for job in (a1, a2, b1, c1):
        queue.push(job)
    assert queue.take(up_to(1)) == [a1]
    retried = Job("c", ["again"])
    queue.push(retried, front=True)
    assert queue.take(up_to(100)) == [retried, b1, a2, c1]
    assert queue.texts == 0 and not list(queue)


def test_cancelled_jobs_leave_the_queue_unread() -> None:
    queue: FairQueue[Job] = FairQueue()
    gone, kept = Job("gone", ["x"] * 5), Job("kept", ["y"])
    queue.push(gone)
    queue.push(kept)
    gone.cancelled = True
    assert queue.take(up_to(100)) == [kept]
    assert queue.texts == 0


def test_when_full_the_heaviest_client_is_refused_and_the_queue_stays_bounded() -> None:
    queue: FairQueue[Job] = FairQueue()
    for _ in range(10):
        queue.push(Job("heavy", ["x"] * 10))
    queue.push(Job("light", ["y"]))
    assert queue.texts == 101
    assert not queue.admits("heavy", limit=100)
    assert queue.admits("light", limit=100) and queue.admits("newcomer", limit=100)
    for _ in range(99):
        queue.push(Job("newcomer", ["z"]))
    assert queue.texts == 200
    assert not queue.admits("light", limit=100)  # twice the limit: nobody joins
    assert [len(job.texts) for job in queue.clear()].count(10) == 10 and queue.texts == 0
