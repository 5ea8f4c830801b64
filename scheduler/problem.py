"""The scheduler's data contract: a `Problem` in, a `Result` out.

Everything here is plain, frozen data with no reference to a database or the web, so the
solver, the baselines and the validator can be tested on hand-made fairs. Times are aware
`datetime`s in UTC; people's working hours are wall-clock windows in their own IANA zone
and are turned into slots by `scheduler.availability`, which is DST-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class Mode(StrEnum):
    """How a request may be met."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    EITHER = "either"


class PlaceKind(StrEnum):
    """Where a scheduled meeting happens."""

    BOOTH = "booth"
    TABLE = "table"
    ONLINE = "online"


class Status(StrEnum):
    """Outcome of one objective level (or of the whole solve)."""

    OPTIMAL = "optimal"  # value equals a proven bound
    FEASIBLE = "feasible"  # a valid schedule, bound not reached within the time limit
    INFEASIBLE = "infeasible"  # locks or hard constraints contradict each other
    TIMEOUT = "timeout"  # no schedule found within the time limit
    STOPPED = "stopped"  # interrupted by the caller; best schedule so far kept
    SKIPPED = "skipped"  # level not run (options or earlier level failed)


@dataclass(frozen=True)
class Slot:
    """One cell of the fair's grid.

    `index` is the position in `Problem.slots` (0..n-1, in time order). `day` is the
    0-based fair day. `block` identifies a run of back-to-back slots without a break: a
    multi-slot meeting must stay inside one block.
    """

    index: int
    start: datetime
    end: datetime
    day: int
    block: int


@dataclass(frozen=True)
class Person:
    """Someone who attends meetings (a company's person, an interpreter, a provider).

    `windows` are working hours in the person's own `timezone`, applied to every day; an
    empty tuple means no personal restriction. `dates` override them on some of the
    person's local dates: (date, windows) in date order, empty windows meaning away that
    whole day (a date without an entry keeps `windows`). A window belongs to the date it
    starts on, even when it runs past midnight. `days` are the fair days they attend at all
    (None: every day); `onsite_days` the days they are at the venue (in-person meetings
    only then). `busy` are UTC intervals they cannot meet in (imported calendars,
    roadshows). Caps of None mean no cap.
    """

    id: str
    company: str
    timezone: str
    windows: tuple[tuple[time, time], ...] = ()
    dates: tuple[tuple[date, tuple[tuple[time, time], ...]], ...] = ()
    days: frozenset[int] | None = None
    onsite_days: frozenset[int] = frozenset()
    busy: tuple[tuple[datetime, datetime], ...] = ()
    max_per_day: int | None = None
    max_total: int | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Booth:
    """An exhibitor's stand: hosts `tables` meetings at once."""

    id: str
    pavilion: str
    tables: int = 1


@dataclass(frozen=True)
class TablePool:
    """Shared meeting tables of one pavilion's meeting area.

    `tables` lists the table ids; `capacity[i]` is how many meetings table i hosts at once
    (usually 1). The solver counts meetings per pool and slot and numbers tables after.
    """

    id: str
    pavilion: str
    tables: tuple[str, ...]
    capacity: tuple[int, ...] = ()

    def total_capacity(self) -> int:
        return sum(self.capacity) if self.capacity else len(self.tables)


@dataclass(frozen=True)
class Assignment:
    """Where and when a request is met.

    `place_id` is a booth id, a table id (not a pool id) or an online room id;
    `third_seat` the id of the interpreter or service provider, if the request needs one.
    """

    request: str
    start: int  # index of the first slot
    length: int
    kind: PlaceKind
    place_id: str
    third_seat: str | None = None

    @property
    def slots(self) -> range:
        return range(self.start, self.start + self.length)


@dataclass(frozen=True)
class Request:
    """An accepted meeting request between two companies.

    `side_a` are the people attending for the requester, `side_b` for the other company.
    `weight` is the value of scheduling it (priority of each side, mutual interest, sold
    quotas): the solver maximises the sum of weights first. `booth` is the booth that
    hosts it in person (the exhibitor's), `table_pools` the shared pools it may use in
    person. `third_seat` names a key of `Problem.third_seats` ("interpreter:ko-zh",
    "service:legal"). `arrival` orders requests for first-come-first-served. A `lock`
    must be kept exactly.
    """

    id: str
    company_a: str
    company_b: str
    side_a: tuple[str, ...]
    side_b: tuple[str, ...]
    weight: int = 1
    mode: Mode = Mode.EITHER
    length: int = 1
    booth: str | None = None
    table_pools: tuple[str, ...] = ()
    third_seat: str | None = None
    arrival: int = 0
    lock: Assignment | None = None

    @property
    def people(self) -> tuple[str, ...]:
        return self.side_a + self.side_b


@dataclass(frozen=True)
class Options:
    """Solver settings. `levels` runs objective levels 1..levels (see docs/scheduler.md)."""

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    levels: int = 4
    gap_fill: bool = False  # keep every previous assignment, only place what is new
    log: bool = False
    # on a re-solve, minimise moved meetings (level 4) right after level 1, before
    # fairness and comfort get to rearrange the published grid (see docs/scheduler.md)
    disruption_first: bool = True
    # on a re-solve, each published meeting moved or cancelled costs this much weight in
    # level 1 (0: strict weight first, moves only break ties); see docs/scheduler.md
    move_cost: int = 1


@dataclass(frozen=True)
class Problem:
    """A whole fair to schedule.

    `online_capacity` is the number of video rooms per slot (None: unlimited).
    `third_seats` maps a pool key to the ids of the people who can fill it. `previous`
    is the published schedule (request id → assignment) that a re-solve should disturb
    as little as possible.
    """

    slots: tuple[Slot, ...]
    people: Mapping[str, Person]
    requests: tuple[Request, ...]
    booths: Mapping[str, Booth] = field(default_factory=dict)
    table_pools: Mapping[str, TablePool] = field(default_factory=dict)
    online_capacity: int | None = None
    third_seats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    previous: Mapping[str, Assignment] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelReport:
    """Value, best proven bound and status of one objective level."""

    level: int
    name: str
    value: float
    bound: float
    status: Status
    seconds: float


@dataclass(frozen=True)
class Reason:
    """Why a request was left out, in words a person understands, plus a machine code.

    `template` is `text` with `%(name)s` where `params` go (ids, times, counts): the web
    pages translate the template and put the values in."""

    code: str
    text: str
    template: str = ""
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, template: str, **params: object) -> Reason:
        values = {k: str(v) for k, v in params.items()}
        return cls(code, template % values if values else template, template, values)


@dataclass(frozen=True)
class Result:
    """A solve's outcome: the assignments (valid for the problem) and how good they are."""

    status: Status
    assignments: tuple[Assignment, ...]
    levels: tuple[LevelReport, ...] = ()
    unscheduled: Mapping[str, Reason] = field(default_factory=dict)
    seconds: float = 0.0
    method: str = "cp-sat"
