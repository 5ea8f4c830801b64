"""Writing checked import data to the database, all or nothing.

`load(session, data)` upserts a fair and everything in it by the organiser's ids (the
fair by name, the rest by `id`), so re-importing an updated file updates in place. Rows
absent from a re-import are kept (deleting people or requests is an explicit act, not a
side effect of a shorter spreadsheet). The caller's transaction decides: `import_files`
commits only when everything was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, delete, select

from fair import search
from fair.db import session_scope
from fair.errors import ImportRejected, Problem
from fair.importer import FairSpec, ImportData, parse_files
from fair.models import (
    Booth,
    Company,
    Fair,
    FairBreak,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    Product,
    ProductTerm,
    RequestAttendee,
    Role,
)

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class ImportSummary:
    fair_id: int
    fair_name: str
    created: Mapping[str, int]
    updated: Mapping[str, int]

    def describe(self) -> str:
        parts = []
        for kind in ("pavilions", "booths", "tables", "companies", "participants", "requests"):
            parts.append(
                f"{kind}: {self.created.get(kind, 0)} new, {self.updated.get(kind, 0)} updated"
            )
        kind = "products"
        parts.append(
            f"{kind}: {self.created.get(kind, 0)} new, {self.updated.get(kind, 0)} updated"
        )
        if "terms" in self.created:
            parts.append(f"product terms: {self.created['terms']}")
        return f"imported {self.fair_name!r} (fair {self.fair_id}); " + "; ".join(parts)


class _Upserter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}

    def upsert(
        self,
        kind: str,
        existing: dict[str, M],
        key: str,
        model: type[M],
        fixed: Mapping[str, Any],
        values: Mapping[str, Any],
    ) -> M:
        """Create `model(**fixed, **values)` under `key`, or update `values` on the
        existing row."""
        obj = existing.get(key)
        if obj is None:
            obj = model(**{**fixed, **values})
            self.session.add(obj)
            existing[key] = obj
            self.created[kind] = self.created.get(kind, 0) + 1
        else:
            changed = False
            for name, value in values.items():
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
                    changed = True
            if changed:
                self.session.add(obj)
                self.updated[kind] = self.updated.get(kind, 0) + 1
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
    fair_id = _fair(session, data.fair)
    pavilions, booths = _places(up, fair_id, data.fair)
    companies = _companies(up, fair_id, data, pavilions, booths)
    participants = _participants(up, fair_id, data, companies)
    _requests(up, fair_id, data, participants)
    _products(up, fair_id, data, companies)
    _terms(up, fair_id, data)
    session.flush()
    return ImportSummary(fair_id, data.fair.name, up.created, up.updated)


def _fair(session: Session, spec: FairSpec) -> int:
    """The fair (found by name, else created) with the file's settings and breaks."""
    fair = session.exec(select(Fair).where(Fair.name == spec.name)).first()
    if fair is None:
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
        setattr(fair, name, getattr(spec, name))
    session.add(fair)
    session.flush()
    fair_id = _id(fair)

    # Breaks have no ids of their own: the file's list replaces the fair's.
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
        raise ImportRejected([Problem(where, None, kind, f"unknown {kind} {key!r}")])
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
                "onsite_days": list(p.onsite_days),
                "windows": list(p.windows),
                "interprets": list(p.interprets),
                "service": p.service,
                "max_per_day": p.max_per_day,
                "max_total": p.max_total,
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
                    Problem(
                        "participants.csv",
                        None,
                        "email",
                        f"{person.email} of {new_owner!r} already belongs to participant "
                        f"{person.key!r}, who is not in this file",
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
            dict(fair_id=fair_id, key=r.key, from_id=from_id, to_id=to_id),
            values,
        )
    session.flush()
    if data.requests:
        _attendees(session, data, requests, participants)


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
                    Problem(
                        "requests.csv",
                        None,
                        "id",
                        f"request {r.key!r}: {r.from_key}→{r.to_key} is already request "
                        f"{owner!r} in the database",
                    )
                ]
            )


def _attendees(
    session: Session,
    data: ImportData,
    requests: Mapping[str, MeetingRequest],
    participants: Mapping[str, Participant],
) -> None:
    """The file's colleagues replace the imported requests' attendees."""
    request_ids = [_id(requests[r.key]) for r in data.requests]
    session.exec(delete(RequestAttendee).where(col(RequestAttendee.request_id).in_(request_ids)))
    for r in data.requests:
        request_id = _id(requests[r.key])
        for side, keys in (("from", r.with_from), ("to", r.with_to)):
            for key in keys:
                session.add(
                    RequestAttendee(
                        request_id=request_id,
                        participant_id=_id(participants[key]),
                        side=side,
                    )
                )


def _products(
    up: _Upserter, fair_id: int, data: ImportData, companies: Mapping[str, Company]
) -> None:
    products = _by(up.session, Product, fair_id, "key")
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
        )


def _terms(up: _Upserter, fair_id: int, data: ImportData) -> None:
    """A terms.csv replaces the fair's product terms as a whole (its rows have no ids);
    an import without one keeps them."""
    if data.terms is None:
        return
    up.session.exec(delete(ProductTerm).where(col(ProductTerm.fair_id) == fair_id))
    for t in data.terms:
        up.session.add(
            ProductTerm(fair_id=fair_id, row=t.row, terms={k: list(v) for k, v in t.terms.items()})
        )
    up.created["terms"] = len(data.terms)


def import_files(engine: Engine, files: Mapping[str, bytes]) -> ImportSummary:
    """Check and write one import in a single transaction (nothing on any error)."""
    data = parse_files(files)
    with session_scope(engine) as session:
        summary = load(session, data)
        search.rebuild(session, summary.fair_id)  # the catalogue sees the import at once
        return summary
