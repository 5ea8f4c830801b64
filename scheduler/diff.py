"""Comparing two schedules: what a re-solve kept, moved, added and cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.problem import Assignment


@dataclass(frozen=True)
class Diff:
    """Request ids by fate, from the `old` schedule to the `new` one.

    kept: same slot and place; moved: still scheduled, another slot, place or third seat
    (old, new); new: only in the new schedule; cancelled: only in the old one.
    """

    kept: tuple[str, ...]
    moved: tuple[tuple[Assignment, Assignment], ...]
    new: tuple[str, ...]
    cancelled: tuple[str, ...]

    def summary(self) -> dict[str, int]:
        """Counts per fate (for the organiser's review before publishing)."""
        return {
            "kept": len(self.kept),
            "moved": len(self.moved),
            "new": len(self.new),
            "cancelled": len(self.cancelled),
        }


def diff(
    old: Iterable[Assignment] | Mapping[str, Assignment],
    new: Iterable[Assignment] | Mapping[str, Assignment],
) -> Diff:
    """Compare two assignment sets by request id.

    Args:
        old: the published schedule (assignments, or request id → assignment).
        new: the re-solved schedule.

    Returns:
        The `Diff`, each part sorted by request id.
    """
    before = dict(old) if isinstance(old, Mapping) else {a.request: a for a in old}
    after = dict(new) if isinstance(new, Mapping) else {a.request: a for a in new}
    kept, moved = [], []
    for rid in sorted(before.keys() & after.keys()):
        if before[rid] == after[rid]:
            kept.append(rid)
        else:
            moved.append((before[rid], after[rid]))
    return Diff(
        kept=tuple(kept),
        moved=tuple(moved),
        new=tuple(sorted(after.keys() - before.keys())),
        cancelled=tuple(sorted(before.keys() - after.keys())),
    )
