"""Server processes and the connections each holds, so a crashed process leaves nobody
"online".

Each server process draws an instance id at start and writes a heartbeat
(`server_instance`) every `HEARTBEAT_INTERVAL` seconds; the connections it holds are
counted per instance too (`live_connection`, for meeting rooms and roadshow stages). A
process whose heartbeat is older than `INSTANCE_TIMEOUT` is taken for dead:
`sweep_instances` (run by any live process) takes its connections off the counts (the
meeting rooms' presence, `fair.presence`, and the stages' audience, `fair.roadshows`). A
clean shutdown does the same for itself at once (`release_instance`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from fair.models import (
    LiveConnection,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    Roadshow,
    RoadshowViewer,
    ServerInstance,
)

# A process writes its heartbeat every HEARTBEAT_INTERVAL seconds and is taken for dead
# when it is INSTANCE_TIMEOUT seconds old: three missed beats, so a process that is only
# busy is not declared dead, and a crash stops counting within timeout + interval (40 s).
HEARTBEAT_INTERVAL = 10.0
INSTANCE_TIMEOUT = 30.0
MEETING = "meeting"  # LiveConnection.kind: target_id is a meeting
STAGE = "stage"  # LiveConnection.kind: target_id is a roadshow


def new_instance_id() -> str:
    """A random id for a server process, drawn at its start."""
    return secrets.token_hex(16)


def _register(session: Session, instance: str, now: datetime, name: str = "") -> None:
    """Insert `instance`'s row unless it is there; two statements racing to do so are no
    error (on PostgreSQL, an insert meeting a sweep's uncommitted delete waits for it)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"id": instance, "name": name[:200], "started_at": now, "heartbeat_at": now}
    # Core, not the ORM's bulk insert: it runs at every join (a third of a join's time).
    table = ServerInstance.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        dialect.insert(table).values(values).on_conflict_do_nothing(index_elements=["id"])
    )


def heartbeat(session: Session, instance: str, now: datetime, name: str = "") -> datetime:
    """Write `instance`'s heartbeat, registering it if it is not (the caller commits).
    Returns when its row was registered: a process compares it with the value of its
    first beat, and a different one means a sweep took it for dead meanwhile (its
    connections stopped counting; see `recount`)."""
    _register(session, instance, now, name)
    session.execute(
        update(ServerInstance).where(col(ServerInstance.id) == instance).values(heartbeat_at=now)
    )
    registered: datetime = session.exec(
        select(ServerInstance.started_at).where(ServerInstance.id == instance)
    ).one()
    return registered


def sweeper(session: Session, now: datetime, timeout: float) -> str | None:
    """The one live process that sweeps no-shows: the live instance (heartbeat within
    `timeout`) with the smallest id, so processes agree without talking; None before
    any has beaten (then whoever asks sweeps: marking is idempotent)."""
    return session.exec(
        select(ServerInstance.id)
        .where(col(ServerInstance.heartbeat_at) >= now - timedelta(seconds=timeout))
        .order_by(col(ServerInstance.id))
        .limit(1)
    ).first()


def hold_instance(session: Session, instance: str | None, now: datetime) -> None:
    """Before counting a connection of `instance`: make sure its row exists and hold it
    (a shared lock on PostgreSQL) until the caller commits, so a sweep that takes the
    process for dead skips it this round instead of deleting it under the new connection.
    Taken first, before any count, in the order every writer here locks: the process's
    row, the total (the presence row, or the roadshow then its viewer), the live row."""
    if instance is None:
        return
    # The insert comes first: on SQLite it takes the write lock at once (a transaction
    # that read first and then writes fails when another wrote meanwhile).
    _register(session, instance, now)
    session.exec(
        select(ServerInstance.id).where(ServerInstance.id == instance).with_for_update(read=True)
    ).first()


def count_in(
    session: Session,
    instance: str | None,
    kind: str,
    target_id: int,
    participant_id: int,
) -> None:
    """Note one more connection of `participant_id` held by `instance` (the caller has
    held the instance with `hold_instance`, changes the total and commits)."""
    if instance is None:
        return
    row = _live_row(session, instance, kind, target_id, participant_id)
    if row is None:
        row = LiveConnection(
            instance_id=instance, kind=kind, target_id=target_id, participant_id=participant_id
        )
    row.connections = max(row.connections, 0) + 1
    session.add(row)
    session.flush()


def count_out(
    session: Session, instance: str | None, kind: str, target_id: int, participant_id: int
) -> bool:
    """Note one connection less held by `instance`; False when `instance` holds none
    there (a sweep already took it off): the total must not go down twice."""
    if instance is None:
        return True
    row = _live_row(session, instance, kind, target_id, participant_id)
    if row is None or row.connections <= 0:
        return False
    row.connections -= 1
    if row.connections == 0:
        session.delete(row)
    else:
        session.add(row)
    session.flush()
    return True


def _live_row(
    session: Session, instance: str, kind: str, target_id: int, participant_id: int
) -> LiveConnection | None:
    return session.exec(
        select(LiveConnection)
        .where(
            LiveConnection.instance_id == instance,
            LiveConnection.kind == kind,
            LiveConnection.target_id == target_id,
            LiveConnection.participant_id == participant_id,
        )
        .with_for_update()
    ).first()


@dataclass(frozen=True)
class Released:
    """What a sweep changed: the meeting rooms whose presence and the roadshows whose
    audience must be sent again, with their fair (for the dashboard)."""

    instances: tuple[str, ...] = ()
    meetings: tuple[tuple[int, str], ...] = ()  # (fair id, request uid)
    roadshows: tuple[tuple[int, int], ...] = ()  # (fair id, roadshow id)


def sweep_instances(session: Session, now: datetime, timeout: float) -> Released:
    """Take every process whose heartbeat is more than `timeout` seconds old for dead:
    its connections stop counting and it is forgotten (the caller commits). On
    PostgreSQL two sweepers never take the same process off twice (row locks, and each
    skips what the other holds)."""
    dead = session.exec(
        select(ServerInstance.id)
        .where(col(ServerInstance.heartbeat_at) < now - timedelta(seconds=timeout))
        .order_by(col(ServerInstance.id))
        .with_for_update(skip_locked=True)
    ).all()
    return _release(session, list(dead), now)


def release_instance(session: Session, instance: str, now: datetime) -> Released:
    """A process shutting down takes its own connections off at once (the caller
    commits)."""
    session.exec(
        select(ServerInstance.id).where(ServerInstance.id == instance).with_for_update()
    ).first()
    return _release(session, [instance], now)


def _release(session: Session, instances: list[str], now: datetime) -> Released:
    """Take the connections of `instances` (whose rows the caller locked) off the totals.

    Locks in the order of `fair.presence.enter` and `leave` (the total, then the live
    row) and subtracts what the live rows hold once locked, so a join or leave running
    meanwhile on another process is neither overwritten nor counted twice."""
    if not instances:
        return Released()
    keys = session.exec(
        select(LiveConnection.kind, LiveConnection.target_id, LiveConnection.participant_id)
        .where(col(LiveConnection.instance_id).in_(instances))
        .distinct()
        .order_by(
            col(LiveConnection.kind),
            col(LiveConnection.target_id),
            col(LiveConnection.participant_id),
        )
    ).all()
    meeting_ids: set[int] = set()
    roadshow_ids: set[int] = set()
    for kind, target_id, participant_id in keys:
        (meeting_ids if kind == MEETING else roadshow_ids).add(target_id)
        total = _lock_total(session, kind, target_id, participant_id)
        count = _take_held(session, instances, kind, target_id, participant_id)
        if total is None or total.id is None or count == 0:
            continue
        total.connections = max(total.connections - count, 0)
        if isinstance(total, MeetingPresence) and total.connections == 0:
            total.left_at = now
        session.add(total)
    for instance in instances:
        known = session.get(ServerInstance, instance)
        if known is not None:
            session.delete(known)
    session.flush()
    return _released(session, instances, meeting_ids, roadshow_ids)


def _lock_total(
    session: Session, kind: str, target_id: int, participant_id: int
) -> MeetingPresence | RoadshowViewer | None:
    """Lock the total a connection counts in: the person's presence row in the meeting
    room, or the roadshow and then the person's viewer row."""
    if kind == MEETING:
        return session.exec(
            select(MeetingPresence)
            .where(
                MeetingPresence.meeting_id == target_id,
                MeetingPresence.participant_id == participant_id,
            )
            .with_for_update()
        ).first()
    session.exec(select(Roadshow.id).where(Roadshow.id == target_id).with_for_update()).first()
    return session.exec(
        select(RoadshowViewer)
        .where(
            RoadshowViewer.roadshow_id == target_id,
            RoadshowViewer.participant_id == participant_id,
        )
        .with_for_update()
    ).first()


def _take_held(
    session: Session, instances: list[str], kind: str, target_id: int, participant_id: int
) -> int:
    """Delete the live rows `instances` hold for one person and target; how many
    connections they held (read once locked: a join or leave may have just changed them)."""
    held = session.exec(
        select(LiveConnection)
        .where(
            col(LiveConnection.instance_id).in_(instances),
            LiveConnection.kind == kind,
            LiveConnection.target_id == target_id,
            LiveConnection.participant_id == participant_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    count = sum(max(live.connections, 0) for live in held)
    for live in held:
        session.delete(live)
    return count


def _released(
    session: Session, instances: list[str], meeting_ids: set[int], roadshow_ids: set[int]
) -> Released:
    meetings = session.exec(
        select(Meeting.fair_id, MeetingRequest.uid)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(col(Meeting.id).in_(meeting_ids))
    ).all()
    shows = session.exec(
        select(Roadshow.fair_id, Roadshow.id).where(col(Roadshow.id).in_(roadshow_ids))
    ).all()
    return Released(
        instances=tuple(instances),
        meetings=tuple(sorted((int(f), str(u)) for f, u in meetings)),
        roadshows=tuple(sorted((int(f), int(r)) for f, r in shows if r is not None)),
    )
