"""Looking up a fair's schedule versions: the published one (what participants see), the
newest (draft or not), and one by number.

Building versions is `fair.planning`; publishing and comparing them is `fair.publishing`.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from fair.errors import NotFound
from fair.models import ScheduleVersion, VersionStatus


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


def latest_version(session: Session, fair_id: int) -> ScheduleVersion | None:
    return session.exec(
        select(ScheduleVersion)
        .where(ScheduleVersion.fair_id == fair_id)
        .order_by(col(ScheduleVersion.number).desc())
    ).first()


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
