"""`realtime.batch.Batcher`: what queues while a batch is written goes in the next one,
each caller gets its own outcome, and an error of the whole batch reaches all of its
callers (and no one else's)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from fair.errors import NotFound
from realtime.batch import Batcher


class Blocking:
    """Runs the work in a thread, held until the test lets the current batch go."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.go = threading.Event()
        self.started = asyncio.Event()
        self.fail: Exception | None = None

    def work(self, items: Sequence[int]) -> list[Any]:
        self.calls.append(list(items))
        self.go.wait(5)
        self.go.clear()
        if self.fail is not None:
            fail, self.fail = self.fail, None
            raise fail
        return [NotFound(f"no {i}") if i < 0 else i * 10 for i in items]

    async def run(self, fn: Callable[[], Any]) -> Any:
        self.started.set()
        return await asyncio.to_thread(fn)


async def test_what_queues_meanwhile_goes_in_one_batch() -> None:
    blocking = Blocking()
    batcher: Batcher[int, int] = Batcher(blocking.work, blocking.run)
    first = asyncio.create_task(batcher.submit(1))
    await blocking.started.wait()
    rest = [asyncio.create_task(batcher.submit(i)) for i in (2, 3, -4, 5)]
    await asyncio.sleep(0.05)
    blocking.go.set()  # the first batch ends; the four that waited go together
    assert await first == 10
    await asyncio.sleep(0.05)
    blocking.go.set()
    outcomes = await asyncio.gather(*rest, return_exceptions=True)
    assert blocking.calls == [[1], [2, 3, -4, 5]]
    assert outcomes[:2] == [20, 30] and outcomes[3] == 50
    assert isinstance(outcomes[2], NotFound)  # refused alone
    assert (batcher.batches, batcher.items) == (2, 5)


async def test_a_batch_that_fails_fails_its_callers_only() -> None:
    blocking = Blocking()
    batcher: Batcher[int, int] = Batcher(blocking.work, blocking.run, limit=2)
    blocking.fail = RuntimeError("the database is away")
    tasks = [asyncio.create_task(batcher.submit(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0.05)
    blocking.go.set()
    await asyncio.sleep(0.05)
    blocking.go.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert blocking.calls == [[1, 2], [3]]  # at most `limit` in one
    assert all(isinstance(o, RuntimeError) for o in outcomes[:2])
    assert outcomes[2] == 30


@pytest.mark.parametrize("count", [1, 7])
async def test_a_lone_item_is_not_held_back(count: int) -> None:
    """Nothing waits for company: with nothing being written, an item goes at once."""
    calls: list[list[int]] = []

    def work(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        return list(items)

    async def run(fn: Callable[[], Any]) -> Any:
        return fn()

    batcher: Batcher[int, int] = Batcher(work, run)
    for i in range(count):
        assert await batcher.submit(i) == i
    assert calls == [[i] for i in range(count)]
