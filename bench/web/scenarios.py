"""What the web benchmark asks of the served fair: the participants' agenda pages, their
calendar feeds (full and unchanged), the organiser's grid, and `GET /healthz` at the same
rate as the baseline; signing everyone in first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from bench.web.load import Call, Outcome, Scenario, next_client_address, run_scenario, settle
from bench.web.site import Site


async def sign_in(http: aiohttp.ClientSession, base: str, site: Site) -> dict[str, Any]:
    """Session cookies for the sample and the organiser, and the feeds' ETags."""
    from web.sessions import COOKIE

    cookies = []
    for token in site.magic:
        async with http.get(
            f"{base}/p/{token}",
            headers={"X-Forwarded-For": next_client_address()},
            allow_redirects=False,
        ) as response:
            if response.status != 302 or COOKIE not in response.cookies:
                raise RuntimeError(f"sign-in link answered {response.status}")
            cookies.append(f"{COOKIE}={response.cookies[COOKIE].value}")
    email, password = site.organiser
    async with http.post(
        f"{base}/login", data={"email": email, "password": password}, allow_redirects=False
    ) as response:
        if response.status != 302 or COOKIE not in response.cookies:
            raise RuntimeError(f"organiser sign-in answered {response.status}")
        organiser = f"{COOKIE}={response.cookies[COOKIE].value}"
    etags = []
    for token in site.feeds:
        async with http.get(
            f"{base}/feed/{token}.ics",
            headers={"X-Forwarded-For": next_client_address()},
        ) as response:
            await response.read()
            if response.status != 200 or "ETag" not in response.headers:
                raise RuntimeError(f"feed answered {response.status} without an ETag")
            etags.append(response.headers["ETag"])
    return {"cookies": cookies, "organiser": organiser, "etags": etags}


def scenarios(site: Site, signed: dict[str, Any], rate: float, grid_rate: float) -> list[Scenario]:
    agenda = tuple(Call("/me", {"Cookie": c}) for c in signed["cookies"])
    feed = tuple(Call(f"/feed/{t}.ics") for t in site.feeds)
    unchanged = tuple(
        Call(f"/feed/{t}.ics", {"If-None-Match": e}, expect=304)
        for t, e in zip(site.feeds, signed["etags"], strict=True)
    )
    grid = (Call("/organiser/grid?day=1", {"Cookie": signed["organiser"]}),)
    return [
        Scenario("healthz (baseline)", (Call("/healthz"),), rate),
        Scenario("agenda", agenda, rate),
        Scenario("feed", feed, rate),
        Scenario("feed 304", unchanged, rate),
        Scenario("grid", grid, grid_rate),
    ]


async def drive(
    base: str,
    site: Site,
    rate: float,
    grid_rate: float,
    seconds: float,
    say: Callable[[str], None] = lambda _m: None,
) -> list[Outcome]:
    # One connection per request in flight, up to a bound, like a crowd of browsers;
    # requests beyond it wait in the pool, and that wait is part of their latency.
    connector = aiohttp.TCPConnector(limit=256, force_close=False)
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),  # each request carries its own cookie
        headers={"Accept-Encoding": "gzip"},
    ) as http:
        signed = await sign_in(http, base, site)
        outcomes = []
        for scenario in scenarios(site, signed, rate, grid_rate):
            say(f"{scenario.name}: {scenario.rate:g} req/s for {seconds:g}s ...")
            outcomes.append(await run_scenario(http, base, scenario, seconds))
            await settle(http, base)
        return outcomes
