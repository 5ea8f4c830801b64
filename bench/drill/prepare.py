"""The drill's fair: how big a drill is (`Size`), the fair generated, imported,
scheduled and published into a fresh PostgreSQL schema on loopback, and the visits
planned from its published schedule, with a live sign-in token for everyone who visits.

The product is imported inside the functions: the client workers start from this
package (`python -m bench.drill --worker`) and need none of it.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Size:
    """How big a drill is: the fair, the replayed slots and what each visitor does."""

    scale: str  # fair.sample.generate scale
    slots: int  # slots replayed (from the first of the fair)
    slot_seconds: float  # compressed length of one slot
    workers: int  # client processes
    faults: bool  # default of --faults
    deal_share: float = 0.6  # meetings in which a deal is recorded
    reconnect_share: float = 0.05  # visits that drop and reconnect mid-slot
    signals: int = 6  # signalling messages per person per meeting
    chats: int = 2  # chat lines per person per meeting
    arrival: float = 0.25  # people arrive over this share of the slot's start


SIZES: dict[str, Size] = {
    # ~70 meetings a slot, ~150 connections at once, ~700 in all
    "small": Size("video", slots=4, slot_seconds=5.0, workers=1, faults=False),
    # ~400 meetings a slot, ~850 connections at once, ~5,000 in all
    "expo": Size("expo", slots=6, slot_seconds=15.0, workers=2, faults=True, arrival=0.4),
}


# -- the fair ------------------------------------------------------------------------


def prepare_fair(url: str, scale: str, seed: int) -> tuple[int, tuple[str, str]]:
    """Generate, import, schedule and publish a fair into `url`, with an organiser
    account; returns its id and the organiser's e-mail and password. The publication is
    marked as mailed: the fair day comes days after the schedule went out, so its
    servers must not start by writing everyone's calendar e-mails (12,000 at the expo
    scale, minutes of a server's CPU during the replay; `fair bench invites` measures
    mail)."""
    from sqlmodel import Session

    import scheduler.problem as sp
    from bench.fairs import generated_files, schedule_and_publish
    from fair.accounts import create_organiser
    from fair.db import open_database, session_scope
    from fair.ical import published_history
    from fair.loader import import_files
    from fair.publishing import MAIL_NONE, mark_mail

    engine = open_database(url)
    try:
        files = generated_files(scale, seed, date.today())
        summary = import_files(engine, files)
        options = sp.Options(time_limit=10.0, workers=1, seed=seed)
        schedule_and_publish(engine, summary.fair_id, options, "greedy")
        with session_scope(engine) as session:
            current, _ = published_history(session, summary.fair_id)
            assert current is not None
            mark_mail(current, MAIL_NONE)
            session.add(current)
        with Session(engine) as session:
            email = f"organiser-{secrets.token_hex(4)}@drill.example"
            password = secrets.token_urlsafe(16)
            create_organiser(session, email, password, "Drill organiser")
            session.commit()
        return summary.fair_id, (email, password)
    finally:
        engine.dispose()


def plan_visits(url: str, fair_id: int, size: Size, seed: int) -> list[dict[str, Any]]:
    """One visit per person per meeting of the first `size.slots` slots, with a personal
    sign-in link issued for everyone who visits (the visit's `token`; the drill follows it
    once per person and the visit then carries that person's `headers`). Sides: `from` on
    process 0, `to` on process 1."""
    from sqlmodel import Session

    from fair.db import make_engine
    from fair.models import AccessToken, TokenKind
    from fair.tokens import hash_token
    from fair.versions import published_version_id

    rng = random.Random(seed)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            version_id = published_version_id(session, fair_id)
            rows = (
                session.connection()
                .exec_driver_sql(
                    "SELECT m.id, m.start, r.uid, r.from_id, r.to_id, m.third_seat_id "
                    "FROM meeting m JOIN meeting_request r ON r.id = m.request_id "
                    "WHERE m.version_id = %s ORDER BY m.start, m.id",
                    (version_id,),
                )
                .all()
            )
            starts = sorted({row[1] for row in rows})[: size.slots]
            slot_of = {start: k for k, start in enumerate(starts)}
            visits: list[dict[str, Any]] = []
            tokens: dict[int, str] = {}
            for meeting_id, start, uid, from_id, to_id, third_id in rows:
                if start not in slot_of:
                    continue
                people = [(from_id, "from", 0), (to_id, "to", 1)]
                if third_id is not None and third_id not in (from_id, to_id):
                    people.append((third_id, "third", meeting_id % 2))
                deal = None
                if rng.random() < size.deal_share:
                    deal = {
                        "key": f"drill-{fair_id}-{meeting_id}-{secrets.token_hex(4)}",
                        "amount": f"{rng.randint(500, 90000)}.{rng.randint(0, 99):02d}",
                        "at": round(rng.uniform(0.15, 0.5), 3),
                    }
                for pid, side, server in people:
                    tokens.setdefault(pid, secrets.token_urlsafe(32))
                    visits.append(
                        {
                            "slot": slot_of[start],
                            "meeting": uid,
                            "meeting_id": meeting_id,
                            "pid": pid,
                            "token": tokens[pid],
                            "side": side,
                            "server": server,
                            "deal": deal if side == "from" else None,
                            "confirms": deal is not None and side == "to",
                            "reconnect": round(rng.uniform(0.2, 0.7), 3)
                            if rng.random() < size.reconnect_share
                            else None,
                        }
                    )
            session.add_all(
                AccessToken(
                    fair_id=fair_id,
                    participant_id=pid,
                    kind=TokenKind.MAGIC,
                    token_hash=hash_token(token),
                )
                for pid, token in tokens.items()
            )
            session.commit()
        return visits
    finally:
        engine.dispose()
