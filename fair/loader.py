"""Writing checked import data to the database, all or nothing; previews and confirms.

`load(session, data)` upserts a fair and everything in it by the organiser's ids (the
fair by name, the rest by `id`), so re-importing an updated file updates in place. Rows
absent from a re-import are kept (deleting people or requests is an explicit act, not a
side effect of a shorter spreadsheet). The caller's transaction decides: `import_files`
commits only when everything was written. Locks (locks.csv) come last, once the rows
they refer to are flushed: each goes through the grid's own edits (`fair.grid_edits`) in
the same transaction, so one that cannot hold refuses the whole import.

Every row's fate (new, updated, unchanged) is recorded, and their list's fingerprint is
the summary's `digest`. `preview_files` runs the same load and rolls it back, so its
counts are exactly what an import would do; `keep_upload` keeps the files under a token
until the organiser confirms, and `confirm_upload` writes them only if the write does
exactly what the preview showed (same files, same digest), else nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, delete, select

from fair import grid_edits, search
from fair.db import session_scope
from fair.errors import N_, Conflict, ImportRejected, NotFound, Problem
from fair.importer import AUTO, FairSpec, ImportData, LockSpec, parse_files
from fair.models import (
    Booth,
    Company,
    Fair,
    FairBreak,
    ImportUpload,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
    Product,
    ProductTerm,
    RequestAttendee,
    RequestStatus,
    Role,
    ScheduleVersion,
    VersionStatus,
    new_uid,
    utcnow,
)
from fair.planning import fair_slots
from fair.requests import FieldError
from fair.tokens import hash_token
from fair.versions import latest_version

M = TypeVar("M", bound=SQLModel)


KINDS = (
    "fair",
    "pavilions",
    "booths",
    "tables",
    "companies",
    "participants",
    "requests",
    "products",
    "terms",
    "locks",
)
NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
UPLOAD_LIFETIME = timedelta(hours=2)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, from `preview_files`, would do): per kind, how many rows
    are new, updated and unchanged (kinds with none left out); `digest` fingerprints
    every row's fate; `fair_id` is 0 for a preview of a fair not yet in the database."""

    fair_id: int
    fair_name: str
    created: Mapping[str, int]
    updated: Mapping[str, int]
    unchanged: Mapping[str, int] = field(default_factory=dict)
    digest: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    written: bool = True

    def counts(self) -> list[tuple[str, int, int, int]]:
        """(kind, new, updated, unchanged) for every kind the files hold."""
        return [
            (
                kind,
                self.created.get(kind, 0),
                self.updated.get(kind, 0),
                self.unchanged.get(kind, 0),
            )
            for kind in KINDS
            if kind in self.created or kind in self.updated or kind in self.unchanged
        ]

    def describe(self) -> str:
        parts = [
            f"{kind}: {new} new, {updated} updated, {same} unchanged"
            for kind, new, updated, same in self.counts()
        ]
        verb = "imported" if self.written else "preview of"
        where = f"fair {self.fair_id}" if self.fair_id else "a new fair"
        return f"{verb} {self.fair_name!r} ({where}); " + "; ".join(parts)


class ImportChanged(Conflict):
    """The confirmation would not write what the preview showed (the files or the
    database changed in between); nothing was written."""

    template = N_(
        "The data changed since the preview (it would now do something else); nothing was "
        "written. Check the new preview and confirm again."
    )

    def __init__(self, preview: ImportSummary | None = None) -> None:
        super().__init__(self.template)
        self.preview = preview  # what the same files would do now

    def __reduce__(self) -> tuple[type[ImportChanged], tuple[ImportSummary | None]]:
        return (ImportChanged, (self.preview,))


class _Upserter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.fates: dict[str, dict[str, str]] = {}

    def mark(self, kind: str, key: str, fate: str) -> None:
        """Record a row's fate; a later `updated` (e.g. its colleagues changed) overrides
        `unchanged`, and nothing overrides `new`."""
        fates = self.fates.setdefault(kind, {})
        if fates.get(key) in (None, UNCHANGED):
            fates[key] = fate

    def tally(self, fate: str) -> dict[str, int]:
        counts = {kind: sum(f == fate for f in keys.values()) for kind, keys in self.fates.items()}
        return {kind: n for kind, n in counts.items() if n}

    def digest(self) -> str:
        lines = sorted(
            f"{kind}\t{key}\t{fate}"
            for kind, keys in self.fates.items()
            for key, fate in keys.items()
        )
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()

    def upsert(
        self,
        kind: str,
        existing: dict[str, M],
        key: str,
        model: type[M],
        fixed: Mapping[str, Any],
        values: Mapping[str, Any],
        new: list[dict[str, Any]] | None = None,
    ) -> M | None:
        """Create `model(**fixed, **values)` under `key`, or update `values` on the
        existing row. With `new`, a new row is only appended there as a dict (every
        column given), for the caller's bulk INSERT: no ORM object, none returned."""
        obj = existing.get(key)
        if obj is None and new is not None:
            new.append({**fixed, **values})
            self.mark(kind, key, NEW)
            return None
        if obj is None:
            obj = model(**{**fixed, **values})
            self.session.add(obj)
            existing[key] = obj
            self.mark(kind, key, NEW)
        else:
            changed = False
            for name, value in values.items():
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
                    changed = True
            if changed:
                self.session.add(obj)
            self.mark(kind, key, UPDATED if changed else UNCHANGED)
        return obj


def _by(session: Session, model: type[M], fair_id: int, attr: str) -> dict[str, M]:
    rows = session.exec(select(model).where(col(model.fair_id) == fair_id))  # type: ignore[attr-defined]
    return {getattr(row, attr): row for row in rows}


def _id(obj: SQLModel) -> int:
    value = getattr(obj, "id", None)
    assert value is not None, "flush before reading ids"
    return int(value)


def load(session: Session, data: ImportData) -> ImportSummary:
    """Upsert `data` into the session's database; the caller commits or rolls back."""
    up = _Upserter(session)
    fair_id = _fair(up, data.fair)
    pavilions, booths = _places(up, fair_id, data.fair)
    companies = _companies(up, fair_id, data, pavilions, booths)
    participants = _participants(up, fair_id, data, companies)
    _requests(up, fair_id, data, participants)
    _products(up, fair_id, data, companies)
    _terms(up, fair_id, data)
    session.flush()
    _locks(up, fair_id, data)
    return ImportSummary(
        fair_id,
        data.fair.name,
        up.tally(NEW),
        up.tally(UPDATED),
        up.tally(UNCHANGED),
        up.digest(),
        data.sources,
    )


def add_people(session: Session, fair_id: int, data: ImportData) -> dict[str, Participant]:
    """Upsert only `data`'s companies, participants and products into the existing fair
    `fair_id` (its settings, places and terms untouched), by the same paths as `load`;
    the new and updated participants by key. For approved self-registrations
    (`fair.registration`); the caller commits or rolls back."""
    up = _Upserter(session)
    pavilions = _by(session, Pavilion, fair_id, "key")
    booths = _by(session, Booth, fair_id, "key")
    companies = _companies(up, fair_id, data, pavilions, booths)
    participants = _participants(up, fair_id, data, companies)
    _products(up, fair_id, data, companies)
    session.flush()
    return {p.key: participants[p.key] for p in data.participants}


def _fair(up: _Upserter, spec: FairSpec) -> int:
    """The fair (found by name, else created) with the file's settings and breaks."""
    session = up.session
    fair = session.exec(select(Fair).where(Fair.name == spec.name)).first()
    fate = UNCHANGED
    if fair is None:
        fate = NEW
        fair = Fair(
            name=spec.name,
            timezone=spec.timezone,
            start=spec.start,
            days=spec.days,
            day_start=spec.day_start,
            day_end=spec.day_end,
            slot_minutes=spec.slot_minutes,
        )
    for name in (
        "timezone",
        "start",
        "days",
        "day_start",
        "day_end",
        "slot_minutes",
        "currency",
        "online_rooms",
    ):
        if getattr(fair, name) != getattr(spec, name):
            setattr(fair, name, getattr(spec, name))
            fate = fate if fate == NEW else UPDATED
    session.add(fair)
    session.flush()
    fair_id = _id(fair)

    if spec.registration is not None and list(spec.registration) != fair.registration_roles:
        fair.registration_roles = list(spec.registration)
        fate = fate if fate == NEW else UPDATED
    # Breaks have no ids of their own: the file's list replaces the fair's.
    old = session.exec(select(FairBreak).where(col(FairBreak.fair_id) == fair_id)).all()
    if sorted((b.start, b.end, b.label) for b in old) != sorted(
        (b.start, b.end, b.label) for b in spec.breaks
    ):
        fate = fate if fate == NEW else UPDATED
    up.mark("fair", spec.name, fate)
    session.exec(delete(FairBreak).where(col(FairBreak.fair_id) == fair_id))
    for brk in spec.breaks:
        session.add(FairBreak(fair_id=fair_id, start=brk.start, end=brk.end, label=brk.label))
    return fair_id


def _places(
    up: _Upserter, fair_id: int, spec: FairSpec
) -> tuple[dict[str, Pavilion], dict[str, Booth]]:
    """Pavilions, booths and shared tables; the pavilions and booths by key."""
    session = up.session
    pavilions = _by(session, Pavilion, fair_id, "key")
    for pav in spec.pavilions:
        up.upsert(
            "pavilions",
            pavilions,
            pav.key,
            Pavilion,
            dict(fair_id=fair_id, key=pav.key, name=pav.name),
            {"name": pav.name, "country": pav.country},
        )
    session.flush()
    booths = _by(session, Booth, fair_id, "key")
    for b in spec.booths:
        pav_id = _id(pavilions[b.pavilion])
        up.upsert(
            "booths",
            booths,
            b.key,
            Booth,
            dict(fair_id=fair_id, key=b.key, pavilion_id=pav_id),
            {"pavilion_id": pav_id, "name": b.name, "tables": b.tables},
        )
    tables = _by(session, MeetingTable, fair_id, "key")
    for t in spec.tables:
        pav_id = _id(pavilions[t.pavilion])
        up.upsert(
            "tables",
            tables,
            t.key,
            MeetingTable,
            dict(fair_id=fair_id, key=t.key, pavilion_id=pav_id),
            {"pavilion_id": pav_id, "capacity": t.capacity},
        )
    session.flush()
    return pavilions, booths


def _ref(mapping: Mapping[str, SQLModel], key: str, kind: str, where: str) -> int | None:
    if not key:
        return None
    if key not in mapping:
        raise ImportRejected(
            [Problem.of(where, None, kind, N_("unknown %(kind)s %(id)s"), kind=kind, id=repr(key))]
        )
    return _id(mapping[key])


def _companies(
    up: _Upserter,
    fair_id: int,
    data: ImportData,
    pavilions: Mapping[str, Pavilion],
    booths: Mapping[str, Booth],
) -> dict[str, Company]:
    """The companies by name."""
    companies = _by(up.session, Company, fair_id, "name")
    for c in data.companies:
        up.upsert(
            "companies",
            companies,
            c.name,
            Company,
            dict(fair_id=fair_id, name=c.name, country=c.country, role=Role(c.role)),
            {
                "country": c.country,
                "role": c.role,
                "pavilion_id": _ref(pavilions, c.pavilion, "pavilion", "participants.csv"),
                "booth_id": _ref(booths, c.booth, "booth", "participants.csv"),
                "sectors": list(c.sectors),
                "offers": list(c.offers),
                "needs": list(c.needs),
            },
        )
    up.session.flush()
    return companies


def _participants(
    up: _Upserter, fair_id: int, data: ImportData, companies: Mapping[str, Company]
) -> dict[str, Participant]:
    """The participants by key."""
    session = up.session
    participants = _by(session, Participant, fair_id, "key")
    _free_moving_emails(session, participants, data)
    for p in data.participants:
        company_id = _id(companies[p.company])
        up.upsert(
            "participants",
            participants,
            p.key,
            Participant,
            dict(
                fair_id=fair_id,
                key=p.key,
                company_id=company_id,
                name=p.name,
                email=p.email,
                timezone=p.timezone,
            ),
            {
                "company_id": company_id,
                "name": p.name,
                "email": p.email,
                "timezone": p.timezone,
                "languages": list(p.languages),
                "language": p.language,
                "onsite_days": list(p.onsite_days),
                "windows": list(p.windows),
                "interprets": list(p.interprets),
                "service": p.service,
                "max_per_day": p.max_per_day,
                "max_total": p.max_total,
                "arrives": p.arrives,
                "departs": p.departs,
                **({} if p.dates is None else {"dates": {d: list(w) for d, w in p.dates.items()}}),
            },
        )
    session.flush()
    return participants


def _free_moving_emails(
    session: Session, participants: Mapping[str, Participant], data: ImportData
) -> None:
    """E-mails are unique per fair: free the ones that move between people in this import."""
    incoming = {p.email: p.key for p in data.participants}
    incoming_keys = {p.key for p in data.participants}
    for person in participants.values():
        new_owner = incoming.get(person.email)
        if new_owner is None or new_owner == person.key:
            continue
        if person.key not in incoming_keys:
            raise ImportRejected(
                [
                    Problem.of(
                        "participants.csv",
                        None,
                        "email",
                        N_(
                            "%(email)s of %(id)s already belongs to participant %(owner)s, "
                            "who is not in this file"
                        ),
                        email=person.email,
                        id=repr(new_owner),
                        owner=repr(person.key),
                    )
                ]
            )
        person.email = f"moving-{person.key}@invalid"  # overwritten below
        session.add(person)
    session.flush()


def _requests(
    up: _Upserter, fair_id: int, data: ImportData, participants: Mapping[str, Participant]
) -> None:
    """The requests, then the colleagues who attend them."""
    session = up.session
    requests = _by(session, MeetingRequest, fair_id, "key")
    _check_pairs(requests, participants, data)
    base = datetime.now(UTC).replace(microsecond=0)
    new: list[dict[str, Any]] = []
    for index, r in enumerate(data.requests):
        from_id = _id(participants[r.from_key])
        to_id = _id(participants[r.to_key])
        created = r.created or (base + timedelta(milliseconds=index))
        existing = requests.get(r.key)
        values: dict[str, Any] = {
            "from_id": from_id,
            "to_id": to_id,
            "priority": r.priority,
            "to_priority": r.to_priority,
            "mode": r.mode,
            "status": r.status,
            "length": r.length,
            "third_seat": r.third_seat,
        }
        if r.created is not None or existing is None:
            values["created_at"] = created
        up.upsert(
            "requests",
            requests,
            r.key,
            MeetingRequest,
            dict(fair_id=fair_id, key=r.key, from_id=from_id, to_id=to_id, uid=new_uid()),
            values,
            new,
        )
    session.flush()
    if new:  # thousands at expo scale: one INSERT, without an ORM object each
        session.execute(insert(MeetingRequest), new)
    if data.requests:
        ids = {key: _id(obj) for key, obj in requests.items()}
        if new:
            rows = session.exec(
                select(MeetingRequest.key, MeetingRequest.id).where(
                    MeetingRequest.fair_id == fair_id
                )
            )
            ids.update((key, int(i)) for key, i in rows if i is not None)
        _attendees(up, data, ids, participants)


def _check_pairs(
    requests: Mapping[str, MeetingRequest],
    participants: Mapping[str, Participant],
    data: ImportData,
) -> None:
    """A pair of people already asked under another request id is refused."""
    pair_owner = {(r.from_id, r.to_id): key for key, r in requests.items()}
    for r in data.requests:
        pair = (_id(participants[r.from_key]), _id(participants[r.to_key]))
        owner = pair_owner.get(pair)
        if owner is not None and owner != r.key:
            raise ImportRejected(
                [
                    Problem.of(
                        "requests.csv",
                        None,
                        "id",
                        N_(
                            "request %(id)s: %(from)s→%(to)s is already request %(owner)s in "
                            "the database"
                        ),
                        id=repr(r.key),
                        to=r.to_key,
                        owner=repr(owner),
                        **{"from": r.from_key},
                    )
                ]
            )


def _attendees(
    up: _Upserter,
    data: ImportData,
    requests: Mapping[str, int],
    participants: Mapping[str, Participant],
) -> None:
    """The file's colleagues replace the imported requests' attendees (a request whose
    colleagues change counts as updated)."""
    session = up.session
    request_ids = [requests[r.key] for r in data.requests]
    before: dict[int, set[tuple[int, str]]] = {}
    for chunk in range(0, len(request_ids), 1000):
        ids = request_ids[chunk : chunk + 1000]
        for a in session.exec(
            select(RequestAttendee).where(col(RequestAttendee.request_id).in_(ids))
        ):
            before.setdefault(a.request_id, set()).add((a.participant_id, a.side))
    session.exec(delete(RequestAttendee).where(col(RequestAttendee.request_id).in_(request_ids)))
    for r in data.requests:
        request_id = requests[r.key]
        after = {
            (_id(participants[key]), side)
            for side, keys in (("from", r.with_from), ("to", r.with_to))
            for key in keys
        }
        if after != before.get(request_id, set()):
            up.mark("requests", r.key, UPDATED)
        for participant_id, side in sorted(after):
            session.add(
                RequestAttendee(request_id=request_id, participant_id=participant_id, side=side)
            )


def _products(
    up: _Upserter, fair_id: int, data: ImportData, companies: Mapping[str, Company]
) -> None:
    products = _by(up.session, Product, fair_id, "key")
    new: list[dict[str, Any]] = []
    for pr in data.products:
        company_id = _id(companies[pr.company])
        up.upsert(
            "products",
            products,
            pr.key,
            Product,
            dict(fair_id=fair_id, key=pr.key, company_id=company_id, name=pr.name),
            {
                "company_id": company_id,
                "name": pr.name,
                "description": pr.description,
                "sector": pr.sector,
                "origin": pr.origin,
                "price_min": pr.price_min,
                "price_max": pr.price_max,
                "currency": pr.currency,
                "moq": pr.moq,
                "certifications": list(pr.certifications),
            },
            new,
        )
    if new:  # ten thousand at expo scale: one INSERT, without an ORM object each
        up.session.execute(insert(Product), new)


def _terms(up: _Upserter, fair_id: int, data: ImportData) -> None:
    """A terms.csv replaces the fair's product terms as a whole (its rows have no ids);
    an import without one keeps them. A concept the fair already had, with the same
    names, counts as unchanged; every other one as new."""
    if data.terms is None:
        return
    had = {
        _concept(t.terms)
        for t in up.session.exec(select(ProductTerm).where(col(ProductTerm.fair_id) == fair_id))
    }
    up.session.exec(delete(ProductTerm).where(col(ProductTerm.fair_id) == fair_id))
    for t in data.terms:
        terms = {k: list(v) for k, v in t.terms.items()}
        up.session.add(ProductTerm(fair_id=fair_id, row=t.row, terms=terms))
        concept = _concept(terms)
        up.mark("terms", f"{t.row}\t{concept}", UNCHANGED if concept in had else NEW)


def _locks(up: _Upserter, fair_id: int, data: ImportData) -> None:
    """Lock each meeting of locks.csv where the file says, through the grid's own edits
    (`fair.grid_edits`: add or move, then lock), so an import's lock is the same thing
    as one set on the grid and is checked the same way. A lock already in place changes
    nothing. Any lock that cannot hold refuses the whole import (every problem named)."""
    if not data.locks:
        return
    session, file = up.session, data.locks_file
    fair = session.get(Fair, fair_id)
    assert fair is not None
    requests = _by(session, MeetingRequest, fair_id, "key")
    starts = {s.start for s in fair_slots(session, fair)}
    zone = ZoneInfo(fair.timezone)
    problems: list[Problem] = []
    for lock in data.locks:
        at = f"{lock.start.astimezone(zone):%Y-%m-%d %H:%M}"
        req = requests.get(lock.key)
        if req is None:
            problems.append(
                Problem.of(
                    file, lock.row, "request", N_("unknown request %(id)s"), id=repr(lock.key)
                )
            )
        elif req.status != RequestStatus.ACCEPTED:
            problems.append(
                Problem.of(
                    file,
                    lock.row,
                    "request",
                    N_("request %(id)s is %(status)s: only an accepted request can be locked"),
                    id=repr(lock.key),
                    status=req.status,
                )
            )
        if lock.start not in starts:
            problems.append(
                Problem.of(
                    file,
                    lock.row,
                    "time",
                    N_("no slot of the grid starts at %(time)s (%(zone)s)"),
                    time=at,
                    zone=fair.timezone,
                )
            )
    if problems:
        raise ImportRejected(problems)
    if latest_version(session, fair_id) is None:
        session.add(_import_draft(fair_id))
        session.flush()
    places = _place_keys(session, fair_id)
    for lock in data.locks:
        try:
            up.mark("locks", lock.key, _lock(session, fair_id, lock, places))
        except grid_edits.EditRefused as exc:
            problems += [
                Problem.of(
                    file,
                    lock.row,
                    "place" if r.code in PLACE_REASONS else "time",
                    r.template or "%(error)s",
                    **(dict(r.params) if r.template else {"error": r.text}),
                )
                for r in exc.reasons
            ]
        except FieldError as exc:
            column = "place" if exc.field == "place" else "time"
            problems.append(
                Problem.of(
                    file,
                    lock.row,
                    column,
                    N_("no place %(place)s (a booth id, a table id, online or online-N)")
                    if column == "place"
                    else "%(error)s",
                    place=lock.place,
                    error=exc.detail,
                )
            )
        except (Conflict, NotFound) as exc:
            problems.append(Problem.of(file, lock.row, "request", "%(error)s", error=exc))
    if problems:
        raise ImportRejected(problems)


# what the grid's check says about the place rather than the time
PLACE_REASONS = frozenset({"mode", "place", "full"})


def _import_draft(fair_id: int) -> ScheduleVersion:
    """The first version of a fair whose import locks meetings before any solve: a
    draft holding just the locked meetings, which `fair schedule` then keeps."""
    return ScheduleVersion(
        fair_id=fair_id,
        number=1,
        status=VersionStatus.DRAFT,
        method="import",
        figures={"status": "import", "scheduled": 0, "weight": 0, "unscheduled": {}, "edits": []},
        inputs={},
    )


def _place_keys(session: Session, fair_id: int) -> dict[tuple[PlaceKind, int], str]:
    keys: dict[tuple[PlaceKind, int], str] = {}
    for booth_id, key in session.exec(
        select(Booth.id, Booth.key).where(col(Booth.fair_id) == fair_id)
    ):
        keys[(PlaceKind.BOOTH, int(booth_id or 0))] = key
    for table_id, key in session.exec(
        select(MeetingTable.id, MeetingTable.key).where(col(MeetingTable.fair_id) == fair_id)
    ):
        keys[(PlaceKind.TABLE, int(table_id or 0))] = key
    return keys


def _lock(
    session: Session, fair_id: int, lock: LockSpec, places: Mapping[tuple[PlaceKind, int], str]
) -> str:
    """Apply one lock; its fate (new, updated, or unchanged when already so)."""
    version = latest_version(session, fair_id)
    assert version is not None
    meeting = session.exec(
        select(Meeting)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id, MeetingRequest.key == lock.key)
    ).first()
    if meeting is None:
        grid_edits.add(session, fair_id, lock.key, lock.start, lock.place)
        grid_edits.set_lock(session, fair_id, lock.key, True)
        return NEW
    if meeting.place_kind == PlaceKind.ONLINE:
        place = "online" if lock.place == "online" else meeting.room
    else:
        place = places.get((meeting.place_kind, meeting.booth_id or meeting.table_id or 0), "")
    if meeting.start == lock.start and place == lock.place:
        if meeting.locked:
            return UNCHANGED
    else:
        if meeting.locked:
            grid_edits.set_lock(session, fair_id, lock.key, False)
        grid_edits.move(session, fair_id, lock.key, lock.start, lock.place)
    grid_edits.set_lock(session, fair_id, lock.key, True)
    return UPDATED


def _concept(terms: Mapping[str, Any]) -> str:
    return json.dumps({k: list(v) for k, v in terms.items()}, ensure_ascii=False, sort_keys=True)


def import_files(
    engine: Engine,
    files: Mapping[str, bytes],
    encoding: str = AUTO,
    expect: str | None = None,
) -> ImportSummary:
    """Check and write one import in a single transaction (nothing on any error). With
    `expect` (a preview's digest), write only if the import does exactly that, else raise
    `ImportChanged`."""
    data = parse_files(files, encoding)
    with session_scope(engine) as session:
        summary = load(session, data)
        if expect is not None and summary.digest != expect:
            raise ImportChanged()
        search.rebuild(session, summary.fair_id)  # the catalogue sees the import at once
        return summary


def preview_files(
    engine: Engine, files: Mapping[str, bytes], encoding: str = AUTO
) -> ImportSummary:
    """What importing `files` would do, row by row, without writing anything: the same
    load as `import_files`, rolled back."""
    data = parse_files(files, encoding)
    with Session(engine, expire_on_commit=False) as session:
        try:
            existing = session.exec(select(Fair.id).where(Fair.name == data.fair.name)).first()
            summary = load(session, data)
        finally:
            session.rollback()
    return replace(summary, fair_id=existing or 0, written=False)


# ---------------------------------------------------------------------------- uploads


def pack(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, raw in files.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def unpack(packed: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def keep_upload(engine: Engine, files: Mapping[str, bytes], encoding: str, digest: str) -> str:
    """Keep previewed files until `UPLOAD_LIFETIME` has passed; the token to confirm
    them (only its hash is stored). Expired uploads are dropped on the way."""
    token = secrets.token_urlsafe(24)
    now = utcnow()
    with session_scope(engine) as session:
        session.exec(delete(ImportUpload).where(col(ImportUpload.expires_at) < now))
        session.add(
            ImportUpload(
                token_hash=hash_token(token),
                encoding=encoding,
                files=pack(files),
                digest=digest,
                created_at=now,
                expires_at=now + UPLOAD_LIFETIME,
            )
        )
    return token


def _upload(session: Session, token: str) -> ImportUpload:
    upload = session.exec(
        select(ImportUpload).where(ImportUpload.token_hash == hash_token(token))
    ).first()
    if upload is None or upload.expires_at < utcnow():
        raise NotFound(N_("This preview has expired or was already used; upload the files again."))
    return upload


def upload_files(engine: Engine, token: str) -> tuple[dict[str, bytes], str, str]:
    """The kept files of a preview, their encoding choice and the preview's digest."""
    with Session(engine) as session:
        upload = _upload(session, token)
        return unpack(upload.files), upload.encoding, upload.digest


def confirm_upload(engine: Engine, token: str) -> ImportSummary:
    """Write the previewed files, if that does exactly what the preview showed; then the
    upload is used up. When it would not (the database changed since), nothing is
    written: `ImportChanged` carries the new preview, which the same token now confirms."""
    files, encoding, digest = upload_files(engine, token)
    try:
        summary = import_files(engine, files, encoding, expect=digest)
    except ImportChanged:
        fresh = preview_files(engine, files, encoding)
        with session_scope(engine) as session:
            upload = _upload(session, token)
            upload.digest = fresh.digest
            session.add(upload)
        raise ImportChanged(fresh) from None
    except ImportRejected:
        _drop_upload(engine, token)
        raise
    _drop_upload(engine, token)
    return summary


def _drop_upload(engine: Engine, token: str) -> None:
    with session_scope(engine) as session:
        session.exec(delete(ImportUpload).where(col(ImportUpload.token_hash) == hash_token(token)))


# ---------------------------------------------------------------------------- in a worker


def preview_upload_at(
    url: str, files: Mapping[str, bytes], encoding: str
) -> tuple[ImportSummary, str]:
    """`preview_files` and `keep_upload` on the database at `url`, for a worker process:
    a large upload's reading (hundreds of MB for tens of MB of files) is then the
    worker's, returned to the system when it ends, not the server's."""
    from fair.db import make_engine

    engine = make_engine(url)
    try:
        return preview_and_keep(engine, files, encoding)
    finally:
        engine.dispose()


def preview_and_keep(
    engine: Engine, files: Mapping[str, bytes], encoding: str
) -> tuple[ImportSummary, str]:
    """The preview of an upload, and the token its kept copy is confirmed with."""
    preview = preview_files(engine, files, encoding)
    return preview, keep_upload(engine, files, encoding, preview.digest)


def confirm_upload_at(url: str, token: str) -> ImportSummary:
    """`confirm_upload` on the database at `url`, for a worker process."""
    from fair.db import make_engine

    engine = make_engine(url)
    try:
        return confirm_upload(engine, token)
    finally:
        engine.dispose()


def upload_size(session: Session, token: str) -> int:
    """The stored (compressed) size of a kept upload; 0 when there is none."""
    from sqlalchemy import func

    found = session.exec(
        select(func.length(ImportUpload.files)).where(ImportUpload.token_hash == hash_token(token))
    ).first()
    return int(found or 0)
