"""Per-person calendar state (issue 17, items 1 and 3): every change a participant can
see in a meeting's event — people added or removed, a counterpart renamed — raises
SEQUENCE, moves DTSTAMP/LAST-MODIFIED, and sends one iTIP message (REQUEST or CANCEL)
to each person affected; an unchanged calendar changes nothing and mails nobody."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import icalendar
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair import notify
from fair.db import session_scope
from fair.ical import participant_calendar_file
from fair.loader import import_files
from fair.models import Company, MeetingRequest
from fair.publishing import VersionDiff
from fair.scheduling import schedule_fair
from fair.settings import Settings
from tests.factories import REQUEST_HEADER, csv_bytes
from tests.fair.test_ical import BASE, DST_FAIR, HEADER, PEOPLE, REQUESTS

pytestmark = pytest.mark.integration

COLLEAGUE = {**PEOPLE[0], "id": "cn2", "name": "李娜", "email": "lina@hairun.example"}
HEADER_WITH = (*REQUEST_HEADER, "with_from", "with_to")


def files(with_colleague: bool) -> dict[str, bytes]:
    requests = [
        {**r, "with_from": "cn2" if with_colleague and r["id"] == "cn1-kr1" else ""}
        for r in REQUESTS
    ]
    return {
        "fair.toml": DST_FAIR.encode("utf-8"),
        "participants.csv": csv_bytes(HEADER, [*PEOPLE, COLLEAGUE]),
        "requests.csv": csv_bytes(HEADER_WITH, requests),
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(smtp_outbox=str(tmp_path / "outbox"), server_base_url=BASE)


@pytest.fixture
def fair(engine: Engine, settings: Settings) -> int:
    """Published with cn2 on cn1–kr1, and the first publication's invitations queued."""
    from fair.publishing import publish

    summary = import_files(engine, files(with_colleague=True))
    number, _ = schedule_fair(
        engine, summary.fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    with session_scope(engine) as session:
        diff = publish(session, summary.fair_id, number)
    assert notify.queue_schedule_changes(engine, summary.fair_id, diff, settings)
    for path in Path(settings.smtp_outbox).glob("*.eml"):
        path.unlink()
    return summary.fair_id


def outbox(settings: Settings) -> dict[str, dict[str, tuple[str, int, str]]]:
    """Queued messages: recipient address → {UID: (METHOD, SEQUENCE, STATUS)} (one
    invitation a message, one message a meeting); the queue is emptied."""
    found: dict[str, dict[str, tuple[str, int, str]]] = {}
    for path in sorted(Path(settings.smtp_outbox).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        address = str(message["To"]).rsplit("<", 1)[-1].rstrip(">")
        items = found.setdefault(address, {})
        assert len(list(message.iter_attachments())) == 1  # type: ignore[attr-defined]
        for part in message.iter_attachments():  # type: ignore[attr-defined]
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            (event,) = cal.walk("VEVENT")
            assert str(event["UID"]) not in items, "two messages for one meeting"
            items[str(event["UID"])] = (
                str(cal["METHOD"]),
                int(event["SEQUENCE"]),
                str(event["STATUS"]),
            )
        path.unlink()
    return found


def shown(engine: Engine, fair: int, key: str) -> dict[str, tuple[str, int, str, str, str]]:
    """UID → (STATUS, SEQUENCE, DTSTAMP, LAST-MODIFIED, SUMMARY) in the person's feed."""
    with Session(engine) as session:
        text = participant_calendar_file(session, fair, key, BASE).text
    cal = icalendar.Calendar.from_ical(text)
    return {
        str(e["UID"]): (
            str(e["STATUS"]),
            int(e["SEQUENCE"]),
            e["DTSTAMP"].to_ical().decode(),
            e["LAST-MODIFIED"].to_ical().decode(),
            str(e["SUMMARY"]),
        )
        for e in cal.walk("VEVENT")
    }


def uid_of(engine: Engine, key: str) -> str:
    with Session(engine) as session:
        r = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
        return f"{r.uid}@fair"


def mail(key: str) -> str:
    return next(p["email"] for p in [*PEOPLE, COLLEAGUE] if p["id"] == key)


def test_colleague_removed_gets_cancel_and_restored_gets_request(
    engine: Engine, fair: int, settings: Settings
) -> None:
    meeting = uid_of(engine, "cn1-kr1")
    before = shown(engine, fair, "cn2")[meeting]
    assert before[:2] == ("CONFIRMED", 0)

    import_files(engine, files(with_colleague=False))
    notify.queue_calendar_changes(engine, fair, settings)
    removed = shown(engine, fair, "cn2")[meeting]
    assert removed[:2] == ("CANCELLED", 1)  # still there, cancelled, one higher
    assert removed[2] > before[2] and removed[3] == removed[2]
    queued = outbox(settings)
    assert queued[mail("cn2")] == {meeting: ("CANCEL", 1, "CANCELLED")}
    # The others on the meeting see one attendee less: an update each.
    assert queued[mail("cn1")] == {meeting: ("REQUEST", 1, "CONFIRMED")}
    assert queued[mail("kr1")] == {meeting: ("REQUEST", 1, "CONFIRMED")}
    assert set(queued) == {mail("cn2"), mail("cn1"), mail("kr1")}

    import_files(engine, files(with_colleague=True))
    notify.queue_calendar_changes(engine, fair, settings)
    restored = shown(engine, fair, "cn2")[meeting]
    assert restored[:2] == ("CONFIRMED", 2)  # above the cancellation
    assert restored[2] > removed[2]
    queued = outbox(settings)
    assert queued[mail("cn2")] == {meeting: ("REQUEST", 2, "CONFIRMED")}
    assert set(queued) == {mail("cn2"), mail("cn1"), mail("kr1")}


def test_renamed_counterpart_raises_sequence_and_mails_who_sees_it(
    engine: Engine, fair: int, settings: Settings
) -> None:
    meeting = uid_of(engine, "il1-kr1")
    before = shown(engine, fair, "il1")[meeting]
    assert before[4] == "Meeting: 부산해양식품 주식회사"
    with session_scope(engine) as session:
        company = session.exec(select(Company).where(Company.name == "부산해양식품 주식회사")).one()
        company.name = "부산씨푸드 주식회사"
        session.add(company)
    notify.queue_calendar_changes(engine, fair, settings)
    after = shown(engine, fair, "il1")[meeting]
    assert after[4] == "Meeting: 부산씨푸드 주식회사"
    assert after[1] == before[1] + 1
    assert after[2] > before[2] and after[3] == after[2]
    queued = outbox(settings)
    # il1 and cn1 meet kr1's company; kr1 (and cn2 on cn1–kr1) see kr1's new company
    # in the attendees; jp1 and de1 see nothing of it.
    assert set(queued) == {mail(k) for k in ("il1", "cn1", "kr1", "cn2")}
    assert queued[mail("il1")] == {meeting: ("REQUEST", after[1], "CONFIRMED")}


def test_unchanged_calendars_change_nothing_and_mail_nobody(
    engine: Engine, fair: int, settings: Settings
) -> None:
    before = {key: shown(engine, fair, key) for key in ("cn1", "cn2", "kr1")}
    assert notify.queue_calendar_changes(engine, fair, settings) == []
    import_files(engine, files(with_colleague=True))  # the same files again
    assert notify.queue_calendar_changes(engine, fair, settings) == []
    assert {key: shown(engine, fair, key) for key in ("cn1", "cn2", "kr1")} == before


def test_publication_tells_added_colleague_even_when_their_time_is_kept(
    engine: Engine, fair: int, settings: Settings
) -> None:
    """A colleague added by an import and then a publication that keeps every meeting:
    the colleague still gets the invitation (their calendar never showed it)."""
    import_files(engine, files(with_colleague=False))
    notify.queue_calendar_changes(engine, fair, settings)
    outbox(settings)
    import_files(engine, files(with_colleague=True))
    diff = VersionDiff(kept=(), moved=(), new=(), cancelled=())
    notify.queue_schedule_changes(engine, fair, diff, settings)
    meeting = uid_of(engine, "cn1-kr1")
    assert outbox(settings)[mail("cn2")] == {meeting: ("REQUEST", 2, "CONFIRMED")}
