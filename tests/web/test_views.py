"""The front door's personal links: `next` takes a signed-in participant to a page of
this site (the demo's link into a live room) and nowhere else."""

from __future__ import annotations

import pytest

from tests.web.conftest import Site


async def test_magic_link_with_next_sends_to_that_page(site: Site) -> None:
    response = await site.client.get(
        f"/p/{site.tokens['kr1']}?next=/rooms/abc", allow_redirects=False
    )
    assert response.status == 302
    assert response.headers["Location"] == "/rooms/abc"
    assert "Set-Cookie" in response.headers  # signed in on the way


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example/x",  # browsers drop the tab: //evil.example
        "/\n/evil.example/x",
        "rooms/abc",
    ],
)
async def test_magic_link_with_next_off_site_goes_to_the_agenda(site: Site, target: str) -> None:
    response = await site.client.get(
        f"/p/{site.tokens['kr1']}", params={"next": target}, allow_redirects=False
    )
    assert response.status == 302
    assert response.headers["Location"] == "/me"
