"""Read models for the pages and the API: a participant's agenda, a fair's overview.

Each function takes a session and returns plain frozen dataclasses with everything loaded
(no lazy loads later in async code). Times stay UTC instants; the caller formats them in
the viewer's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, union_all
from sqlmodel import Session, col, func, select

from fair.errors import NotFound
from fair.models import (
    Booth,
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
    Product,
    RequestAttendee,
    RequestStatus,
    ScheduleVersion,
    VersionStatus,
)
from fair.timeline import Span, fair_day, unavailable
from fair.versions import latest_version, published_version


@dataclass(frozen=True)
class AgendaItem:
    meeting_id: int
    uid: str
    start: datetime
    end: datetime
    counterpart: str
    counterpart_company: str
    counterpart_country: str
    counterpart_timezone: str
    place_kind: str
    place: str  # English label ("Korea · booth KR-B01"), for the API and calendars
    status: str
    role: str  # "requester", "invitee", "colleague" or "third seat"
    place_pavilion: str = ""  # the parts of `place`, for pages that translate "booth"
    place_key: str = ""


@dataclass(frozen=True)
class Overview:
    fair: Fair
    pavilions: int
    booths: int
    tables: int
    companies: int
    participants: int
    products: int
    requests: int
    accepted: int
    versions: tuple[ScheduleVersion, ...]
    published: ScheduleVersion | None
    countries: tuple[tuple[str, int], ...]
    timezones: tuple[tuple[str, int], ...]


def first_fair(session: Session) -> Fair | None:
    return session.exec(select(Fair).order_by(col(Fair.id))).first()


def overview(session: Session, fair_id: int) -> Overview:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")

    def count(model: type, *where: Any) -> int:
        stmt = select(func.count()).select_from(model).where(model.fair_id == fair_id, *where)  # type: ignore[attr-defined]
        return int(session.exec(stmt).one())

    versions = session.exec(
        select(ScheduleVersion)
        .where(ScheduleVersion.fair_id == fair_id)
        .order_by(col(ScheduleVersion.number).desc())
    ).all()
    countries = session.exec(
        select(Company.country, func.count())
        .where(Company.fair_id == fair_id)
        .group_by(Company.country)
        .order_by(func.count().desc())
    ).all()
    zones = session.exec(
        select(Participant.timezone, func.count())
        .where(Participant.fair_id == fair_id)
        .group_by(Participant.timezone)
        .order_by(func.count().desc())
    ).all()
    return Overview(
        fair=fair,
        pavilions=count(Pavilion),
        booths=count(Booth),
        tables=count(MeetingTable),
        companies=count(Company),
        participants=count(Participant),
        products=count(Product),
        requests=count(MeetingRequest),
        accepted=count(MeetingRequest, MeetingRequest.status == RequestStatus.ACCEPTED),
        versions=tuple(versions),
        published=published_version(session, fair_id),
        countries=tuple((c, int(n)) for c, n in countries),
        timezones=tuple((z, int(n)) for z, n in zones),
    )


def place_label(session: Session, meeting: Meeting) -> str:
    if meeting.place_kind == PlaceKind.BOOTH and meeting.booth_id is not None:
        booth = session.get(Booth, meeting.booth_id)
        pavilion = session.get(Pavilion, booth.pavilion_id) if booth else None
        return f"{pavilion.name if pavilion else ''} · booth {booth.key if booth else ''}"
    if meeting.place_kind == PlaceKind.TABLE and meeting.table_id is not None:
        table = session.get(MeetingTable, meeting.table_id)
        pavilion = session.get(Pavilion, table.pavilion_id) if table else None
        return f"{pavilion.name if pavilion else ''} · table {table.key if table else ''}"
    return "Online video room"


# The agenda's statements are built once, with bound parameters: every participant opens
# this page, and at expo scale building the expressions anew cost as much as running them.
_PUBLISHED = (
    select(ScheduleVersion.id)
    .where(
        ScheduleVersion.fair_id == bindparam("fair"),
        ScheduleVersion.status == VersionStatus.PUBLISHED,
    )
    .order_by(col(ScheduleVersion.number).desc())
    .limit(1)
    .scalar_subquery()
)
_MEETING_COLUMNS = sa.select(
    col(Meeting.id),
    col(Meeting.start),
    col(Meeting.end),
    col(Meeting.place_kind),
    col(Meeting.booth_id),
    col(Meeting.table_id),
    col(Meeting.third_seat_id),
    col(Meeting.status),
    col(MeetingRequest.uid),
    col(MeetingRequest.from_id),
    col(MeetingRequest.to_id),
).join(MeetingRequest, col(MeetingRequest.id) == Meeting.request_id)
# One branch per side of the request, each on its participant index (with
# `fair_id = ? AND (from_id = ? OR to_id = ?)` SQLite walked all the fair's requests; the
# version already confines the meetings to the fair). Third seats apart: an OR with them
# walked every meeting of the version.
_OWN_MEETINGS = _MEETING_COLUMNS.where(
    col(Meeting.version_id) == _PUBLISHED,
    col(Meeting.request_id).in_(
        union_all(
            select(MeetingRequest.id).where(MeetingRequest.from_id == bindparam("person")),
            select(MeetingRequest.id).where(MeetingRequest.to_id == bindparam("person")),
            select(RequestAttendee.request_id).where(
                RequestAttendee.participant_id == bindparam("person")
            ),
        )
    ),
)
_THIRD_SEAT_MEETINGS = _MEETING_COLUMNS.where(
    col(Meeting.version_id) == _PUBLISHED, col(Meeting.third_seat_id) == bindparam("person")
)
_PEOPLE: Any = (  # Any: the labelled column defeats the typed overloads
    sa.select(
        col(Participant.id),
        col(Participant.name),
        col(Participant.timezone),
        col(Participant.company_id),
        col(Company.name).label("company"),
        col(Company.country),
    )
    .join(Company, col(Company.id) == Participant.company_id)
    .where(col(Participant.id).in_(bindparam("ids", expanding=True)))
)
_BOOTHS = (
    select(Booth.id, Booth.key, Pavilion.name)
    .join(Pavilion, col(Pavilion.id) == Booth.pavilion_id, isouter=True)
    .where(col(Booth.id).in_(bindparam("ids", expanding=True)))
)
_TABLES = (
    select(MeetingTable.id, MeetingTable.key, Pavilion.name)
    .join(Pavilion, col(Pavilion.id) == MeetingTable.pavilion_id, isouter=True)
    .where(col(MeetingTable.id).in_(bindparam("ids", expanding=True)))
)


_FAIR_PEOPLE: Any = (
    sa.select(
        col(Participant.id),
        col(Participant.name),
        col(Participant.timezone),
        col(Participant.company_id),
        col(Company.name).label("company"),
        col(Company.country),
    )
    .join(Company, col(Company.id) == Participant.company_id)
    .where(col(Participant.fair_id) == bindparam("fair"))
)
_FAIR_BOOTHS = (
    select(Booth.id, Booth.key, Pavilion.name)
    .join(Pavilion, col(Pavilion.id) == Booth.pavilion_id, isouter=True)
    .where(col(Booth.fair_id) == bindparam("fair"))
)
_FAIR_TABLES = (
    select(MeetingTable.id, MeetingTable.key, Pavilion.name)
    .join(Pavilion, col(Pavilion.id) == MeetingTable.pavilion_id, isouter=True)
    .where(col(MeetingTable.fair_id) == bindparam("fair"))
)
_VERSION_MEETINGS = _MEETING_COLUMNS.add_columns(col(Meeting.request_id)).where(
    col(Meeting.version_id) == bindparam("version")
)
_VERSION_ATTENDEES = sa.select(
    col(RequestAttendee.request_id), col(RequestAttendee.participant_id)
).where(
    col(RequestAttendee.request_id).in_(
        sa.select(col(Meeting.request_id)).where(col(Meeting.version_id) == bindparam("version"))
    )
)


def agenda(session: Session, person: Participant) -> list[AgendaItem]:
    """The participant's meetings in the published schedule, in time order."""
    # Plain column rows in a few batched queries, not ORM objects loaded one by one per
    # meeting (those loads were most of the page's time at expo scale). Selecting the
    # version's id alone also skips decoding its JSON figures.
    connection = session.connection()
    ids = {"fair": person.fair_id, "person": person.id}
    found = {
        row.id: row
        for stmt in (_OWN_MEETINGS, _THIRD_SEAT_MEETINGS)
        for row in connection.execute(stmt, ids)
    }
    if not found:
        return []
    meetings = sorted(found.values(), key=lambda m: (m.start, m.id))
    wanted = sorted({m.from_id for m in meetings} | {m.to_id for m in meetings})
    people = {row.id: row for row in connection.execute(_PEOPLE, {"ids": wanted})}
    places: dict[tuple[str, int], tuple[str, str]] = {}
    for kind, stmt, column in (("booth", _BOOTHS, "booth_id"), ("table", _TABLES, "table_id")):
        place_ids = sorted({getattr(m, column) for m in meetings} - {None})
        if place_ids:
            for id_, key, pavilion in connection.execute(stmt, {"ids": place_ids}):
                places[(kind, id_)] = (pavilion or "", key)
    assert person.id is not None
    return [_agenda_item(m, person.id, person.company_id, people, places) for m in meetings]


def _agenda_item(
    m: Any,
    person_id: int,
    company_id: int,
    people: dict[int, Any],
    places: dict[tuple[str, int], tuple[str, str]],
) -> AgendaItem:
    """One meeting row seen by one of its members (`m` has `_MEETING_COLUMNS`)."""
    if m.from_id == person_id:
        role, other_id = "requester", m.to_id
    elif m.to_id == person_id:
        role, other_id = "invitee", m.from_id
    else:
        sender = people.get(m.from_id)
        mine = sender is not None and sender.company_id == company_id
        role = "third seat" if m.third_seat_id == person_id else "colleague"
        other_id = m.to_id if mine or role == "third seat" else m.from_id
    other = people.get(other_id)
    assert other is not None
    # The same labels as `place_label`, from the rows loaded above.
    pavilion = key = ""
    if m.place_kind == PlaceKind.BOOTH and m.booth_id is not None:
        pavilion, key = places.get(("booth", m.booth_id), ("", ""))
        place = f"{pavilion} · booth {key}"
    elif m.place_kind == PlaceKind.TABLE and m.table_id is not None:
        pavilion, key = places.get(("table", m.table_id), ("", ""))
        place = f"{pavilion} · table {key}"
    else:
        place = "Online video room"
    return AgendaItem(
        meeting_id=m.id,
        uid=m.uid,
        start=m.start,
        end=m.end,
        counterpart=other.name,
        counterpart_company=other.company,
        counterpart_country=other.country,
        counterpart_timezone=other.timezone,
        place_kind=m.place_kind,
        place=place,
        status=m.status,
        role=role,
        place_pavilion=pavilion,
        place_key=key,
    )


@dataclass(frozen=True)
class CompanyLabel:
    name: str
    country: str


@dataclass(frozen=True)
class PersonLabel:
    name: str
    timezone: str


@dataclass(frozen=True)
class AgendaBook:
    """Every participant's agenda in one schedule version, built in one pass: a whole
    fair opens its agendas within minutes, and one pass over the version's meetings costs
    about as much as a few participants' agendas read one by one."""

    fair: Fair
    version_id: int
    agendas: dict[int, tuple[AgendaItem, ...]]  # participant id → items in time order
    companies: dict[int, CompanyLabel]  # participant id → their company
    people: dict[int, PersonLabel]  # participant id → name and time zone
    revision: int = 0  # the version's revision when read (changes during the fair)
    # For the day's picture (fair.timeline): the fair's opening hours per day, its
    # breaks, and per participant id the times they cannot meet.
    frame: tuple[tuple[datetime, datetime], ...] = ()
    breaks: tuple[Span, ...] = ()
    unavailable: dict[int, tuple[Span, ...]] = field(default_factory=dict)

    @property
    def edition(self) -> tuple[int, int]:
        return (self.version_id, self.revision)


def agenda_book(session: Session, fair_id: int, version_id: int) -> AgendaBook:
    """The agendas of everyone in the fair for `version_id`; `agenda(session, person)`
    gives the same items for one person of the published version."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    connection = session.connection()
    revision = session.exec(
        select(ScheduleVersion.revision).where(ScheduleVersion.id == version_id)
    ).first()
    people = {row.id: row for row in connection.execute(_FAIR_PEOPLE, {"fair": fair_id})}
    frame, breaks = fair_day(session, fair)
    places: dict[tuple[str, int], tuple[str, str]] = {}
    for kind, stmt in (("booth", _FAIR_BOOTHS), ("table", _FAIR_TABLES)):
        for id_, key, pavilion in connection.execute(stmt, {"fair": fair_id}):
            places[(kind, id_)] = (pavilion or "", key)
    meetings = connection.execute(_VERSION_MEETINGS, {"version": version_id}).all()
    attendees: dict[int, list[int]] = {}
    for request_id, participant_id in connection.execute(
        _VERSION_ATTENDEES, {"version": version_id}
    ):
        attendees.setdefault(request_id, []).append(participant_id)
    agendas: dict[int, list[AgendaItem]] = {}
    for m in sorted(meetings, key=lambda m: (m.start, m.id)):
        members = {m.from_id, m.to_id, *attendees.get(m.request_id, ())}
        if m.third_seat_id is not None:
            members.add(m.third_seat_id)
        for pid in members:
            person = people.get(pid)
            if person is not None:
                item = _agenda_item(m, pid, person.company_id, people, places)
                agendas.setdefault(pid, []).append(item)
    return AgendaBook(
        fair=fair,
        version_id=version_id,
        agendas={pid: tuple(items) for pid, items in agendas.items()},
        companies={
            pid: CompanyLabel(name=row.company, country=row.country) for pid, row in people.items()
        },
        people={
            pid: PersonLabel(name=row.name, timezone=row.timezone) for pid, row in people.items()
        },
        revision=revision or 0,
        frame=tuple(frame),
        breaks=tuple(breaks),
        unavailable=unavailable(
            session,
            [
                (pid or 0, arrives, departs)
                for pid, arrives, departs in connection.execute(
                    sa.select(
                        col(Participant.id), col(Participant.arrives), col(Participant.departs)
                    ).where(col(Participant.fair_id) == fair_id)
                )
            ],
            frame,
        ),
    )


@dataclass(frozen=True)
class ParticipantRow:
    key: str
    name: str
    email: str
    company: str
    role: str
    country: str
    timezone: str
    onsite_days: tuple[int, ...]
    meetings: int
    requests: int
    has_link: bool
    feeds: int = 0  # live calendar feed links (revoked with the sign-in link)
    language: str = "en"
    invited_at: datetime | None = None
    invitation: str = ""  # the outbox message of the last invitation


def participant_by_key(session: Session, fair_id: int, key: str) -> Participant:
    person = session.exec(
        select(Participant).where(Participant.fair_id == fair_id, Participant.key == key)
    ).first()
    if person is None:
        raise NotFound(f"no participant {key!r}")
    return person


def participant_rows(session: Session, fair_id: int) -> list[ParticipantRow]:
    """Every participant with their load in the published (else newest) schedule."""
    from fair.models import AccessToken, TokenKind

    version = published_version(session, fair_id) or latest_version(session, fair_id)
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    requests = session.exec(select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)).all()
    asked: dict[int, int] = {}
    by_request: dict[int, tuple[int, int]] = {}
    for r in requests:
        assert r.id is not None
        by_request[r.id] = (r.from_id, r.to_id)
        for pid in (r.from_id, r.to_id):
            asked[pid] = asked.get(pid, 0) + 1
    load: dict[int, int] = {}
    if version is not None:
        for m in session.exec(select(Meeting).where(Meeting.version_id == version.id)):
            for pid in by_request.get(m.request_id, ()):
                load[pid] = load.get(pid, 0) + 1
            if m.third_seat_id is not None:
                load[m.third_seat_id] = load.get(m.third_seat_id, 0) + 1
    linked: set[int] = set()
    feeds: dict[int, int] = {}
    for pid, kind in session.exec(
        select(AccessToken.participant_id, AccessToken.kind).where(
            AccessToken.fair_id == fair_id, col(AccessToken.revoked_at).is_(None)
        )
    ):
        if kind == TokenKind.MAGIC:
            linked.add(pid)
        elif kind == TokenKind.FEED:
            feeds[pid] = feeds.get(pid, 0) + 1
    rows = []
    for p in session.exec(
        select(Participant).where(Participant.fair_id == fair_id).order_by(col(Participant.key))
    ):
        assert p.id is not None
        company = companies[p.company_id]
        rows.append(
            ParticipantRow(
                key=p.key,
                name=p.name,
                email=p.email,
                company=company.name,
                role=company.role,
                country=company.country,
                timezone=p.timezone,
                onsite_days=tuple(p.onsite_days),
                meetings=load.get(p.id, 0),
                requests=asked.get(p.id, 0),
                has_link=p.id in linked,
                feeds=feeds.get(p.id, 0),
                language=p.language,
                invited_at=p.invited_at,
                invitation=p.invitation,
            )
        )
    return rows


def request_labels(session: Session, fair_id: int) -> dict[str | int, str]:
    """request key and request id → "Company A → Company B", for lists of requests."""
    people = {
        p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    companies = {
        c.id: c.name for c in session.exec(select(Company).where(Company.fair_id == fair_id))
    }
    labels: dict[str | int, str] = {}
    for r in session.exec(select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)):
        a, b = people[r.from_id], people[r.to_id]
        label = f"{companies[a.company_id]} → {companies[b.company_id]}"
        labels[r.key] = label
        if r.id is not None:
            labels[r.id] = label
    return labels
