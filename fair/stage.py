"""A roadshow's live stage: who joins it in which role, the live audience, going live and
ending, questions, purchase interest in a shown product, and the livestream totals of the
organiser's dashboard.

Viewers (participants of the fair) join the live audience up to the roadshow's limit,
ask questions, and register purchase interest in a shown product — once per viewer,
product and roadshow, so a retried submission counts once. Everything lives in the
database, so every server process sees the same audience; each process's share of it is
kept apart (`fair.presence`), so the viewers of a process that died stop counting and
their places are free again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from fair.db import session_scope
from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.instances import STAGE, count_in, count_out, hold_instance
from fair.models import (
    Company,
    Participant,
    Product,
    Roadshow,
    RoadshowInterest,
    RoadshowQuestion,
    RoadshowStatus,
    RoadshowVenue,
    RoadshowViewer,
)
from fair.programme import interest_counts, programme_items, viewer_row
from fair.requests import whole_number
from fair.roadshows import ID
from fair.tokens import token_is_live

QUESTION_MAX = 500
NOTE_MAX = 300
QUANTITY_MAX = 10_000_000
QUESTION_HISTORY = 100
VENUES_MAX = 6  # remote venues beside the host (issue 20: Seoul, Daegu, Hadong...)
LABEL_MAX = 60


@dataclass(frozen=True)
class LiveStage:
    """What the live stage needs about a roadshow; does not change while it runs."""

    id: int
    uid: str
    fair_id: int
    title: str
    company_id: int
    company: str
    presenter_id: int
    presenter: str
    presenter_key: str
    start: datetime
    end: datetime
    audience_limit: int


def stage_for(
    session: Session, roadshow_id: int, participant_id: int | None, token_hash: str = ""
) -> tuple[LiveStage, str]:
    """The stage of `roadshow_id` and the asker's role there: "presenter", "viewer" or,
    with `participant_id=None`, "observer" (the organiser). Participants need a live
    sign-in link and must be of the roadshow's fair."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        raise NotFound("no such roadshow")
    role = "observer"
    if participant_id is not None:
        if not token_is_live(session, participant_id, token_hash):
            raise Forbidden("your link was replaced, revoked or has expired; open the new one")
        person = session.get(Participant, participant_id)
        if person is None or person.fair_id != show.fair_id:
            raise NotFound("no such roadshow")
        role = "presenter" if person.id == show.presenter_id else "viewer"
        if role == "viewer" and venue_of(session, show.id or 0, person.id or 0) is not None:
            role = "venue"
    if show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    item = programme_items(session, [show])[0]
    assert show.id is not None
    return (
        LiveStage(
            id=show.id,
            uid=show.uid,
            fair_id=show.fair_id,
            title=show.title,
            company_id=show.company_id,
            company=item.company,
            presenter_id=show.presenter_id,
            presenter=item.presenter,
            presenter_key=item.presenter_key,
            start=show.start,
            end=show.end,
            audience_limit=show.audience_limit,
        ),
        role,
    )


def audience(session: Session, roadshow_id: int) -> int:
    """Viewers in the live audience now (the presenter and the venues not counted)."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        return 0
    venues = select(RoadshowVenue.participant_id).where(RoadshowVenue.roadshow_id == roadshow_id)
    count = session.exec(
        select(func.count())
        .select_from(RoadshowViewer)
        .where(
            RoadshowViewer.roadshow_id == roadshow_id,
            col(RoadshowViewer.connections) > 0,
            col(RoadshowViewer.participant_id) != show.presenter_id,
            col(RoadshowViewer.participant_id).not_in(venues),
        )
    ).one()
    return int(count)


def viewers_on_stages(session: Session, same_server: Callable[[int], bool] | None = None) -> int:
    """Viewers on every stage now (presenters and venues not counted): what the media
    server carries, over all fairs of this deployment; with `same_server` (several
    Janus instances) only those of the stages it keeps, given a roadshow id."""
    query = (
        select(RoadshowViewer.roadshow_id, func.count())
        .join(Roadshow, col(Roadshow.id) == col(RoadshowViewer.roadshow_id))
        .outerjoin(
            RoadshowVenue,
            (col(RoadshowVenue.roadshow_id) == col(RoadshowViewer.roadshow_id))
            & (col(RoadshowVenue.participant_id) == col(RoadshowViewer.participant_id)),
        )
        .where(
            col(RoadshowViewer.connections) > 0,
            col(RoadshowViewer.participant_id) != col(Roadshow.presenter_id),
            col(RoadshowVenue.id).is_(None),
        )
        .group_by(col(RoadshowViewer.roadshow_id))
    )
    return sum(
        int(count)
        for roadshow_id, count in session.exec(query).all()
        if same_server is None or same_server(roadshow_id)
    )


# The PostgreSQL advisory lock that serialises joins while the media server's capacity
# is checked (any constant the app uses for nothing else).
CAPACITY_LOCK = 20_2005


def enter(
    session: Session,
    stage: LiveStage,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
    recount: bool = False,
    capacity: int | None = None,
    same_server: Callable[[int], bool] | None = None,
) -> int:
    """Count one more connection of `participant_id` in the audience (the caller
    commits), held by server process `instance` (see `fair.presence.count_in`); returns
    the audience. A viewer not yet in it is refused with Conflict when the audience is
    full, or, with `capacity` (the media server's), when the stages together carry that
    many viewers, unless `recount` (a viewer who was in it already, counted again by a
    process that had been taken for dead); with several Janus instances `same_server`
    keeps the stages on this stage's instance, whose viewers count against `capacity`
    (`viewers_on_stages`). On PostgreSQL the roadshow row is locked (and
    with `capacity` an advisory lock is held) so two viewers cannot take the last place
    at once (SQLite serialises writers anyway)."""
    hold_instance(session, instance, now)
    if capacity is not None and session.get_bind().dialect.name == "postgresql":
        session.exec(text(f"SELECT pg_advisory_xact_lock({CAPACITY_LOCK})"))  # type: ignore[call-overload]
    session.exec(select(Roadshow.id).where(Roadshow.id == stage.id).with_for_update()).first()
    show = session.get(Roadshow, stage.id)
    assert show is not None
    row = viewer_row(session, show, participant_id)
    assert row is not None
    newcomer = (
        participant_id != stage.presenter_id
        and row.connections <= 0
        and venue_of(session, stage.id, participant_id) is None
    )
    if newcomer and not recount and audience(session, stage.id) >= stage.audience_limit:
        raise Conflict(
            f"the audience is full ({stage.audience_limit} viewers); try again in a moment"
        )
    if (
        newcomer
        and not recount
        and capacity is not None
        and viewers_on_stages(session, same_server) >= capacity
    ):
        raise Conflict(
            f"the audience is full: the media server carries {capacity} viewers over "
            "the stages on it and has no place left; try again in a moment"
        )
    count_in(session, instance, STAGE, stage.id, participant_id)
    row.connections = max(row.connections, 0) + 1
    row.first_joined_at = row.first_joined_at or now
    row.last_joined_at = now
    session.add(row)
    session.flush()
    return audience(session, stage.id)


def leave(
    session: Session, stage: LiveStage, participant_id: int, instance: str | None = None
) -> int:
    """Count one connection less (the caller commits); returns the audience. A
    connection of `instance` that a sweep already took off is not taken off twice."""
    session.exec(select(Roadshow.id).where(Roadshow.id == stage.id).with_for_update()).first()
    show = session.get(Roadshow, stage.id)
    if show is not None:
        row = viewer_row(session, show, participant_id, create=False)
        if row is not None and count_out(session, instance, STAGE, stage.id, participant_id):
            row.connections = max(row.connections - 1, 0)
            session.add(row)
            session.flush()
    return audience(session, stage.id)


def set_live(session: Session, stage: LiveStage, live: bool) -> str:
    """The presenter starts or ends the session (the caller commits); returns the status."""
    show = session.get(Roadshow, stage.id)
    if show is None or show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    show.status = RoadshowStatus.LIVE if live else RoadshowStatus.ENDED
    session.add(show)
    session.flush()
    return str(show.status)


# ---------------------------------------------------------------------------- venues


def venue_of(session: Session, roadshow_id: int, participant_id: int) -> RoadshowVenue | None:
    return session.exec(
        select(RoadshowVenue).where(
            RoadshowVenue.roadshow_id == roadshow_id,
            RoadshowVenue.participant_id == participant_id,
        )
    ).first()


def venues(session: Session, roadshow_id: int) -> list[dict[str, Any]]:
    """The stage's venues in the order they were invited: `{participant, name, label,
    on_screen}`."""
    rows = session.exec(
        select(RoadshowVenue, Participant)
        .join(Participant, col(Participant.id) == col(RoadshowVenue.participant_id))
        .where(RoadshowVenue.roadshow_id == roadshow_id)
        .order_by(col(RoadshowVenue.invited_at), col(RoadshowVenue.id))
    ).all()
    return [
        {
            "participant": v.participant_id,
            "name": p.name,
            "label": v.label,
            "on_screen": v.on_screen,
        }
        for v, p in rows
    ]


def invite_venue(
    session: Session, stage: LiveStage, email: Any, label: Any
) -> list[dict[str, Any]]:
    """Invite the participant with `email` (of the roadshow's fair) to present from a
    remote venue called `label` (the caller commits; the host or the organiser asks).
    Inviting them again renames the venue. Returns the venues."""
    if not isinstance(email, str) or "@" not in email.strip():
        raise InvalidInput("email: the e-mail address of the participant at the venue")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > LABEL_MAX:
        raise InvalidInput(f"label: the venue's name, 1–{LABEL_MAX} characters")
    person = session.exec(
        select(Participant).where(
            Participant.fair_id == stage.fair_id,
            func.lower(Participant.email) == email.strip().lower(),
        )
    ).first()
    if person is None or person.id is None:
        raise InvalidInput("email: no participant of this fair has this e-mail address")
    if person.id == stage.presenter_id:
        raise InvalidInput("email: the host presents from the stage itself")
    row = venue_of(session, stage.id, person.id)
    if row is None:
        count = session.exec(
            select(func.count())
            .select_from(RoadshowVenue)
            .where(RoadshowVenue.roadshow_id == stage.id)
        ).one()
        if int(count) >= VENUES_MAX:
            raise Conflict(f"at most {VENUES_MAX} venues beside the host")
        row = RoadshowVenue(roadshow_id=stage.id, participant_id=person.id, label="")
    row.label = label.strip()
    session.add(row)
    session.flush()
    return venues(session, stage.id)


def set_on_screen(
    session: Session, stage: LiveStage, participant_id: Any, on: Any
) -> list[dict[str, Any]]:
    """Bring a venue on or off screen (the caller commits); returns the venues."""
    if isinstance(participant_id, bool) or not isinstance(participant_id, int):
        raise InvalidInput("participant: expected a venue's participant id")
    if not isinstance(on, bool):
        raise InvalidInput("on: expected true or false")
    row = venue_of(session, stage.id, participant_id)
    if row is None:
        raise NotFound("no such venue on this stage")
    row.on_screen = on
    session.add(row)
    session.flush()
    return venues(session, stage.id)


def _question_view(q: RoadshowQuestion) -> dict[str, object]:
    return {"id": q.id, "author": q.author, "text": q.text, "at": q.sent_at.isoformat()}


def add_question(
    session: Session,
    stage: LiveStage,
    text: str,
    participant_id: int | None,
    organiser_id: int | None = None,
) -> dict[str, object]:
    """Store a question (the caller commits) and return it as sent to the room."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text: the question is empty")
    if len(text) > QUESTION_MAX:
        raise InvalidInput(f"text: at most {QUESTION_MAX} characters")
    author = "Organiser"
    if participant_id is not None:
        person = session.get(Participant, participant_id)
        assert person is not None
        company = session.get(Company, person.company_id)
        author = f"{person.name} ({company.name})" if company else person.name
    line = RoadshowQuestion(
        roadshow_id=stage.id,
        participant_id=participant_id,
        organiser_id=organiser_id,
        author=author,
        text=text,
    )
    session.add(line)
    session.flush()
    return _question_view(line)


def questions(session: Session, roadshow_id: int) -> list[dict[str, object]]:
    rows = session.exec(
        select(RoadshowQuestion)
        .where(RoadshowQuestion.roadshow_id == roadshow_id)
        .order_by(col(RoadshowQuestion.sent_at).desc(), col(RoadshowQuestion.id).desc())
        .limit(QUESTION_HISTORY)
    ).all()
    return [_question_view(q) for q in reversed(rows)]


# ---------------------------------------------------------------------------- interest


def _interest_view(row: RoadshowInterest, product: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "product": row.product_id,
        "product_name": product,
        "quantity": row.quantity,
        "note": row.note,
        "at": row.created_at.isoformat(),
    }


def record_interest(
    session: Session, stage: LiveStage, participant_id: int, data: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Register purchase interest of a viewer in a shown product (the caller commits);
    returns its view and whether it is new (a retry returns the stored one)."""
    person = session.get(Participant, participant_id)
    if person is None:
        raise NotFound("no such participant")
    if person.company_id == stage.company_id:
        raise Forbidden("the presenting company does not register interest in its own products")
    show = session.get(Roadshow, stage.id)
    assert show is not None
    if show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    raw = data.get("product")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not ID.fullmatch(str(raw)):
        raise InvalidInput("product: expected a product shown on this roadshow")
    product_id = int(raw)
    if product_id not in show.products:
        raise InvalidInput("product: not a product shown on this roadshow")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("no such product")
    quantity_raw = data.get("quantity")
    quantity = None
    if quantity_raw not in (None, ""):
        quantity = whole_number("quantity", quantity_raw, 1, QUANTITY_MAX)
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters")
    existing = session.exec(
        select(RoadshowInterest).where(
            RoadshowInterest.roadshow_id == stage.id,
            RoadshowInterest.participant_id == participant_id,
            RoadshowInterest.product_id == product_id,
        )
    ).first()
    if existing is not None:
        return _interest_view(existing, product.name), False
    row = RoadshowInterest(
        roadshow_id=stage.id,
        participant_id=participant_id,
        product_id=product_id,
        quantity=quantity,
        note=note.strip(),
    )
    session.add(row)
    session.flush()
    return _interest_view(row, product.name), True


def record_interest_once(
    engine: Engine, stage: LiveStage, participant_id: int, data: Mapping[str, Any]
) -> tuple[dict[str, Any], bool, dict[int, int]]:
    """Record and commit; when two submissions race, the loser reads the winner's row.
    Also returns the roadshow's counts per product after the commit."""
    for attempt in (1, 2):
        try:
            with session_scope(engine) as session:
                view, created = record_interest(session, stage, participant_id, data)
            with Session(engine) as session:
                show = session.get(Roadshow, stage.id)
                assert show is not None
                counts = interest_counts(session, show)
            return view, created, counts
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def livestream_totals(session: Session, fair_id: int) -> dict[str, Any]:
    """The dashboard's livestream figures: purchase interest per roadshow and product
    (roadshows with none are left out), the total, and the live audience now."""
    shows = {
        s.id: s
        for s in session.exec(
            select(Roadshow).where(
                Roadshow.fair_id == fair_id, col(Roadshow.status) != RoadshowStatus.CANCELLED
            )
        )
    }
    if not shows:
        return {"interests": 0, "viewers_now": 0, "live": 0, "rows": []}
    counts = session.exec(
        select(
            RoadshowInterest.roadshow_id,
            RoadshowInterest.product_id,
            func.count(),
            func.coalesce(func.sum(RoadshowInterest.quantity), 0),
        )
        .where(col(RoadshowInterest.roadshow_id).in_(list(shows)))
        .group_by(col(RoadshowInterest.roadshow_id), col(RoadshowInterest.product_id))
    ).all()
    names = {
        p.id: p.name
        for p in session.exec(
            select(Product).where(col(Product.id).in_({pid for _, pid, _, _ in counts}))
        )
    }
    companies = {
        c.id: c.name
        for c in session.exec(
            select(Company).where(col(Company.id).in_({s.company_id for s in shows.values()}))
        )
    }
    rows: list[dict[str, Any]] = [
        {
            "roadshow": rid,
            "title": shows[rid].title,
            "company": companies.get(shows[rid].company_id, ""),
            "product": pid,
            "product_name": names.get(pid, ""),
            "interests": int(n),
            "quantity": int(q or 0),
        }
        for rid, pid, n, q in counts
    ]
    rows.sort(key=lambda r: (-r["interests"], r["title"], r["product_name"]))
    viewers = session.exec(
        select(func.count())
        .select_from(RoadshowViewer)
        .where(
            col(RoadshowViewer.roadshow_id).in_(list(shows)),
            col(RoadshowViewer.connections) > 0,
        )
    ).one()
    live = sum(1 for s in shows.values() if s.status == RoadshowStatus.LIVE)
    return {
        "interests": sum(r["interests"] for r in rows),
        "viewers_now": int(viewers),
        "live": live,
        "rows": rows,
    }
