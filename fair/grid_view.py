"""What the editable grid shows besides its meetings: where editing stands (the newest
version, its edits, its changes against the published one), each meeting's room address
and lock, and the tables to drop meetings on. The edits themselves are `fair.grid_edits`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fair.errors import NotFound
from fair.models import Booth, Meeting, MeetingRequest, MeetingTable, Pavilion, ScheduleVersion
from fair.publishing import VersionDiff
from fair.versions import latest_version, published_version

# what makes a meeting "the same" across versions, as in fair.publishing
_PLACE = ("start", "end", "place_kind", "booth_id", "table_id", "room", "third_seat_id")


def _places(session: Session, version: ScheduleVersion) -> dict[int, tuple[object, ...]]:
    columns = [col(Meeting.request_id), *(col(getattr(Meeting, c)) for c in _PLACE)]
    query = sa.select(*columns).where(col(Meeting.version_id) == version.id)
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def draft_diff(session: Session, version: ScheduleVersion) -> VersionDiff | None:
    """How `version` differs from the published version (None: nothing is published,
    or it is the published one): `fair.publishing.diff_versions`' answer, read as
    columns rather than whole rows because it is asked after every hand edit."""
    published = published_version(session, version.fair_id)
    if published is None or published.id == version.id:
        return None
    before, after = _places(session, published), _places(session, version)
    return diff_places(before, after)


def diff_places(before: Mapping[int, object], after: Mapping[int, object]) -> VersionDiff:
    """Two versions' meetings compared by their places (request id → place)."""
    kept = sorted(r for r in after if r in before and before[r] == after[r])
    moved = sorted(r for r in after if r in before and before[r] != after[r])
    new = sorted(r for r in after if r not in before)
    cancelled = sorted(r for r in before if r not in after)
    return VersionDiff(tuple(kept), tuple(moved), tuple(new), tuple(cancelled))


@dataclass(frozen=True)
class GridState:
    """Where editing stands: the newest version, its recorded edits (oldest first:
    kind, request keys, when) and its changes against the published version by request
    key (None when it is the published version or nothing is published)."""

    number: int
    status: str
    edits: tuple[dict[str, Any], ...]
    changes: dict[str, list[str]] | None


def grid_state(session: Session, fair_id: int) -> GridState:
    version = latest_version(session, fair_id)
    if version is None:
        raise NotFound("this fair has no schedule yet; run `fair schedule` first")
    diff = draft_diff(session, version)
    changes = None
    if diff is not None:
        keys = dict(
            session.exec(
                select(MeetingRequest.id, MeetingRequest.key).where(
                    MeetingRequest.fair_id == fair_id
                )
            ).all()
        )
        changes = {
            name: sorted(keys[i] for i in ids)
            for name, ids in (
                ("moved", diff.moved),
                ("new", diff.new),
                ("cancelled", diff.cancelled),
            )
        }
    edits = tuple(
        {"kind": e["kind"], "requests": e["requests"], "at": e["at"]}
        for e in version.figures.get("edits", [])
    )
    return GridState(version.number, str(version.status), edits, changes)


def grid_marks(session: Session, version: ScheduleVersion) -> dict[str, tuple[str, bool]]:
    """Request key → (calendar uid, for the room's address; locked) of each meeting."""
    query = (
        select(MeetingRequest.key, MeetingRequest.uid, Meeting.locked)
        .join(Meeting, col(Meeting.request_id) == col(MeetingRequest.id))
        .where(Meeting.version_id == version.id)
    )
    return {key: (uid, locked) for key, uid, locked in session.exec(query)}


def grid_places(session: Session, fair_id: int) -> list[tuple[str, str, str]]:
    """(pavilion key, "booth" or "table", key) of every booth and meeting table, by
    pavilion, booths first."""
    places: list[tuple[str, str, str]] = []
    for kind, model in (("booth", Booth), ("table", MeetingTable)):
        query = (
            select(Pavilion.key, model.key)
            .join(Pavilion, col(Pavilion.id) == col(model.pavilion_id))
            .where(model.fair_id == fair_id)
        )
        places += [(p, kind, key) for p, key in session.exec(query)]
    return sorted(places, key=lambda p: (p[0], p[1], p[2]))
