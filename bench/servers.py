"""The processes the tools run on loopback and measure: the rooms bench server, `fair
serve`, a throw-away `redis-server`; free ports, their environment, their memory.

Each server runs in a process of its own so that its memory is measured alone and so
that a fault (SIGKILL, restart) hits it as it would hit a real deployment.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_env() -> dict[str, str]:
    """The environment of a child process: this one's without the `FAIR_` settings (the
    child gets its settings from its command line, not from whoever ran the tool), with
    the checkout first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIR_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(
    kind: str, db: str, redis_url: str, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start one rooms bench server process (`bench.rooms.server.serve`: "fair" or
    "bare") on loopback and wait until it accepts connections; `port` reuses a port (a
    restart after a crash). Returns the process and its base URL."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.rooms",
            "--serve",
            kind,
            "--port",
            str(port),
            "--db",
            db,
            "--redis",
            redis_url,
        ],
        env=child_env(),
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the {kind} bench server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    time.sleep(0.5)
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Terminate (SIGTERM, then SIGKILL after `grace` seconds) and reap."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def fair_serve(db_url: str, directory: Path, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run `fair serve` (one process) on a free loopback port; yields its base URL and
    stops it (SIGTERM, then SIGKILL) on exit. Its log goes to `directory`/server.log."""
    port = free_port()
    env = child_env()
    env["FAIR_SECRET_KEY"] = secrets.token_urlsafe(32)
    # As deployed behind the documented nginx on the same machine (docs/deploy.md): the
    # load drivers stand for many clients by the X-Forwarded-For the proxy would set.
    env["FAIR_SERVER_TRUSTED_PROXIES"] = "127.0.0.1"
    command = [
        sys.executable,
        "-m",
        "web.cli",
        "serve",
        "--db",
        db_url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(directory / "no-config.toml"),  # defaults only, not the repo's config.toml
    ]
    log_path = directory / "server.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=directory, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_healthy(process, base, startup_timeout, log_path)
            yield base
        finally:
            stop_server(process, grace=15.0)


def _wait_until_healthy(
    process: subprocess.Popen[bytes], base: str, timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f}s")


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A throw-away `redis-server` on 127.0.0.1:`port` (no persistence)."""
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            "",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")
