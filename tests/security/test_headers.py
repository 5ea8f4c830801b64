"""Security headers on every response: each route of the router (as the organiser, as a
participant and signed out), error pages and JSON errors, static files, socket.io."""

from __future__ import annotations

import pytest

from tests.web.conftest import Site
from tests.web.test_authorization import concrete, routes

pytestmark = pytest.mark.integration


def check(headers: object, what: str) -> None:
    h = headers  # CIMultiDictProxy
    csp = h.get("Content-Security-Policy", "")  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in csp, what
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, what
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert h.get("X-Content-Type-Options") == "nosniff", what  # type: ignore[attr-defined]
    assert h.get("Referrer-Policy") == "same-origin", what  # type: ignore[attr-defined]
    assert h.get("X-Frame-Options") == "DENY", what  # type: ignore[attr-defined]


async def test_every_route_answers_with_security_headers(site: Site) -> None:
    seen = 0
    for who in (None, "organiser", "cn1"):  # a POST /login needs no session yet
        if who == "organiser":
            await site.sign_in_organiser()
        elif who:
            await site.sign_in_participant(who)
        for method, template, _ in routes(site):
            if method != "GET":
                continue
            response = await site.client.get(concrete(template), allow_redirects=False)
            check(response.headers, f"{who} GET {template} ({response.status})")
            seen += 1
    assert seen >= 60


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/page", 404),
        ("GET", "/api/no-such-thing", 404),
        ("GET", "/logout", 405),
        ("GET", "/api/participants", 401),
        ("GET", "/p/not-a-real-token", 403),
        ("POST", "/login", 403),
        ("GET", "/static/app.css", 200),
        ("GET", "/static/no-such-file.js", 404),
        ("GET", "/socket.io/?EIO=4&transport=polling", 200),
        ("GET", "/socket.io/?EIO=9&transport=nonsense", 400),
    ],
)
async def test_errors_static_files_and_socketio_carry_security_headers(
    site: Site, method: str, path: str, status: int
) -> None:
    response = await site.client.request(method, path, allow_redirects=False)
    assert response.status == status
    check(response.headers, f"{method} {path}")


async def test_too_large_and_too_many_carry_security_headers(site: Site) -> None:
    response = await site.client.post(
        "/api/me/requests", data=b"x" * (65 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    check(response.headers, "413")
    for _ in range(11):
        response = await site.client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status == 429
    check(response.headers, "429")
