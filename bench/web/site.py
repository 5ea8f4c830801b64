"""The web benchmark's site: a generated fair in a SQLite file, scheduled and published,
with an organiser account and sign-in and feed links for a sample of participants."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

import scheduler.problem as sp
from bench.fairs import BENCH_START, generated_files, schedule_and_publish
from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import Meeting, MeetingRequest, Participant, RequestAttendee, TokenKind
from fair.tokens import issue_token
from fair.versions import published_version

ORGANISER_EMAIL = "bench@fair.example"


@dataclass(frozen=True)
class Site:
    """What the driver needs to know about the prepared fair."""

    db_url: str
    fair_id: int
    scheduled: int
    requests: int
    participants: int
    sample: tuple[str, ...]  # participant keys
    magic: tuple[str, ...]  # sign-in tokens, in the order of `sample`
    feeds: tuple[str, ...]  # feed tokens, in the order of `sample`
    organiser: tuple[str, str]  # e-mail, password
    seconds: dict[str, float]  # setup step → seconds


def build_site(
    directory: Path,
    scale: str,
    seed: int,
    sample: int = 200,
    method: str = "greedy",
    time_limit: float = 30.0,
    say: Callable[[str], None] = lambda _m: None,
) -> Site:
    """A published fair in `directory`/fair.sqlite with links for `sample` participants
    who have meetings (picked with `seed`)."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    say(f"generating the {scale} fair (seed {seed}) ...")
    # A fixed first day keeps the generated fair, and so the pages, identical run to run.
    files = generated_files(scale, seed, BENCH_START)
    seconds["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    db_url = f"sqlite:///{directory / 'fair.sqlite'}"
    engine = open_database(db_url)
    try:
        summary = import_files(engine, files)
        seconds["import"] = time.perf_counter() - t0

        say(f"scheduling with {method} ...")
        options = sp.Options(time_limit=time_limit, workers=2, seed=0)
        _number, figures = schedule_and_publish(engine, summary.fair_id, options, method, seconds)

        t0 = time.perf_counter()
        password = secrets.token_urlsafe(16)
        with session_scope(engine) as session:
            create_organiser(session, ORGANISER_EMAIL, password, "Benchmark")
            people = session.exec(
                select(Participant)
                .where(Participant.fair_id == summary.fair_id)
                .order_by(col(Participant.key))
            ).all()
            busy = _with_meetings(session, summary.fair_id)
            candidates = [p for p in people if p.id in busy]
            chosen = random.Random(seed).sample(candidates, min(sample, len(candidates)))
            magic = tuple(issue_token(session, p, TokenKind.MAGIC) for p in chosen)
            feeds = tuple(issue_token(session, p, TokenKind.FEED) for p in chosen)
        seconds["publish and links"] = seconds.pop("publish") + time.perf_counter() - t0
    finally:
        engine.dispose()
    return Site(
        db_url=db_url,
        fair_id=summary.fair_id,
        scheduled=int(figures["scheduled"]),
        requests=int(figures["requests"]),
        participants=len(people),
        sample=tuple(p.key for p in chosen),
        magic=magic,
        feeds=feeds,
        organiser=(ORGANISER_EMAIL, password),
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )


def _with_meetings(session: Session, fair_id: int) -> set[int]:
    """Everyone with at least one meeting in the published schedule."""
    version = published_version(session, fair_id)
    assert version is not None
    busy: set[int] = set()
    request_ids = set(
        session.exec(select(Meeting.request_id).where(Meeting.version_id == version.id)).all()
    )
    for r in session.exec(select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)):
        if r.id in request_ids:
            busy.update((r.from_id, r.to_id))
    for a in session.exec(select(RequestAttendee)):
        if a.request_id in request_ids:
            busy.add(a.participant_id)
    return busy
