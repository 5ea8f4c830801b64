"""The fair's scheduling problem kept between requests, never older than the database.

`planning_for(session, fair_id)` answers what `fair.planning.build_problem` answers
(tests/fair/test_problem_cache.py compares them after every kind of change) without
rebuilding it: at expo scale a rebuild reads some twenty thousand rows and takes the
best part of a second, and the organiser's hand edits (`fair.grid_edits`) and live
features (freed-slot proposals) need the problem on every click.

Why it cannot be stale. The cache is keyed by tokens read in the caller's own
transaction from `input_revision`, which the database's triggers (migration
0010_fair_revision) give a new random value in the same transaction as any change to
what the problem is built from:

- the fair's token: its settings, breaks, pavilions, booths, tables, companies,
  participants, busy times, roadshows, meeting requests (status, priorities, mode...)
  and their attendees;
- each schedule version's token: its meetings (request, time, place, third seat, lock).
  The key holds the newest version (its locks) and the published one (`previous`), by
  id and token, so making, publishing or editing a version changes the key too.

Triggers rather than a counter each writer bumps: they also see the writers nobody
lists (a script, psql, a new use case), cascades and bulk statements, on SQLite and
PostgreSQL alike, and so they hold across processes. Random tokens rather than
counters: a counter bumped by a transaction that rolled back would come back with
other rows behind it. Reading the key costs two small queries. What is built for a key
is read after the key, so under PostgreSQL's read committed it may be newer than its
token (a writer committed in between; its new token is then what everyone reads next),
never older.

What is kept, per process (bounded, least recently used first out):

- the fair's part of the problem, by (fair, fair token) (`fair.planning.build_base`);
- each version's meetings as the scheduler's assignments, by (fair token, version,
  version token);
- the composed `Planning`, by the whole key;
- an edit workspace (`Workspace`: the newest version's meetings indexed for the checks
  and kept validated, `scheduler.validate.Ledger`), taken by one edit at a time and
  put back under the key the edit's own transaction wrote (`advance`). A transaction
  that then rolls back leaves that key unread: the database still shows the old token,
  whose workspace was taken, so the next edit builds it again.

Everything handed out is shared between threads and must not be changed, except a
taken `Workspace`, which belongs to its taker until it is put back.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.errors import NotFound
from fair.models import Fair, InputRevision, Meeting, Participant, ScheduleVersion, VersionStatus
from fair.planning import MeetingKeys, Planning, build_base, with_schedules
from scheduler.edits import Occupancy
from scheduler.validate import Ledger

# what makes a meeting "the same" across versions (fair.grid_view, fair.publishing)
PLACE = ("start", "end", "place_kind", "booth_id", "table_id", "room", "third_seat_id")


@dataclass(frozen=True)
class Key:
    """What the cached problem was built from: the fair's token, and the newest and the
    published versions as (id, token) (None: there is none)."""

    fair_id: int
    fair: str
    latest: tuple[int, str] | None
    published: tuple[int, str] | None


@dataclass(frozen=True)
class VersionMeetings:
    """A version's meetings: as the scheduler's assignments by request key, which are
    locked, and their places by request id (for the diff with the published one)."""

    assignments: Mapping[str, sp.Assignment]
    locked: frozenset[str]
    places: Mapping[int, tuple[Any, ...]]


@dataclass
class Workspace:
    """The newest version, ready for hand edits: its meetings, what they occupy (all of
    them) and their validation, for the problem of `planning`."""

    key: Key
    planning: Planning
    names: Mapping[str, str]  # participant key → name
    meetings: VersionMeetings
    occupancy: Occupancy
    ledger: Ledger
    labels: Mapping[str, str]  # request key → "company ↔ company"


K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        return self.items.pop(key, None)


_lock = threading.Lock()
# A fair's older keys are never read again once its tokens move (but by transactions
# already under way), so a few entries each suffice; at expo scale a fair's problem
# and workspace take ~35 MB, and each version's meetings a few.
_bases: _Lru[tuple[int, str], tuple[Planning, Mapping[str, str]]] = _Lru(2)
_versions: _Lru[tuple[str, int, str], VersionMeetings] = _Lru(6)
_plannings: _Lru[Key, Planning] = _Lru(3)
_workspaces: _Lru[Key, Workspace] = _Lru(2)
_builds = 0  # how many entries were built, to settle after a build (`_settle`)


def clear() -> None:
    """Forget everything (tests, or to free memory)."""
    with _lock:
        for lru in (_bases, _versions, _plannings, _workspaces):
            lru.items.clear()


def _tokens(session: Session, fair_id: int, versions: Iterable[int]) -> dict[tuple[str, int], str]:
    query = select(InputRevision).where(
        sa.or_(
            sa.and_(col(InputRevision.scope) == "fair", col(InputRevision.ref_id) == fair_id),
            sa.and_(
                col(InputRevision.scope) == "version", col(InputRevision.ref_id).in_(list(versions))
            ),
        )
    )
    return {(r.scope, r.ref_id): r.token for r in session.exec(query)}


def read_key(session: Session, fair_id: int) -> Key | None:
    """The fair's key as this transaction sees it (None: a token is missing, so nothing
    may be cached; raises NotFound for no fair)."""
    versions = session.execute(
        sa.select(col(ScheduleVersion.id), col(ScheduleVersion.status))
        .where(col(ScheduleVersion.fair_id) == fair_id)
        .order_by(col(ScheduleVersion.number).desc())
    ).all()
    latest = versions[0][0] if versions else None
    published = next((v for v, s in versions if s == VersionStatus.PUBLISHED), None)
    ids = [v for v in (latest, published) if v is not None]
    tokens = _tokens(session, fair_id, ids)
    fair = tokens.get(("fair", fair_id))
    if fair is None:
        if session.get(Fair, fair_id) is None:
            raise NotFound(f"no fair {fair_id}")
        return None

    def versioned(vid: int | None) -> tuple[int, str] | None:
        return None if vid is None else (vid, tokens[("version", vid)])

    if any(("version", v) not in tokens for v in ids):
        return None
    return Key(fair_id, fair, versioned(latest), versioned(published))


def version_token(session: Session, version_id: int) -> str | None:
    row = session.get(InputRevision, ("version", version_id), populate_existing=True)
    return row.token if row is not None else None


SETTLE_REQUESTS = 1000  # from this many requests a build is frozen out of collections


def _settle(planning: Planning) -> None:
    """After building for a large fair: collect the garbage, then leave everything alive
    out of later collections (`gc.freeze`). The cache then holds millions of small
    objects; without this every full collection walks them all (150 ms at expo scale,
    measured: the outliers of `fair bench edits`), and one lands in an edit every few
    dozen. Small fairs (the tests) are left to the collector as usual."""
    if len(planning.problem.requests) >= SETTLE_REQUESTS:
        gc.collect()
        gc.freeze()


def _cached(lru: _Lru[K, V], key: K, build: Callable[[], V]) -> V:
    with _lock:
        found = lru.get(key)
    if found is not None:
        return found
    value = build()
    global _builds
    with _lock:
        lru.put(key, value)
        _builds += 1
    return value


def _base(session: Session, key: Key) -> tuple[Planning, Mapping[str, str]]:
    def build() -> tuple[Planning, Mapping[str, str]]:
        planning = build_base(session, key.fair_id)
        # a copy of the fair's row that belongs to no session: the planning outlives it
        fair = Fair(**planning.fair.model_dump())
        names = dict(
            session.exec(
                select(Participant.key, Participant.name).where(Participant.fair_id == key.fair_id)
            ).all()
        )
        return replace(planning, fair=fair), names

    return _cached(_bases, (key.fair_id, key.fair), build)


def read_meetings(
    session: Session, keys: MeetingKeys, version_id: int, request_ids: Iterable[int] | None = None
) -> list[tuple[int, sp.Assignment | None, bool, tuple[Any, ...]]]:
    """(request id, assignment, locked, place) of a version's meetings (only those of
    `request_ids`, if given); read as columns: a fair's meetings are many."""
    columns = [col(getattr(Meeting, c)) for c in ("request_id", *PLACE, "locked")]
    query = sa.select(*columns).where(col(Meeting.version_id) == version_id)
    if request_ids is not None:
        query = query.where(col(Meeting.request_id).in_(list(request_ids)))
    return [
        (m.request_id, keys.assignment(m), bool(m.locked), tuple(m[1:-1]))
        for m in session.execute(query)
    ]


def _version(
    session: Session, key: Key, keys: MeetingKeys, version: tuple[int, str]
) -> VersionMeetings:
    def build() -> VersionMeetings:
        rows = read_meetings(session, keys, version[0])
        found = {a.request: a for _rid, a, _locked, _place in rows if a is not None}
        locked = frozenset(a.request for _rid, a, lk, _p in rows if a is not None and lk)
        return VersionMeetings(found, locked, {rid: place for rid, _a, _lk, place in rows})

    return _cached(_versions, (key.fair, *version), build)


def _planning(
    session: Session, key: Key
) -> tuple[Planning, Mapping[str, str], VersionMeetings | None]:
    builds = _builds
    base, names = _base(session, key)
    latest = _version(session, key, base.keys, key.latest) if key.latest else None
    published = _version(session, key, base.keys, key.published) if key.published else None

    def build() -> Planning:
        locks = {k: latest.assignments[k] for k in latest.locked} if latest else {}
        return with_schedules(base, locks, published.assignments if published else {})

    planning = _cached(_plannings, key, build)
    if _builds != builds:
        _settle(planning)
    return planning, names, latest


def planning_for(session: Session, fair_id: int) -> Planning:
    """The fair's `Planning` as `fair.planning.build_problem` would build it in this
    transaction, from the cache when nothing it is built from has changed. Shared:
    read it, do not change it (its `fair` is a copy outside any session)."""
    key = read_key(session, fair_id)
    if key is None:
        from fair.planning import build_problem

        return build_problem(session, fair_id)
    return _planning(session, key)[0]


def published_places(session: Session, key: Key) -> Mapping[int, tuple[Any, ...]] | None:
    """The published version's meetings' places by request id (None: none published)."""
    if key.published is None:
        return None
    base, _names = _base(session, key)
    return _version(session, key, base.keys, key.published).places


def take_workspace(session: Session, key: Key) -> Workspace:
    """The newest version's workspace, for the caller alone until `put_workspace`."""
    assert key.latest is not None
    with _lock:
        ws = _workspaces.pop(key)
    if ws is not None:
        return ws
    planning, names, latest = _planning(session, key)
    assert latest is not None
    ws = workspace(key, planning, names, latest)
    _settle(planning)
    return ws


def workspace(
    key: Key, planning: Planning, names: Mapping[str, str], meetings: VersionMeetings
) -> Workspace:
    """A workspace built from scratch (not cached by itself; see `put_workspace`)."""
    problem = planning.problem
    current = meetings.assignments.values()
    return Workspace(
        key,
        planning,
        names,
        meetings,
        Occupancy(problem, current),
        Ledger(problem, current),
        {r.id: f"{r.company_a} ↔ {r.company_b}" for r in problem.requests},
    )


def uncached_workspace(session: Session, fair_id: int, version_id: int) -> Workspace:
    """A workspace for a version that is not the newest one this transaction saw (a
    solve stored a newer one meanwhile), read fresh; never put back."""
    from fair.planning import build_problem

    planning = build_problem(session, fair_id)
    names = dict(
        session.exec(
            select(Participant.key, Participant.name).where(Participant.fair_id == fair_id)
        ).all()
    )
    rows = read_meetings(session, planning.keys, version_id)
    meetings = VersionMeetings(
        {a.request: a for _rid, a, _lk, _p in rows if a is not None},
        frozenset(a.request for _rid, a, lk, _p in rows if a is not None and lk),
        {rid: place for rid, _a, _lk, place in rows},
    )
    key = Key(fair_id, "", (version_id, ""), None)
    return workspace(key, planning, names, meetings)


def put_workspace(ws: Workspace) -> None:
    """Give back a workspace as it stands for its `key` (its planning too: an edit that
    changed no lock leaves the problem as it was)."""
    if not ws.key.fair:
        return  # uncached_workspace
    with _lock:
        _workspaces.put(ws.key, ws)
        _plannings.put(ws.key, ws.planning)


def carry_over(session: Session, source: Key | None, version_id: int) -> None:
    """Version `version_id` was just made, in this transaction, as an exact copy of the
    meetings of `source`'s newest version (the first hand edit after a publish): the
    source's workspace, if cached, becomes the copy's, under the key read now. Its
    planning holds: the locks are the same meetings', the published version is the
    same. Nothing is carried when anything else moved the key meanwhile."""
    if source is None or source.latest is None:
        return
    with _lock:
        ws = _workspaces.pop(source)
    if ws is None:
        return
    key = read_key(session, source.fair_id)
    if (
        key is None
        or key.latest is None
        or key.latest[0] != version_id
        or (key.fair, key.published) != (source.fair, source.published)
    ):
        return
    ws.key = key
    with _lock:
        _versions.put((key.fair, *key.latest), ws.meetings)
    put_workspace(ws)


def advance(
    session: Session, ws: Workspace, request_ids: Iterable[int]
) -> tuple[Key | None, VersionMeetings]:
    """After an edit has written the meetings of `request_ids` in the newest version
    (flushed, in this transaction): the version's meetings now, cached under the token
    the edit's writes gave it, and the new key (None: the token is missing)."""
    assert ws.key.latest is not None
    vid = ws.key.latest[0]
    ids = list(request_ids)
    old = ws.meetings
    assignments = dict(old.assignments)
    places = dict(old.places)
    locked = set(old.locked)
    keys = ws.planning.keys
    for rid in ids:
        places.pop(rid, None)
        if rid in keys.request:
            assignments.pop(keys.request[rid], None)
            locked.discard(keys.request[rid])
    for rid, a, is_locked, place in read_meetings(session, keys, vid, ids):
        places[rid] = place
        if a is not None:
            assignments[a.request] = a
            if is_locked:
                locked.add(a.request)
    meetings = VersionMeetings(assignments, frozenset(locked), places)
    token = version_token(session, vid)
    if token is None:
        return None, meetings
    key = replace(ws.key, latest=(vid, token))
    if key.fair:  # not an uncached_workspace
        with _lock:
            _versions.put((key.fair, vid, token), meetings)
    return key, meetings
