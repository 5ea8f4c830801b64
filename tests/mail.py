"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) and the settings that send to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from fair.settings import Settings


@dataclass
class Inbox:
    refuse: set[str] = field(default_factory=set)
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_recipient(self) -> dict[str, EmailMessage]:
        out = {}
        for rcpts, message in self.messages:
            for r in rcpts:
                assert r not in out, f"{r} got two messages"
                out[r] = message
        return out

    def all_by_recipient(self) -> dict[str, list[EmailMessage]]:
        out: dict[str, list[EmailMessage]] = {}
        for rcpts, message in self.messages:
            for r in rcpts:
                out.setdefault(r, []).append(message)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    """`inbox` served on a free loopback port (yielded) until the block ends."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def mail_settings_for(port: int, tmp_path: Path) -> Settings:
    """Settings that send to the test SMTP server on `port`, links on fair.example."""
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from_address="fair@fair.example",
        smtp_outbox=str(tmp_path / "outbox"),
        server_base_url="https://fair.example",
    )
