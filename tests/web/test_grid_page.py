"""The grid page of the newest version is editable (cells carry their slot and place,
meetings their request, lock and room link, the editing panel and script are there);
an older version's grid is not (the factory fair, r1 at 09:00 at booth KR-B01)."""

from __future__ import annotations

import pytest

from tests.web.conftest import Site
from tests.web.test_api import call

pytestmark = pytest.mark.integration


async def test_grid_of_the_newest_version_is_editable(site: Site) -> None:
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser/grid?day=1")).text()
    assert 'id="grid-edit"' in text and "grid.js" in text
    assert 'data-start="2026-11-27T01:30:00Z" data-place="KR-T01"' in text  # an empty cell
    assert 'data-place="online"' in text  # any free video room
    assert 'data-request="r1" data-place="KR-B01"' in text
    assert 'href="/rooms/' in text  # a meeting leads to its room
    assert 'data-request="r2" data-add="1"' in text  # left out: can be added
    assert "Your first edit starts a new draft" in text


async def test_grid_shows_locks_and_changes_and_only_the_newest_is_editable(site: Site) -> None:
    await site.sign_in_organiser()
    status, _ = await call(site, "POST", "/api/organiser/grid/lock", json={"request": "r1"})
    assert status == 200
    text = await (await site.client.get("/organiser/grid?day=1")).text()
    assert 'data-locked="1"' in text and "Version 2 (draft)" in text
    assert "0 moved, 0 new, 0 cancelled" in text
    old = await (await site.client.get("/organiser/grid?day=1&version=1")).text()
    assert 'id="grid-edit"' not in old and "grid.js" not in old
    assert 'data-request="r1"' not in old


async def test_grid_by_participant_is_editable_too(site: Site) -> None:
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser/grid?day=1&view=people")).text()
    assert 'data-person="kr1"' in text and 'data-request="r1"' in text
