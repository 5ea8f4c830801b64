"""The grid as a picture (issue 22 item 3): the grid page's heat map counts the meetings
the grid shows, and a participant's day is drawn in their own zone and the fair's, with
their meetings and nothing of anyone else's; the organiser's view of one participant is
the organiser's only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from fair.db import open_database, session_scope
from fair.models import BusyTime, Participant
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def heat_numbers(page: str) -> list[int]:
    """The numbers of the heat map's table for screen readers."""
    table = page.split('id="grid-load"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', body)]


async def test_heat_map_counts_the_meetings_the_grid_shows(site: Site) -> None:
    await site.sign_in_organiser()
    page = await (await site.client.get("/organiser/grid?day=1")).text()
    shown = int(re.search(r"(\d+) meetings", page).group(1))  # type: ignore[union-attr]
    assert shown > 0
    assert f'data-meetings="{shown}"' in page
    assert sum(heat_numbers(page)) == shown == page.count('class="cell kind-')
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img"' in page
    # Per pavilion by default; a pavilion's booths and tables when one is chosen.
    heat = page.split('id="grid-load"')[1].split("</section>")[0]
    assert "<th>KR (" in heat and "KR-B01" not in heat
    kr = await (await site.client.get("/organiser/grid?day=1&pavilion=KR")).text()
    heat = kr.split('id="grid-load"')[1].split("</section>")[0]
    assert "KR-B01" in heat and "KR-T01" in heat
    assert sum(heat_numbers(kr)) == kr.count('class="cell kind-')


async def test_heat_map_is_labelled_in_the_viewers_language(site: Site) -> None:
    await site.sign_in_organiser()
    page = await (await site.client.get("/organiser/grid?day=1&lang=zh")).text()
    assert "每个地点和时段的负荷" in page


def day_counts(page: str) -> dict[str, int]:
    """Each zone column of the day picture → meetings drawn there."""
    return {
        zone: int(n)
        for zone, n in re.findall(
            r'class="day-zone" data-zone="([^"]+)" data-meetings="(\d+)"', page
        )
    }


async def test_participant_sees_their_day_in_their_zone_and_the_fairs(site: Site) -> None:
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me")).text()
    meetings = page.count('<li class="meeting')
    assert meetings > 0
    assert day_counts(page) == {"Asia/Seoul": meetings, "Asia/Shanghai": meetings}
    assert page.count('class="timeline" role="img"') >= 2
    assert 'class="span-meeting"' in page


async def test_participant_day_shows_their_busy_times_and_no_one_elses(
    site: Site, settings: Settings
) -> None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        people = {p.key: p for p in session.exec(select(Participant))}
        when = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
        session.add(
            BusyTime(
                participant_id=people["de1"].id,
                start=when,
                end=when.replace(hour=3),
                source="ics",
            )
        )
    engine.dispose()
    await site.sign_in_organiser()
    listing = await (await site.client.get("/organiser/participants")).text()
    assert 'href="/organiser/participants/de1"' in listing
    de1 = await (await site.client.get("/organiser/participants/de1")).text()
    assert 'class="span-busy"' in de1
    assert 'data-zone="Europe/Berlin"' in de1 and 'data-zone="Asia/Shanghai"' in de1
    kr1 = await (await site.client.get("/organiser/participants/kr1")).text()
    assert 'class="span-busy"' not in kr1
    rows = kr1.split('id="participant-meetings"')[1].count("<tr>") - 1
    assert day_counts(kr1) == {"Asia/Seoul": rows, "Asia/Shanghai": rows}
    missing = await site.client.get("/organiser/participants/nobody")
    assert missing.status == 404


async def test_participant_view_is_the_organisers_only(site: Site) -> None:
    anonymous = await site.client.get("/organiser/participants/kr1", allow_redirects=False)
    assert anonymous.status in (302, 303, 401)
    await site.sign_in_participant("kr1")
    refused = await site.client.get("/organiser/participants/kr2", allow_redirects=False)
    assert refused.status in (302, 303, 403)
