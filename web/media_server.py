"""The Janus WebRTC Server (Debian's `janus`) run from a temporary configuration, for
`fair demo` (when janus is installed), the stage tests (tests/janus.py) and `fair bench
stage`: only the VideoRoom plugin and the
HTTP transport (API and admin API on loopback, free ports), an API secret, an admin
secret and a VideoRoom `admin_key`, so a test can also knock on Janus directly, as an
outsider would, and see it refuse. Janus runs as a child process, stopped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

JANUS = os.environ.get("FAIR_TEST_JANUS", "/usr/bin/janus")
LIBS = Path("/usr/lib/x86_64-linux-gnu/janus")
KEEP_PLUGINS = {"libjanus_videoroom.so"}
KEEP_TRANSPORTS = {"libjanus_http.so"}


def janus_binary() -> str | None:
    return shutil.which(JANUS) or (JANUS if os.path.exists(JANUS) else None)


def free_tcp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _libs() -> Path:
    found = sorted(Path("/usr/lib").glob("*/janus/plugins"))
    return found[0].parent if found else LIBS


def _others(folder: Path, keep: set[str]) -> str:
    """Every library in `folder` but `keep`, for janus.jcfg's `disable` lists."""
    if not folder.is_dir():
        return ""
    names = {p.name for p in folder.glob("libjanus_*.so")}
    return ",".join(sorted(names - keep))


@dataclass(frozen=True)
class JanusServer:
    url: str  # the HTTP API (/janus)
    admin_url: str  # the admin API (/admin)
    api_secret: str
    admin_secret: str
    admin_key: str  # the VideoRoom's key for creating rooms
    log: Path
    pid: int


@contextmanager
def running_janus(
    tmp: Path,
    *,
    binary: str = JANUS,
    session_timeout: int = 30,
    debug_level: int = 4,
    api_secret: str = "",
    admin_key: str = "",
) -> Iterator[JanusServer]:
    """janus on loopback with a temporary configuration; stopped at the end. Several
    instances for one app share `api_secret` and `admin_key` (random when empty)."""
    libs = _libs()
    port, admin_port = free_tcp_port(), free_tcp_port()
    api_secret = api_secret or secrets.token_urlsafe(18)
    admin_secret = secrets.token_urlsafe(18)
    admin_key = admin_key or secrets.token_urlsafe(18)
    log = tmp / "janus.log"
    (tmp / "janus.jcfg").write_text(
        f"""general: {{
    configs_folder = "{tmp}"
    plugins_folder = "{libs / "plugins"}"
    transports_folder = "{libs / "transports"}"
    events_folder = "{libs / "events"}"
    loggers_folder = "{libs / "loggers"}"
    log_to_stdout = false
    log_to_file = "{log}"
    debug_level = {debug_level}
    server_name = "fair-test"
    session_timeout = {session_timeout}
    api_secret = "{api_secret}"
    admin_secret = "{admin_secret}"
}}
media: {{
    rtp_port_range = "40000-49000"
}}
plugins: {{
    disable = "{_others(libs / "plugins", KEEP_PLUGINS)}"
}}
transports: {{
    disable = "{_others(libs / "transports", KEEP_TRANSPORTS)}"
}}
events: {{
    broadcast = false
    disable = "{_others(libs / "events", set())}"
}}
loggers: {{
    disable = "{_others(libs / "loggers", set())}"
}}
""",
        encoding="utf-8",
    )
    (tmp / "janus.transport.http.jcfg").write_text(
        f"""general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    port = {port}
    ip = "127.0.0.1"
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_port = {admin_port}
    admin_ip = "127.0.0.1"
    admin_https = false
}}
""",
        encoding="utf-8",
    )
    (tmp / "janus.plugin.videoroom.jcfg").write_text(
        f'general: {{\n    admin_key = "{admin_key}"\n    lock_rtp_forward = true\n}}\n',
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-C", str(tmp / "janus.jcfg"), "-F", str(tmp), "-N"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/janus"
    try:
        _wait_ready(process, url, log)
        admin_url = f"http://127.0.0.1:{admin_port}/admin"
        yield JanusServer(url, admin_url, api_secret, admin_secret, admin_key, log, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"janus exited ({process.returncode}): {err}{text[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/info", timeout=1) as reply:
                if b"janus.plugin.videoroom" in reply.read():
                    return
        except OSError:
            pass
        time.sleep(0.1)
    text = log.read_text(errors="replace") if log.exists() else ""
    raise RuntimeError(f"janus did not answer in 20 s; its log:\n{text[-2000:]}")
