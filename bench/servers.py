"""The processes the tools run on loopback and measure: the bare relay of the rooms
benchmark, `fair serve` (`bench.deployed`), a throw-away `redis-server`; free ports, their
environment, their memory.

Each server runs in a process of its own so that its memory is measured alone and so
that a fault (SIGKILL, restart) hits it as it would hit a real deployment.
"""

from __future__ import annotations

import contextlib
import os
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


def start_bare(redis_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the rooms benchmark's bare python-socketio relay (`bench.rooms.server`) in a
    process of its own on loopback and wait until it accepts connections. Returns the
    process and its base URL."""
    port = free_port()
    kind = "bare relay"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.rooms",
            "--serve-bare",
            "--port",
            str(port),
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
    """Run `fair serve` (one process, `bench.deployed.Deployment`) on a free loopback port;
    yields its base URL and stops it (SIGTERM, then SIGKILL) on exit. Its log goes to
    `directory`/server-1.log."""
    from bench.deployed import Deployment

    with Deployment(db_url, directory) as deployment:
        deployment.start(1, startup_timeout)
        yield deployment.urls[0]


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
