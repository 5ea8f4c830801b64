"""Invitations against a real SMTP server (aiosmtpd on 127.0.0.1): everyone not yet
invited gets one e-mail in their language with a sign-in link that works, their agenda
and .ics once published and a calendar link; a second run invites nobody; a resend
replaces the link; a server that answers 451 gets every message again after the
backoff, none lost; 550 is kept as failed with the server's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import invitations, notify
from fair.db import session_scope
from fair.errors import Forbidden
from fair.loader import import_files
from fair.models import Participant, TokenKind
from fair.publishing import publish
from fair.settings import Settings
from fair.tokens import participant_for_token
from tests.factories import fair_files
from tests.fair.test_ical import build, next_draft
from tests.mail import Inbox, free_port

pytestmark = pytest.mark.integration
LINK = re.compile(r"https://fair\.example/p/([\w-]+)\?lang=(\w+)")
GREETING = {"en": "Dear {},", "zh": "尊敬的{}：", "ko": "{} 님께", "ja": "{} 様"}


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


def sign_in_token(message: EmailMessage) -> tuple[str, str]:
    found = LINK.search(body(message))
    assert found, body(message)
    return found.group(1), found.group(2)


def invite_all(engine: Engine, settings: Settings, **choice: str) -> int:
    return invitations.invite_and_queue(engine, settings, invitations.Choice(**choice))


# ---------------------------------------------------------------------------- content


def test_invitation_in_each_language_carries_link_agenda_calendar_and_ics(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    build(sqlite_engine)  # published: the agenda is in the mail
    assert invite_all(sqlite_engine, mail_settings) == 5
    assert notify.deliver(mail_settings) == notify.Delivery(5, 0, 0)
    got = smtp[0].by_recipient()
    with Session(sqlite_engine) as session:
        people = {p.email: p for p in session.exec(select(Participant))}
        assert {p.key: p.language for p in people.values()} == {
            "cn1": "zh",
            "kr1": "ko",
            "jp1": "ja",
            "de1": "en",
            "il1": "en",
        }
        for email, message in got.items():
            person = people[email]
            text = body(message)
            assert str(message["Content-Language"]) == person.language
            assert text.startswith(GREETING[person.language].format(person.name))
            token, lang = sign_in_token(message)
            assert lang == person.language
            assert participant_for_token(session, token, TokenKind.MAGIC).key == person.key
            feed = re.search(r"webcal://fair\.example/feed/([\w-]+)\.ics", text)
            assert feed, text
            assert participant_for_token(session, feed.group(1), TokenKind.FEED).id == person.id
            (ics,) = list(message.iter_attachments())
            assert ics.get_filename() == "agenda.ics"
            cal = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
            meetings = [e for e in cal.walk("VEVENT") if str(e["STATUS"]) == "CONFIRMED"]
            assert meetings, f"{person.key} has no meeting in the attached calendar"
            # One agenda line per meeting, with the counterpart's name.
            for event in meetings:
                assert str(event["SUMMARY"]) in text
    kr = body(got["minjun@busan-marine.example"])
    assert "%(fair)s" not in kr and "초대합니다" in kr and "내 미팅 (시간대: Asia/Seoul)" in kr
    assert "诚邀您参加" in body(got["wangwei@hairun.example"])
    assert "にご招待します" in body(got["hanako@hokkaido-suisan.example"])
    assert "you are invited to" in body(got["sarah@negev-fresh.example"])


def test_invitation_before_publication_says_the_agenda_comes_later(
    sqlite_engine: Engine, mail_settings: Settings
) -> None:
    import_files(sqlite_engine, fair_files())
    invite_all(sqlite_engine, mail_settings, search="kr1")
    (path,) = notify.Outbox(mail_settings.smtp_outbox).pending()
    message = message_from_bytes(path.read_bytes(), policy=policy.SMTP)
    assert isinstance(message, EmailMessage)
    assert "아직 미팅 일정이 정해지지 않았습니다" in body(message)
    assert not list(message.iter_attachments())


def test_invite_twice_invites_nobody_new_and_filters_choose(
    sqlite_engine: Engine, mail_settings: Settings
) -> None:
    import_files(sqlite_engine, fair_files())
    assert invite_all(sqlite_engine, mail_settings, country="KR") == 2
    assert invite_all(sqlite_engine, mail_settings, country="KR") == 0
    assert invite_all(sqlite_engine, mail_settings, role="buyer") == 2
    assert invite_all(sqlite_engine, mail_settings, search="LANG.example") == 0  # not e-mail
    assert invite_all(sqlite_engine, mail_settings) == 1  # the rest
    assert invite_all(sqlite_engine, mail_settings) == 0
    with Session(sqlite_engine) as session:
        people = session.exec(select(Participant)).all()
        assert all(p.invited_at is not None and p.invitation for p in people)
    assert len(notify.Outbox(mail_settings.smtp_outbox).pending()) == 5


def test_invite_unknown_role_is_refused_naming_it(
    sqlite_engine: Engine, mail_settings: Settings
) -> None:
    from fair.errors import InvalidInput

    import_files(sqlite_engine, fair_files())
    with pytest.raises(InvalidInput, match="'visitor'"):
        invite_all(sqlite_engine, mail_settings, role="visitor")
    assert notify.Outbox(mail_settings.smtp_outbox).pending() == []


def test_resend_replaces_the_link(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    build(sqlite_engine)
    invite_all(sqlite_engine, mail_settings, search="kr1")
    with session_scope(sqlite_engine) as session:
        notice = invitations.resend(session, mail_settings, "kr1")
    notify.queue(mail_settings, [notice])
    notify.deliver(mail_settings)
    first, second = smtp[0].all_by_recipient()["minjun@busan-marine.example"]
    old, new = sign_in_token(first)[0], sign_in_token(second)[0]
    with Session(sqlite_engine) as session:
        with pytest.raises(Forbidden):
            participant_for_token(session, old, TokenKind.MAGIC)
        assert participant_for_token(session, new, TokenKind.MAGIC).key == "kr1"
        person = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        assert person.invitation == notice.name
    # The calendar subscription of the first invitation keeps working.
    assert "webcal://" in body(first) and "webcal://" not in body(second)
    assert "이전에 받은 캘린더 구독은 계속 작동합니다" in body(second)


def test_change_mail_links_only_people_without_a_live_link(
    sqlite_engine: Engine, mail_settings: Settings
) -> None:
    fair = build(sqlite_engine)
    invite_all(sqlite_engine, mail_settings, search="cn1")  # cn1 holds a live link
    with session_scope(sqlite_engine) as session:
        diff = publish(session, fair, next_draft(session, fair, move="cn1-kr1"))
    paths = notify.queue_schedule_changes(sqlite_engine, fair, diff, mail_settings)
    by_person: dict[str, str] = {}
    for path in paths:
        message = message_from_bytes(path.read_bytes(), policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        by_person[str(message["To"])] = body(message)
    cn = by_person["王伟 <wangwei@hairun.example>"]
    kr = by_person["김민준 <minjun@busan-marine.example>"]
    assert "/p/" not in cn and "请使用邀请函中的个人链接登录" in cn
    token = LINK.search(kr)
    assert token and "개인 링크 (로그인용, 본인만 사용하세요):" in kr
    with Session(sqlite_engine) as session:
        assert participant_for_token(session, token.group(1), TokenKind.MAGIC).key == "kr1"


# ---------------------------------------------------------------------------- delivery


def backoff_minutes(n: int) -> float:
    return notify.backoff(n).total_seconds() / 60


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [backoff_minutes(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert notify.backoff(10_000) == timedelta(hours=1)


@dataclass
class Flaky(Inbox):
    """Answers 451 to the first try of every message, accepts the second."""

    seen: set[str] = field(default_factory=set)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        key = ",".join(envelope.rcpt_tos)
        if key not in self.seen:
            self.seen.add(key)
            return "451 4.3.0 mailbox busy, try later"
        return await super().handle_DATA(server, session, envelope)


def test_temporary_refusal_waits_the_backoff_then_delivers_all(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    inbox = Flaky()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_outbox=str(tmp_path / "outbox"),
            server_base_url="https://fair.example",
        )
        import_files(sqlite_engine, fair_files())
        invite_all(sqlite_engine, settings)
        start = datetime.now(UTC)
        assert notify.deliver(settings, now=start) == notify.Delivery(0, 0, 5)
        outbox = notify.Outbox(settings.smtp_outbox)
        states = [outbox.state(p.name) for p in outbox.pending()]
        assert {(s.state, s.attempts) for s in states} == {("waiting", 1)}
        assert all(s.answer == "451 4.3.0 mailbox busy, try later" for s in states)
        assert all(s.next_try == start + timedelta(minutes=1) for s in states)
        assert outbox.counts()["waiting"] == 5
        half = start + timedelta(seconds=30)
        assert notify.deliver(settings, now=half) == notify.Delivery(0, 0, 5)  # not yet
        later = start + timedelta(minutes=1)
        assert notify.deliver(settings, now=later) == notify.Delivery(5, 0, 0)
        assert len(inbox.by_recipient()) == 5  # each once, none lost
        assert outbox.counts() == {
            "queued": 0,
            "waiting": 0,
            "sending": 0,
            "sent": 5,
            "failed": 0,
        }
    finally:
        controller.stop()


def test_permanent_refusal_is_failed_with_the_answer_and_can_be_retried(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    smtp[0].refuse.add("minjun@busan-marine.example")
    import_files(sqlite_engine, fair_files())
    invite_all(sqlite_engine, mail_settings)
    assert notify.deliver(mail_settings) == notify.Delivery(4, 1, 0)
    with Session(sqlite_engine) as session:
        kr1 = session.exec(select(Participant).where(Participant.key == "kr1")).one()
    outbox = notify.Outbox(mail_settings.smtp_outbox)
    state = outbox.state(kr1.invitation)
    assert (state.state, state.answer, state.participant) == ("failed", "550 no such user", "kr1")
    assert [t.name for t in outbox.troubles()] == [kr1.invitation]
    smtp[0].refuse.clear()
    assert outbox.retry(kr1.invitation) and not outbox.retry(kr1.invitation)
    assert notify.deliver(mail_settings) == notify.Delivery(1, 0, 0)
    assert outbox.state(kr1.invitation).state == "sent"


def test_outbox_refuses_names_outside_it(tmp_path: Path) -> None:
    outbox = notify.Outbox(tmp_path)
    assert outbox.state("../../etc/passwd").state == "missing"
    assert not outbox.retry("../x.eml")


# ---------------------------------------------------------------------------- 1,000


COUNTRIES = [("KR", "Asia/Seoul", "ko"), ("CN", "Asia/Shanghai", "zh"), ("JP", "Asia/Tokyo", "ja")]
COUNTRIES += [("DE", "Europe/Berlin", "en"), ("TW", "Asia/Taipei", "zh")]


def thousand_files(count: int = 1000) -> tuple[dict[str, bytes], dict[str, str]]:
    """The small fair's files with `count` more buyers from five countries; and each new
    person's e-mail → the language their country implies."""
    from tests.factories import FAIR_TOML, PARTICIPANT_HEADER, PARTICIPANTS, csv_bytes

    rows = [dict(r) for r in PARTICIPANTS]
    expected = {}
    for i in range(count):
        country, zone, lang = COUNTRIES[i % len(COUNTRIES)]
        email = f"buyer{i}@b{i}.example"
        rows.append(
            {
                "id": f"b{i}",
                "company": f"Buyer {i} Ltd",
                "name": f"Buyer {i}",
                "email": email,
                "role": "buyer",
                "country": country,
                "timezone": zone,
            }
        )
        expected[email] = lang
    files = fair_files()
    files["fair.toml"] = FAIR_TOML.encode("utf-8")
    files["participants.csv"] = csv_bytes(PARTICIPANT_HEADER, rows)
    return files, expected


def test_thousand_invitations_arrive_once_each_in_their_language_with_a_working_link(
    sqlite_engine: Engine, mail_settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    files, expected = thousand_files()
    import_files(sqlite_engine, files)
    assert invite_all(sqlite_engine, mail_settings, search="buyer ") == 1000
    assert notify.deliver(mail_settings) == notify.Delivery(1000, 0, 0)
    got = smtp[0].by_recipient()  # fails on a second message to anyone
    assert set(got) == set(expected)
    with Session(sqlite_engine) as session:
        keys = {p.email: p.key for p in session.exec(select(Participant))}
        for email, message in got.items():
            lang = expected[email]
            assert str(message["Content-Language"]) == lang
            number = email.split("@")[0].removeprefix("buyer")
            assert body(message).startswith(GREETING[lang].format(f"Buyer {number}"))
            token, in_link = sign_in_token(message)
            assert in_link == lang
            assert participant_for_token(session, token, TokenKind.MAGIC).key == keys[email]
    assert invite_all(sqlite_engine, mail_settings, search="buyer ") == 0


@pytest.mark.parametrize("database", ["sqlite file", "postgres"])
def test_two_runs_at_once_invite_nobody_twice(
    database: str, request: pytest.FixtureRequest, tmp_path: Path, mail_settings: Settings
) -> None:
    """Two clicks (or processes) at the same moment: each person is claimed by one run."""
    from concurrent.futures import ThreadPoolExecutor

    from fair.db import open_database

    if database == "postgres":
        engine: Engine = request.getfixturevalue("postgres_engine")
    else:
        engine = open_database(f"sqlite:///{tmp_path / 'fair.sqlite'}")
    files, _ = thousand_files(150)
    import_files(engine, files)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(
                invitations.invite_and_queue, engine, mail_settings, invitations.Choice(), 10
            )
            for _ in range(2)
        ]
        counts = [r.result() for r in runs]
    assert sum(counts) == 155
    messages = notify.Outbox(mail_settings.smtp_outbox).pending()
    recipients = [
        str(message_from_bytes(p.read_bytes(), policy=policy.SMTP)["To"]) for p in messages
    ]
    assert len(recipients) == len(set(recipients)) == 155
    if database != "postgres":
        engine.dispose()
