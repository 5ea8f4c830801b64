"""What the editable grid shows: the draft's changes agree with `fair.publishing`'s diff,
and where editing stands (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from fair.grid_edits import move, set_lock, unschedule
from fair.grid_view import draft_diff, grid_marks, grid_state
from fair.publishing import diff_versions
from fair.versions import latest_version, published_version
from tests.fair.test_grid_edits import Fixture, edit, laid_out  # noqa: F401

pytestmark = pytest.mark.integration


def test_draft_diff_agrees_with_the_publishing_diff(laid_out: Fixture) -> None:  # noqa: F811
    engine, fair_id, slots = laid_out
    edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    edit(engine, unschedule, fair_id, "r8")
    with Session(engine) as session:
        draft, published = latest_version(session, fair_id), published_version(session, fair_id)
        assert draft is not None and published is not None
        assert draft_diff(session, draft) == diff_versions(session, published, draft)
        assert draft_diff(session, published) is None


def test_grid_state_and_marks_follow_the_edits(laid_out: Fixture) -> None:  # noqa: F811
    engine, fair_id, slots = laid_out
    edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    edit(engine, set_lock, fair_id, "r4", True)
    with Session(engine) as session:
        state = grid_state(session, fair_id)
        draft = latest_version(session, fair_id)
        assert draft is not None
        marks = grid_marks(session, draft)
    assert (state.number, state.status) == (2, "draft")
    assert state.edits[-1]["kind"] == "lock" and state.edits[-1]["requests"] == ["r4"]
    assert state.changes is not None and "r4" in state.changes["moved"] + state.changes["new"]
    assert marks["r4"][1] is True and marks["r1"][1] is False


def _row(start: str, pavilion: str, place: str, kind: str = "booth") -> dict[str, object]:
    return {"start": f"2026-11-27 {start}", "pavilion": pavilion, "place": place} | {
        "place_kind": kind
    }


def test_grid_load_counts_every_meeting_per_pavilion_or_place_against_capacity() -> None:
    from fair.grid_view import grid_load

    capacities = {("KR", "booth", "KR-B2"): 1, ("KR", "booth", "KR-B10"): 2}
    capacities |= {("KR", "table", "T1"): 1, ("JP", "table", "JP-T1"): 3}
    rows = [
        _row("09:00", "KR", "KR-B10"),
        _row("09:00", "KR", "KR-B10"),
        _row("09:00", "KR", "T1", "table"),
        _row("09:30", "JP", "JP-T1", "table"),
        _row("09:30", "", "room-1", "online"),
    ]
    times = ["09:00", "09:30", "10:00"]
    whole = grid_load(rows, capacities, times, online_rooms=None)
    assert [(r.key, r.capacity) for r in whole.rows] == [("JP", 3), ("KR", 4), ("online", None)]
    assert whole.cells == ((0, 1, 0), (3, 0, 0), (0, 1, 0))
    assert whole.meetings == len(rows)
    assert whole.load(1, 0) == 0.75 and whole.load(2, 1) is None
    kr = grid_load([r for r in rows if r["pavilion"] == "KR"], capacities, times, "KR")
    # Every place of the pavilion, empty ones too, booths before tables, B2 before B10.
    assert [r.key for r in kr.rows] == ["KR-B2", "KR-B10", "T1"]
    assert kr.cells == ((0, 0, 0), (2, 0, 0), (1, 0, 0)) and kr.load(1, 0) == 1.0
