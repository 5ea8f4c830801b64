"""The grid editing API on the real app: organiser only, a move saved in a draft with
its changes against the published version, a refusal as 409 with its reasons, targets,
undo, and field errors (the factory fair: r1 in person with an interpreter at 09:00 on
day 1; r2 cannot be met, de1's hours in Berlin are at night in Shanghai)."""

from __future__ import annotations

from typing import Any

import pytest

from realtime.solver import SolverJob
from tests.web.conftest import Site
from tests.web.test_api import call
from web.keys import SOLVER_RUNS

pytestmark = pytest.mark.integration

DAY1_0930 = "2026-11-27T01:30:00Z"  # 09:30 in Shanghai, the fair's zone


async def test_grid_api_refuses_participants(site: Site) -> None:
    await site.sign_in_participant("cn1")
    status, data = await call(site, "POST", "/api/organiser/grid/undo", json={})
    assert status == 403 and data["error"]["status"] == 403


async def test_grid_api_move_is_saved_in_a_draft_with_its_changes(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/organiser/grid")
    assert status == 200
    assert data == {
        "version": 1,
        "status": "published",
        "edits": [],
        "can_undo": False,
        "changes": None,
    }
    move = {"request": "r1", "start": DAY1_0930, "place": "KR-T01"}
    status, data = await call(site, "POST", "/api/organiser/grid/move", json=move)
    assert status == 200, data
    assert data == {
        "version": 2,
        "changed": ["r1"],
        "changes": {"kept": 0, "moved": 1, "new": 0, "cancelled": 0},
    }
    status, data = await call(site, "GET", "/api/organiser/grid")
    assert data["version"] == 2 and data["status"] == "draft" and data["can_undo"]
    assert data["changes"] == {"moved": ["r1"], "new": [], "cancelled": []}
    assert [e["kind"] for e in data["edits"]] == ["move"]
    status, data = await call(site, "POST", "/api/organiser/grid/undo", json={})
    assert status == 200 and data["changes"]["moved"] == 0
    status, data = await call(site, "GET", "/api/organiser/grid")
    assert not data["can_undo"]


async def test_grid_api_refusal_is_409_with_reasons(site: Site) -> None:
    await site.sign_in_organiser()
    add = {"request": "r2", "start": DAY1_0930, "place": "online"}
    status, data = await call(site, "POST", "/api/organiser/grid/add", json=add)
    assert status == 409
    (reason,) = data["error"]["reasons"]
    assert reason["code"] == "hours"
    assert reason["text"] == reason["shown"]
    assert (
        reason["text"] == "Fri 09:30 is outside Anna Becker's hours (Fri 02:30 in Europe/Berlin)."
    )
    assert reason["params"]["zone"] == "Europe/Berlin"


async def test_grid_api_targets_mark_valid_and_refused_cells(site: Site) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "GET", "/api/organiser/grid/targets?request=r1")
    assert status == 200 and data["request"] == "r1"
    cells: dict[tuple[str, str], Any] = {(t["start"], t["place"]): t for t in data["targets"]}
    assert cells[(DAY1_0930, "KR-T01")]["ok"]
    assert cells[(DAY1_0930, "KR-T01")]["third_seat"] == "int1"
    day2 = cells[("2026-11-28T01:00:00Z", "KR-B01")]
    assert not day2["ok"]
    assert [r["code"] for r in day2["reasons"]] == ["onsite"]
    assert {t["kind"] for t in data["targets"]} == {"booth", "table"}  # in person only


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/organiser/grid/move", {"request": "r1", "start": DAY1_0930}, "place"),
        ("/api/organiser/grid/swap", {"request": "r1", "with": 2}, "with"),
        ("/api/organiser/grid/lock", {"request": "r1", "extra": 1}, "extra"),
    ],
)
async def test_grid_api_bad_field_is_422(
    site: Site, path: str, payload: dict[str, Any], field: str
) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "POST", path, json=payload)
    assert status == 422 and data["error"]["field"] == field


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("move", {"request": "r1", "start": DAY1_0930, "place": "nowhere"}, "place"),
        ("move", {"request": "r1", "start": "noon", "place": "KR-T01"}, "start"),
        ("move", {"request": "r1", "start": "2026-11-27T01:31:00Z", "place": "KR-T01"}, "start"),
        ("add", {"request": "r2", "start": "2031-01-01T00:00:00Z", "place": "online"}, "start"),
        ("swap", {"request": "r1", "with": "r1"}, "with"),
    ],
)
async def test_grid_api_unknown_place_or_time_is_422_naming_the_field(
    site: Site, path: str, payload: dict[str, Any], field: str
) -> None:
    await site.sign_in_organiser()
    status, data = await call(site, "POST", f"/api/organiser/grid/{path}", json=payload)
    assert status == 422, data
    assert data["error"]["field"] == field and data["error"]["message"].startswith(field)


async def test_grid_api_edit_refused_while_a_solver_run_is_going(site: Site) -> None:
    """A run stores a draft of the fair as it read it at its start: an edit (a lock, say)
    saved meanwhile would be left behind in the older draft, and the lock lost."""
    await site.sign_in_organiser()
    runs: Any = site.client.app[SOLVER_RUNS]
    runs.jobs[site.fair_id] = SolverJob(fair_id=site.fair_id, time_limit=30)  # running
    status, data = await call(site, "POST", "/api/organiser/grid/lock", json={"request": "r1"})
    assert status == 409 and "solver run is going" in data["error"]["message"]
    status, data = await call(site, "GET", "/api/organiser/grid")
    assert data["version"] == 1 and data["edits"] == []
