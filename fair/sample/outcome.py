"""How a generated fair went: which of its published meetings were held or no-shows, and
the deals recorded in them. For the post-fair report's tests, benchmark and screenshots,
which need a fair that has happened.

Deals go through the product's own path (`fair.presence.load_room`, `fair.deals.record_deal`:
the room's seller and buyer, the checks of a submitted deal), then are dated to the end
of their meeting, when they would have been recorded. Seeded: the same arguments give
the same outcome.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from fair.deals import record_deal
from fair.models import DealType, Fair, Meeting, MeetingRequest, MeetingStatus
from fair.presence import load_room
from fair.versions import published_version


@dataclass(frozen=True)
class Outcome:
    held: int
    no_shows: int
    deals: int


def play_out(
    session: Session,
    fair_id: int,
    rates: Mapping[str, Decimal],
    seed: int = 1,
    held: float = 0.6,
    no_show: float = 0.08,
    deal: float = 0.12,
) -> Outcome:
    """Mark a share `held` of the published meetings done and `no_show` of them no-shows,
    and record a deal in a share `deal` of those held (the caller commits)."""
    fair = session.get(Fair, fair_id)
    version = published_version(session, fair_id)
    if fair is None or version is None:
        raise ValueError(f"fair {fair_id} has no published schedule")
    rnd = random.Random(seed)
    currencies = [fair.currency, *sorted(rates)]
    counts = {"held": 0, "no_shows": 0, "deals": 0}
    rows = session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id, Meeting.status != MeetingStatus.CANCELLED)
        .order_by(col(Meeting.start), col(Meeting.id))
    ).all()
    for meeting, request in rows:
        draw = rnd.random()
        if draw < no_show:
            meeting.status = MeetingStatus.NO_SHOW
            counts["no_shows"] += 1
        elif draw < no_show + held:
            meeting.status = MeetingStatus.DONE
            counts["held"] += 1
        session.add(meeting)
        if meeting.status != MeetingStatus.DONE or rnd.random() >= deal:
            continue
        room = load_room(session, request.uid)
        amount = Decimal(round(10 ** rnd.uniform(3.7, 6.3), -2))
        data = {
            "type": rnd.choice(list(DealType)).value,
            "amount": str(amount),
            "currency": rnd.choice(currencies),
            "client_key": f"outcome-{seed}-{meeting.id}",
        }
        row, _ = record_deal(session, room, request.from_id, data, rates)
        row.recorded_at = meeting.end
        if rnd.random() < 0.7:
            row.confirmed_at = meeting.end
            row.confirmed_by_id = request.to_id
        session.add(row)
        counts["deals"] += 1
    session.flush()
    return Outcome(**counts)
