"""Notification e-mails against a real SMTP server (aiosmtpd on 127.0.0.1): exactly the
participants whose meetings changed get mail, with iTIP REQUEST/CANCEL attachments that
keep the UID and raise SEQUENCE; the outbox keeps what could not be sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import notify
from fair.db import session_scope
from fair.mailtext import Words
from fair.models import MeetingRequest
from fair.publishing import VersionDiff, publish
from fair.settings import Settings
from tests.fair.test_ical import PEOPLE, build, next_draft
from tests.mail import Inbox, free_port

pytestmark = pytest.mark.integration
EMAIL = {p["id"]: p["email"] for p in PEOPLE}


def invitations(message: EmailMessage) -> dict[str, tuple[str, int, str]]:
    """UID → (METHOD, SEQUENCE, STATUS) of each iTIP attachment."""
    found = {}
    for part in message.iter_attachments():
        assert part.get_content_type() == "text/calendar"
        cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        method = str(cal["METHOD"])
        assert part.get_param("method") == method
        (event,) = cal.walk("VEVENT")
        assert "ORGANIZER" in event and "ATTENDEE" in event
        found[str(event["UID"])] = (method, int(event["SEQUENCE"]), str(event["STATUS"]))
    return found


def uid(engine: Engine, key: str) -> str:
    with Session(engine) as session:
        r = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
        return f"{r.uid}@fair"


def test_first_publication_invites_everyone_with_sequence_zero(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    fair = build(sqlite_engine)
    with Session(sqlite_engine) as session:
        request_ids = tuple(r.id for r in session.exec(select(MeetingRequest)) if r.id)
    diff = VersionDiff(kept=(), moved=(), new=request_ids, cancelled=())
    queued = notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings)
    assert len(queued) == 12  # one invitation per message: 6 meetings, 2 people each
    assert notify.deliver(mail_settings) == notify.Delivery(sent=12, failed=0, waiting=0)
    got = smtp[0].all_by_recipient()
    assert set(got) == set(EMAIL.values())
    cn1: dict[str, tuple[str, int, str]] = {}
    for message in got[EMAIL["cn1"]]:
        one = invitations(message)
        assert len(one) == 1
        cn1 |= one
    assert len(cn1) == 3 and {v for v in cn1.values()} == {("REQUEST", 0, "CONFIRMED")}


def test_invitation_message_is_imip_with_the_calendar_inline_and_attached(
    sqlite_engine: Engine, mail_settings: Settings
) -> None:
    """Outlook looks for the invitation in the first part of multipart/mixed and reads
    one VEVENT; Gmail and Apple Mail offer the attached .ics. Each message has both,
    the same object, with the METHOD in the Content-Type."""
    fair = build(sqlite_engine)
    with Session(sqlite_engine) as session:
        request_ids = tuple(r.id for r in session.exec(select(MeetingRequest)) if r.id)
    diff = VersionDiff(kept=(), moved=(), new=request_ids, cancelled=())
    for path in notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings):
        message = message_from_bytes(path.read_bytes(), policy=policy.SMTP)
        assert message.get_content_type() == "multipart/mixed"
        first, attached = message.get_payload()  # type: ignore[misc]
        assert first.get_content_type() == "multipart/alternative"
        plain, inline = first.get_payload()
        assert plain.get_content_type() == "text/plain"
        assert inline.get_content_type() == "text/calendar"
        assert inline.get_param("method") == "REQUEST"
        assert attached.get_content_type() == "text/calendar"
        assert attached.get_filename() == "invite.ics"
        assert inline.get_content() == attached.get_content()
        cal = icalendar.Calendar.from_ical(inline.get_content())
        assert str(cal["METHOD"]) == "REQUEST" and len(cal.walk("VEVENT")) == 1
        summary = str(cal.walk("VEVENT")[0]["SUMMARY"])
        new = Words(str(message["Content-Language"])).text("New")
        assert summary in str(message["Subject"]) and f"{new} – " in str(message["Subject"])


def test_resolve_mails_only_participants_whose_meetings_changed(
    engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    fair = build(engine)
    moved, dropped = uid(engine, "cn1-kr1"), uid(engine, "il1-jp1")
    with session_scope(engine) as session:
        diff = publish(session, fair, next_draft(session, fair, move="cn1-kr1", drop="il1-jp1"))
    queued = notify.queue_schedule_changes(engine, fair, diff, mail_settings)
    notify.deliver(mail_settings)
    got = smtp[0].by_recipient()
    assert len(queued) == 4
    assert set(got) == {EMAIL[k] for k in ("cn1", "kr1", "il1", "jp1")}  # not de1
    for key, moved_word in (("cn1", "已改期"), ("kr1", "일정 변경")):  # their languages
        assert invitations(got[EMAIL[key]]) == {moved: ("REQUEST", 1, "CONFIRMED")}
        assert f"{moved_word}: Meeting:" in got[EMAIL[key]].get_body(("plain",)).get_content()
    for key in ("il1", "jp1"):
        assert invitations(got[EMAIL[key]]) == {dropped: ("CANCEL", 1, "CANCELLED")}
    assert "Cancelled – Meeting:" in str(got[EMAIL["il1"]]["Subject"])  # IL: English
    assert "キャンセル – Meeting:" in str(got[EMAIL["jp1"]]["Subject"])
    outbox = Path(mail_settings.smtp_outbox)
    assert len(list((outbox / "sent").glob("*.eml"))) == 4 and not list(outbox.glob("*.eml"))


def test_unchanged_publication_mails_nobody(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    fair = build(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        diff = publish(session, fair, next_draft(session, fair))
    assert notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings) == []
    notify.deliver(mail_settings)
    assert smtp[0].messages == []


def test_outbox_default_writes_eml_files_and_sends_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(smtp_outbox=str(tmp_path / "outbox"))
    assert settings.smtp_host == ""
    fair = build(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        diff = publish(session, fair, next_draft(session, fair, drop="cn1-de1"))
    paths = notify.queue_schedule_changes(sqlite_engine, fair, diff, settings)
    assert notify.deliver(settings) == notify.Delivery(0, 0, 2)
    to = sorted(str(message_from_bytes(p.read_bytes(), policy=policy.default)["To"]) for p in paths)
    assert to == ["Jörg Müller <joerg@mueller-schmidt.example>", "王伟 <wangwei@hairun.example>"]


def test_failed_delivery_is_kept_and_retried(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    fair = build(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        diff = publish(session, fair, next_draft(session, fair, drop="cn1-de1"))
    notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings)
    down = replace(mail_settings, smtp_port=free_port())  # nobody listens there
    start = datetime.now(UTC)
    assert notify.deliver(down, now=start) == notify.Delivery(0, 0, 2)
    assert smtp[0].messages == []
    outbox = notify.Outbox(mail_settings.smtp_outbox)
    waiting = [outbox.state(p.name) for p in outbox.pending()]
    assert {(s.state, s.attempts) for s in waiting} == {("waiting", 1)}
    assert all(s.answer.startswith("cannot connect") for s in waiting)
    # Not before its backoff is over, then delivered.
    assert notify.deliver(mail_settings, now=start) == notify.Delivery(0, 0, 2)
    later = start + notify.backoff(1)
    assert notify.deliver(mail_settings, now=later) == notify.Delivery(2, 0, 0)
    assert len(smtp[0].messages) == 2


def test_refused_recipient_moves_to_failed_and_others_go_out(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    smtp[0].refuse.add(EMAIL["de1"])
    fair = build(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        diff = publish(session, fair, next_draft(session, fair, drop="cn1-de1"))
    notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings)
    assert notify.deliver(mail_settings) == notify.Delivery(1, 1, 0)
    assert set(smtp[0].by_recipient()) == {EMAIL["cn1"]}
    assert len(list((Path(mail_settings.smtp_outbox) / "failed").glob("*.eml"))) == 1


def test_stale_claim_goes_back_to_queue(tmp_path: Path) -> None:
    import os
    import time

    outbox = notify.Outbox(tmp_path)
    message = EmailMessage()
    message["To"] = "x@example.org"
    message.set_content("hi")
    path = outbox.put(message)
    sending = tmp_path / "sending"
    sending.mkdir()
    claimed = sending / path.name
    os.replace(path, claimed)
    old = time.time() - 3600
    os.utime(claimed, (old, old))
    assert outbox.requeue_stale() == 1 and outbox.pending() == [path]


def test_a_line_break_in_a_name_never_reaches_a_mail_header(mail_settings: Settings) -> None:
    """The importer and the registration form refuse line breaks in names; a name that
    got one another way still gives a valid message (its header folded to one line), not
    a crash after a commit or an injected header."""
    message = notify.plain_message(
        mail_settings,
        "Eve\r\nBcc: all@evil.example",
        "minjun@busan-marine.example",
        "Fair\nBcc: x@evil.example",
        "Hello\n",
    )
    notice = notify.Notice("kr1", "minjun@busan-marine.example", message)
    (path,) = notify.queue(mail_settings, [notice])
    headers = path.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    assert str(message["To"]) == '"Eve Bcc: all@evil.example" <minjun@busan-marine.example>'
    assert str(message["Subject"]) == "Fair Bcc: x@evil.example"


def test_a_publication_stopped_before_its_mails_sends_them_at_the_next_start(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """The publication committed, then the process died before queuing (issue 18, item
    5: 0 of 56 queued, and a rerun said "already published"): the next start's check
    queues every one, once; a second check queues nothing."""
    fair = build(sqlite_engine)  # published, no e-mail queued: as if killed right then
    missed = notify.queue_missed(sqlite_engine, mail_settings)
    assert len(missed) == 12
    assert notify.queue_missed(sqlite_engine, mail_settings) == []
    assert notify.queue_missed(sqlite_engine, mail_settings, fair) == []
    assert notify.deliver(mail_settings).sent == 12
    assert set(smtp[0].all_by_recipient()) == set(EMAIL.values())
