"""Looking up a fair's schedule versions: the published one (what participants see), the
newest (draft or not), and one by number.

Building versions is `fair.planning`; publishing and comparing them is `fair.publishing`.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from fair.errors import NotFound
from fair.models import Fair, ScheduleVersion, VersionStatus


def published_version(session: Session, fair_id: int) -> ScheduleVersion | None:
    return session.exec(
        select(ScheduleVersion)
        .where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.status == VersionStatus.PUBLISHED
        )
        .order_by(col(ScheduleVersion.number).desc())
    ).first()


def published_version_id(session: Session, fair_id: int) -> int | None:
    """Just the id of the published version (no JSON figures loaded)."""
    return session.exec(
        select(ScheduleVersion.id)
        .where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.status == VersionStatus.PUBLISHED
        )
        .order_by(col(ScheduleVersion.number).desc())
    ).first()


def published_edition(session: Session, fair_id: int) -> tuple[int, int] | None:
    """The published version's id and revision (bumped by changes during the fair,
    `fair.freed`): what is cached per published schedule is cached per both."""
    row = session.exec(
        select(ScheduleVersion.id, ScheduleVersion.revision)
        .where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.status == VersionStatus.PUBLISHED
        )
        .order_by(col(ScheduleVersion.number).desc())
    ).first()
    return (row[0], row[1]) if row is not None and row[0] is not None else None


def latest_version(session: Session, fair_id: int) -> ScheduleVersion | None:
    return session.exec(
        select(ScheduleVersion)
        .where(ScheduleVersion.fair_id == fair_id)
        .order_by(col(ScheduleVersion.number).desc())
    ).first()


def latest_version_held(session: Session, fair_id: int) -> ScheduleVersion | None:
    """The newest version, read after holding the fair's row until the transaction ends
    (PostgreSQL; SQLite writes one at a time anyway). Whoever adds the next version (a
    solve storing its draft, an organiser's first hand edit) reads through here, so two
    at once take turns instead of both taking the number above the newest."""
    session.exec(select(Fair.id).where(Fair.id == fair_id).with_for_update()).first()
    return latest_version(session, fair_id)


def get_version(session: Session, fair_id: int, number: int | None) -> ScheduleVersion:
    if number is None:
        version = latest_version(session, fair_id)
        if version is None:
            raise NotFound("this fair has no schedule yet; run `fair schedule` first")
        return version
    version = session.exec(
        select(ScheduleVersion).where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound(f"no schedule version {number}")
    return version
