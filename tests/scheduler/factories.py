"""Plain-function factories of random fairs for the scheduler's tests and tuning.

`make_fair` builds a seeded fair of any size: a slot grid in Qingdao time with a lunch
break, country pavilions with booths and shared table pools, companies from five time
zones (some on site, some remote), skewed demand (popular exhibitors get far more requests
than they can take), mixed modes and lengths, and interpreters or service providers as
third seats on a share of the requests.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.problem import Booth, Mode, Person, Problem, Request, Slot, TablePool

FAIR_ZONE = ZoneInfo("Asia/Shanghai")
PAVILIONS = {
    "Korea": "Asia/Seoul",
    "Japan": "Asia/Tokyo",
    "Germany": "Europe/Berlin",
    "Israel": "Asia/Jerusalem",
    "SCO": "Asia/Shanghai",
}
LANG = {"Korea": "ko", "Japan": "ja", "Germany": "de", "Israel": "he", "SCO": "ru"}


def grid(
    days: int,
    slots_per_day: int,
    first: datetime = datetime(2026, 6, 15, 9, 0),
    minutes: int = 30,
    zone: ZoneInfo = FAIR_ZONE,
) -> tuple[Slot, ...]:
    """A slot grid: each day splits into a morning and an afternoon block with lunch."""
    slots: list[Slot] = []
    half = (slots_per_day + 1) // 2
    for d in range(days):
        day_start = (first + timedelta(days=d)).replace(tzinfo=zone)
        for k in range(slots_per_day):
            lunch = timedelta(hours=1) if k >= half else timedelta()
            start = day_start + timedelta(minutes=minutes * k) + lunch
            slots.append(
                Slot(
                    index=len(slots),
                    start=start.astimezone(UTC),
                    end=(start + timedelta(minutes=minutes)).astimezone(UTC),
                    day=d,
                    block=2 * d + (1 if k >= half else 0),
                )
            )
    return tuple(slots)


def make_fair(
    seed: int = 0,
    companies: int = 60,
    requests: int = 300,
    days: int = 2,
    slots_per_day: int = 16,
    tables: int = 20,
    exhibitor_share: float = 0.35,
    online_only: bool = False,
    third_share: float = 0.05,
    long_share: float = 0.15,
    remote_share: float = 0.3,
    online_capacity: int | None = None,
    skew: float = 0.8,
) -> Problem:
    """A random fair.

    Args:
        seed: random seed (the fair is a pure function of the arguments).
        companies: number of companies; about `exhibitor_share` of them exhibit.
        requests: number of meeting requests (duplicates between a pair are skipped).
        days, slots_per_day: the grid (30-minute slots, lunch break mid-day).
        tables: shared tables, split into one pool per pavilion.
        online_only: a video fair (every request online, nobody on site).
        third_share: share of requests needing an interpreter or a service provider.
        long_share: share of 2-slot (60-minute) meetings.
        remote_share: share of foreign buyers who join remotely.
        online_capacity: video rooms per slot (None: unlimited).
        skew: Zipf exponent of exhibitor popularity.

    Returns:
        The `Problem`.
    """
    rng = random.Random(seed)
    slots = grid(days, slots_per_day)
    pavs = list(PAVILIONS)
    all_days = frozenset(range(days))
    people: dict[str, Person] = {}
    booths: dict[str, Booth] = {}
    company_people: dict[str, list[str]] = {}
    company_pav: dict[str, str] = {}
    exhibitors: list[str] = []
    buyers: list[str] = []
    n_ex = max(2, int(companies * exhibitor_share))
    for c in range(companies):
        cid = f"c{c}"
        exhibitor = c < n_ex
        pav = pavs[c % len(pavs)]
        foreign = exhibitor or rng.random() < 0.5
        zone = PAVILIONS[pav] if foreign else "Asia/Shanghai"
        company_pav[cid] = pav
        remote = online_only or (not exhibitor and foreign and rng.random() < remote_share)
        if online_only:
            onsite: frozenset[int] = frozenset()
        elif remote:
            onsite = frozenset()
        elif exhibitor:
            onsite = all_days
        else:
            onsite = frozenset(d for d in range(days) if rng.random() < 0.7) or frozenset({0})
        start_h = rng.choice([8, 8, 9, 9, 10])
        windows = ((time(start_h, 0), time(min(start_h + 10, 23), 0)),)
        if not remote and not online_only:
            # travellers work fair hours in the fair's zone while on site
            windows = ((time(8, 0), time(20, 0)),)
            zone_used = "Asia/Shanghai"
        else:
            zone_used = zone
        pids = []
        for k in range(1 if rng.random() < 0.6 else 2):
            pid = f"{cid}p{k}"
            days_att = (
                None
                if rng.random() < 0.8
                else frozenset(d for d in range(days) if rng.random() < 0.7) or frozenset({0})
            )
            busy: tuple[tuple[datetime, datetime], ...] = ()
            if rng.random() < 0.2:
                s = rng.choice(slots)
                busy = ((s.start, s.end + timedelta(minutes=30)),)
            people[pid] = Person(
                id=pid,
                company=cid,
                timezone=zone_used,
                windows=windows,
                days=days_att,
                onsite_days=onsite,
                busy=busy,
                max_per_day=rng.choice([None, None, None, 6, 8]),
                languages=(LANG[pav],) if foreign else ("zh",),
            )
            pids.append(pid)
        company_people[cid] = pids
        if exhibitor:
            exhibitors.append(cid)
            booths[f"b{c}"] = Booth(id=f"b{c}", pavilion=pav, tables=1 if rng.random() < 0.9 else 2)
        else:
            buyers.append(cid)
    pools: dict[str, TablePool] = {}
    if not online_only and tables > 0:
        per = [tables // len(pavs) + (1 if i < tables % len(pavs) else 0) for i in range(len(pavs))]
        for pav, n in zip(pavs, per, strict=True):
            if n:
                pools[f"pool-{pav}"] = TablePool(
                    id=f"pool-{pav}",
                    pavilion=pav,
                    tables=tuple(f"{pav}-T{i + 1}" for i in range(n)),
                )
    third_seats: dict[str, tuple[str, ...]] = {}
    for key in ("interpreter:ko-zh", "interpreter:ja-zh", "service:legal", "service:visa"):
        ids = []
        for k in range(rng.randint(2, 4)):
            pid = f"{key.split(':')[1]}-{k}"
            people[pid] = Person(
                id=pid,
                company="providers",
                timezone="Asia/Shanghai",
                windows=((time(8, 30), time(18, 30)),),
                onsite_days=frozenset() if online_only else all_days,
            )
            ids.append(pid)
        third_seats[key] = tuple(ids)
    pop = [1.0 / (i + 1) ** skew for i in range(len(exhibitors))]
    reqs: list[Request] = []
    pairs: set[tuple[str, str]] = set()
    attempts = 0
    while len(reqs) < requests and attempts < requests * 20:
        attempts += 1
        ex = rng.choices(exhibitors, weights=pop)[0]
        buyer = rng.choice(buyers + exhibitors)
        if buyer == ex or (buyer, ex) in pairs:
            continue
        pairs.add((buyer, ex))
        pav = company_pav[ex]
        if online_only:
            mode = Mode.ONLINE
        else:
            mode = rng.choices([Mode.IN_PERSON, Mode.ONLINE, Mode.EITHER], [0.4, 0.2, 0.4])[0]
        side_a = tuple(rng.sample(company_people[buyer], 1))
        ex_people = company_people[ex]
        side_b = tuple(
            ex_people if len(ex_people) > 1 and rng.random() < 0.2 else rng.sample(ex_people, 1)
        )
        third = None
        if rng.random() < third_share:
            third = rng.choice(list(third_seats))
        reqs.append(
            Request(
                id=f"r{len(reqs)}",
                company_a=buyer,
                company_b=ex,
                side_a=side_a,
                side_b=side_b,
                weight=rng.choice([1, 1, 2, 2, 3, 5, 8]),
                mode=mode,
                length=2 if rng.random() < long_share else 1,
                booth=f"b{ex[1:]}",
                table_pools=(f"pool-{pav}",) if f"pool-{pav}" in pools else (),
                third_seat=third,
                arrival=len(reqs),
            )
        )
    order = list(range(len(reqs)))
    rng.shuffle(order)
    # arrival order is independent of weight: FCFS is not accidentally greedy
    reqs = [replace(r, arrival=order[i]) for i, r in enumerate(reqs)]
    return Problem(
        slots=slots,
        people=people,
        requests=tuple(reqs),
        booths=booths,
        table_pools=pools,
        online_capacity=online_capacity,
        third_seats=third_seats,
    )


def small_fair(seed: int = 0, requests: int = 120) -> Problem:
    """A small mixed fair (~40 companies, 1 day) for fast tests."""
    return make_fair(seed, companies=40, requests=requests, days=1, slots_per_day=12, tables=6)


def video_fair(seed: int = 0) -> Problem:
    """Video scale: ~200 participants, ~1,500 online requests, 2 days."""
    return make_fair(
        seed,
        companies=140,
        requests=1500,
        days=2,
        slots_per_day=16,
        online_only=True,
        third_share=0.0,
        long_share=0.0,
    )


def expo_fair(seed: int = 0, requests: int = 8000) -> Problem:
    """Expo scale: ~1,000 companies, 3 days x 16 slots, 150 tables, five pavilions."""
    return make_fair(
        seed,
        companies=1000,
        requests=requests,
        days=3,
        slots_per_day=16,
        tables=150,
        exhibitor_share=0.3,
    )


# ------------------------------------------------------------------ hand-made fairs


def person(
    pid: str, tz: str = "Asia/Shanghai", onsite: bool = True, days: int = 2, **kw: object
) -> Person:
    """A person working 08:00–20:00 in `tz`, on site every day unless `onsite` is False."""
    return Person(
        id=pid,
        company=str(kw.pop("company", pid)),
        timezone=tz,
        windows=kw.pop("windows", ((time(8, 0), time(20, 0)),)),  # type: ignore[arg-type]
        onsite_days=frozenset(range(days)) if onsite else frozenset(),
        **kw,  # type: ignore[arg-type]
    )


def request(rid: str, a: str, b: str, **kw: object) -> Request:
    """A request between person `a` and person `b` (companies named after them)."""
    return Request(id=rid, company_a=a, company_b=b, side_a=(a,), side_b=(b,), **kw)  # type: ignore[arg-type]


def fair(
    people: list[Person],
    requests: list[Request],
    days: int = 1,
    slots_per_day: int = 4,
    **kw: object,
) -> Problem:
    """A hand-made fair on a small grid."""
    return Problem(
        slots=grid(days, slots_per_day),
        people={p.id: p for p in people},
        requests=tuple(requests),
        **kw,  # type: ignore[arg-type]
    )
