"""A participant's meeting requests (send, accept, decline, withdraw, list), the
directory of people they may ask, and the organiser's list of a fair's requests. Their
availability (on-site days, working windows, time zone) is `fair.availability`.

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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
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


class AlreadyRequested(FieldError):
    """A request between the same two people exists already (either of them sent it)."""

    def __init__(self, message: str) -> None:
        super().__init__("to", f"already requested: {message}")


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
    requested: bool  # `me` and they already have a request, whoever sent it


def load_me(session: Session, me: Participant) -> Participant:
    """The signed-in participant as stored now (NotFound once removed from the fair)."""
    assert me.id is not None
    person = session.get(Participant, me.id)
    if person is None:
        raise NotFound("you are no longer registered at this fair")
    return person


def load_fair(session: Session, fair_id: int) -> Fair:
    """The fair `fair_id`, or NotFound."""
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
    sender = load_me(session, me)
    fair = load_fair(session, sender.fair_id)
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
    _refuse_duplicate(session, sender, receiver)
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
        raise AlreadyRequested(f"you sent {receiver.name} a request") from None
    return _view(session, request, sender.id)


def _refuse_duplicate(session: Session, sender: Participant, receiver: Participant) -> None:
    """One request per pair of people, whichever of them asked and whatever became of
    it: a second one would only be a duplicate for the solver and for the other side."""
    earlier = session.exec(
        select(MeetingRequest).where(
            MeetingRequest.fair_id == sender.fair_id,
            (
                (col(MeetingRequest.from_id) == sender.id)
                & (col(MeetingRequest.to_id) == receiver.id)
            )
            | (
                (col(MeetingRequest.from_id) == receiver.id)
                & (col(MeetingRequest.to_id) == sender.id)
            ),
        )
    ).first()
    if earlier is None:
        return
    name = receiver.name
    if earlier.from_id == sender.id:
        if earlier.status == RequestStatus.DECLINED:
            raise AlreadyRequested(f"{name} declined your request")
        raise AlreadyRequested(f"you sent {name} a request ({earlier.status})")
    if earlier.status == RequestStatus.PENDING:
        raise AlreadyRequested(f"{name} has asked you; answer their request in My requests")
    raise AlreadyRequested(f"{name} asked you and you {earlier.status} it")


def requested_people(session: Session, me: Participant) -> set[int]:
    """Ids of the people `me` has a request with, in either direction, any status."""
    assert me.id is not None
    rows = session.exec(
        select(MeetingRequest.from_id, MeetingRequest.to_id).where(
            MeetingRequest.fair_id == me.fair_id,
            (col(MeetingRequest.from_id) == me.id) | (col(MeetingRequest.to_id) == me.id),
        )
    ).all()
    return {to_id if from_id == me.id else from_id for from_id, to_id in rows}


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
    asked = requested_people(session, me)
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
