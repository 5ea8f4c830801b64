"""SQLModel tables: the fair's persistent domain.

Instants are stored in UTC (`UTCDateTime` keeps them aware on SQLite too); wall-clock
times (`day_start`, availability windows) are kept as the organiser or participant wrote
them, with the zone they belong to. Schema changes go through Alembic migrations in
`fair/migrations` (see `fair.db`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from fair.rules import DEFAULT_CURRENCY, DEFAULT_PRIORITY


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; returns aware UTC on every database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uid() -> str:
    return uuid.uuid4().hex


def _json(default: Any = None) -> Any:
    return Field(default_factory=lambda: [] if default is None else default, sa_type=sa.JSON)


def _enum(default: Any = ...) -> Any:
    # Plain strings, not native enum types: adding a value must not need a type migration.
    return Field(default=default, sa_type=sa.String(20))


def _instant(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Role(StrEnum):
    EXHIBITOR = "exhibitor"
    BUYER = "buyer"
    SERVICE = "service"
    INTERPRETER = "interpreter"


class Mode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    EITHER = "either"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    DONE = "done"


class PlaceKind(StrEnum):
    BOOTH = "booth"
    TABLE = "table"
    ONLINE = "online"


class DealType(StrEnum):
    INTENT = "intent"
    PURCHASE = "purchase"
    AGENCY = "agency"
    PROJECT = "project"


class Fair(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    timezone: str
    start: date
    days: int
    day_start: time
    day_end: time
    slot_minutes: int
    currency: str = DEFAULT_CURRENCY
    online_rooms: int = 0  # video rooms per slot; 0 = unlimited
    created_at: datetime = _instant(default_factory=utcnow)
    # Roles whose public registration form is open (`fair.registration`); none by default.
    registration_roles: list[str] = _json()


class FairBreak(SQLModel, table=True):
    __tablename__ = "fair_break"
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    start: time
    end: time
    label: str = ""


class Pavilion(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("fair_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    key: str
    name: str
    country: str = ""


class Booth(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("fair_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    pavilion_id: int = Field(foreign_key="pavilion.id", index=True)
    key: str
    name: str = ""
    tables: int = 1


class MeetingTable(SQLModel, table=True):
    """A shared table in a pavilion's meeting area."""

    __tablename__ = "meeting_table"
    __table_args__ = (sa.UniqueConstraint("fair_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    pavilion_id: int = Field(foreign_key="pavilion.id", index=True)
    key: str
    capacity: int = 1


class Company(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("fair_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    name: str
    country: str
    role: Role = _enum()
    pavilion_id: int | None = Field(default=None, foreign_key="pavilion.id")
    booth_id: int | None = Field(default=None, foreign_key="booth.id")
    sectors: list[str] = _json()
    offers: list[str] = _json()
    needs: list[str] = _json()


class Participant(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("fair_id", "key"),
        sa.UniqueConstraint("fair_id", "email"),
    )
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    key: str  # the organiser's id from participants.csv
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str
    email: str
    timezone: str
    languages: list[str] = _json()
    onsite_days: list[int] = _json()  # 1-based fair days at the venue
    windows: list[str] = _json()  # "HH:MM-HH:MM" in the participant's own zone
    # Own hours on some local dates, replacing `windows` there: "YYYY-MM-DD" → windows
    # like `windows` ([] = away that whole day).
    dates: dict[str, list[str]] = Field(default_factory=dict, sa_type=sa.JSON)
    arrives: datetime | None = _instant(default=None, nullable=True)  # no meeting before
    departs: datetime | None = _instant(default=None, nullable=True)  # no meeting after
    interprets: list[str] = _json()  # language pairs "ko-zh" (sorted codes)
    service: str = ""
    max_per_day: int | None = None
    max_total: int | None = None
    language: str = "en"  # e-mails and pages: en, zh, ko or ja (fair.languages)
    # The invitation (fair/invitations.py): when the last one was queued, and its
    # message's file name in the outbox, whose folder tells how its delivery went.
    invited_at: datetime | None = _instant(default=None)
    invitation: str = ""


class BusyTime(SQLModel, table=True):
    """A time a participant cannot meet (imported calendar, roadshow)."""

    __tablename__ = "busy_time"
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    start: datetime = _instant()
    end: datetime = _instant()
    source: str = ""


class Product(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("fair_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    key: str
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str
    description: str = ""
    sector: str = ""
    origin: str = ""
    price_min: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    price_max: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    currency: str = ""
    moq: int | None = None
    certifications: list[str] = _json()


class MeetingRequest(SQLModel, table=True):
    __tablename__ = "meeting_request"
    __table_args__ = (
        sa.UniqueConstraint("fair_id", "key"),
        sa.UniqueConstraint("fair_id", "from_id", "to_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    key: str
    uid: str = Field(default_factory=new_uid, unique=True)  # stable calendar identity
    from_id: int = Field(foreign_key="participant.id", index=True)
    to_id: int = Field(foreign_key="participant.id", index=True)
    priority: int = DEFAULT_PRIORITY
    to_priority: int | None = None
    mode: Mode = _enum(Mode.EITHER)
    status: RequestStatus = _enum(RequestStatus.PENDING)
    length: int = 1
    third_seat: str = ""  # "interpreter:ko-zh" or "service:legal"
    created_at: datetime = _instant(default_factory=utcnow)


class RequestAttendee(SQLModel, table=True):
    """A colleague who attends a request besides `from`/`to` (side 'from' or 'to')."""

    __tablename__ = "request_attendee"
    request_id: int = Field(foreign_key="meeting_request.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    side: str


class ScheduleVersion(SQLModel, table=True):
    __tablename__ = "schedule_version"
    __table_args__ = (sa.UniqueConstraint("fair_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    number: int
    status: VersionStatus = _enum(VersionStatus.DRAFT)
    created_at: datetime = _instant(default_factory=utcnow)
    published_at: datetime | None = _instant(default=None)
    method: str = ""
    seed: int = 0
    workers: int = 1
    time_limit: float = 0.0
    figures: dict[str, Any] = _json({})
    inputs: dict[str, Any] = _json({})
    # Bumped by every change to the published version during the fair (a meeting booked
    # into a freed slot, a meeting cancelled: `fair.freed`), so that what is cached per
    # version (agendas, calendar feeds) is cached per (version, revision).
    revision: int = 0


class Meeting(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("version_id", "request_id"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    version_id: int = Field(foreign_key="schedule_version.id", index=True, ondelete="CASCADE")
    request_id: int = Field(foreign_key="meeting_request.id", index=True)
    start: datetime = _instant(index=True)
    end: datetime = _instant()
    place_kind: PlaceKind = _enum()
    booth_id: int | None = Field(default=None, foreign_key="booth.id")
    table_id: int | None = Field(default=None, foreign_key="meeting_table.id")
    room: str = ""
    third_seat_id: int | None = Field(default=None, foreign_key="participant.id")
    status: MeetingStatus = _enum(MeetingStatus.SCHEDULED)
    sequence: int = 0
    updated_at: datetime = _instant(default_factory=utcnow)
    # locked by the organiser: every later solve keeps it at this time and place
    locked: bool = False


class Deal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    seller_id: int = Field(foreign_key="company.id")
    buyer_id: int = Field(foreign_key="company.id")
    type: DealType = _enum()
    amount: Decimal = Field(max_digits=18, decimal_places=2)
    currency: str
    note: str = ""
    client_key: str = Field(unique=True)  # idempotency key from the client
    recorded_by_id: int | None = Field(default=None, foreign_key="participant.id")
    recorded_at: datetime = _instant(default_factory=utcnow)
    confirmed_by_id: int | None = Field(default=None, foreign_key="participant.id")
    confirmed_at: datetime | None = _instant(default=None)


class TokenKind(StrEnum):
    MAGIC = "magic"  # a participant's personal sign-in link
    FEED = "feed"  # a participant's calendar subscription


class AccessToken(SQLModel, table=True):
    """An unguessable bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "access_token"
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    kind: TokenKind = _enum()
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime = _instant(default_factory=utcnow)
    revoked_at: datetime | None = _instant(default=None)


class Organiser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    name: str = ""
    password_hash: str
    created_at: datetime = _instant(default_factory=utcnow)


class SessionCutoff(SQLModel, table=True):
    """Sessions of one person issued before `after` are over (`fair.accounts`): signing
    out ends every session of that person, on every device, server-side (a session
    cookie is otherwise valid until it expires). `holder` is "o:<organiser id>" or
    "p:<participant id>"."""

    __tablename__ = "session_cutoff"
    holder: str = Field(primary_key=True, sa_type=sa.String(24))
    after: datetime = _instant()


class ServerInstance(SQLModel, table=True):
    """A running server process (`fair serve`), known by a random id drawn at its start.

    It writes `heartbeat_at` every few seconds; a process whose heartbeat is older than
    the timeout is taken for dead and its live connections stop counting (`fair.instances`:
    `sweep_instances`)."""

    __tablename__ = "server_instance"
    id: str = Field(primary_key=True, sa_type=sa.String(32))
    name: str = ""  # host and pid, for people reading the table
    started_at: datetime = _instant(default_factory=utcnow)
    heartbeat_at: datetime = _instant(default_factory=utcnow, index=True)


class LiveConnection(SQLModel, table=True):
    """The open connections one server process holds for one participant in one meeting
    room (`kind` "meeting", `target_id` the meeting) or on one roadshow's stage ("stage",
    the roadshow): what to take off `MeetingPresence.connections` or
    `RoadshowViewer.connections` when the process dies."""

    __tablename__ = "live_connection"
    __table_args__ = (sa.UniqueConstraint("instance_id", "kind", "target_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(
        foreign_key="server_instance.id", index=True, ondelete="CASCADE", sa_type=sa.String(32)
    )
    kind: str = Field(sa_type=sa.String(10))
    target_id: int
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    connections: int = 0


class MeetingPresence(SQLModel, table=True):
    """Who joined a meeting's video room, when, and whether they are in it now.

    `connections` counts open room connections over every live server process (a person
    may have two tabs); each process's share is in `LiveConnection`, so the share of a
    process that died is taken off. `no_show_at` is set when they had not joined
    `rooms.no_show_minutes` after the start.
    """

    __tablename__ = "meeting_presence"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    connections: int = 0
    first_joined_at: datetime | None = _instant(default=None)
    last_joined_at: datetime | None = _instant(default=None)
    left_at: datetime | None = _instant(default=None)
    no_show_at: datetime | None = _instant(default=None)
    # The last "running late" notice (`/meeting` `late`), for the organiser's control room.
    late_minutes: int | None = None
    late_at: datetime | None = _instant(default=None)


class AnnouncementScope(StrEnum):
    FAIR = "fair"
    PAVILION = "pavilion"
    MEETING = "meeting"


class Announcement(SQLModel, table=True):
    """A message from the organiser to the whole fair, one pavilion or one meeting room
    (`fair.announcements`); `pavilion_id` or `request_id` names the pavilion or the room."""

    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    organiser_id: int | None = Field(default=None, foreign_key="organiser.id")
    author: str
    scope: AnnouncementScope = _enum()
    pavilion_id: int | None = Field(default=None, foreign_key="pavilion.id", ondelete="CASCADE")
    request_id: int | None = Field(
        default=None, foreign_key="meeting_request.id", ondelete="CASCADE"
    )
    text: str = Field(sa_type=sa.Text)
    sent_at: datetime = _instant(default_factory=utcnow)


class OfferStatus(StrEnum):
    WAITING = "waiting"  # ranked, not offered yet (the organiser may offer it)
    OFFERED = "offered"  # both sides were asked
    BOOKED = "booked"  # both sides accepted: the meeting exists
    DECLINED = "declined"
    TAKEN = "taken"  # the slot, a person or the request went to another meeting


class SlotOffer(SQLModel, table=True):
    """A waiting request proposed for the slot and place of a meeting that became a
    no-show or was cancelled during the fair (`fair.freed`), ranked by the scheduler's
    `propose_for_freed`; both sides accept it to book it."""

    __tablename__ = "slot_offer"
    __table_args__ = (sa.UniqueConstraint("freed_id", "request_id"),)
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    freed_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    request_id: int = Field(foreign_key="meeting_request.id", index=True, ondelete="CASCADE")
    rank: int = 0
    start: datetime = _instant()
    end: datetime = _instant()
    place_kind: PlaceKind = _enum()
    booth_id: int | None = Field(default=None, foreign_key="booth.id")
    table_id: int | None = Field(default=None, foreign_key="meeting_table.id")
    room: str = ""
    third_seat_id: int | None = Field(default=None, foreign_key="participant.id")
    weight: int = 0
    why: str = ""
    status: OfferStatus = _enum(OfferStatus.WAITING)
    from_accepted_at: datetime | None = _instant(default=None)
    to_accepted_at: datetime | None = _instant(default=None)
    declined_by_id: int | None = Field(default=None, foreign_key="participant.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)


class ChatMessage(SQLModel, table=True):
    """A line of a meeting room's chat, kept with the meeting."""

    __tablename__ = "chat_message"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    organiser_id: int | None = Field(default=None, foreign_key="organiser.id")
    author: str
    text: str = Field(sa_type=sa.Text)
    sent_at: datetime = _instant(default_factory=utcnow)


class SearchEntry(SQLModel, table=True):
    """One product or company as the catalogue search sees it (rebuilt by `fair.search`).

    `doc` holds every searchable word (name, description, sectors, offers, certifications,
    the company's name); on PostgreSQL a GIN trigram index serves `ILIKE` on it, on SQLite
    an FTS5 trigram table over this one (created by `fair.search`, not by a migration:
    autogenerate would take its shadow tables for tables to drop).
    """

    __tablename__ = "search_entry"
    __table_args__ = (
        sa.Index(
            "ix_search_entry_doc_trgm",
            "doc",
            postgresql_using="gin",
            postgresql_ops={"doc": "gin_trgm_ops"},
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    kind: str = Field(sa_type=sa.String(10))  # "company" or "product"
    ref_id: int  # the company's or the product's id
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    pavilion_id: int | None = Field(default=None, foreign_key="pavilion.id")
    country: str = ""
    sectors: str = ""  # ";cosmetics;food & beverage;" for an exact-sector filter
    name: str
    doc: str = Field(sa_type=sa.Text)


class ProductTerm(SQLModel, table=True):
    """One concept of the organiser's `terms.csv` (`fair.terms`): its names by language,
    `{"en": ["sheet mask"], "ko": ["마스크팩"], ...}`; `row` keeps the file's order."""

    __tablename__ = "product_term"
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    row: int
    terms: dict[str, list[str]] = _json({})


# -- roadshows and livestreams (fair.roadshows) ----------------------------------------


class RoadshowStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class Roadshow(SQLModel, table=True):
    """A one-to-many session (pitch, product launch) on a pavilion's stage.

    The presenter is busy for the whole session (the solver sees it as busy time);
    `sequence` and `updated_at` move on every change so calendar clients update it.
    """

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True)  # stable calendar identity
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    company_id: int = Field(foreign_key="company.id", index=True)
    presenter_id: int = Field(foreign_key="participant.id", index=True)
    pavilion_id: int = Field(foreign_key="pavilion.id", index=True)
    title: str
    description: str = Field(default="", sa_type=sa.Text)
    start: datetime = _instant(index=True)
    end: datetime = _instant()
    products: list[int] = _json()  # ids of the company's products shown
    audience_limit: int = 50
    status: RoadshowStatus = _enum(RoadshowStatus.SCHEDULED)
    sequence: int = 0
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)


class RoadshowViewer(SQLModel, table=True):
    """A participant's link to a roadshow: registered to attend (it is then in their
    calendar) and/or in the live audience now (`connections` over every live process;
    each process's share is in `LiveConnection`)."""

    __tablename__ = "roadshow_viewer"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    roadshow_id: int = Field(foreign_key="roadshow.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    attending: bool = False
    attend_changed_at: datetime | None = _instant(default=None)
    connections: int = 0
    first_joined_at: datetime | None = _instant(default=None)
    last_joined_at: datetime | None = _instant(default=None)


class RoadshowVenue(SQLModel, table=True):
    """A remote venue (or guest) invited onto a roadshow's stage: the participant
    presenting from there publishes beside the host; the host or the organiser brings it
    on or off screen (viewers see only the venues on screen)."""

    __tablename__ = "roadshow_venue"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    roadshow_id: int = Field(foreign_key="roadshow.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    label: str  # the venue's name on screen ("Seoul", "Daegu")
    on_screen: bool = True
    invited_at: datetime = _instant(default_factory=utcnow)


class RoadshowInterest(SQLModel, table=True):
    """Purchase interest registered by a viewer in a product shown on a roadshow; one
    per viewer, product and roadshow, so a retried submission counts once."""

    __tablename__ = "roadshow_interest"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "participant_id", "product_id"),)
    id: int | None = Field(default=None, primary_key=True)
    roadshow_id: int = Field(foreign_key="roadshow.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    product_id: int = Field(foreign_key="product.id", ondelete="CASCADE")
    quantity: int | None = None
    note: str = ""
    created_at: datetime = _instant(default_factory=utcnow)


class OrderStatus(StrEnum):
    PENDING = "pending"  # placed by the viewer, not yet answered by the exhibitor
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class StageOrder(SQLModel, table=True):
    """An order placed by a viewer for a product shown on a roadshow's live stage
    (`fair.orders`): the quantity, the unit price and currency the catalogue gave at
    that moment, and the exhibitor's answer. `client_key` is the client's idempotency
    key, as for deals: a resubmission returns this row."""

    __tablename__ = "stage_order"
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    roadshow_id: int = Field(foreign_key="roadshow.id", index=True, ondelete="CASCADE")
    product_id: int = Field(foreign_key="product.id", ondelete="CASCADE")
    seller_id: int = Field(foreign_key="company.id")
    buyer_id: int = Field(foreign_key="company.id")
    ordered_by_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    quantity: int
    unit_price: Decimal = Field(max_digits=18, decimal_places=2)
    currency: str
    amount: Decimal = Field(max_digits=18, decimal_places=2)  # quantity × unit price
    note: str = ""
    client_key: str = Field(unique=True)
    status: OrderStatus = _enum(OrderStatus.PENDING)
    ordered_at: datetime = _instant(default_factory=utcnow, index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="participant.id")
    decided_at: datetime | None = _instant(default=None)


class ReplayStatus(StrEnum):
    CONVERTING = "converting"  # the recording is being converted (`fair.replays`)
    READY = "ready"
    FAILED = "failed"  # `reason` says why


class Replay(SQLModel, table=True):
    """The recording of a roadshow's stage, converted to a browser-playable file
    (`fair.replays`): one per roadshow. `key` names it in URLs (random, so not
    guessable); `file` is the file's path inside the recordings directory, made by the
    app, never taken from a request."""

    __tablename__ = "replay"
    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    roadshow_id: int = Field(foreign_key="roadshow.id", unique=True, ondelete="CASCADE")
    key: str = Field(unique=True)
    file: str = ""
    duration_seconds: float | None = None
    size_bytes: int | None = None
    status: ReplayStatus = _enum(ReplayStatus.CONVERTING)
    reason: str = ""
    started_at: datetime = _instant(default_factory=utcnow)
    finished_at: datetime | None = _instant(default=None)


class RoadshowQuestion(SQLModel, table=True):
    """A question asked in a roadshow's chat, kept with the roadshow."""

    __tablename__ = "roadshow_question"
    id: int | None = Field(default=None, primary_key=True)
    roadshow_id: int = Field(foreign_key="roadshow.id", index=True, ondelete="CASCADE")
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    organiser_id: int | None = Field(default=None, foreign_key="organiser.id")
    author: str
    text: str = Field(sa_type=sa.Text)
    sent_at: datetime = _instant(default_factory=utcnow)


class ImportUpload(SQLModel, table=True):
    """Import files an organiser uploaded, kept between the preview and the confirmation
    under an unguessable token (stored as its SHA-256 hash) until `expires_at`; `digest`
    fingerprints the changes the preview showed, so the confirmation writes exactly those
    (`fair.loader`)."""

    __tablename__ = "import_upload"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    encoding: str = "auto"
    files: bytes = Field(sa_type=sa.LargeBinary)
    digest: str
    created_at: datetime = _instant(default_factory=utcnow)
    expires_at: datetime = _instant(index=True)


class InputRevision(SQLModel, table=True):
    """A random token per fair ("fair") and per schedule version ("version") that changes
    in the same transaction as any change to what `fair.planning` builds a problem from.

    Written only by the database's own triggers (migration 0010_fair_revision), so every
    writer — the importer, requests, busy times, roadshows, hand edits, a solve, a
    publish, a script in psql — moves it; `fair.problem_cache` keys its cache by it.
    """

    __tablename__ = "input_revision"
    scope: str = Field(primary_key=True, max_length=10)  # "fair" or "version"
    ref_id: int = Field(primary_key=True)  # the fair's or the version's id
    token: str = Field(max_length=40)


class CalendarEntry(SQLModel, table=True):
    """What one participant's calendar last showed of one meeting (`fair.calendar_state`):
    its content's fingerprint, SEQUENCE and DTSTAMP, and the VEVENT itself (to send a
    cancellation once the person is no longer on the meeting). The row with `uid` ""
    (and no request) stands for the calendar as a whole: when its content last changed."""

    __tablename__ = "calendar_entry"
    __table_args__ = (sa.UniqueConstraint("participant_id", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    request_id: int | None = Field(
        default=None, foreign_key="meeting_request.id", index=True, ondelete="CASCADE"
    )
    uid: str
    fingerprint: str = ""
    sequence: int = 0
    stamp: datetime = _instant()
    cancelled: bool = False
    event: str = Field(default="", sa_type=sa.Text)


class Registration(SQLModel, table=True):
    """A company's self-registration (`fair.registration`): what the public form held,
    kept apart from the fair's companies and people until the organiser approves it.
    Actionable once every person listed confirmed their address (`confirmed_at`); one
    left unconfirmed is dropped after `expires_at`. Deleted when decided."""

    id: int | None = Field(default=None, primary_key=True)
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    company: str
    country: str = Field(max_length=2)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = _instant(default_factory=utcnow)
    expires_at: datetime = _instant(index=True)
    confirmed_at: datetime | None = _instant(default=None)


class RegistrationPerson(SQLModel, table=True):
    """One address a registration lists, and its confirmation: a token (stored as its
    SHA-256 hash) mailed to it, or none when the address was already taken in the fair
    (that person was told instead, so the registration can never be confirmed)."""

    __tablename__ = "registration_person"
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    fair_id: int = Field(foreign_key="fair.id", index=True, ondelete="CASCADE")
    email: str = Field(index=True)
    token_hash: str | None = Field(default=None, unique=True, index=True)
    duplicate: bool = False
    created_at: datetime = _instant(default_factory=utcnow)
    confirmed_at: datetime | None = _instant(default=None)
