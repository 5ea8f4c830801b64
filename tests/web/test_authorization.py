"""Table-driven authorization over every route the app serves.

Each route is classified by who may use it; the test then calls it as an anonymous
visitor, as a participant and as the organiser (with a valid CSRF token, so only the
access rule decides) and checks the answer. A new route that is not classified fails
the test, so no page or endpoint ships without an access rule.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Site

pytestmark = pytest.mark.integration

PUBLIC, PARTICIPANT, ORGANISER, TOKEN, ENGINE = (
    "public",
    "participant",
    "organiser",
    "token",
    "socket.io",
)
SIGNED_IN = "signed in"  # a meeting's own participants, and organisers as observers


def classify(path: str) -> str:
    if path.startswith("/socket.io"):
        return ENGINE
    if path.startswith(("/p/", "/feed/", "/fair/register/confirm/")):
        return TOKEN
    if path.startswith("/organiser") or (
        path.startswith("/api/")
        and not path.startswith(("/api/me", "/api/fair", "/api/openapi", "/api/session"))
    ):
        return ORGANISER
    if path == "/metrics":
        return PUBLIC  # to a direct loopback connection only (tests/web/test_pages.py)
    if path.startswith(("/me", "/api/me")):
        return PARTICIPANT
    if path.startswith("/rooms/") or re.fullmatch(r"/fair/[^/]+/roadshows/[^/]+(/attend)?", path):
        return SIGNED_IN  # meeting rooms and live roadshow stages
    if re.fullmatch(r"/fair/[^/]+/replays/.+", path):
        return SIGNED_IN  # a roadshow's replay: the fair's participants and the organiser
    if path == "/fair" or path.startswith("/fair/"):
        return PUBLIC  # the fair floor and catalogue (docs/catalogue.md)
    public = {
        "/",
        "/login",
        "/logout",
        "/healthz",
        "/api/fair",
        "/api/openapi.json",
        "/api/session",
    }
    if path in public or path.startswith(("/static/", "/vendor/")):
        return PUBLIC
    raise AssertionError(f"route {path} has no access rule in this test")


def concrete(path: str) -> str:
    values = {
        "number": "1",
        "key": "kr1",
        "token": "not-a-token",
        "id": "1",
        "n": "1",
        "report": "deals",
        "role": "buyer",
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return values.get(name, "1")

    return re.sub(r"\{([^}]+)\}", fill, path)


def routes(site: Site) -> list[tuple[str, str, str]]:
    found = []
    for route in site.client.app.router.routes():  # type: ignore[union-attr]
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if route.method in {"HEAD", "OPTIONS", "*"} or not path:
            continue
        if path.startswith(("/static/", "/vendor/")):  # one file stands for the folder
            path = "/static/app.css" if "static" in path else "/vendor/socket.io.min.js"
        found.append((route.method, path, classify(info.get("formatter") or path)))
    return found


async def call(site: Site, method: str, path: str, csrf: str = "") -> int:
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        response = await site.client.get(path, allow_redirects=False, headers=headers)
    else:
        response = await site.client.request(
            method, path, allow_redirects=False, headers=headers, json={}
        )
    return response.status


async def csrf_of(site: Site, start: str) -> str:
    page = await (await site.client.get(start)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


async def test_every_route_has_an_access_rule(site: Site) -> None:
    assert len(routes(site)) >= 20


async def test_anonymous_is_refused_private_routes(site: Site) -> None:
    for method, template, rule in routes(site):
        if rule not in (PARTICIPANT, ORGANISER, SIGNED_IN):
            continue
        status = await call(site, method, concrete(template))
        assert status in (302, 401), f"anonymous {method} {template} gave {status}"


async def test_participant_is_refused_organiser_routes(site: Site) -> None:
    await site.sign_in_participant("cn1")
    csrf = await csrf_of(site, "/me")
    for method, template, rule in routes(site):
        if rule != ORGANISER:
            continue
        status = await call(site, method, concrete(template), csrf)
        assert status == 403, f"participant {method} {template} gave {status}"


async def test_organiser_is_refused_participant_routes(site: Site) -> None:
    await site.sign_in_organiser()
    csrf = await csrf_of(site, "/organiser")
    for method, template, rule in routes(site):
        if rule != PARTICIPANT:
            continue
        status = await call(site, method, concrete(template), csrf)
        assert status == 403, f"organiser {method} {template} gave {status}"


async def test_token_routes_refuse_unknown_tokens(site: Site) -> None:
    for method, template, rule in routes(site):
        if rule == TOKEN:
            assert await call(site, method, concrete(template)) == 403


async def test_public_routes_answer_anonymous(site: Site) -> None:
    for method, template, rule in routes(site):
        if rule == PUBLIC and method == "GET":
            status = await call(site, method, concrete(template))
            if template.startswith("/fair/register/"):
                # Self-registration is closed until the organiser opens it.
                assert status == 404, f"{template} gave {status}"
                continue
            assert status in (200, 302), f"{template} gave {status}"
