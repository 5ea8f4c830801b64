"""The fair's slot grid: slots in the fair's time zone, as UTC instants.

Each day runs from `day_start` to `day_end` in the fair's zone, cut into `slot_minutes`
slots, minus breaks. The day is laid out in real elapsed time: its first and last
instants (and each break's) are found once, then slots follow each other in UTC, so a day
that crosses a DST change never has two slots on the same instant (spring: the local
times that do not exist are skipped and the day has an hour less; autumn: the repeated
hour is used twice, once per UTC offset, and the day has an hour more).

A wall-clock time that does not exist on that day (inside a spring gap) stands for the
instant the clocks jump, the first real time after it; one that happens twice (the
autumn's repeated hour) stands for its first occurrence as a start and its second as an
end, so a break given in wall-clock times covers the whole repeated stretch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class GridSlot:
    index: int
    day: int  # 0-based
    block: int  # run of back-to-back slots without a break
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # fair time (aware; `fold` tells the repeated hour's two runs)


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    instant = local.replace(tzinfo=zone)
    return instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def instant(day: date, at: time, zone: ZoneInfo, *, latest: bool = False) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    A time in a spring gap gives the instant the clocks jump; a time that happens twice
    gives its first occurrence, or its second with `latest`."""
    local = datetime.combine(day, at)
    if _exists(local, zone):
        first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        second = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
        return max(first, second) if latest else min(first, second)
    # In a gap the two folds read the time with the offsets before and after the jump;
    # the jump lies between them: find it to the second.
    low = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def build_slots(
    timezone: str,
    start: date,
    days: int,
    day_start: time,
    day_end: time,
    slot_minutes: int,
    breaks: Sequence[tuple[time, time]] = (),
) -> list[GridSlot]:
    """Every slot of the fair in time order: for each day, back-to-back slots of
    `slot_minutes` real minutes from `day_start` until the next would pass `day_end`,
    leaving out those that overlap a break (times are wall-clock times in `timezone`)."""
    zone = ZoneInfo(timezone)
    step = timedelta(minutes=slot_minutes)
    slots: list[GridSlot] = []
    block = -1
    for day in range(days):
        current = start + timedelta(days=day)
        t = instant(current, day_start, zone)
        end = instant(current, day_end, zone, latest=True)
        pauses = [
            (instant(current, b_start, zone), instant(current, b_end, zone, latest=True))
            for b_start, b_end in breaks
        ]
        previous_in_break = True
        while t + step <= end:
            t_end = t + step
            in_break = any(b_start < t_end and t < b_end for b_start, b_end in pauses)
            if not in_break:
                if previous_in_break:
                    block += 1
                slots.append(
                    GridSlot(
                        index=len(slots),
                        day=day,
                        block=block,
                        start=t,
                        end=t_end,
                        local_start=t.astimezone(zone),
                    )
                )
            previous_in_break = in_break
            t = t_end
    return slots
