"""The meeting room page and the organiser's dashboard over HTTP."""

from __future__ import annotations

import pytest

from tests.realtime.conftest import Live

pytestmark = pytest.mark.integration


async def get(live: Live, who: str | None, path: str) -> tuple[int, str]:
    import aiohttp

    headers = {"Cookie": f"fair_session={await live.cookie(who)}"} if who else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{live.base}{path}", headers=headers, allow_redirects=False) as r,
    ):
        return r.status, await r.text()


async def test_room_page_for_a_side_has_video_chat_and_deal_form(live: Live) -> None:
    status, text = await get(live, "cn1", f"/rooms/{live.uid}")
    assert status == 200
    for part in ('id="local-video"', 'id="chat-form"', 'id="deal-form"', "room.js", "<option>CNY"):
        assert part in text
    assert "<script>" not in text and "style=" not in text  # the CSP holds


async def test_room_page_third_seat_cannot_record_deals(live: Live) -> None:
    status, text = await get(live, "int1", f"/rooms/{live.uid}")
    assert status == 200 and 'id="deal-form"' not in text


async def test_room_page_refused_for_other_participant_and_anonymous(live: Live) -> None:
    status, text = await get(live, "de1", f"/rooms/{live.uid}")
    assert status == 403 and "not on your agenda" in text
    status, _ = await get(live, None, f"/rooms/{live.uid}")
    assert status == 302
    status, _ = await get(live, "cn1", "/rooms/unknown")
    assert status == 404


async def test_room_page_organiser_observes(live: Live) -> None:
    status, text = await get(live, "organiser", f"/rooms/{live.uid}")
    assert status == 200 and 'data-side="observer"' in text and 'id="deal-form"' not in text


async def test_dashboard_page_organiser_only(live: Live) -> None:
    status, text = await get(live, "organiser", "/organiser/dashboard")
    assert status == 200 and 'id="total-value" data-value="0.00">0<' in text
    assert "dashboard.js" in text
    status, _ = await get(live, "kr1", "/organiser/dashboard")
    assert status == 403
