"""Fair-day reliability tests: the deployment recipe, the database going away behind a
TCP proxy, and a backup/restore round trip (all on PostgreSQL). The drill itself is
tested in tests/bench/drill/."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
import sqlalchemy as sa

from fair.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.realtime.conftest import RATES, live, live_meeting, published_fair  # noqa: F401


class TcpProxy:
    """A TCP relay to `target` on 127.0.0.1, run on its own event loop in a thread (the
    app talks to the database from worker threads and, at start-up, from its own loop).
    `cut()` drops every relayed connection and stops listening, so connecting is refused;
    `restore()` listens on the same port again. `hold()` goes silent instead, as a
    network that drops packets: connections stay open and new ones are accepted, but
    nothing is relayed either way (and nothing refused) until `release()`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.flowing = asyncio.Event()
        self.flowing.set()

    def _run(self, coro: object) -> object:
        future: Future[object] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(10)

    def start(self) -> None:
        self.thread.start()
        self._run(self._listen())

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.flowing.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while True:
                    await self.flowing.wait()
                    data = await src.read(65536)
                    if not data:
                        break
                    await self.flowing.wait()  # read just before a hold: held too
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:  # cancelled by stop() too: no socket is left for the collector
            self.writers -= {writer, up_writer}
            for w in (writer, up_writer):
                w.transport.abort()

    def cut(self) -> None:
        async def down() -> None:
            assert self.server is not None
            self.server.close()
            for w in list(self.writers):
                w.transport.abort()
            self.writers.clear()

        self._run(down())

    def restore(self) -> None:
        self._run(self._listen())

    def hold(self) -> None:
        async def silent() -> None:
            self.flowing.clear()

        self._run(silent())

    def release(self) -> None:
        async def flow() -> None:
            self.flowing.set()

        self._run(flow())

    def stop(self) -> None:
        async def finish() -> None:
            # Relays still connecting or piping end here, closing their sockets (left
            # pending, their upstream sockets were collected unclosed: a ResourceWarning
            # that failed whichever test ran next).
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.release()
        with contextlib.suppress(Exception):
            self.cut()
        with contextlib.suppress(Exception):
            self._run(finish())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def schema_url(url: str, schema: str, port: int | None = None) -> str:
    parsed = sa.engine.make_url(url)
    if port is not None:
        parsed = parsed.set(port=port)
    parsed = parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def proxy(pg_schema: str) -> Iterator[TcpProxy]:
    target = sa.engine.make_url(POSTGRES_URL)
    relay = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    relay.start()
    yield relay
    relay.stop()
    # Connections the proxy severed under the app's pool look idle to psycopg, which warns
    # when one is collected unclosed; collect them now, inside the test that made them
    # (its module ignores that warning: SEVERED), not at a random moment in a later test.
    gc.collect()


# For the modules whose app talks through `proxy` (pytestmark).
SEVERED = pytest.mark.filterwarnings("ignore:.*was deleted while still open:ResourceWarning")


@pytest.fixture
def settings(tmp_path: Path, proxy: TcpProxy, pg_schema: str) -> Settings:
    """The app's database is PostgreSQL reached through `proxy`."""
    return Settings(
        database_url=schema_url(POSTGRES_URL, pg_schema, proxy.port),
        secret_key="test-secret",
        deals_rates=RATES,
        smtp_outbox=str(tmp_path / "outbox"),
    )
