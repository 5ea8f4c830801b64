"""A participant's own use cases: meeting requests (send, accept, decline, withdraw, list)
and availability (on-site days, working windows in their own time, time zone).

Every function takes the signed-in participant as `me` and checks that they are one of the
two parties of what they touch; the web layer only translates. Input errors raise
`FieldError` (an `InvalidInput` that names the field, message `"<field>: <what is
wrong>"`), acting on someone else's request raises `Forbidden`, acting on a request that
is no longer pending raises `Conflict`.

A withdrawn request is deleted (it was never seen by the solver, which plans only
accepted requests), so the sender may ask again later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import available_timezones

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.importer import check_timezone, parse_window
from fair.models import (
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    Mode,
    Participant,
    RequestStatus,
    Role,
)
from fair.planning import fair_slots
from fair.rules import DEFAULT_PRIORITY, HIGHEST_PRIORITY, LOWEST_PRIORITY

MODES = tuple(m.value for m in Mode)
# Interpreters join meetings as a third seat; they are not asked for meetings directly.
BOOKABLE_ROLES = (Role.EXHIBITOR.value, Role.BUYER.value, Role.SERVICE.value)
DIRECTORY_LIMIT = 50


class FieldError(InvalidInput):
    """Invalid input in one named field; the message starts with the field's name."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}")


def whole_number(field: str, value: object, low: int, high: int) -> int:
    """`value` (an int, or text from a form) as a whole number in `low..high`."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(field, f"must be a whole number {low}–{high}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise FieldError(field, f"must be a whole number {low}–{high}") from None
    if not low <= value <= high:
        raise FieldError(field, f"must be {low}–{high}")
    return value


# ------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class RequestView:
    """One request as one of its two parties sees it."""

    id: int
    key: str
    direction: str  # "sent" or "received"
    counterpart_key: str
    counterpart_name: str
    counterpart_company: str
    counterpart_country: str
    counterpart_role: str
    priority: int
    to_priority: int | None
    mode: str
    length: int
    status: str
    created_at: datetime

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING


@dataclass(frozen=True)
class MyRequests:
    sent: tuple[RequestView, ...]
    received: tuple[RequestView, ...]


@dataclass(frozen=True)
class DirectoryEntry:
    """Someone `me` may ask for a meeting."""

    key: str
    name: str
    company: str
    country: str
    role: str
    sectors: tuple[str, ...]
    offers: tuple[str, ...]
    needs: tuple[str, ...]
    requested: bool  # `me` already sent them a request


@dataclass(frozen=True)
class Availability:
    timezone: str
    onsite_days: tuple[int, ...]
    windows: tuple[str, ...]
    fair_timezone: str
    fair_days: tuple[date, ...]  # the date of fair day 1, 2, ...
    fair_hours: str  # "09:00-12:00" in the fair's zone


def _load_me(session: Session, me: Participant) -> Participant:
    assert me.id is not None
    person = session.get(Participant, me.id)
    if person is None:
        raise NotFound("you are no longer registered at this fair")
    return person


def _fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _view(session: Session, r: MeetingRequest, me_id: int) -> RequestView:
    sent = r.from_id == me_id
    other = session.get(Participant, r.to_id if sent else r.from_id)
    assert other is not None and r.id is not None
    company = session.get(Company, other.company_id)
    assert company is not None
    return RequestView(
        id=r.id,
        key=r.key,
        direction="sent" if sent else "received",
        counterpart_key=other.key,
        counterpart_name=other.name,
        counterpart_company=company.name,
        counterpart_country=company.country,
        counterpart_role=company.role,
        priority=r.priority,
        to_priority=r.to_priority,
        mode=r.mode,
        length=r.length,
        status=r.status,
        created_at=r.created_at,
    )


def longest_run(session: Session, fair: Fair) -> int:
    """Most consecutive slots on one day without a break: the longest possible meeting."""
    blocks = Counter(s.block for s in fair_slots(session, fair))
    return max(blocks.values(), default=1)


# --------------------------------------------------------------------------- requests


def my_requests(session: Session, me: Participant) -> MyRequests:
    """Requests `me` sent and received, newest first, with the other side's company."""
    assert me.id is not None
    rows = session.exec(
        select(MeetingRequest)
        .where(
            MeetingRequest.fair_id == me.fair_id,
            (col(MeetingRequest.from_id) == me.id) | (col(MeetingRequest.to_id) == me.id),
        )
        .order_by(col(MeetingRequest.created_at).desc(), col(MeetingRequest.id).desc())
    ).all()
    views = [_view(session, r, me.id) for r in rows]
    return MyRequests(
        sent=tuple(v for v in views if v.direction == "sent"),
        received=tuple(v for v in views if v.direction == "received"),
    )


def _request_for(session: Session, me: Participant, request_id: int) -> MeetingRequest:
    r = session.get(MeetingRequest, request_id)
    if r is None or r.fair_id != me.fair_id:
        raise NotFound(f"no meeting request {request_id}")
    if me.id not in (r.from_id, r.to_id):
        raise Forbidden("only the two participants of a request may see or act on it")
    return r


def get_request(session: Session, me: Participant, request_id: int) -> RequestView:
    assert me.id is not None
    return _view(session, _request_for(session, me, request_id), me.id)


def send_request(
    session: Session,
    me: Participant,
    to: str,
    priority: object = DEFAULT_PRIORITY,
    mode: object = Mode.EITHER.value,
    length: object = 1,
) -> RequestView:
    """`me` asks participant `to` (their id at the fair) for a meeting; the caller commits.

    Raises `FieldError` naming `to`, `priority`, `mode` or `length`.
    """
    sender = _load_me(session, me)
    fair = _fair(session, sender.fair_id)
    to_key = to.strip() if isinstance(to, str) else ""
    if not to_key:
        raise FieldError("to", "choose the participant you want to meet")
    receiver = session.exec(
        select(Participant).where(Participant.fair_id == fair.id, Participant.key == to_key)
    ).first()
    if receiver is None:
        raise FieldError("to", f"no participant {to_key!r} at this fair")
    if receiver.id == sender.id:
        raise FieldError("to", "you cannot request a meeting with yourself")
    assert sender.id is not None and receiver.id is not None
    if receiver.company_id == sender.company_id:
        raise FieldError("to", f"{receiver.name} is in your own company")
    wanted_priority = whole_number("priority", priority, LOWEST_PRIORITY, HIGHEST_PRIORITY)
    if not isinstance(mode, str) or mode not in MODES:
        raise FieldError("mode", f"must be one of {', '.join(MODES)}")
    longest = longest_run(session, fair)
    wanted_length = whole_number("length", length, 1, longest)
    duplicate = session.exec(
        select(MeetingRequest.id).where(
            MeetingRequest.fair_id == fair.id,
            MeetingRequest.from_id == sender.id,
            MeetingRequest.to_id == receiver.id,
        )
    ).first()
    if duplicate is not None:
        raise FieldError("to", f"you have already sent {receiver.name} a request")
    key = _free_key(session, sender.fair_id, f"{sender.key}>{receiver.key}")
    request = MeetingRequest(
        fair_id=sender.fair_id,
        key=key,
        from_id=sender.id,
        to_id=receiver.id,
        priority=wanted_priority,
        mode=Mode(mode),
        length=wanted_length,
        status=RequestStatus.PENDING,
    )
    session.add(request)
    try:
        session.flush()
    except IntegrityError:
        # Two sends of the same pair at once: the unique (from, to) constraint decides.
        session.rollback()
        raise FieldError("to", f"you have already sent {receiver.name} a request") from None
    return _view(session, request, sender.id)


def _free_key(session: Session, fair_id: int, base: str) -> str:
    taken = set(
        session.exec(
            select(MeetingRequest.key).where(
                MeetingRequest.fair_id == fair_id, col(MeetingRequest.key).startswith(base)
            )
        ).all()
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _decide(
    session: Session, me: Participant, request_id: int, status: RequestStatus
) -> MeetingRequest:
    r = _request_for(session, me, request_id)
    if r.to_id != me.id:
        raise Forbidden("only the participant who received this request can answer it")
    if r.status != RequestStatus.PENDING:
        raise Conflict(f"this request is already {r.status}")
    r.status = status
    return r


def accept_request(
    session: Session, me: Participant, request_id: int, to_priority: object = None
) -> RequestView:
    """The receiver accepts, optionally with their own priority 1–5; the caller commits."""
    assert me.id is not None
    theirs = (
        None
        if to_priority is None or to_priority == ""
        else whole_number("to_priority", to_priority, LOWEST_PRIORITY, HIGHEST_PRIORITY)
    )
    r = _decide(session, me, request_id, RequestStatus.ACCEPTED)
    r.to_priority = theirs
    session.add(r)
    session.flush()
    return _view(session, r, me.id)


def decline_request(session: Session, me: Participant, request_id: int) -> RequestView:
    assert me.id is not None
    r = _decide(session, me, request_id, RequestStatus.DECLINED)
    session.add(r)
    session.flush()
    return _view(session, r, me.id)


def withdraw_request(session: Session, me: Participant, request_id: int) -> RequestView:
    """The sender takes back a pending request (it is deleted); returns it as it was."""
    assert me.id is not None
    r = _request_for(session, me, request_id)
    if r.from_id != me.id:
        raise Forbidden("only the participant who sent this request can withdraw it")
    if r.status != RequestStatus.PENDING:
        raise Conflict(f"this request is already {r.status}; only a pending one can be withdrawn")
    scheduled = session.exec(
        select(func.count()).select_from(Meeting).where(Meeting.request_id == r.id)
    ).one()
    if scheduled:
        raise Conflict("this request is in a schedule; ask the organiser to cancel it")
    view = _view(session, r, me.id)
    session.delete(r)
    session.flush()
    return view


def directory(
    session: Session,
    me: Participant,
    search: str = "",
    role: str = "",
    limit: int = DIRECTORY_LIMIT,
) -> list[DirectoryEntry]:
    """Exhibitors, buyers and service providers of other companies `me` could meet,
    filtered by a search over name, company, id, country, sectors, offers and needs."""
    assert me.id is not None
    roles = [role] if role in BOOKABLE_ROLES else list(BOOKABLE_ROLES)
    rows = session.exec(
        select(Participant, Company)
        .join(Company, col(Company.id) == col(Participant.company_id))
        .where(
            Participant.fair_id == me.fair_id,
            Participant.company_id != me.company_id,
            col(Company.role).in_(roles),
        )
        .order_by(col(Company.name), col(Participant.name))
    ).all()
    asked = set(
        session.exec(select(MeetingRequest.to_id).where(MeetingRequest.from_id == me.id)).all()
    )
    needle = search.strip().lower()
    found: list[DirectoryEntry] = []
    for person, company in rows:
        haystack = " ".join(
            [
                person.name,
                person.key,
                company.name,
                company.country,
                company.role,
                *company.sectors,
                *company.offers,
                *company.needs,
            ]
        ).lower()
        if needle and needle not in haystack:
            continue
        found.append(
            DirectoryEntry(
                key=person.key,
                name=person.name,
                company=company.name,
                country=company.country,
                role=company.role,
                sectors=tuple(company.sectors),
                offers=tuple(company.offers),
                needs=tuple(company.needs),
                requested=person.id in asked,
            )
        )
        if len(found) >= limit:
            break
    return found


# ------------------------------------------------------------------------ availability


def known_timezones() -> list[str]:
    """IANA zone names a participant may choose (the ones `check_timezone` accepts)."""
    return sorted(
        z
        for z in available_timezones()
        if (z == "UTC" or "/" in z) and not z.startswith(("posix/", "right/", "SystemV/"))
    )


def _hhmm(t: time) -> str:
    return "24:00" if t == time.max else f"{t:%H:%M}"


def availability(session: Session, me: Participant) -> Availability:
    person = _load_me(session, me)
    fair = _fair(session, person.fair_id)
    return Availability(
        timezone=person.timezone,
        onsite_days=tuple(person.onsite_days),
        windows=tuple(person.windows),
        fair_timezone=fair.timezone,
        fair_days=tuple(fair.start + timedelta(days=d) for d in range(fair.days)),
        fair_hours=f"{_hhmm(fair.day_start)}-{_hhmm(fair.day_end)}",
    )


def set_availability(
    session: Session,
    me: Participant,
    onsite_days: Sequence[object],
    windows: Sequence[object],
    timezone: object,
) -> Availability:
    """Replace `me`'s on-site days (1-based fair days), working windows (`HH:MM-HH:MM` in
    their own zone; none = all fair hours) and time zone; the caller commits.

    Raises `FieldError` naming `onsite_days`, `windows` or `timezone`.
    """
    person = _load_me(session, me)
    fair = _fair(session, person.fair_id)
    if not isinstance(timezone, str):
        raise FieldError("timezone", "choose a time zone")
    try:
        zone = check_timezone(timezone)
    except ValueError as exc:
        raise FieldError("timezone", str(exc)) from None
    if isinstance(onsite_days, str | bytes) or not isinstance(onsite_days, Sequence):
        raise FieldError("onsite_days", "must be a list of fair days")
    days = sorted({whole_number("onsite_days", d, 1, fair.days) for d in onsite_days})
    if isinstance(windows, str | bytes) or not isinstance(windows, Sequence):
        raise FieldError("windows", "must be a list of HH:MM-HH:MM")
    parsed: list[tuple[time, time]] = []
    for w in windows:
        if not isinstance(w, str):
            raise FieldError("windows", "each window is text HH:MM-HH:MM")
        if not w.strip():
            continue
        try:
            parsed.append(parse_window(w))
        except ValueError as exc:
            raise FieldError("windows", str(exc)) from None
    parsed = sorted(set(parsed))
    for (s1, e1), (s2, e2) in pairwise(parsed):
        if s2 < e1:
            raise FieldError("windows", f"{_hhmm(s1)}-{_hhmm(e1)} overlaps {_hhmm(s2)}-{_hhmm(e2)}")
    person.timezone = zone
    person.onsite_days = days
    person.windows = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in parsed]
    session.add(person)
    session.flush()
    return availability(session, person)


# --------------------------------------------------------------------------- organiser


@dataclass(frozen=True)
class RequestRow:
    """One request of the fair as the organiser sees it."""

    id: int
    key: str
    from_key: str
    from_company: str
    to_key: str
    to_company: str
    priority: int
    to_priority: int | None
    mode: str
    length: int
    status: str
    third_seat: str
    created_at: datetime


STATUSES = tuple(s.value for s in RequestStatus)


def fair_requests(session: Session, fair_id: int, status: str = "") -> list[RequestRow]:
    """Every request of the fair (optionally only those with `status`), oldest first."""
    if status and status not in STATUSES:
        raise FieldError("status", f"must be one of {', '.join(STATUSES)}")
    people = {
        p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    stmt = select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)
    if status:
        stmt = stmt.where(MeetingRequest.status == status)
    rows = []
    for r in session.exec(stmt.order_by(col(MeetingRequest.created_at), col(MeetingRequest.id))):
        assert r.id is not None
        sender, receiver = people[r.from_id], people[r.to_id]
        rows.append(
            RequestRow(
                id=r.id,
                key=r.key,
                from_key=sender.key,
                from_company=companies[sender.company_id].name,
                to_key=receiver.key,
                to_company=companies[receiver.company_id].name,
                priority=r.priority,
                to_priority=r.to_priority,
                mode=r.mode,
                length=r.length,
                status=r.status,
                third_seat=r.third_seat,
                created_at=r.created_at,
            )
        )
    return rows
