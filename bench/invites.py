"""`fair bench invite`: invitations queued per second and delivered per second to a
local SMTP server, for `--people` participants (default 1,000) of the generated expo
fair, beside the one-by-one baselines in the same run.

The expo fair (~1,600 people, 8,000 requests) is generated, imported, scheduled (greedy)
and published through the real path (`bench.fairs`), so every invitation carries the
person's agenda and the attached .ics, as at a real fair; the people beyond the first
`--people` (by id) count as invited already. Each run, on a fresh outbox and with the
invitations reset:

- queue, batch: `fair.invitations.invite_and_queue` for everyone not yet invited, 100
  people per transaction, each batch's messages written to the outbox after its commit
  (the function the organiser's "Invite everyone" button runs in `fair serve`'s
  background, and `fair invite`);
- queue, one by one (baseline): `fair.invitations.resend` per person, a transaction each,
  then its message queued (what clicking each person's button did);
- deliver, one connection (`fair.notify.deliver`): the whole outbox over one SMTP
  session to aiosmtpd on 127.0.0.1 (in this process, so it shares the interpreter);
- deliver, a connection per message (baseline): the same messages, one SMTP session
  each.

It calls the functions `fair serve` and the CLI call, in one process, not a running
`fair serve` over HTTP: the page's POST only starts the same function in the
background. The server counts what it received; a run where it did not get each message exactly
once is reported as such.
"""

from __future__ import annotations

import argparse
import json
import shutil
import smtplib
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select, update

import scheduler.problem as sp
from bench.fairs import generated_files, schedule_and_publish
from fair import invitations, notify
from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import Participant, utcnow
from fair.settings import Settings


@dataclass(frozen=True)
class Row:
    run: int
    case: str
    messages: int
    seconds: float
    per_second: float
    received_once: bool | None  # delivery cases: the server got each message once


class Sink:
    """aiosmtpd handler: counts recipients."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for r in envelope.rcpt_tos:
            self.received[r] += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(engine: Engine, people: int, seed: int, scale: str = "expo") -> list[str]:
    """Import, schedule and publish the generated fair; returns the keys of the `people`
    invited in the runs (the others are marked invited)."""
    summary = import_files(engine, generated_files(scale, seed))
    options = sp.Options(time_limit=30, workers=1, seed=seed, levels=1)
    schedule_and_publish(engine, summary.fair_id, options, "greedy")
    with session_scope(engine) as session:
        keys = list(session.exec(select(Participant.key).order_by(col(Participant.key))))
    return keys[:people]


def reset(engine: Engine, keys: Sequence[str], outbox: Path) -> None:
    """The chosen people not invited, everyone else invited; an empty outbox."""
    with session_scope(engine) as session:
        session.exec(update(Participant).values(invited_at=utcnow(), invitation=""))
        session.exec(
            update(Participant).where(col(Participant.key).in_(list(keys))).values(invited_at=None)
        )
    shutil.rmtree(outbox, ignore_errors=True)


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def queue_batch(engine: Engine, settings: Settings) -> int:
    return invitations.invite_and_queue(engine, settings)


def queue_one_by_one(engine: Engine, settings: Settings, keys: Sequence[str]) -> int:
    for key in keys:
        with session_scope(engine) as session:
            notice = invitations.resend(session, settings, key)
        notify.queue(settings, [notice])
    return len(keys)


def deliver_per_connection(settings: Settings, messages: Sequence[Path]) -> int:
    for path in messages:
        message = message_from_bytes(path.read_bytes(), policy=policy.SMTP)
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        try:
            client.send_message(message)
        finally:
            client.quit()
    return len(messages)


def one_run(
    run: int, engine: Engine, settings: Settings, keys: Sequence[str], sink: Sink
) -> list[Row]:
    outbox = Path(settings.smtp_outbox)
    rows = []
    n = len(keys)

    def row(case: str, seconds: float, once: bool | None = None) -> Row:
        return Row(run, case, n, round(seconds, 3), round(n / seconds, 1), once)

    reset(engine, keys, outbox)
    seconds, count = timed(queue_one_by_one, engine, settings, keys)
    assert count == n
    rows.append(row("queue, one by one (baseline)", seconds))

    reset(engine, keys, outbox)
    seconds, count = timed(queue_batch, engine, settings)
    assert count == n, f"invited {count}, expected {n}"
    rows.append(row("queue, batch (invite all)", seconds))
    copies = outbox.parent / "copies"
    shutil.rmtree(copies, ignore_errors=True)
    copies.mkdir()
    for path in notify.Outbox(outbox).pending():
        shutil.copy(path, copies / path.name)

    sink.received.clear()
    seconds, delivery = timed(notify.deliver, settings)
    once = delivery.sent == n and len(sink.received) == n and set(sink.received.values()) == {1}
    rows.append(row("deliver, one connection", seconds, once))

    sink.received.clear()
    seconds, _ = timed(deliver_per_connection, settings, sorted(copies.glob("*.eml")))
    once = len(sink.received) == n and set(sink.received.values()) == {1}
    rows.append(row("deliver, connection per message (baseline)", seconds, once))
    return rows


def measure(people: int, runs: int, seed: int, directory: Path, scale: str = "expo") -> list[Row]:
    from aiosmtpd.controller import Controller

    engine = open_database(f"sqlite:///{directory / 'fair.sqlite'}")
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        print(f"preparing the {scale} fair (import, schedule, publish) ...", file=sys.stderr)
        keys = prepare(engine, people, seed, scale)
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_from_address="bench@fair.example",
            smtp_outbox=str(directory / "outbox"),
            server_base_url="https://fair.example",
        )
        rows: list[Row] = []
        for run in range(1, runs + 1):
            print(f"run {run}/{runs} ...", file=sys.stderr, flush=True)
            rows += one_run(run, engine, replace(settings), keys, sink)
        return rows
    finally:
        controller.stop()
        engine.dispose()


def table(rows: Sequence[Row], scale: str) -> str:
    people = rows[0].messages if rows else 0
    lines = [
        f"invitations for {people} participants of the {scale} fair (published: agenda + .ics)",
        f"{'run':>3}  {'case':<44} {'seconds':>8} {'per second':>11}  received once",
    ]
    for r in rows:
        once = "" if r.received_once is None else ("yes" if r.received_once else "NO")
        lines.append(f"{r.run:>3}  {r.case:<44} {r.seconds:>8.2f} {r.per_second:>11.1f}  {once}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`fair bench invite`: invitations queued and delivered per second."""
    parser = argparse.ArgumentParser(prog="fair bench invite", description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000, help="invited (default 1,000)")
    parser.add_argument("--runs", type=int, default=1, help="runs, each reported (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", default="expo", help="generated fair scale (default expo)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fair-bench-invite-") as tmp:
        rows = measure(args.people, args.runs, args.seed, Path(tmp), args.scale)
    if args.json:
        report = {"people": args.people, "scale": args.scale, "rows": [asdict(r) for r in rows]}
        print(json.dumps(report))
    else:
        print(table(rows, args.scale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
