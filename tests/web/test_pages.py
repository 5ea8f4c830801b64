"""Pages and access through the aiohttp test client, against a real SQLite database."""

from __future__ import annotations

import gzip

import pytest
from aiohttp import web

from tests.web.conftest import Site
from web.accesslog import redact

pytestmark = pytest.mark.integration


async def test_healthz_reports_ok(site: Site) -> None:
    response = await site.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_metrics_answer_the_machine_itself_only(site: Site) -> None:
    response = await site.client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status == 200
    figures = {
        line.split()[0]: float(line.split()[1])
        for line in (await response.text()).splitlines()
        if line and not line.startswith("#")
    }
    assert figures["fair_db_statements_total"] > 0
    assert figures["process_cpu_seconds_total"] > 0
    assert figures["fair_socket_connections"] == 0
    # Through the reverse proxy (which sets X-Forwarded-For) the figures are not public.
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        assert (await site.client.get("/metrics", headers=header)).status == 404


async def test_metrics_refused_to_another_machine() -> None:
    from aiohttp.test_utils import make_mocked_request

    from web.views import metrics

    class Transport:
        def get_extra_info(self, name: str, default: object = None) -> object:
            return ("198.51.100.7", 40000) if name == "peername" else default

    request = make_mocked_request("GET", "/metrics", transport=Transport())
    with pytest.raises(web.HTTPNotFound):
        await metrics(request)


async def test_index_shows_fair_to_anyone(site: Site) -> None:
    response = await site.client.get("/")
    assert response.status == 200
    text = await response.text()
    assert "Qingdao–Busan Test Fair" in text
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/organiser", "/organiser/grid", "/me", "/me/agenda.ics"])
async def test_private_pages_send_anonymous_to_login(site: Site, path: str) -> None:
    response = await site.client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login?next=")


async def test_api_anonymous_gets_json_401(site: Site) -> None:
    response = await site.client.get("/api/me")
    assert response.status == 401
    assert (await response.json())["error"]["status"] == 401


async def test_login_wrong_password_is_refused(site: Site) -> None:
    response = await site.client.post(
        "/login", data={"email": "boss@fair.example", "password": "guess"}
    )
    assert response.status == 403
    assert "Wrong e-mail or password" in await response.text()
    assert "fair_session" not in response.cookies


async def test_login_cookie_is_httponly_and_samesite(site: Site) -> None:
    response = await site.client.post(
        "/login",
        data={"email": "boss@fair.example", "password": "correct horse battery"},
        allow_redirects=False,
    )
    cookie = response.cookies["fair_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_organiser_sees_console_and_grid(site: Site) -> None:
    await site.sign_in_organiser()
    console = await site.client.get("/organiser")
    assert console.status == 200
    assert "published" in await console.text()
    grid = await site.client.get("/organiser/grid?day=1")
    assert grid.status == 200
    assert "Meeting grid" in await grid.text()


async def test_organiser_grid_exports_csv(site: Site) -> None:
    await site.sign_in_organiser()
    response = await site.client.get("/organiser/grid?format=csv")
    assert response.status == 200
    lines = (await response.text()).splitlines()
    assert lines[0].startswith("version,day,start,end")
    assert len(lines) >= 2


async def test_participant_sees_only_own_agenda(site: Site) -> None:
    await site.sign_in_participant("de1")
    page = await site.client.get("/me")
    assert page.status == 200
    text = await page.text()
    assert "Anna Becker" in text and "Europe/Berlin" in text
    data = await (await site.client.get("/api/me")).json()
    assert data["participant"]["id"] == "de1"
    assert all(m["company"] != "Hanse Feinkost GmbH" for m in data["meetings"])


async def test_participant_is_refused_organiser_pages(site: Site) -> None:
    await site.sign_in_participant("cn1")
    response = await site.client.get("/organiser", allow_redirects=False)
    assert response.status == 403


async def test_unknown_magic_link_is_refused_without_trace(site: Site) -> None:
    response = await site.client.get("/p/not-a-real-token")
    assert response.status == 403
    text = await response.text()
    assert "Traceback" not in text and "not valid" in text


async def test_revoked_link_ends_the_session(site: Site, settings) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from fair.db import open_database, session_scope
    from fair.models import Participant, TokenKind
    from fair.tokens import issue_token

    await site.sign_in_participant("kr1")
    assert (await site.client.get("/me", allow_redirects=False)).status == 200
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        person = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        issue_token(session, person, TokenKind.MAGIC)  # re-issued: the old link stops
    engine.dispose()
    assert (await site.client.get("/me", allow_redirects=False)).status == 302
    assert (await site.client.get(f"/p/{site.tokens['kr1']}")).status == 403


async def test_post_without_csrf_token_is_refused(site: Site) -> None:
    await site.sign_in_organiser()
    response = await site.client.post("/organiser/versions/1/publish", data={})
    assert response.status == 403


async def test_publish_with_csrf_token_works_once(site: Site) -> None:
    await site.sign_in_organiser()
    token = await site.csrf()
    again = await site.client.post("/organiser/versions/1/publish", data={"csrf": token})
    assert again.status == 409  # version 1 is already published
    assert "already published" in await again.text()


async def test_agenda_calendar_downloads_for_participant(site: Site) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.get("/me/agenda.ics")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    body = await response.read()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")


def test_access_log_redacts_tokens() -> None:
    assert redact("/p/abcDEF123?x=1") == "/p/[redacted]"
    assert redact("/feed/secret/agenda.ics") == "/feed/[redacted]/agenda.ics"
    assert redact("/me") == "/me"


async def test_import_upload_bad_row_lists_problem_and_changes_nothing(site: Site) -> None:
    from aiohttp import FormData

    from tests.factories import fair_files

    await site.sign_in_organiser()
    token = await site.csrf()
    files = fair_files()
    files["participants.csv"] = files["participants.csv"].replace(b"Europe/Berlin", b"Europe/Bonn")
    form = FormData()
    form.add_field("csrf", token)
    for name, data in files.items():
        form.add_field(name, data, filename=name)
    response = await site.client.post("/organiser/import", data=form)
    assert response.status == 400
    text = await response.text()
    assert "Nothing was imported" in text and "Europe/Bonn" in text and "<td>5</td>" in text
    people = await (await site.client.get("/organiser/participants?q=de1")).text()
    assert "Europe/Berlin" in people


async def test_import_upload_updates_in_place(site: Site) -> None:
    from aiohttp import FormData

    from tests.factories import fair_files

    await site.sign_in_organiser()
    token = await site.csrf()
    files = fair_files()
    files["participants.csv"] = files["participants.csv"].replace(b"Anna Becker", b"Anna Schulz")
    form = FormData()
    form.add_field("csrf", token)
    for name, data in files.items():
        form.add_field(name, data, filename=name)
    response = await site.client.post("/organiser/import", data=form)
    assert response.status == 200, await response.text()
    preview = await response.text()
    assert '<tr data-kind="participants"><th scope="row">participants</th>' in preview
    assert '<td class="updated">1</td><td class="unchanged">4</td>' in preview
    people = await (await site.client.get("/organiser/participants?q=de1")).text()
    assert "Anna Becker" in people and "Anna Schulz" not in people  # not yet written
    confirm = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    response = await site.client.post(
        "/organiser/import/confirm", data={"csrf": token, "token": confirm}
    )
    assert response.status == 200, await response.text()
    assert 'id="import-done"' in await response.text()
    people = await (await site.client.get("/organiser/participants?q=de1")).text()
    assert "Anna Schulz" in people


async def test_organiser_reissues_link_and_old_one_stops(site: Site) -> None:
    await site.sign_in_organiser()
    token = await site.csrf()
    response = await site.client.post("/organiser/participants/cn1/link", data={"csrf": token})
    assert response.status == 200
    text = await response.text()
    assert "/p/" in text
    # The page says how long the new link works (30 days after the fair or its issue).
    assert "It works until " in text and "Links work 30 days after the fair" in text
    other = site.client  # same client: the organiser is signed in; check the old link
    assert (await other.get(f"/p/{site.tokens['cn1']}")).status == 403


async def test_feed_link_serves_calendar_and_answers_304(site: Site) -> None:
    import re

    await site.sign_in_participant("kr1")
    agenda_page = await (await site.client.get("/me")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', agenda_page)
    assert csrf
    made = await (await site.client.post("/me/feed", data={"csrf": csrf.group(1)})).text()
    link = re.search(r'value="http://[^/]+(/feed/[^"]+\.ics)"', made)
    assert link and "webcal://" in made
    anonymous = site.client  # the feed needs no cookie: the token is the credential
    first = await anonymous.get(link.group(1))
    assert first.status == 200 and first.content_type == "text/calendar"
    again = await anonymous.get(link.group(1), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    # A new link replaces the old one.
    await site.client.post("/me/feed", data={"csrf": csrf.group(1)})
    assert (await anonymous.get(link.group(1))).status == 403


async def test_pages_are_gzipped_and_static_is_cached(site: Site) -> None:
    await site.sign_in_organiser()
    response = await site.client.get("/organiser", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert response.headers["Cache-Control"] == "private, no-cache"
    page_text = await response.text()
    css = page_text.split('href="', 1)[1].split('"', 1)[0] if "app.css" in page_text else ""
    assert "/static/app.css?v=" in css
    static = await site.client.get(css)
    assert static.status == 200
    assert "immutable" in static.headers["Cache-Control"]


async def test_static_files_are_gzipped_once_and_answer_304_to_their_etag(site: Site) -> None:
    from web.assets import STATIC

    raw = (STATIC / "app.css").read_bytes()
    url = "/static/app.css"
    zipped = await site.client.get(url, headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await zipped.read()) == raw  # compressed once, not twice
    assert zipped.headers["Content-Type"] == "text/css; charset=utf-8"
    plain = await site.client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and await plain.read() == raw
    etag = plain.headers["ETag"]
    again = await site.client.get(url, headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    assert (await site.client.get("/static/../routes.py")).status == 404
    assert (await site.client.get("/static/no-such.js")).status == 404


async def test_language_choice_formats_dates_and_sticks(site: Site) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.get("/me?lang=zh")
    text = await response.text()
    assert '<html lang="zh">' in text
    assert "2026年11月27日星期五" in text
    assert response.cookies["lang"].value == "zh"
    again = await (await site.client.get("/me")).text()
    assert '<html lang="zh">' in again
    korean = await (await site.client.get("/me", headers={"Accept-Language": "ko-KR"})).text()
    assert '<html lang="zh">' in korean  # the chosen language wins over the browser's


def test_catalogues_cover_every_template_string() -> None:
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "web" / "locale"
    with (root / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    for lang in ("zh", "ko", "ja"):
        with (root / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalogue = read_po(fh)
        missing = {m.id for m in template if m.id} - {m.id for m in catalogue if m.id}
        assert not missing, f"{lang} catalogue misses {sorted(missing)[:5]}: run ./dev messages"


async def test_grid_by_participant_shows_load_and_filters_country(site: Site) -> None:
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser/grid?view=people&day=1")).text()
    assert "<meter" in text and "김민준" in text
    only_de = await (await site.client.get("/organiser/grid?view=people&country=DE")).text()
    assert "김민준" not in only_de
