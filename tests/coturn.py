"""coturn (Debian's `turnserver`) for the TURN tests, and a small TURN client.

`running_coturn` starts `turnserver` with a temporary configuration in the TURN REST
mode the app mints credentials for (`use-auth-secret`, `static-auth-secret`), optionally
inside a network namespace, and stops it. `allocate` sends a TURN Allocate request
(RFC 5766) with long-term credentials over UDP and says whether coturn accepted them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

TURNSERVER = os.environ.get("FAIR_TEST_TURNSERVER", "/usr/bin/turnserver")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REALM = "fair.test"

MAGIC = 0x2112A442
ALLOCATE = 0x0003
ALLOCATE_OK = 0x0103
ALLOCATE_ERROR = 0x0113
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE = 0x0006, 0x0008, 0x0009
REALM_ATTR, NONCE, XOR_RELAYED_ADDRESS, REQUESTED_TRANSPORT = 0x0014, 0x0015, 0x0016, 0x0019


def need_turnserver() -> str:
    """The turnserver binary, or a skip (a failure in CI) when coturn is missing."""
    found = shutil.which(TURNSERVER) or (TURNSERVER if os.path.exists(TURNSERVER) else None)
    if found is None:
        if IN_CI:
            pytest.fail(f"coturn is required in CI and turnserver is missing at {TURNSERVER}")
        pytest.skip(f"coturn not installed ({TURNSERVER}); ./dev test installs it as root")
    return found


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Coturn:
    port: int
    secret: str
    log: Path


@contextmanager
def running_coturn(
    tmp: Path,
    *,
    listen: tuple[str, ...] = ("127.0.0.1",),
    relay: str = "127.0.0.1",
    port: int | None = None,
    netns: str | None = None,
    secret: str | None = None,
    documented: str | None = None,
) -> Iterator[Coturn]:
    """turnserver on `listen` (UDP and TCP, no TLS) relaying from `relay`, checking
    credentials minted with `secret` (random by default); inside `netns` if given.

    With `documented` (the turnserver.conf of docs/deploy.md) that file is run instead,
    on `listen[0]` and a free port, without its certificate, with `secret`."""
    binary = need_turnserver()
    port = port or free_udp_port(listen[0] if netns is None else "127.0.0.1")
    secret = secret or secrets.token_urlsafe(24)
    log = tmp / "turnserver.log"
    config = tmp / "turnserver.conf"
    lines = (
        _documented(documented, listen[0], port, secret)
        if documented
        else [
            f"listening-port={port}",
            *(f"listening-ip={ip}" for ip in listen),
            f"relay-ip={relay}",
            "min-port=49152",
            "max-port=49999",
            "use-auth-secret",
            f"static-auth-secret={secret}",
            f"realm={REALM}",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "no-multicast-peers",
            "no-software-attribute",
        ]
    )
    lines += [
        f"log-file={log}",
        "simple-log",
        "verbose",  # logs each listener once it is bound, which start-up waits for
        f"userdb={tmp / 'turndb'}",  # not the system's /var/lib/turn
        "no-stdout-log",
        f"pidfile={tmp / 'turnserver.pid'}",
    ]
    if relay.startswith("127."):
        lines.append("allow-loopback-peers")  # the test peers are on loopback too
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [binary, "-c", str(config)]
    if netns is not None:
        command = ["ip", "netns", "exec", netns, *command]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _wait_listening(process, log, len(listen))
        yield Coturn(port, secret, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _documented(text: str, address: str, port: int, secret: str) -> list[str]:
    """The documented configuration, made to run here: our address, port and secret,
    no TLS (no certificate here) and our own log file."""
    lines = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if not line.strip() or line.startswith("#") or key in {"cert", "pkey", "log-file"}:
            continue
        if key in {"listening-ip", "relay-ip"}:
            value = address
        elif key == "listening-port":
            value = str(port)
        elif key == "tls-listening-port":
            continue
        elif key == "static-auth-secret":
            value = secret
        lines.append(f"{key}={value}" if value else key)
    return [*lines, "no-tls", "no-dtls"]


def _wait_listening(process: subprocess.Popen[bytes], log: Path, listeners: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"turnserver exited ({process.returncode}): {err}{text[-2000:]}")
        text = log.read_text(errors="replace") if log.exists() else ""
        # One "UDP listener opened on" per listening address, logged once it is bound.
        if text.count("IPv4. UDP listener opened on") >= listeners:
            return
        time.sleep(0.1)
    raise RuntimeError(f"turnserver did not start listening in 15 s; its log:\n{text[-2000:]}")


def _attribute(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _message(kind: int, txid: bytes, attributes: bytes) -> bytes:
    return struct.pack("!HHI", kind, len(attributes), MAGIC) + txid + attributes


def _with_integrity(kind: int, txid: bytes, attributes: bytes, key: bytes) -> bytes:
    # The length in the header counts MESSAGE-INTEGRITY (24 bytes) when it is computed.
    head = struct.pack("!HHI", kind, len(attributes) + 24, MAGIC) + txid
    mac = hmac.new(key, head + attributes, hashlib.sha1).digest()
    return head + attributes + _attribute(MESSAGE_INTEGRITY, mac)


def _parse(data: bytes) -> tuple[int, dict[int, bytes]]:
    kind, length, _ = struct.unpack("!HHI", data[:8])
    attributes: dict[int, bytes] = {}
    at = 20
    while at < 20 + length:
        attr, size = struct.unpack("!HH", data[at : at + 4])
        attributes.setdefault(attr, data[at + 4 : at + 4 + size])
        at += 4 + size + (-size % 4)
    return kind, attributes


def _transact(sock: socket.socket, txid: bytes, request: bytes) -> tuple[int, dict[int, bytes]]:
    """Send `request` and return the answer to it, retransmitting as a STUN client over
    UDP must (RFC 5389 7.2.1: RTO 500 ms, doubled after each send, seven sends): a
    datagram lost, or sent before coturn's listener thread was reading, is sent again.
    An answer to another transaction (a late one to an earlier retransmission) is
    skipped."""
    wait = 0.5
    for _ in range(7):
        sock.send(request)
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data = sock.recv(2048)
            except TimeoutError:
                break
            if data[8:20] == txid:
                return _parse(data)
        wait *= 2
    raise TimeoutError(f"no TURN answer from {sock.getpeername()} after seven sends")


@dataclass(frozen=True)
class Allocation:
    accepted: bool
    error: int | None  # STUN error code when refused (401 = unauthorised)
    relayed: tuple[str, int] | None  # the relayed transport address when accepted


def allocate(host: str, port: int, username: str, credential: str) -> Allocation:
    """A TURN Allocate over UDP with these long-term credentials (the first, unsigned
    request fetches the realm and nonce, as a browser does)."""
    transport = _attribute(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        txid = secrets.token_bytes(12)
        kind, attributes = _transact(sock, txid, _message(ALLOCATE, txid, transport))
        if kind != ALLOCATE_ERROR or REALM_ATTR not in attributes:
            raise AssertionError(f"expected a 401 challenge, got {kind:#06x} {attributes}")
        realm, nonce = attributes[REALM_ATTR], attributes[NONCE]
        key = hashlib.md5(username.encode() + b":" + realm + b":" + credential.encode()).digest()
        signed = (
            transport
            + _attribute(USERNAME, username.encode())
            + _attribute(REALM_ATTR, realm)
            + _attribute(NONCE, nonce)
        )
        txid = secrets.token_bytes(12)
        kind, attributes = _transact(sock, txid, _with_integrity(ALLOCATE, txid, signed, key))
    if kind == ALLOCATE_OK:
        raw = attributes[XOR_RELAYED_ADDRESS]
        relayed_port = struct.unpack("!H", raw[2:4])[0] ^ (MAGIC >> 16)
        address = struct.unpack("!I", raw[4:8])[0] ^ MAGIC
        return Allocation(True, None, (socket.inet_ntoa(struct.pack("!I", address)), relayed_port))
    if kind == ALLOCATE_ERROR:
        code = attributes[ERROR_CODE]
        return Allocation(False, code[2] * 100 + code[3], None)
    raise AssertionError(f"unexpected TURN answer {kind:#06x}")
