"""The fair's slot grid: fixed wall-clock slots in the fair's time zone, as UTC instants.

Each day runs from `day_start` to `day_end` in the fair's zone, cut into `slot_minutes`
slots, minus breaks. A slot's end is its UTC start plus the slot length (never computed
by adding minutes to a zoned local time), so a day that crosses a DST change still has
slots of the right length.
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
    local_start: datetime  # fair time


def build_slots(
    timezone: str,
    start: date,
    days: int,
    day_start: time,
    day_end: time,
    slot_minutes: int,
    breaks: Sequence[tuple[time, time]] = (),
) -> list[GridSlot]:
    """Every slot of the fair in time order."""
    zone = ZoneInfo(timezone)
    step = timedelta(minutes=slot_minutes)
    slots: list[GridSlot] = []
    block = -1
    for day in range(days):
        current = start + timedelta(days=day)
        t = datetime.combine(current, day_start)
        end = datetime.combine(current, day_end)
        previous_in_break = True
        while t + step <= end:
            t_end = t + step
            in_break = any(
                datetime.combine(current, b_start) < t_end and t < datetime.combine(current, b_end)
                for b_start, b_end in breaks
            )
            if not in_break:
                if previous_in_break:
                    block += 1
                utc_start = t.replace(tzinfo=zone).astimezone(UTC)
                slots.append(
                    GridSlot(
                        index=len(slots),
                        day=day,
                        block=block,
                        start=utc_start,
                        end=utc_start + step,
                        local_start=t.replace(tzinfo=zone),
                    )
                )
            previous_in_break = in_break
            t = t_end
    return slots
