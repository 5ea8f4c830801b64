"""`fair serve` as deployed, for the live benchmarks and the drill.

`Deployment` starts `fair serve` processes with the real command, settings, middlewares and
background tasks (the no-show sweep, heartbeats, rate limits, session watch) on one
database, and on one Redis when there is more than one process, behind the documented
reverse proxy (the clients' `X-Forwarded-For` is trusted from loopback). All processes share
one secret key, so a session cookie is good on every one of them, as it is behind a load
balancer. `sign_in` follows participants' personal links as their browsers do and returns
the headers their socket.io connections then send (the session cookie and their address).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.servers import _wait_until_healthy, child_env, free_port, stop_server

Headers = dict[str, str]


class Deployment:
    """`fair serve` processes on `db` (and `redis_url`), each on a loopback port of its own;
    their logs go to `directory`/server-N.log. `settings` are more `FAIR_...` variables."""

    def __init__(
        self,
        db: str,
        directory: Path,
        redis_url: str = "",
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.db = db
        self.directory = directory
        self.redis_url = redis_url
        self.settings = dict(settings or {})
        self.secret = secrets.token_urlsafe(32)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _env(self) -> dict[str, str]:
        env = child_env()
        env["FAIR_SECRET_KEY"] = self.secret
        # As deployed behind the documented nginx on the same machine (docs/deploy.md): the
        # load drivers stand for many clients by the X-Forwarded-For the proxy would set.
        env["FAIR_SERVER_TRUSTED_PROXIES"] = "127.0.0.1"
        env["FAIR_REDIS_URL"] = self.redis_url
        env.update(self.settings)
        return env

    def _launch(self, index: int) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "web.cli",
            "serve",
            "--db",
            self.db,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[index]),
            "--config",
            str(self.directory / "no-config.toml"),  # defaults, not the repo's config.toml
        ]
        with open(self.log(index), "ab") as log_file:
            return subprocess.Popen(
                command,
                cwd=self.directory,
                env=self._env(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    def log(self, index: int) -> Path:
        return self.directory / f"server-{index + 1}.log"

    def start(self, processes: int, timeout: float = 90.0) -> None:
        """Start `processes` more servers together and wait until each answers /healthz."""
        first = len(self.procs)
        for _ in range(processes):
            self.ports.append(free_port())
            self.procs.append(self._launch(len(self.procs)))
        for index in range(first, len(self.procs)):
            self._wait(index, timeout)

    def _wait(self, index: int, timeout: float) -> None:
        try:
            _wait_until_healthy(self.procs[index], self.urls[index], timeout, self.log(index))
        except BaseException:
            self.stop()
            raise

    def kill(self, index: int) -> None:
        """SIGKILL server `index` (a crash: no cleanup, its connections cut)."""
        proc = self.procs[index]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, index: int, timeout: float = 90.0) -> None:
        """Start server `index` again on its port (after `kill`) and wait until it answers."""
        self.procs[index] = self._launch(index)
        self._wait(index, timeout)

    def stop(self) -> None:
        """SIGTERM every server (SIGKILL after 15 s) and reap them."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            stop_server(proc, grace=15.0)

    def __enter__(self) -> Deployment:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def client_address(n: int) -> str:
    """The n-th simulated client's address (10.0.0.1, 10.0.0.2, ...), as the proxy reports it."""
    n = n % (2**24 - 2) + 1
    return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


async def sign_in(
    base: str, tokens: Sequence[str], first_address: int = 0, concurrency: int = 32
) -> list[Headers]:
    """Follow each personal link (`GET /p/{token}`) as that person's browser would, each
    from an address of its own; the headers of that person's later requests and socket.io
    connections (session cookie and address), in the order of `tokens`."""
    import aiohttp

    from web.sessions import COOKIE

    gate = asyncio.Semaphore(concurrency)

    async def one(http: aiohttp.ClientSession, i: int, token: str) -> Headers:
        address = client_address(first_address + i)
        async with gate:
            for attempt in range(5):
                async with http.get(
                    f"{base}/p/{token}",
                    headers={"X-Forwarded-For": address},
                    allow_redirects=False,
                ) as response:
                    await response.read()
                    if response.status == 302 and COOKIE in response.cookies:
                        cookie = f"{COOKIE}={response.cookies[COOKIE].value}"
                        return {"Cookie": cookie, "X-Forwarded-For": address}
                    if response.status < 500:
                        break
                await asyncio.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"the personal link of person {i} answered {response.status}")

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout) as http:
        return list(await asyncio.gather(*(one(http, i, t) for i, t in enumerate(tokens))))


async def sign_in_organiser(base: str, email: str, password: str) -> Headers:
    """The organiser signed in through the login form; the headers of their connections."""
    import aiohttp

    from web.sessions import COOKIE

    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.post(
            f"{base}/login",
            data={"email": email, "password": password},
            headers={"X-Forwarded-For": "10.255.255.254"},
            allow_redirects=False,
        ) as response,
    ):
        await response.read()
        if response.status != 302 or COOKIE not in response.cookies:
            raise RuntimeError(f"the organiser's sign-in answered {response.status}")
        cookie = f"{COOKIE}={response.cookies[COOKIE].value}"
    return {"Cookie": cookie, "X-Forwarded-For": "10.255.255.254"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def add_db_argument(parser: Any) -> None:
    """`--db` of the live benchmarks (an `argparse.ArgumentParser`'s)."""
    parser.add_argument(
        "--db",
        default="",
        help="PostgreSQL URL on loopback (a fresh schema per measurement, dropped "
        "afterwards); default: a temporary SQLite file",
    )


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def schema_url(url: str, schema: str) -> str:
    """PostgreSQL `url` with every connection's search_path set to `schema`."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


def check_loopback(url: str, tool: str) -> None:
    """Refuse any database but PostgreSQL on this machine (the tools create and drop
    schemas and flood the server)."""
    import sqlalchemy as sa

    host = sa.engine.make_url(url).host or "localhost"
    if not url.startswith("postgresql"):
        raise SystemExit(f"{tool}: needs a PostgreSQL URL (--db postgresql+psycopg://...)")
    if host not in LOOPBACK:
        raise SystemExit(f"{tool}: runs on loopback only; {host} is not")


def schema_of(url: str) -> str:
    """The schema a `schema_url` works in ("" for none)."""
    import sqlalchemy as sa

    options = str(sa.engine.make_url(url).query.get("options", ""))
    return options.removeprefix("-csearch_path=") if options.startswith("-csearch_path=") else ""


@contextlib.contextmanager
def scratch_database(
    db: str, directory: Path, keep: bool = False, prefix: str = "bench"
) -> Iterator[str]:
    """A fresh database for one run: a SQLite file in `directory` when `db` is empty, else a
    new schema in the PostgreSQL of `db` (on loopback), dropped afterwards unless `keep`."""
    if not db:
        yield f"sqlite:///{directory / 'bench.sqlite'}"
        return
    import sqlalchemy as sa

    check_loopback(db, f"fair {prefix}")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(db)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema_url(db, schema)
        finally:
            if not keep:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


def signed_in_client(headers: Headers, **options: Any) -> Any:
    """A python-socketio `AsyncClient` that sends `headers` (a person's session cookie and
    address, from `sign_in`) on its first connection and on every reconnection.

    Passing the cookie in `connect(headers=...)` is not enough: python-engineio moves a
    `Cookie` header out of the dict it is given into its HTTP session's cookie jar, which is
    shared by every client on one `http_session` and thrown away when a connection drops,
    so a reconnection would come without it (or with someone else's)."""
    import socketio

    cookie = headers.get("Cookie", "")
    others = {k: v for k, v in headers.items() if k.lower() != "cookie"}

    class Client(socketio.AsyncClient):  # type: ignore[misc]
        async def connect(self, url: str, **kwargs: Any) -> None:
            kwargs["headers"] = {**others, **(kwargs.get("headers") or {})}
            if cookie:  # taken (popped) by each websocket connection attempt
                self.eio.websocket_extra_options = {"headers": {"Cookie": cookie}}
            await super().connect(url, **kwargs)

    return Client(**options)
