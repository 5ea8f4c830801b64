"""The deployment recipe of docs/deploy.md, run: its nginx configuration (read from the
document; ports and certificate paths substituted) with TLS in front of two `fair serve`
processes on PostgreSQL and their own Redis."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import socketio

from bench.servers import free_port, start_redis
from fair.settings import Settings
from tests.conftest import IN_CI
from tests.drill.conftest import SEVERED
from tests.realtime.conftest import Live

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, SEVERED]
ROOT = Path(__file__).resolve().parents[2]
CODE = "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))"


def nginx_site(doc: str) -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", doc, re.S)
    assert len(blocks) == 1, "docs/deploy.md has one nginx configuration"
    return str(blocks[0])


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)


@dataclass
class Stack:
    https: str
    http: str
    ports: list[int]
    procs: list[subprocess.Popen[bytes]]
    start: object


@pytest.fixture
def stack(settings: Settings, live_meeting: str, tmp_path: Path) -> Iterator[Stack]:
    for tool in ("nginx", "openssl", "redis-server"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            if IN_CI:  # ./dev test installs them
                pytest.fail(f"{tool} is required in CI and not installed")
            pytest.skip(f"{tool} not installed (apt-get install nginx-light openssl redis)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    redis_port = free_port()
    redis = start_redis(redis_port)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FAIR_")},
        "FAIR_SECRET_KEY": settings.secret_key,
        "FAIR_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "FAIR_DATABASE_URL": settings.database_url,
        "FAIR_SERVER_TRUSTED_PROXIES": "127.0.0.1",  # the nginx in front, as docs/deploy.md
        "PYTHONPATH": str(ROOT),
    }
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(i: int) -> subprocess.Popen[bytes]:
        log = tmp_path / f"server-{i}.log"
        logs.append(log.open("ab"))
        proc = subprocess.Popen(
            [sys.executable, "-c", CODE, "serve", "--host", "127.0.0.1", "--port", str(ports[i])],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[-1],
        )
        wait_port(ports[i], proc, log)
        return proc

    https_port, http_port = free_port(), free_port()
    site = (
        nginx_site((ROOT / "docs" / "deploy.md").read_text())
        .replace("127.0.0.1:8081", f"127.0.0.1:{ports[0]}")
        .replace("127.0.0.1:8082", f"127.0.0.1:{ports[1]}")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace("/etc/ssl/fair/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; user root; worker_processes 1; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/nginx.log warn;\n"
        "events { worker_connections 512; }\n"
        f"http {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n"
    )
    proxy = None
    try:
        procs.extend(start(i) for i in range(2))
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            stderr=subprocess.PIPE,
        )
        wait_port(https_port, proxy, tmp_path / "nginx.log")
        yield Stack(
            f"https://127.0.0.1:{https_port}",
            f"http://127.0.0.1:{http_port}",
            ports,
            procs,
            start,
        )
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.communicate(timeout=10)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait(15)
        for log in logs:
            log.close()
        redis.kill()
        redis.wait()


async def test_deploy_recipe_nginx_tls_two_processes(stack: Stack, live: Live) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        health = await http.get(f"{stack.https}/healthz", ssl=False)
        assert health.status == 200 and (await health.json())["status"] == "ok"
        plain = await http.get(f"{stack.http}/me", allow_redirects=False)
        assert plain.status == 301 and plain.headers["Location"].startswith("https://")
        signed = await http.get(
            f"{stack.https}/p/{live.tokens['cn1']}", ssl=False, allow_redirects=False
        )
        assert signed.status == 302
        cookie_line = next(
            c for c in signed.headers.getall("Set-Cookie") if c.startswith("fair_session=")
        )
        assert "Secure" in cookie_line and "HttpOnly" in cookie_line  # X-Forwarded-Proto
        cookie = cookie_line.split(";", 1)[0]

    # socket.io through the proxy: long-polling first, then the websocket upgrade.
    http = aiohttp.ClientSession()
    client = socketio.AsyncClient(reconnection=False, ssl_verify=False, http_session=http)
    await client.connect(
        stack.https,
        namespaces=["/meeting"],
        headers={"Cookie": cookie, "Origin": stack.https},
        wait_timeout=10,
    )
    try:
        joined = await client.call("join", {"meeting": live.uid}, namespace="/meeting", timeout=10)
        assert joined["ok"] is True
        for _ in range(100):
            if client.transport() == "websocket":
                break
            await asyncio.sleep(0.05)
        assert client.transport() == "websocket"
        ack = await client.call(
            "deal:record",
            {"type": "purchase", "amount": "10", "currency": "USD", "client_key": "deploy-1"},
            namespace="/meeting",
            timeout=10,
        )
        assert ack["ok"] is True
    finally:
        await client.disconnect()

    # A page of another site cannot open the rooms with the user's cookie.
    foreign = socketio.AsyncClient(reconnection=False, ssl_verify=False, http_session=http)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await foreign.connect(
                stack.https,
                namespaces=["/meeting"],
                headers={"Cookie": cookie, "Origin": "https://evil.example"},
                transports=["websocket"],
                wait_timeout=5,
            )
    finally:
        await foreign.disconnect()
        await http.close()

    # Rolling restart: while one process stops (SIGTERM) and starts again, then the
    # other stops, every request is answered.
    async with aiohttp.ClientSession() as web:

        async def all_answered(n: int = 10) -> list[int]:
            codes = []
            for _ in range(n):
                r = await web.get(f"{stack.https}/healthz", ssl=False)
                codes.append(r.status)
                await asyncio.sleep(0.05)
            return codes

        for i in (0, 1):
            stack.procs[i].send_signal(signal.SIGTERM)
            stack.procs[i].wait(15)
            assert await all_answered() == [200] * 10
            if i == 0:
                stack.procs[0] = await asyncio.to_thread(stack.start, 0)  # type: ignore[arg-type]
