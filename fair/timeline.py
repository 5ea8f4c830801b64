"""A participant's day as a picture: their meetings, the times they cannot meet (busy
times from their calendar, roadshows they present, before they arrive and after they
leave) and the fair's breaks, laid out on one track per local date of a time zone.

The same instants are laid out twice, in the person's own zone and in the fair's, so a
day that crosses a DST change or the date line is drawn as it is lived there: a track
runs in real elapsed hours from the first whole hour shown to the last (23 or 25 on a
DST day), its hour marks sit at the instants the clocks show them (the repeated hour of
an autumn night is marked twice, the skipped one of a spring night not at all), and a
meeting late on one date in one zone can lie early on the next date in the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair.models import BusyTime, Fair, FairBreak, Participant, Roadshow, RoadshowStatus
from fair.planning import fair_slots
from fair.slots import GridSlot, instant

KINDS = ("meeting", "busy", "roadshow", "away", "break")
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Span:
    """Something on a person's day, between two UTC instants."""

    kind: str  # one of KINDS
    start: datetime
    end: datetime
    label: str = ""  # the counterpart's company, a roadshow's title, a break's label
    detail: str = ""  # the counterpart and the place


@dataclass(frozen=True)
class Block:
    """A span (or its part on one local date) placed on a track."""

    span: Span
    offset: float  # hours from the track's start
    length: float  # hours
    start: datetime  # the part's own ends, UTC (a span crossing midnight is cut there)
    end: datetime


@dataclass(frozen=True)
class Track:
    """One local date of `zone`, from `start` (a whole hour) for `hours` real hours."""

    day: date
    zone: str
    start: datetime  # UTC
    hours: float
    ticks: tuple[tuple[float, datetime], ...]  # (offset in hours, the instant) per hour
    blocks: tuple[Block, ...]

    @property
    def meetings(self) -> int:
        return sum(1 for b in self.blocks if b.span.kind == "meeting")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _floor_hour(moment: datetime, zone: ZoneInfo) -> datetime:
    """The instant of the last whole local hour at or before `moment`."""
    local = moment.astimezone(zone)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def _ceil_hour(moment: datetime, zone: ZoneInfo) -> datetime:
    floor = _floor_hour(moment, zone)
    return floor if floor == moment else floor + HOUR


def day_tracks(
    spans: Iterable[Span], frame: Sequence[tuple[datetime, datetime]], zone: str
) -> list[Track]:
    """The tracks of `zone`: one per local date that a meeting or the fair's opening
    hours (`frame`: each fair day's first slot start and last slot end) touch, in date
    order. A track shows the whole hours from the earliest to the latest of its frame
    and meetings, and the spans overlapping them, cut at the track's ends."""
    tz = ZoneInfo(zone)
    spans = sorted(
        (Span(s.kind, _utc(s.start), _utc(s.end), s.label, s.detail) for s in spans),
        key=lambda s: (s.start, KINDS.index(s.kind), s.end),
    )
    # What each local date must show: its part of the frame and of every meeting.
    shown: dict[date, list[datetime]] = defaultdict(list)
    for start, end in [*frame, *((s.start, s.end) for s in spans if s.kind == "meeting")]:
        start, end = _utc(start), _utc(end)
        day = start.astimezone(tz).date()
        while True:
            midnight = instant(day + timedelta(days=1), time(0), tz)
            shown[day] += [max(start, instant(day, time(0), tz)), min(end, midnight)]
            if end <= midnight:
                break
            day += timedelta(days=1)
    tracks = []
    for day in sorted(shown):
        first = _floor_hour(min(shown[day]), tz)
        last = _ceil_hour(max(shown[day]), tz)
        ticks = []
        t = first
        while t <= last:
            ticks.append((_hours(t - first), t))
            t += HOUR
        blocks = []
        for s in spans:
            if s.start < last and s.end > first:
                a, b = max(s.start, first), min(s.end, last)
                blocks.append(Block(s, _hours(a - first), _hours(b - a), a, b))
        tracks.append(Track(day, zone, first, _hours(last - first), tuple(ticks), tuple(blocks)))
    return tracks


def fair_frame(slots: Sequence[GridSlot]) -> list[tuple[datetime, datetime]]:
    """Each fair day's opening hours: its first slot's start to its last slot's end."""
    days: dict[int, list[GridSlot]] = defaultdict(list)
    for s in slots:
        days[s.day].append(s)
    return [(d[0].start, d[-1].end) for _, d in sorted(days.items())]


def fair_breaks(session: Session, fair: Fair) -> list[Span]:
    """The fair's breaks on each of its days, as instants."""
    zone = ZoneInfo(fair.timezone)
    breaks = session.exec(select(FairBreak).where(FairBreak.fair_id == fair.id)).all()
    return [
        Span(
            "break",
            instant(fair.start + timedelta(days=d), b.start, zone),
            instant(fair.start + timedelta(days=d), b.end, zone, latest=True),
            b.label,
        )
        for d in range(fair.days)
        for b in breaks
    ]


def unavailable(
    session: Session,
    stays: Sequence[tuple[int, datetime | None, datetime | None]],
    frame: Sequence[tuple[datetime, datetime]],
) -> dict[int, tuple[Span, ...]]:
    """Per participant of `stays` (id, arrives, departs): their busy times (imported
    calendars), the roadshows they present, and the fair's hours before they arrive and
    after they leave."""
    ids = [pid for pid, _, _ in stays]
    out: dict[int, list[Span]] = defaultdict(list)
    if not ids:
        return {}
    for busy in session.exec(select(BusyTime).where(col(BusyTime.participant_id).in_(ids))):
        out[busy.participant_id].append(Span("busy", busy.start, busy.end))
    for show in session.exec(
        select(Roadshow).where(
            col(Roadshow.presenter_id).in_(ids), col(Roadshow.status) != RoadshowStatus.CANCELLED
        )
    ):
        out[show.presenter_id].append(Span("roadshow", show.start, show.end, show.title))
    if frame:
        first, last = _utc(frame[0][0]), _utc(frame[-1][1])
        for pid, arrives, departs in stays:
            if arrives is not None and _utc(arrives) > first:
                out[pid].append(Span("away", first, _utc(arrives)))
            if departs is not None and _utc(departs) < last:
                out[pid].append(Span("away", _utc(departs), last))
    return {pid: tuple(spans) for pid, spans in out.items()}


def fair_day(session: Session, fair: Fair) -> tuple[list[tuple[datetime, datetime]], list[Span]]:
    """The fair's opening hours per day (`fair_frame`) and its breaks."""
    return fair_frame(fair_slots(session, fair)), fair_breaks(session, fair)


def person_unavailable(
    session: Session, person: Participant, frame: Sequence[tuple[datetime, datetime]]
) -> tuple[Span, ...]:
    assert person.id is not None
    return unavailable(session, [(person.id, person.arrives, person.departs)], frame).get(
        person.id, ()
    )
