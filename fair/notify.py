"""E-mail to participants: schedule changes (with iTIP invitations) and personal links.

Messages are never sent from inside a request or a publishing transaction. They are
written as `.eml` files to the outbox folder (`smtp.outbox`), which doubles as the
queue: with no SMTP host (the embedded default) they simply stay there to be read; with
`smtp.host` set, `deliver` sends each one, moves it to `sent/`, moves those the server
refuses for good to `failed/`, and leaves the rest for the next round (logged, never
lost). A message being sent sits in `sending/`; one left there by a crash goes back to
the queue after `STALE`.

After a publication, `schedule_messages` writes one message to each participant whose
meetings moved, appeared or were cancelled, and only to them. It lists what changed and
attaches one iTIP object (RFC 5546) per meeting: METHOD:REQUEST for a new or moved
meeting, METHOD:CANCEL for a dropped one, with the meeting's stable UID and its higher
SEQUENCE, so people who imported a file rather than subscribing stay right too.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair.calendar_events import CalendarEvent
from fair.ical import itip, participant_events, published_history
from fair.models import (
    Fair,
    Meeting,
    MeetingRequest,
    Participant,
    RequestAttendee,
    TokenKind,
    utcnow,
)
from fair.publishing import VersionDiff
from fair.settings import Settings
from fair.tokens import GRACE_DAYS, expires_at, issue_token

log = logging.getLogger("fair.notify")
STALE = timedelta(minutes=15)
_deliver_lock = threading.Lock()


# ---------------------------------------------------------------------------- outbox


class Outbox:
    """The outbox folder: pending `*.eml` files, plus `sending/`, `sent/`, `failed/`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(self, message: EmailMessage) -> Path:
        """Write `message` atomically; returns its path in the queue."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"
        temporary = self.root / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes(policy=policy.SMTP))
        path = self.root / name
        os.replace(temporary, path)
        return path

    def pending(self) -> list[Path]:
        return sorted(self.root.glob("*.eml")) if self.root.is_dir() else []

    def _folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def requeue_stale(self) -> int:
        """Move messages a crashed sender left in `sending/` back to the queue."""
        folder = self.root / "sending"
        if not folder.is_dir():
            return 0
        count = 0
        for path in folder.glob("*.eml"):
            if time.time() - path.stat().st_mtime > STALE.total_seconds():
                os.replace(path, self.root / path.name)
                count += 1
        return count


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int  # refused for good, moved to failed/
    waiting: int  # still queued (no SMTP host, or a temporary error)


def _connect(settings: Settings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    if settings.smtp_starttls:
        client.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        client.login(settings.smtp_username, settings.smtp_password)
    return client


def deliver(settings: Settings) -> Delivery:
    """Send what waits in the outbox (one round). Safe to call from several threads and
    processes: each message is claimed by moving it into `sending/` first."""
    outbox = Outbox(settings.smtp_outbox)
    if not settings.smtp_host:
        return Delivery(0, 0, len(outbox.pending()))
    with _deliver_lock:
        outbox.requeue_stale()
        pending = outbox.pending()
        if not pending:
            return Delivery(0, 0, 0)
        sent = failed = 0
        try:
            client = _connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning(
                "cannot reach SMTP %s:%s (%s); %d message(s) wait in %s",
                settings.smtp_host,
                settings.smtp_port,
                exc,
                len(pending),
                outbox.root,
            )
            return Delivery(0, 0, len(pending))
        try:
            for path in pending:
                claimed = outbox._folder("sending") / path.name
                try:
                    os.replace(path, claimed)
                except FileNotFoundError:
                    continue  # another sender took it
                message = message_from_bytes(claimed.read_bytes(), policy=policy.SMTP)
                try:
                    client.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                    log.error("SMTP refused %s for good (%s); kept in failed/", path.name, exc)
                    os.replace(claimed, outbox._folder("failed") / path.name)
                    failed += 1
                    continue
                except smtplib.SMTPResponseException as exc:
                    if 500 <= exc.smtp_code < 600:
                        log.error("SMTP refused %s (%s); kept in failed/", path.name, exc)
                        os.replace(claimed, outbox._folder("failed") / path.name)
                        failed += 1
                        continue
                    os.replace(claimed, path)
                    raise
                except BaseException:
                    os.replace(claimed, path)
                    raise
                os.replace(claimed, outbox._folder("sent") / path.name)
                sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP error after %d sent (%s); the rest is retried later", sent, exc)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        return Delivery(sent, failed, len(outbox.pending()))


# ---------------------------------------------------------------------------- messages


def _message(settings: Settings, to: Participant, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from_address
    message["To"] = formataddr((to.name, to.email))
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = settings.smtp_from_address.rpartition("@")[2] or "fair.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _when(event: CalendarEvent, zone: str) -> str:
    start = event.component.decoded("DTSTART").astimezone(ZoneInfo(zone))
    end = event.component.decoded("DTEND").astimezone(ZoneInfo(zone))
    return f"{start:%a %d %b %H:%M}–{end:%H:%M} ({zone})"


def _involved(session: Session, fair_id: int, request_ids: set[int]) -> set[int]:
    """Everyone on the changed requests: both sides, colleagues, and the third seats of
    the current and the previously published meeting."""
    if not request_ids:
        return set()
    ids: set[int] = set()
    for r in session.exec(select(MeetingRequest).where(col(MeetingRequest.id).in_(request_ids))):
        ids |= {r.from_id, r.to_id}
    for att in session.exec(
        select(RequestAttendee).where(col(RequestAttendee.request_id).in_(request_ids))
    ):
        ids.add(att.participant_id)
    current, older = published_history(session, fair_id)
    versions = [v.id for v in [current, *older[-1:]] if v is not None]
    for m in session.exec(
        select(Meeting).where(
            col(Meeting.version_id).in_(versions), col(Meeting.request_id).in_(request_ids)
        )
    ):
        if m.third_seat_id is not None:
            ids.add(m.third_seat_id)
    return ids


@dataclass(frozen=True)
class Notice:
    participant_key: str
    email: str
    message: EmailMessage


def schedule_messages(
    session: Session, fair_id: int, diff: VersionDiff, settings: Settings
) -> list[Notice]:
    """One message per participant whose meetings changed in the publication `diff`
    describes (call after `publish`, in the same or a later session)."""
    new, moved, cancelled = set(diff.new), set(diff.moved), set(diff.cancelled)
    changed = new | moved | cancelled
    fair = session.get(Fair, fair_id)
    assert fair is not None
    people = session.exec(
        select(Participant)
        .where(col(Participant.id).in_(_involved(session, fair_id, changed)))
        .order_by(col(Participant.key))
    ).all()
    notices = []
    base = settings.base_url
    for person in people:
        events = [
            e
            for e in participant_events(
                session, fair, person, base, settings.calendar_reminder_minutes
            )
            if e.request_id in changed
        ]
        if not events:
            continue
        lines = [
            f"Hello {person.name},",
            "",
            f"the organiser of {fair.name} published a new schedule. What changed for you "
            f"(times in {person.timezone}):",
            "",
        ]
        attachments: list[tuple[bytes, str]] = []
        for event in events:
            summary = str(event.component.get("SUMMARY", ""))
            where = str(event.component.get("LOCATION", ""))
            if event.cancelled:
                what, method = "Cancelled", "CANCEL"
            elif event.request_id in new:
                what, method = "New", "REQUEST"
            else:
                what, method = "Moved", "REQUEST"
            lines.append(f"- {what}: {summary}, {_when(event, person.timezone)}, {where}")
            attachments.append((itip(event, method), method))
        lines += [
            "",
            "The attached invitations update your calendar if you imported the schedule "
            "as a file; a subscribed calendar updates itself.",
            f"Your agenda: {base}/me",
        ]
        count = len(events)
        message = _message(
            settings,
            person,
            f"{fair.name}: your schedule changed ({count} meeting{'s' if count > 1 else ''})",
            "\n".join(lines) + "\n",
        )
        for n, (data, method) in enumerate(attachments, 1):
            message.add_attachment(
                data,
                maintype="text",
                subtype="calendar",
                params={"method": method, "charset": "utf-8"},
                filename=f"{'cancel' if method == 'CANCEL' else 'invite'}-{n}.ics",
            )
        notices.append(Notice(person.key, person.email, message))
    return notices


def magic_link_message(session: Session, person: Participant, settings: Settings) -> Notice:
    """Issue `person` a new personal link (the old one stops working) and the message
    that carries it. Queue the message only after the caller has committed."""
    fair = session.get(Fair, person.fair_id)
    assert fair is not None
    token = issue_token(session, person, TokenKind.MAGIC)
    link = f"{settings.base_url}/p/{token}"
    until = expires_at(fair, utcnow()).astimezone(ZoneInfo(fair.timezone))
    body = (
        f"Hello {person.name},\n\n"
        f"this is your personal link to {fair.name}: your agenda, meeting requests, "
        f"video rooms and calendar.\n\n{link}\n\n"
        "Keep it to yourself: anyone with the link can act as you. If it leaks, ask the "
        "organiser for a new one; the old one then stops working.\n\n"
        f"It works until {until:%Y-%m-%d}: links work {GRACE_DAYS} days after the fair, "
        "or after they are issued if that is later.\n"
    )
    return Notice(
        person.key, person.email, _message(settings, person, f"{fair.name}: your link", body)
    )


def queue(settings: Settings, notices: Iterable[Notice]) -> list[Path]:
    outbox = Outbox(settings.smtp_outbox)
    paths = [outbox.put(n.message) for n in notices]
    if paths:
        log.info("queued %d message(s) in %s", len(paths), outbox.root)
    return paths


def queue_schedule_changes(
    engine: Engine, fair_id: int, diff: VersionDiff, settings: Settings
) -> list[Path]:
    """Build and queue the change notices of a committed publication."""
    if not (diff.new or diff.moved or diff.cancelled):
        return []
    with Session(engine) as session:
        notices = schedule_messages(session, fair_id, diff, settings)
    return queue(settings, notices)
