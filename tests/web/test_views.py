"""The front door's personal links: `next` takes a signed-in participant to a page of
this site (the demo's link into a live room) and nowhere else."""

from __future__ import annotations

import pytest
from yarl import URL

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


@pytest.mark.parametrize(
    "query",
    [
        "next=%2F%2Fevil.example%2Fx",  # encoded slashes: //evil.example once decoded
        "next=%2F%5Cevil.example",  # encoded backslash
        "next=%2F%09%2Fevil.example",  # encoded tab
        "next=javascript:alert(1)",
        "next=%20//evil.example",  # browsers trim the space
    ],
)
async def test_magic_link_with_encoded_off_site_next_goes_to_the_agenda(
    site: Site, query: str
) -> None:
    url = URL(f"/p/{site.tokens['kr1']}?{query}", encoded=True)
    response = await site.client.get(url, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/me"


async def test_magic_link_with_a_doubly_encoded_next_stays_on_the_site(site: Site) -> None:
    url = URL(f"/p/{site.tokens['kr1']}?next=%2F%252F%2Fevil.example", encoded=True)
    response = await site.client.get(url, allow_redirects=False)
    assert response.headers["Location"] == "/%2F/evil.example"  # a path here, not a host
