"""What-if on the version page and in the API (web/whatif.py), on a fair where two more
tables schedule exactly the four left-out requests: the levers ranked, "apply" (CSRF,
organiser only) changes the fair and re-solves into a draft with the promised meetings."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.models import (
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    ScheduleVersion,
    TokenKind,
)
from fair.settings import Settings
from fair.tokens import issue_token
from realtime.solver import SolverJob
from tests.fair.test_whatif import one_table_fair, short_hours_fair
from tests.web.conftest import ORGANISER, ClientFactory, Site
from web.app import create_app
from web.keys import ENGINE, SOLVER_RUNS

pytestmark = pytest.mark.integration


async def _serve(
    aiohttp_client: ClientFactory, settings: Settings, build: Callable[[Engine], int]
) -> Site:
    engine = open_database(settings.database_url)
    fair_id = build(engine)
    with session_scope(engine) as session:
        create_organiser(session, *ORGANISER)
        person = session.exec(select(Participant).where(Participant.key == "b0")).one()
        tokens = {"b0": issue_token(session, person, TokenKind.MAGIC)}
    engine.dispose()
    client = await aiohttp_client(create_app(settings))
    return Site(client=client, tokens=tokens, fair_id=fair_id)


@pytest.fixture
async def whatif_site(aiohttp_client: ClientFactory, settings: Settings) -> Site:
    """The one-table fair (2 of 6 scheduled, published) served by the real app."""
    return await _serve(aiohttp_client, settings, one_table_fair)


async def finish(site: Site) -> dict[str, Any]:
    job: Any = site.client.app[SOLVER_RUNS].job(site.fair_id)
    assert job is not None and job.task is not None
    await asyncio.wait_for(job.task, 60)
    state: dict[str, Any] = job.state()
    return state


async def text_of(site: Site, path: str) -> str:
    response = await site.client.get(path)
    assert response.status == 200, path
    return html.unescape(await response.text())


async def test_version_page_whatif_panel_offers_levers_on_request(whatif_site: Site) -> None:
    await whatif_site.sign_in_organiser()
    page = await text_of(whatif_site, "/organiser/versions/1")
    assert "Find what would schedule more" in page and "Apply and re-solve" not in page
    page = await text_of(whatif_site, "/organiser/versions/1?whatif=1")
    gains = [int(n) for n in re.findall(r"<strong>\+(\d+)</strong>", page)]
    assert gains[0] == 4 and gains == sorted(gains, reverse=True)
    assert "2 more tables in Korea Pavilion on day 1, 09:00–10:00" in page
    assert page.count("Apply and re-solve") == len(gains)


async def test_whatif_apply_form_adds_tables_and_resolves_into_draft(whatif_site: Site) -> None:
    site = whatif_site
    await site.sign_in_organiser()
    token = await site.csrf()
    response = await site.client.post(
        "/organiser/versions/1/whatif/apply",
        data={"csrf": token, "kind": "tables", "pool": "KR", "tables": "2"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/organiser#solver"
    state = await finish(site)
    assert state["result"]["version"] == 2 and state["result"]["scheduled"] == 6
    draft = await text_of(site, "/organiser/versions/2")
    assert "Compared with the published version" in draft
    assert re.search(r"<strong>4</strong><span>new</span>", draft)
    assert "Publish this version" in draft


async def test_whatif_apply_refused_without_csrf_or_for_participant(whatif_site: Site) -> None:
    site = whatif_site
    await site.sign_in_organiser()
    form = {"kind": "tables", "pool": "KR", "tables": "2"}
    response = await site.client.post("/organiser/versions/1/whatif/apply", data=form)
    assert response.status == 403  # no CSRF token
    await site.sign_in_participant("b0")
    response = await site.client.post("/organiser/versions/1/whatif/apply", data=form)
    assert response.status == 403
    api = await site.client.get("/api/schedule/1/whatif")
    assert api.status == 403
    with Session(site.client.app[ENGINE]) as session:
        assert len(session.exec(select(MeetingTable)).all()) == 1  # nothing was added


async def _csrf_header(site: Site) -> dict[str, str]:
    session = await (await site.client.get("/api/session")).json()
    return {"X-CSRF-Token": session["csrf"]}


async def test_api_whatif_levers_apply_and_resolve_keep_the_promise(whatif_site: Site) -> None:
    site = whatif_site
    await site.sign_in_organiser()
    answer = await (await site.client.get("/api/schedule/1/whatif")).json()
    assert answer["version"] == 1 and answer["left_out"] == 4
    top = answer["levers"][0]
    assert top["apply"] == {"kind": "tables", "pool": "KR", "tables": 2}
    assert top["meetings"] == 4 and top["day"] == 1 and len(top["requests"]) == 4
    assert top["start"] == "2026-11-27T01:00:00+00:00"  # 09:00 in Shanghai
    again = await (await site.client.get("/api/schedule/1/whatif")).json()
    assert again["cached"] is True and again["levers"] == answer["levers"]
    response = await site.client.post(
        "/api/schedule/1/whatif/apply", json=top["apply"], headers=await _csrf_header(site)
    )
    assert response.status == 202
    body = await response.json()
    assert body["applied"] == "added KR-X01, KR-X02 to the KR pavilion"
    assert body["solver"]["running"] is True
    state = await finish(site)
    assert state["result"]["scheduled"] >= 2 + top["meetings"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "tables", "pool": "XX", "tables": 1}, "pool"),
        ({"kind": "tables", "pool": "KR", "tables": "two"}, "tables"),
        ({"kind": "hours", "person": "b0", "direction": "sideways"}, "direction"),
        ({"kind": "rooms"}, "kind"),
        ({"kind": "slot", "colour": "red"}, "colour"),
    ],
)
async def test_api_whatif_apply_names_the_wrong_field(
    whatif_site: Site, change: dict[str, Any], field: str
) -> None:
    site = whatif_site
    await site.sign_in_organiser()
    response = await site.client.post(
        "/api/schedule/1/whatif/apply", json=change, headers=await _csrf_header(site)
    )
    assert response.status == 422
    assert (await response.json())["error"]["field"] == field
    assert site.client.app[SOLVER_RUNS].job(site.fair_id) is None  # no re-solve started


async def test_api_whatif_apply_refused_while_a_run_is_going(whatif_site: Site) -> None:
    site = whatif_site
    await site.sign_in_organiser()
    runs: Any = site.client.app[SOLVER_RUNS]
    runs.jobs[site.fair_id] = SolverJob(fair_id=site.fair_id, time_limit=30)  # running
    response = await site.client.post(
        "/api/schedule/1/whatif/apply",
        json={"kind": "slot"},
        headers=await _csrf_header(site),
    )
    assert response.status == 409
    assert "solver run is going" in (await response.json())["error"]["message"]


async def test_api_whatif_two_applies_at_once_one_is_refused(whatif_site: Site) -> None:
    """Both used to pass the "no run is going" check before either had changed the fair:
    both changed it, and the second's change could miss the re-solve that had started."""
    site = whatif_site
    await site.sign_in_organiser()
    headers = await _csrf_header(site)
    change = {"kind": "tables", "pool": "KR", "tables": 1}
    responses = await asyncio.gather(
        *(
            site.client.post("/api/schedule/1/whatif/apply", json=change, headers=headers)
            for _ in range(2)
        )
    )
    assert sorted(r.status for r in responses) == [202, 409]
    await finish(site)
    with Session(site.client.app[ENGINE]) as session:
        assert len(session.exec(select(MeetingTable)).all()) == 2  # one table added, once


async def test_api_whatif_unknown_version_is_404(whatif_site: Site) -> None:
    await whatif_site.sign_in_organiser()
    assert (await whatif_site.client.get("/api/schedule/9/whatif")).status == 404


async def test_version_page_names_the_person_of_an_hours_lever_and_their_zone(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    site = await _serve(aiohttp_client, settings, short_hours_fair)
    await site.sign_in_organiser()
    page = await text_of(site, "/organiser/versions/1?whatif=1")
    assert "One more hour of Person b0, Company b0's time: a later end (Asia/Shanghai)" in page
    assert 'name="direction" value="later"' in page


async def test_whatif_apply_after_a_hand_lock_keeps_the_locked_meeting(whatif_site: Site) -> None:
    """The seam of hand edits and what-if: a meeting locked on the grid (a draft made by
    the edit) stays locked and in place in the draft the lever's re-solve stores."""
    site = whatif_site
    await site.sign_in_organiser()
    headers = await _csrf_header(site)
    grid = await (await site.client.get("/api/schedule/1/meetings")).json()
    first = grid["meetings"][0]
    key = first["request"]
    response = await site.client.post(
        "/api/organiser/grid/lock", json={"request": key}, headers=headers
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["version"] == 2
    response = await site.client.post(
        "/api/schedule/1/whatif/apply",
        json={"kind": "tables", "pool": "KR", "tables": 2},
        headers=headers,
    )
    assert response.status == 202, await response.text()
    state = await finish(site)
    assert state["result"]["version"] == 3
    solved = await (await site.client.get("/api/schedule/3/meetings")).json()
    (kept,) = [m for m in solved["meetings"] if m["request"] == key]
    assert (kept["start_utc"], kept["place"]) == (first["start_utc"], first["place"])
    with Session(site.client.app[ENGINE]) as session:
        locked = session.exec(
            select(MeetingRequest.key)
            .join(Meeting, col(Meeting.request_id) == col(MeetingRequest.id))
            .join(ScheduleVersion, col(Meeting.version_id) == col(ScheduleVersion.id))
            .where(ScheduleVersion.number == 3, col(Meeting.locked).is_(True))
        ).all()
    assert locked == [key]
