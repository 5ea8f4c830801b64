"""E-mail to participants: schedule changes (with iTIP invitations) and personal links.

Messages are never sent from inside a request or a publishing transaction. They are
written as `.eml` files to the outbox folder (`smtp.outbox`), which doubles as the
queue: with no SMTP host (the embedded default) they simply stay there to be read; with
`smtp.host` set, `deliver` sends each one, moves it to `sent/`, moves those the server
refuses for good to `failed/`, and leaves the rest for the next round (logged, never
lost). A message being sent sits in `sending/`; one left there by a crash goes back to
the queue after `STALE`.

`sync_calendars` records what each participant's calendar now shows
(`fair.calendar_state`) and writes one message per changed meeting to each person whose
events changed, and only to them: after a publication (`schedule_messages`), after an
import (`queue_calendar_changes`) and when a feed finds a change not yet recorded. Each
message says what changed and carries that meeting's iTIP object (RFC 5546, sent as
iMIP): METHOD:REQUEST for a new, moved or otherwise changed meeting, METHOD:CANCEL for a
dropped one or one the person was taken off, with the meeting's stable UID and the
person's higher SEQUENCE, so people who imported a file rather than subscribing stay
right too.
"""

from __future__ import annotations

import json
import logging
import os
import re
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
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair import calendar_state
from fair.db import session_scope
from fair.ical import itip, participant_events, published_history
from fair.mailtext import Words, _
from fair.models import (
    Fair,
    Meeting,
    MeetingRequest,
    Participant,
    RequestAttendee,
    ScheduleVersion,
    TokenKind,
    VersionStatus,
    utcnow,
)
from fair.publishing import MAIL, MAIL_DUE, MAIL_QUEUED, VersionDiff, mark_mail
from fair.settings import Settings
from fair.tokens import issue_token, live_token_holders

log = logging.getLogger("fair.notify")
STALE = timedelta(minutes=15)
_deliver_lock = threading.Lock()


# ---------------------------------------------------------------------------- outbox

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{12}\.eml$")
STATES = ("queued", "waiting", "sending", "sent", "failed", "missing")


def backoff(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed try: 1, 2, 4, 8 … minutes,
    at most an hour. A temporary refusal never gives up: the message waits, it is not
    lost."""
    doublings: int = min(max(attempts - 1, 0), 16)
    return min(BACKOFF_CAP, BACKOFF_FIRST * (1 << doublings))


def message_name(moment: datetime | None = None) -> str:
    """A new message's file name: sortable by when it was made, unguessable."""
    return f"{(moment or datetime.now(UTC)):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"


@dataclass(frozen=True)
class MailState:
    """Where one message is: `queued` (waiting for its first try), `waiting` (a try
    failed for a while; `next_try`), `sending`, `sent`, `failed` (refused for good;
    `answer` is the SMTP server's), or `missing` (not in the outbox)."""

    name: str
    state: str
    kind: str = ""
    participant: str = ""
    attempts: int = 0
    next_try: datetime | None = None
    answer: str = ""


class Outbox:
    """The outbox folder: pending `*.eml` files, plus `sending/`, `sent/`, `failed/`, and
    each message's record in `state/<name>.json` (what it is for, failed tries, the
    server's last answer, the next try). The folder a message is in is its state."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(
        self, message: EmailMessage, name: str = "", kind: str = "", participant: str = ""
    ) -> Path:
        """Write `message` atomically (its record first); returns its path in the queue."""
        name = name or message_name()
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_record(name, {"kind": kind, "participant": participant, "attempts": 0})
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

    def _record_path(self, name: str) -> Path:
        return self.root / "state" / f"{name}.json"

    def record(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads(self._record_path(name).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_record(self, name: str, data: dict[str, Any]) -> None:
        folder = self._folder("state")
        temporary = folder / f".{name}.json.tmp"
        temporary.write_text(json.dumps(data, sort_keys=True), "utf-8")
        os.replace(temporary, folder / f"{name}.json")

    def _tried(self, name: str, answer: str, now: datetime) -> int:
        """Record a failed try of `name`; returns its count of tries."""
        data = self.record(name)
        attempts = int(data.get("attempts", 0)) + 1
        data |= {
            "attempts": attempts,
            "answer": answer,
            "next_try": (now + backoff(attempts)).isoformat(),
        }
        self._write_record(name, data)
        return attempts

    def is_due(self, name: str, now: datetime) -> bool:
        when = self.record(name).get("next_try")
        return not when or datetime.fromisoformat(when) <= now

    def state(self, name: str) -> MailState:
        """Where message `name` is, and its record."""
        if not NAME.fullmatch(name):
            return MailState(name, "missing")
        found = "missing"
        for folder, state in (("", "queued"), ("sending", "sending"), ("sent", "sent")):
            if (self.root / folder / name).is_file():
                found = state
                break
        else:
            if (self.root / "failed" / name).is_file():
                found = "failed"
        data = self.record(name)
        attempts = int(data.get("attempts", 0))
        if found == "queued" and attempts:
            found = "waiting"
        when = data.get("next_try")
        return MailState(
            name=name,
            state=found,
            kind=str(data.get("kind", "")),
            participant=str(data.get("participant", "")),
            attempts=attempts,
            next_try=datetime.fromisoformat(when) if when and found == "waiting" else None,
            answer=str(data.get("answer", "")),
        )

    def counts(self) -> dict[str, int]:
        """How many messages are in each state (`queued` and `waiting` told apart by
        their records)."""
        out = dict.fromkeys(STATES[:-1], 0)
        for path in self.pending():
            out["waiting" if self.record(path.name).get("attempts") else "queued"] += 1
        for folder in ("sending", "sent", "failed"):
            where = self.root / folder
            out[folder] = sum(1 for _ in where.glob("*.eml")) if where.is_dir() else 0
        return out

    def troubles(self, limit: int = 200) -> list[MailState]:
        """Messages refused for good and those waiting for a retry, newest first."""
        names = [p.name for p in self.pending() if self.record(p.name).get("attempts")]
        failed = self.root / "failed"
        if failed.is_dir():
            names += [p.name for p in failed.glob("*.eml")]
        return [self.state(n) for n in sorted(names, reverse=True)[:limit]]

    def retry(self, name: str) -> bool:
        """Put a message refused for good back in the queue, to be tried at once."""
        if not NAME.fullmatch(name):
            return False
        try:
            os.replace(self.root / "failed" / name, self.root / name)
        except FileNotFoundError:
            return False
        data = self.record(name)
        data.pop("next_try", None)
        self._write_record(name, data)
        return True

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
    waiting: int  # still queued (no SMTP host, a temporary error, or waiting for a retry)


def _connect(settings: Settings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    if settings.smtp_starttls:
        client.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        client.login(settings.smtp_username, settings.smtp_password)
    return client


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


def _refusal(exc: smtplib.SMTPException) -> tuple[bool, str]:
    """(for good?, the server's answer) of a refusal: 5xx is for good, 4xx temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = list(exc.recipients.values())
        answer = "; ".join(_answer(c, t) for c, t in codes)
        return all(500 <= c < 600 for c, _ in codes), answer
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, _answer(exc.smtp_code, exc.smtp_error)
    return False, str(exc)


def _send(client: smtplib.SMTP, data: bytes) -> None:
    """Send a stored message as it is (written with CRLF line ends): only its headers
    are read, for the envelope; parsing and re-writing the whole message (attachments
    and all) would cost more than the send."""
    headers = BytesHeaderParser(policy=policy.SMTP).parsebytes(data)
    sender = getaddresses(headers.get_all("From", []))
    recipients = [a for _, a in getaddresses(headers.get_all("To", [])) if a]
    if not all(a.isascii() for a in [*recipients, *(a for _, a in sender)]):
        client.send_message(message_from_bytes(data, policy=policy.SMTP))  # SMTPUTF8
        return
    client.sendmail(sender[0][1] if sender else "", recipients, data)


def deliver(settings: Settings, now: datetime | None = None) -> Delivery:
    """Send what waits in the outbox and is due (one round). Safe to call from several
    threads and processes: each message is claimed by moving it into `sending/` first.
    A message the server refuses for good (5xx) moves to `failed/` with the answer; one
    refused for now (4xx, a lost connection) goes back to the queue with its try counted
    and waits `backoff(tries)` before the next."""
    outbox = Outbox(settings.smtp_outbox)
    if not settings.smtp_host:
        return Delivery(0, 0, len(outbox.pending()))
    moment = now or datetime.now(UTC)
    with _deliver_lock:
        outbox.requeue_stale()
        due = [p for p in outbox.pending() if outbox.is_due(p.name, moment)]
        if not due:
            return Delivery(0, 0, len(outbox.pending()))
        sent = failed = 0
        try:
            client = _connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning(
                "cannot reach SMTP %s:%s (%s); %d message(s) wait in %s",
                settings.smtp_host,
                settings.smtp_port,
                exc,
                len(due),
                outbox.root,
            )
            for path in due:
                outbox._tried(path.name, f"cannot connect: {exc}", moment)
            return Delivery(0, 0, len(outbox.pending()))
        try:
            for path in due:
                claimed = outbox._folder("sending") / path.name
                try:
                    os.replace(path, claimed)
                except FileNotFoundError:
                    continue  # another sender took it
                data = claimed.read_bytes()
                try:
                    _send(client, data)
                except smtplib.SMTPServerDisconnected as exc:
                    os.replace(claimed, path)
                    outbox._tried(path.name, f"connection lost: {exc}", moment)
                    raise
                except smtplib.SMTPException as exc:  # an answer (SMTPException is an OSError)
                    for_good, answer = _refusal(exc)
                    if for_good:
                        log.error("SMTP refused %s for good (%s); in failed/", path.name, answer)
                        outbox._tried(path.name, answer, moment)
                        os.replace(claimed, outbox._folder("failed") / path.name)
                        failed += 1
                    else:
                        tries = outbox._tried(path.name, answer, moment)
                        log.warning(
                            "SMTP refused %s for now (%s); try %d, next in %s",
                            path.name,
                            answer,
                            tries,
                            backoff(tries),
                        )
                        os.replace(claimed, path)
                        if getattr(exc, "smtp_code", 0) == 421:
                            raise  # the server closes the connection
                    continue
                except OSError as exc:
                    os.replace(claimed, path)
                    outbox._tried(path.name, f"connection lost: {exc}", moment)
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


_HEADER_BREAK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def one_line(text: str) -> str:
    """`text` fit for a mail header: a line break there would fail the message (and,
    unchecked, inject headers). The importer refuses them in names; this is the last
    guard for anything else that reaches a header."""
    return _HEADER_BREAK.sub(" ", text).strip()


def _message(settings: Settings, to: Participant, subject: str, body: str) -> EmailMessage:
    return plain_message(settings, to.name, to.email, subject, body)


def plain_message(
    settings: Settings, name: str, email: str, subject: str, body: str
) -> EmailMessage:
    """A plain-text message from the fair to `name` <`email`>."""
    message = EmailMessage()
    message["From"] = settings.smtp_from_address
    message["To"] = formataddr((one_line(name), one_line(email)))
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = settings.smtp_from_address.rpartition("@")[2] or "fair.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


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
    name: str = ""  # the outbox file name, when chosen before queueing
    kind: str = "change"  # what the message is for: change, invitation, link


def sync_calendars(
    session: Session,
    fair_id: int,
    settings: Settings,
    person_ids: set[int] | None = None,
    now: datetime | None = None,
    announce: frozenset[int] = frozenset(),
    moved: frozenset[int] = frozenset(),
) -> list[Notice]:
    """Record what each participant's calendar now shows (`fair.calendar_state`) and
    build one message for each person whose events changed. `person_ids`: only these
    people, and everyone else on the requests whose events changed for them (None:
    every participant of the fair). `announce`: requests whose events count as new on a
    calendar never recorded before (a publication's new, moved and dropped meetings);
    `moved`: requests described as moved rather than changed. The caller commits, then
    queues the messages."""
    fair = session.get(Fair, fair_id)
    assert fair is not None
    moment = now or utcnow()
    query = select(Participant).where(Participant.fair_id == fair_id)
    if person_ids is not None:
        query = query.where(col(Participant.id).in_(person_ids))
    plans: list[tuple[Participant, calendar_state.Plan]] = []
    done: set[int] = set()
    people = list(session.exec(query.order_by(col(Participant.key))))
    for round_ in range(2):
        for person in people:
            assert person.id is not None
            done.add(person.id)
            events = participant_events(
                session, fair, person, settings.base_url, settings.calendar_reminder_minutes
            )
            state = calendar_state.load(session, person.id)
            plans.append((person, calendar_state.plan(person.id, events, state, moment, announce)))
        if person_ids is None or round_:
            break
        # Everyone else who sees the requests that changed for these people.
        changed = set().union(*(p.request_ids for _, p in plans))
        others = _involved(session, fair_id, changed) | calendar_state.people_on(session, changed)
        others -= done
        people = list(
            session.exec(
                select(Participant)
                .where(col(Participant.id).in_(others))
                .order_by(col(Participant.key))
            )
        )
    calendar_state.apply(session, (p for _, p in plans))
    # A sign-in link only for whoever holds no live one: issuing one in every change
    # mail would replace, at each publication, the link people already use.
    holders = live_token_holders(session, fair, TokenKind.MAGIC, moment)
    notices = []
    for person, p in sorted(plans, key=lambda x: x[0].key):
        changes = sorted(
            p.changes, key=lambda c: (c.event.component.decoded("DTSTART"), c.event.uid)
        )
        link = ""
        if changes and person.id not in holders:
            token = issue_token(session, person, TokenKind.MAGIC)
            link = f"{settings.base_url}/p/{token}?lang={Words(person.language).language}"
            holders.add(person.id or 0)
        notices += [_change_message(settings, fair, person, c, moved, link) for c in changes]
    return notices


def _change_message(
    settings: Settings,
    fair: Fair,
    person: Participant,
    change: calendar_state.Change,
    moved: frozenset[int],
    link: str = "",
) -> Notice:
    """One iMIP message (RFC 6047) for one change, in the person's language: a short
    text, and the iTIP object both inline (multipart/alternative, where Outlook looks for
    it) and as an .ics attachment (where Gmail and Apple Mail offer it). One meeting per
    message: Outlook reads only the first invitation of a message and the first VEVENT
    of an object, and iTIP allows one UID per object, so a digest could not update
    calendars. `link`: a sign-in link issued with this message (for someone who held no
    live one); otherwise the text points to the link of their invitation."""
    w = Words(person.language)
    event = change.event
    summary = str(event.component.get("SUMMARY", ""))
    where = str(event.component.get("LOCATION", ""))
    if change.kind == "cancelled":
        what, method = w.text(_("Cancelled")), "CANCEL"
    elif event.request_id in moved:
        what, method = w.text(_("Moved")), "REQUEST"
    else:
        what = w.text(_("New") if change.kind == "new" else _("Changed"))
        method = "REQUEST"
    start = event.component.decoded("DTSTART")
    when = w.span(start, event.component.decoded("DTEND"), person.timezone)
    if link:
        sign_in = [w.text(_("Your personal link (it signs you in; keep it to yourself):")), link]
    else:
        sign_in = [
            w.text(
                _(
                    "Sign in with the personal link from your invitation. Lost it? Ask the "
                    "organiser to send you a new one."
                )
            )
        ]
    body = "\n".join(
        [
            w.text(_("Dear %(name)s,"), name=person.name),
            "",
            w.text(
                _("your schedule at %(fair)s changed (times in %(zone)s):"),
                fair=fair.name,
                zone=person.timezone,
            ),
            "",
            f"- {what}: {summary}, {when}, {where}",
            "",
            w.text(
                _(
                    "The invitation updates your calendar if you imported the schedule as a "
                    "file; a subscribed calendar updates itself."
                )
            ),
            "",
            *sign_in,
            w.text(_("Your agenda: %(url)s"), url=f"{settings.base_url}/me"),
        ]
    )
    message = _message(settings, person, f"{fair.name}: {what} – {summary}, {when}", body + "\n")
    text = itip(event, method, change.text).decode("utf-8")
    message.add_alternative(text, subtype="calendar", params={"method": method})
    message.add_attachment(
        text,
        subtype="calendar",
        params={"method": method},
        filename="cancel.ics" if method == "CANCEL" else "invite.ics",
    )
    message["Content-Language"] = w.language  # after the parts: they would take it along
    return Notice(person.key, person.email, message)


def schedule_messages(
    session: Session, fair_id: int, diff: VersionDiff, settings: Settings
) -> list[Notice]:
    """After a publication (`diff`, in the same or a later session): record every
    participant's calendar and build one message for each whose events changed — moved,
    new or dropped meetings, and also people added or removed and renamed counterparts
    since the last time. The caller commits."""
    current, _ = published_history(session, fair_id)
    hint = frozenset(diff.new) | frozenset(diff.moved) | frozenset(diff.cancelled)
    if current is not None:
        mark_mail(current, MAIL_QUEUED)  # committed with the calendar record
        session.add(current)
    return sync_calendars(
        session,
        fair_id,
        settings,
        now=current.published_at if current else None,
        announce=hint,
        moved=frozenset(diff.moved),
    )


def queue(settings: Settings, notices: Iterable[Notice]) -> list[Path]:
    outbox = Outbox(settings.smtp_outbox)
    paths = [
        outbox.put(n.message, name=n.name, kind=n.kind, participant=n.participant_key)
        for n in notices
    ]
    if paths:
        log.info("queued %d message(s) in %s", len(paths), outbox.root)
    return paths


def queue_schedule_changes(
    engine: Engine, fair_id: int, diff: VersionDiff, settings: Settings
) -> list[Path]:
    """Record the calendars after a committed publication and queue the change notices.
    The messages are in the outbox before the record commits: a process stopped in
    between sends them again on its next start (`queue_missed`) rather than never."""
    with session_scope(engine) as session:
        notices = schedule_messages(session, fair_id, diff, settings)
        return queue(settings, notices)


def queue_calendar_changes(engine: Engine, fair_id: int, settings: Settings) -> list[Path]:
    """After a change outside a publication (an import that renamed a company or changed
    who attends a request): record every participant's calendar and queue the iTIP
    messages of those whose events changed. Nothing to do before the first publication."""
    with session_scope(engine) as session:
        current, _ = published_history(session, fair_id)
        notices = [] if current is None else sync_calendars(session, fair_id, settings)
        return queue(settings, notices)  # before the record commits, as above


def queue_missed(engine: Engine, settings: Settings, fair_id: int | None = None) -> list[Path]:
    """The e-mails a publication committed but never queued (the process stopped right
    after the commit): for each fair with a published version (or `fair_id`), what each
    participant's calendar shows now is compared with what was recorded as sent, and the
    difference is queued. Only a published version whose e-mails are still due (marked so
    by its publication, in the same commit) is looked at, so a publication that mailed,
    or one that mails nobody (the demo), costs nothing; run at `fair serve`'s start and
    by `fair publish`."""
    with Session(engine) as session:
        query = select(ScheduleVersion.fair_id).where(
            ScheduleVersion.status == VersionStatus.PUBLISHED
        )
        if fair_id is not None:
            query = query.where(ScheduleVersion.fair_id == fair_id)
        fairs = sorted(set(session.exec(query).all()))
    paths: list[Path] = []
    for fid in fairs:
        with session_scope(engine) as session:
            current, _ = published_history(session, fid)
            if current is None or current.figures.get(MAIL) != MAIL_DUE:
                continue
            mark_mail(current, MAIL_QUEUED)
            session.add(current)
            # A calendar never recorded was never told: its meetings are news, as the
            # publication that stopped would have announced them.
            shown = frozenset(
                session.exec(
                    select(Meeting.request_id).where(Meeting.version_id == current.id)
                ).all()
            )
            notices = sync_calendars(session, fid, settings, announce=shown)
            paths += queue(settings, notices)  # before the record commits
    if paths:
        log.warning("queued %d e-mail(s) a stopped process had not sent", len(paths))
    return paths
