"""Invitations: each participant's e-mail in their own language with their personal
sign-in link, their agenda once a version is published (also attached as .ics), and
their calendar subscription link.

`invite` picks everyone (or a filtered set: country, role, search) not yet invited,
issues their links and builds their messages in one transaction; the caller queues the
messages after the commit, so a link in a message always works. Each person's row then
says when they were invited and which outbox message carried it (`fair.notify.Outbox`
tells how its delivery went), so "not yet invited" is a query and a second run invites
nobody twice. `resend` invites one person again with a new link: the old one stops
working.

The calendar subscription (FEED) link is issued only to someone who holds no live one:
replacing it would silently stop a calendar they already subscribed; they find the
current one on their agenda page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from fair import queries
from fair.db import session_scope
from fair.errors import InvalidInput, NotFound
from fair.ical import participant_calendar_file, participant_events, published_history
from fair.mailtext import Words, _
from fair.models import Company, Fair, Participant, Role, TokenKind, utcnow
from fair.notify import Notice, _message, message_name, queue
from fair.settings import Settings
from fair.tokens import expires_at, issue_token, live_token_holders

KIND = "invitation"


@dataclass(frozen=True)
class Choice:
    """Who to invite: all of these that match (empty: any)."""

    country: str = ""
    role: str = ""
    search: str = ""  # in the name or company (any case), or the exact id

    def matches(self, person: Participant, company: Company) -> bool:
        text = self.search.strip().lower()
        return (
            (not self.country or company.country == self.country.upper())
            and (not self.role or company.role == self.role)
            and (
                not text
                or text in person.name.lower()
                or text in company.name.lower()
                or text == person.key.lower()
            )
        )


def check_choice(choice: Choice) -> Choice:
    if choice.role and choice.role not in {r.value for r in Role}:
        raise InvalidInput(f"role: {choice.role!r} is not one of {', '.join(Role)}")
    return choice


def first_fair(session: Session) -> Fair:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    return fair


def chosen(
    session: Session, fair: Fair, choice: Choice, only_new: bool = True
) -> list[Participant]:
    """The participants `choice` names, by id; with `only_new` those not yet invited."""
    query = (
        select(Participant, Company)
        .join(Company, col(Company.id) == col(Participant.company_id))
        .where(Participant.fair_id == fair.id)
        .order_by(col(Participant.key))
    )
    if only_new:
        query = query.where(col(Participant.invited_at).is_(None))
    return [p for p, c in session.exec(query) if choice.matches(p, c)]


def _webcal(https: str) -> str:
    return "webcal://" + https.split("://", 1)[1]


def invitation_message(
    session: Session,
    settings: Settings,
    fair: Fair,
    person: Participant,
    feed: bool,
    now: datetime,
    published: bool,
) -> tuple[EmailMessage, str]:
    """Issue `person` a new sign-in link (and a calendar link when `feed`) and build
    their invitation in their language, with their agenda when a version is
    `published`; returns it with the link."""
    w = Words(person.language)
    token = issue_token(session, person, TokenKind.MAGIC)
    link = f"{settings.base_url}/p/{token}?lang={w.language}"
    last_day = fair.start + timedelta(days=fair.days - 1)
    dates = w.day(fair.start) if fair.days == 1 else f"{w.day(fair.start)} – {w.day(last_day)}"
    until = w.day(expires_at(fair, now).astimezone(ZoneInfo(fair.timezone)).date())
    lines = [
        w.text(_("Dear %(name)s,"), name=person.name),
        "",
        w.text(_("you are invited to %(fair)s (%(dates)s)."), fair=fair.name, dates=dates),
        "",
        w.text(
            _(
                "Your personal link signs you in to your agenda, meeting requests, "
                "video rooms and calendar:"
            )
        ),
        link,
        "",
        w.text(
            _(
                "Keep it to yourself: anyone with the link can act as you. It works until "
                "%(until)s. If it leaks, ask the organiser for a new one; the old one then "
                "stops working."
            ),
            until=until,
        ),
        "",
    ]
    everything = (
        participant_events(
            session, fair, person, settings.base_url, settings.calendar_reminder_minutes
        )
        if published
        else []
    )
    events = [e for e in everything if not e.cancelled]
    if not published:
        lines += [
            w.text(
                _(
                    "Your meetings are not scheduled yet: you will get an e-mail when your "
                    "agenda is published."
                )
            ),
            "",
        ]
    elif not events:
        lines += [w.text(_("No meetings are scheduled for you so far.")), ""]
    else:
        lines.append(w.text(_("Your meetings (times in %(zone)s):"), zone=person.timezone))
        for e in events:
            start = e.component.decoded("DTSTART")
            end = e.component.decoded("DTEND")
            summary = str(e.component.get("SUMMARY", ""))
            where = str(e.component.get("LOCATION", ""))
            lines.append(f"- {w.span(start, end, person.timezone)}  {summary}, {where}")
        lines += [
            "",
            w.text(_("They are attached as a calendar file (agenda.ics) to import.")),
            "",
        ]
    if feed:
        https = f"{settings.base_url}/feed/{issue_token(session, person, TokenKind.FEED)}.ics"
        lines += [
            w.text(
                _(
                    "Subscribe in your calendar app, and your calendar follows every change "
                    "the organiser publishes:"
                )
            ),
            _webcal(https),
            w.text(_("(or, where an app asks for a web address: %(url)s)"), url=https),
            "",
        ]
    else:
        lines += [
            w.text(
                _(
                    "Your calendar subscription from before keeps working; your agenda "
                    "page can make a new one."
                )
            ),
            "",
        ]
    lines += [w.text(_("The organisers of %(fair)s"), fair=fair.name)]
    subject = w.text(_("%(fair)s: your invitation and personal link"), fair=fair.name)
    message = _message(settings, person, subject, "\n".join(lines) + "\n")
    if events:  # the calendar file takes the events' components: the text is written
        text = participant_calendar_file(
            session,
            fair.id or 0,
            person.key,
            settings.base_url,
            settings.calendar_reminder_minutes,
            meetings=everything,
        ).text
        message.add_attachment(
            text.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            params={"method": "PUBLISH", "charset": "utf-8"},
            filename="agenda.ics",
        )
    message["Content-Language"] = w.language  # after the parts: they would take it along
    return message, link


def _claim(session: Session, person: Participant, now: datetime) -> bool:
    """Mark `person` invited unless someone else did first (another click, another
    process): the row is updated only while its `invited_at` is empty, so two runs at
    once never invite anyone twice."""
    claimed = session.exec(
        update(Participant)
        .where(col(Participant.id) == person.id, col(Participant.invited_at).is_(None))
        .values(invited_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)


def _invite_all(
    session: Session,
    settings: Settings,
    fair: Fair,
    people: Sequence[Participant],
    only_new: bool = True,
) -> list[Notice]:
    now = utcnow()
    feeds = live_token_holders(session, fair, TokenKind.FEED, now)
    published = published_history(session, fair.id or 0)[0] is not None
    notices = []
    for person in people:
        if only_new and not _claim(session, person, now):
            continue
        message, _link = invitation_message(
            session, settings, fair, person, person.id not in feeds, now, published
        )
        name = message_name()
        person.invited_at = now
        person.invitation = name
        session.add(person)
        notices.append(Notice(person.key, person.email, message, name=name, kind=KIND))
    session.flush()
    return notices


def invite(
    session: Session, settings: Settings, choice: Choice = Choice(), limit: int | None = None
) -> list[Notice]:
    """Invite everyone `choice` names who was not invited yet, or the first `limit` of
    them (the caller commits, then queues the messages)."""
    fair = first_fair(session)
    people = chosen(session, fair, check_choice(choice))
    return _invite_all(session, settings, fair, people[:limit] if limit else people)


def resend(session: Session, settings: Settings, key: str) -> Notice:
    """Invite participant `key` again, with a new sign-in link (the old one stops
    working). The caller commits, then queues the message."""
    fair = first_fair(session)
    person = session.exec(
        select(Participant).where(Participant.fair_id == fair.id, Participant.key == key)
    ).first()
    if person is None:
        raise NotFound(f"no participant {key!r}")
    (notice,) = _invite_all(session, settings, fair, [person], only_new=False)
    return notice


def invite_added(
    session: Session, settings: Settings, fair: Fair, people: Sequence[Participant]
) -> list[Notice]:
    """Invite people just added another way (self-registration's approval), as an import
    adds them: the same e-mail in their language with their sign-in link. The caller
    commits, then queues the messages."""
    return _invite_all(session, settings, fair, people)


BATCH = 100  # people per transaction: progress shows, and a crash loses no invitation


def invite_and_queue(
    engine: Engine,
    settings: Settings,
    choice: Choice = Choice(),
    batch: int = BATCH,
    queued: Callable[[int], None] | None = None,
) -> int:
    """`invite` in transactions of `batch` people, each batch's messages queued in the
    outbox once it has committed (so every link in them works) and `queued(count)`
    called; returns how many were invited. Stopped half-way, the rest are simply not
    invited yet, and the next run takes them."""
    check_choice(choice)
    total = 0
    while True:
        with session_scope(engine) as session:
            notices = invite(session, settings, choice, limit=batch)
        if not notices:
            return total
        queue(settings, notices)
        total += len(notices)
        if queued is not None:
            queued(len(notices))


def count_new(session: Session, choice: Choice = Choice()) -> int:
    """How many people `choice` names who are not invited yet."""
    return len(chosen(session, first_fair(session), check_choice(choice)))
