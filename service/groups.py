"""Blocking work of concurrent requests done together in a worker thread, one group at a time.

The model answers the requests of a batch at the same moment, so they reach the store together. Done
one request at a time, each paid its own thread hand-off, its own search call (dozens of small numpy
operations and an SQL query) and its own commit. Grouped, the requests that arrive while a group is
being worked on make up the next group, and that cost is paid once per group. A lone request is never
kept waiting: its group starts at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class _Failed:
    error: Exception


class WorkGroups(Generic[Item, Result]):
    """``submit(item)`` returns ``work(group)[i]`` for the group holding ``item`` as its ``i``-th; ``work`` runs
    in a worker thread. When ``work`` raises on a group, every request of the group gets the error; with
    ``alone_on_error``, each item is worked again alone first, so that only the request whose item fails
    gets it. A request cancelled while it waits leaves its group's work to run (whatever it writes stands)."""

    def __init__(self, work: Callable[[list[Item]], list[Result]], alone_on_error: bool) -> None:
        self._work = work
        self._alone_on_error = alone_on_error
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_waiting())
        return await done

    async def _run_waiting(self) -> None:
        """Work through everything waiting, group after group, until nothing is."""
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                outcomes = await asyncio.to_thread(self._work_apart_on_error, [item for item, _ in group])
            except asyncio.CancelledError:  # the loop is closing: no request waits for ever
                for _, done in group + self._waiting:
                    done.cancel()
                raise
            for (_, done), outcome in zip(group, outcomes, strict=True):
                if done.done():  # its request was cancelled
                    continue
                if isinstance(outcome, _Failed):
                    done.set_exception(outcome.error)
                else:
                    done.set_result(outcome)

    def _work_apart_on_error(self, items: list[Item]) -> list[Result | _Failed]:
        try:
            return list(self._work(items))
        except Exception as error:
            if len(items) == 1 or not self._alone_on_error:
                return [_Failed(error)] * len(items)
        outcomes: list[Result | _Failed] = []
        for item in items:
            try:
                outcomes.append(self._work([item])[0])
            except Exception as error:  # e.g. a full disk: then every item fails with it
                outcomes.append(_Failed(error))
        return outcomes
