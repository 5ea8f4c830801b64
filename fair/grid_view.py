"""What the editable grid shows besides its meetings: where editing stands (the newest
version, its edits, its changes against the published one), each meeting's room address
and lock, and the tables to drop meetings on. The edits themselves are `fair.grid_edits`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class LoadRow:
    """A row of the grid's heat map: a pavilion (its booths and tables together), a
    booth or table, or the video rooms; `capacity` is how many meetings it hosts at once
    (None: video rooms without a limit)."""

    key: str
    kind: str  # "pavilion", "booth", "table" or "online"
    capacity: int | None


@dataclass(frozen=True)
class GridLoad:
    """Meetings per row and slot time of one day of the grid: `cells[r][t]` counts the
    meetings of `rows[r]` starting at `times[t]` (fair time, "HH:MM")."""

    rows: tuple[LoadRow, ...]
    times: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]

    @property
    def meetings(self) -> int:
        return sum(sum(row) for row in self.cells)

    def load(self, r: int, t: int) -> float | None:
        """Meetings over capacity in a cell (None when the row has no limit)."""
        capacity = self.rows[r].capacity
        return self.cells[r][t] / capacity if capacity else None


def place_capacities(session: Session, fair_id: int) -> dict[tuple[str, str, str], int]:
    """(pavilion key, "booth" or "table", key) → meetings it hosts at once."""
    out: dict[tuple[str, str, str], int] = {}
    for pavilion, key, tables in session.exec(
        select(Pavilion.key, Booth.key, Booth.tables)
        .join(Pavilion, col(Pavilion.id) == col(Booth.pavilion_id))
        .where(Booth.fair_id == fair_id)
    ):
        out[(pavilion, "booth", key)] = tables
    for pavilion, key, capacity in session.exec(
        select(Pavilion.key, MeetingTable.key, MeetingTable.capacity)
        .join(Pavilion, col(Pavilion.id) == col(MeetingTable.pavilion_id))
        .where(MeetingTable.fair_id == fair_id)
    ):
        out[(pavilion, "table", key)] = capacity
    return out


def grid_load(
    rows: Sequence[Mapping[str, Any]],
    capacities: Mapping[tuple[str, str, str], int],
    times: Sequence[str],
    pavilion: str = "",
    online_rooms: int | None = None,
) -> GridLoad:
    """The heat map of grid rows (`fair.export.grid_rows`, already narrowed to one day
    and whatever the page filters on) over the slot `times` ("HH:MM" in fair time): per
    pavilion when `pavilion` is "" (a whole expo's booths would be hundreds of rows),
    else per booth and table of that pavilion, empty ones too; video rooms in one row
    (`online_rooms`: how many there are, None for no limit)."""
    places = sorted(
        (p for p in capacities if not pavilion or p[0] == pavilion),
        key=lambda p: (p[0], p[1], _natural(p[2])),
    )
    load_rows: list[LoadRow] = []
    index: dict[tuple[str, str], int] = {}  # (pavilion or "", place or "") → row
    if pavilion:
        for pav, kind, key in places:
            index[(pav, key)] = len(load_rows)
            load_rows.append(LoadRow(key, kind, capacities[(pav, kind, key)]))
    else:
        total: dict[str, int] = {}
        for pav, kind, key in places:
            total[pav] = total.get(pav, 0) + capacities[(pav, kind, key)]
        for pav in sorted(total):
            index[(pav, "")] = len(load_rows)
            load_rows.append(LoadRow(pav, "pavilion", total[pav]))
    column = {t: i for i, t in enumerate(times)}
    counts = [[0] * len(times) for _ in load_rows]
    online: list[int] = [0] * len(times)
    for r in rows:
        t = column[r["start"][11:]]
        if r["place_kind"] == "online" or not r["pavilion"]:
            online[t] += 1
            continue
        at = index.get((r["pavilion"], r["place"] if pavilion else ""))
        if at is None:  # a place removed by a re-import since: its own row
            at = index[(r["pavilion"], r["place"] if pavilion else "")] = len(load_rows)
            load_rows.append(LoadRow(r["place"] if pavilion else r["pavilion"], "pavilion", None))
            counts.append([0] * len(times))
        counts[at][t] += 1
    if any(online):
        load_rows.append(LoadRow("online", "online", online_rooms or None))
        counts.append(online)
    return GridLoad(tuple(load_rows), tuple(times), tuple(tuple(c) for c in counts))


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts B2 before B10."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", text))
