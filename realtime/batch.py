"""Group commit: what arrives while the database writes the previous batch is written
in one transaction after it.

At a slot change every person of a fair joins a room (and leaves the one before) within
seconds. Each join written in a transaction of its own cost a dozen statements and a
commit, most of a join's server time (docs/realtime.md, "What a join costs"). A
`Batcher` hands the work that queued up meanwhile to one call in the executor: a lone
join is written at once, as before; a burst is written a few hundred at a time, each
batch costing about what one join did. Every caller gets its own outcome (or the error
that refused it), after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from realtime.services import RunBlocking

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
LIMIT = 500  # items in one transaction at most (one statement's IN lists stay modest)


class Batcher(Generic[Item, Outcome]):
    """Calls `work(items)` (blocking, in the executor) with the items submitted since
    the last call began. `work` returns one outcome per item, in order; an outcome that
    is an exception is raised to that item's caller alone. An exception raised by `work`
    itself (the database is away) is raised to every caller of that batch."""

    def __init__(
        self,
        work: Callable[[Sequence[Item]], Sequence[Any]],
        run: RunBlocking,
        limit: int = LIMIT,
    ) -> None:
        self.work = work
        self.run = run
        self.limit = limit
        self.pending: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self.task: asyncio.Task[None] | None = None
        self.batches = 0  # batches written so far, and the items in them (the tests read them)
        self.items = 0

    async def submit(self, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.limit], self.pending[self.limit :]
            items = [item for item, _ in batch]
            try:
                outcomes = await self.run(lambda items=items: self.work(items))  # type: ignore[misc]
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except asyncio.CancelledError:  # shutting down: nobody waits for these any more
                for _, future in batch + self.pending:
                    with contextlib.suppress(asyncio.InvalidStateError):
                        future.cancel()
                raise
            self.batches += 1
            self.items += len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
