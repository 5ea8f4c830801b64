"""The read models behind the pages: the agenda book gives each person's own agenda."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

import scheduler.problem as sp
from fair.db import session_scope
from fair.importer import read_directory
from fair.loader import import_files
from fair.models import Participant
from fair.publishing import publish
from fair.queries import agenda, agenda_book
from fair.sample.generate import generate, write
from fair.scheduling import schedule_fair
from fair.versions import published_version_id


def published_fair(engine: Engine, tmp_path: Path, scale: str, method: str) -> int:
    write(generate(scale, 3, date(2026, 11, 27)), tmp_path)  # type: ignore[arg-type]
    summary = import_files(engine, read_directory(tmp_path))
    options = sp.Options(time_limit=10, workers=1, seed=0)
    number, _ = schedule_fair(engine, summary.fair_id, options, method=method)
    with session_scope(engine) as session:
        publish(session, summary.fair_id, number)
    return summary.fair_id


def test_agenda_book_equals_each_persons_agenda(engine: Engine, tmp_path: Path) -> None:
    assert_book_equals_agendas(engine, tmp_path, "small")


def test_agenda_book_equals_each_persons_agenda_video(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    roles = assert_book_equals_agendas(sqlite_engine, tmp_path, "video")
    assert roles == {"requester", "invitee", "colleague", "third seat"}


def assert_book_equals_agendas(engine: Engine, tmp_path: Path, scale: str) -> set[str]:
    fair_id = published_fair(engine, tmp_path, scale, "greedy")
    with session_scope(engine) as session:
        version = published_version_id(session, fair_id)
        assert version is not None
        book = agenda_book(session, fair_id, version)
        people = session.exec(select(Participant).where(Participant.fair_id == fair_id)).all()
        roles: set[str] = set()
        for person in people:
            assert person.id is not None
            own = tuple(agenda(session, person))
            assert book.agendas.get(person.id, ()) == own, person.key
            roles.update(item.role for item in own)
            company = book.companies[person.id]
            assert company.name and company.country
        assert book.fair.id == fair_id
        assert {"requester", "invitee"} <= roles
        assert sum(len(items) for items in book.agendas.values()) > len(people)
    return roles


def test_agenda_book_of_a_version_without_meetings_is_empty(engine: Engine, tmp_path: Path) -> None:
    fair_id = published_fair(engine, tmp_path, "small", "greedy")
    with session_scope(engine) as session:
        book = agenda_book(session, fair_id, 10**9)  # no such version: no meetings
        assert book.agendas == {}
        assert len(book.companies) == len(
            session.exec(select(Participant).where(Participant.fair_id == fair_id)).all()
        )
