"""Work grouped across concurrent requests: who is grouped with whom, and whose error is whose."""

from __future__ import annotations

import asyncio
import threading

import pytest

from service.groups import WorkGroups


class Recorder:
    """Upper-cases its items, records each group, refuses "bad" and holds its first group until released."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def work(self, items: list[str]) -> list[str]:
        self.groups.append(items)
        if len(self.groups) == 1:
            self.started.set()
            self.release.wait()
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]


async def test_requests_arriving_while_a_group_is_worked_on_make_the_next_group() -> None:
    recorder = Recorder()
    groups = WorkGroups(recorder.work, alone_on_error=False)
    first = asyncio.create_task(groups.submit("a"))
    await asyncio.to_thread(recorder.started.wait)  # "a" is being worked on, alone
    rest = [asyncio.create_task(groups.submit(item)) for item in "bcd"]
    await asyncio.sleep(0)  # the three are waiting
    recorder.release.set()
    assert await first == "A"
    assert await asyncio.gather(*rest) == ["B", "C", "D"]
    assert recorder.groups == [["a"], ["b", "c", "d"]]


async def test_an_item_that_fails_fails_alone_when_asked() -> None:
    recorder = Recorder()
    recorder.release.set()
    groups = WorkGroups(recorder.work, alone_on_error=True)
    first = asyncio.create_task(groups.submit("a"))
    await asyncio.to_thread(recorder.started.wait)
    rest = [asyncio.create_task(groups.submit(item)) for item in ("x", "bad", "y")]
    assert await first == "A"
    assert await rest[0] == "X"
    assert await rest[2] == "Y"
    with pytest.raises(ValueError, match="bad item"):
        await rest[1]
    assert recorder.groups[1:] == [["x", "bad", "y"], ["x"], ["bad"], ["y"]]


async def test_otherwise_an_item_that_fails_fails_its_whole_group() -> None:
    recorder = Recorder()
    recorder.release.set()
    groups = WorkGroups(recorder.work, alone_on_error=False)
    first = asyncio.create_task(groups.submit("a"))
    await asyncio.to_thread(recorder.started.wait)
    rest = [asyncio.create_task(groups.submit(item)) for item in ("x", "bad", "y")]
    assert await first == "A"
    outcomes = await asyncio.gather(*rest, return_exceptions=True)
    assert all(isinstance(outcome, ValueError) for outcome in outcomes)
    assert recorder.groups[1:] == [["x", "bad", "y"]]
