"""Error pages in the viewer's language (zh, ko, ja), with a way on; JSON error bodies
unchanged (English, for machines)."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.web.conftest import Site
from web.keys import ENGINE
from web.middleware import CSRF_REFUSED, EXPLANATIONS, RAISED, TITLES

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("zh", "ko", "ja")


def _catalogue(lang: str) -> dict[str, str]:
    with (ROOT / "web" / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: str(m.string) for m in read_po(fh, locale=lang) if isinstance(m.id, str)}


def _english_left(text: str) -> list[str]:
    """The generic English texts of error pages that `text` still shows."""
    generic = [*TITLES.values(), *EXPLANATIONS.values(), *RAISED, CSRF_REFUSED]
    generic += ["Back to the start", "Try again", "Not Found", "Forbidden", "Too Many Requests"]
    return [phrase for phrase in generic if f">{phrase}<" in text or f">{phrase} " in text]


async def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(await response.text())


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_not_found_is_translated(site: Site, lang: str) -> None:
    response = await site.client.get("/no/such/page", headers={"Accept-Language": lang})
    text = await _text(response)
    catalogue = _catalogue(lang)
    assert response.status == 404
    assert f'<html lang="{lang}">' in text
    assert catalogue[TITLES[404]] in text
    assert catalogue[EXPLANATIONS[404]] in text
    assert catalogue["Back to the start"] in text
    assert not _english_left(text), _english_left(text)


async def test_error_page_not_found_in_english_explains(site: Site) -> None:
    text = await _text(await site.client.get("/no/such/page"))
    assert "<h1" in text and TITLES[404] in text and EXPLANATIONS[404] in text
    assert "Not Found" not in text  # aiohttp's bare reason gives way to the explanation
    assert 'class="actions"' in text and 'href="/"' in text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_csrf_refusal_is_translated_with_a_way_back(site: Site, lang: str) -> None:
    await site.sign_in_organiser()
    form_page = f"http://{site.client.host}:{site.client.port}/organiser?tab=versions"
    response = await site.client.post(
        f"/organiser/versions/1/publish?lang={lang}", data={}, headers={"Referer": form_page}
    )
    text = await _text(response)
    catalogue = _catalogue(lang)
    assert response.status == 403
    assert catalogue[CSRF_REFUSED] in text
    assert f'href="/organiser?tab=versions">{catalogue["Try again"]}<' in text
    assert f">{catalogue['Sign in']}<" not in text  # the organiser is signed in already
    assert f">{catalogue['Sign out']}<" in text  # and the page's header says so
    assert not _english_left(text), _english_left(text)


async def test_error_page_retry_ignores_another_sites_referer(site: Site) -> None:
    await site.sign_in_organiser()
    response = await site.client.post(
        "/organiser/versions/1/publish", data={}, headers={"Referer": "https://evil.example/x"}
    )
    text = await response.text()
    assert response.status == 403 and "evil.example" not in text and "Try again" not in text


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x"])
async def test_error_page_retry_is_never_another_site_in_disguise(site: Site, path: str) -> None:
    """Regression: a same-host Referer whose path a browser reads as another site
    (`//evil.example/x`) became the "Try again" link: an open redirect."""
    await site.sign_in_organiser()
    referer = f"http://{site.client.host}:{site.client.port}{path}"
    response = await site.client.post(
        "/organiser/versions/1/publish", data={}, headers={"Referer": referer}
    )
    text = await response.text()
    assert response.status == 403 and "evil.example" not in text and "Try again" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_too_many_attempts_is_translated(site: Site, lang: str) -> None:
    for _ in range(10):
        await site.client.post("/login", data={"email": "boss@fair.example", "password": "guess"})
    response = await site.client.post(
        "/login",
        data={"email": "boss@fair.example", "password": "guess"},
        headers={"Accept-Language": f"{lang},en;q=0.5"},
    )
    text = await _text(response)
    assert response.status == 429
    assert int(response.headers["Retry-After"]) <= 60
    catalogue = _catalogue(lang)
    assert catalogue["Too many attempts; please wait a minute and try again."] in text
    assert catalogue[TITLES[429]] in text
    assert not _english_left(text), _english_left(text)


def _take_database_away(site: Site) -> None:
    """The SQLite file replaced by a directory: every new connection fails to open."""
    engine = site.client.app[ENGINE]  # type: ignore[index]
    database = Path(str(engine.url.database))
    engine.dispose()
    for path in database.parent.glob(f"{database.name}*"):
        path.unlink()
    database.mkdir()


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_database_away_is_translated(site: Site, lang: str) -> None:
    await site.sign_in_participant("kr1")
    _take_database_away(site)
    response = await site.client.get(f"/me?lang={lang}")
    text = await _text(response)
    catalogue = _catalogue(lang)
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert catalogue["Database unavailable"] in text
    assert catalogue["The database is unavailable right now. Please try again in a minute."] in text
    assert f'href="/me?lang={lang}">{catalogue["Try again"]}<' in text
    assert "Traceback" not in text
    assert not _english_left(text), _english_left(text)


async def test_error_json_database_away_is_unchanged(site: Site) -> None:
    await site.sign_in_participant("kr1")
    _take_database_away(site)
    response = await site.client.get("/api/me", headers={"Accept-Language": "ko"})
    assert response.status == 503
    assert await response.json() == {
        "error": {
            "status": 503,
            "message": "The database is unavailable right now. Please try again in a minute.",
            "title": "Database unavailable",
        }
    }


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_json_stays_english(site: Site, lang: str) -> None:
    headers = {"Accept-Language": lang, "Accept": "application/json"}
    missing = await site.client.get(f"/api/no-such-thing?lang={lang}", headers=headers)
    assert missing.status == 404
    assert await missing.json() == {"error": {"status": 404, "message": "Not Found"}}
    await site.sign_in_organiser()
    refused = await site.client.post(
        "/organiser/versions/1/publish", headers={**headers, "X-CSRF-Token": "stale"}
    )
    assert refused.status == 403
    assert await refused.json() == {"error": {"status": 403, "message": CSRF_REFUSED}}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_wrong_role_is_translated_with_sign_in(site: Site, lang: str) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.get(f"/organiser?lang={lang}")
    text = await _text(response)
    catalogue = _catalogue(lang)
    assert response.status == 403
    assert catalogue["This page is for the organiser."] in text
    assert f">{catalogue['Sign in']}<" in text
    assert not _english_left(text), _english_left(text)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_page_invalid_link_is_translated(site: Site, lang: str) -> None:
    response = await site.client.get(f"/p/no-such-token?lang={lang}")
    text = await _text(response)
    assert response.status == 403
    replaced = "this link is not valid or has been replaced; ask the organiser for a new one"
    assert _catalogue(lang)[replaced] in text
    assert not _english_left(text), _english_left(text)


@pytest.mark.parametrize(
    ("lang", "date"),
    [
        ("en", "Thursday, 2 April 2020"),
        ("zh", "2020年4月2日"),
        ("ko", "2020년 4월 2일"),
        ("ja", "2020年4月2日"),
    ],
)
async def test_error_page_expired_link_names_the_date_in_the_language(
    site: Site, lang: str, date: str
) -> None:
    """The expired link's message carries a date, so it is translated with the date put
    in (not looked up as a fixed text)."""
    from datetime import UTC, datetime
    from datetime import date as day

    from sqlmodel import Session, select

    from fair.models import AccessToken, Fair
    from web.middleware import LINK_EXPIRED

    with Session(site.client.app[ENGINE]) as session:  # type: ignore[index]
        fair = session.get(Fair, site.fair_id)
        assert fair is not None
        fair.start = day(2020, 3, 2)
        session.add(fair)
        for row in session.exec(select(AccessToken)):
            row.created_at = datetime(2020, 2, 1, tzinfo=UTC)
            session.add(row)
        session.commit()
    response = await site.client.get(f"/p/{site.tokens['kr1']}?lang={lang}")
    text = await _text(response)
    assert response.status == 403
    template = _catalogue(lang)[LINK_EXPIRED] if lang != "en" else LINK_EXPIRED
    assert template.split("%(date)s")[0] in text and date in text, text
    assert "2020-04-02" not in text  # the domain's English text is not shown


def test_error_texts_listed_for_translation_are_still_raised() -> None:
    """`RAISED` names texts raised elsewhere; an edited text there would show English."""
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("web", "fair")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "middleware.py"
    )
    middleware = (ROOT / "web" / "middleware.py").read_text(encoding="utf-8")
    start = middleware.index("RAISED = (")
    sources += middleware[:start] + middleware[middleware.index("\n)\n", start) :]
    gone = [text for text in RAISED if f'"{text}"' not in sources]
    assert not gone, f"no longer raised anywhere: {gone}"


async def test_error_page_too_large_explains_when_the_detail_is_untranslated(site: Site) -> None:
    def body() -> io.BytesIO:
        return io.BytesIO(b"email=" + b"x" * (1100 * 1024))

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    english = await _text(await site.client.post("/login", data=body(), headers=form))
    assert "The request is 1.1 MiB; the limit here is 1.0 MiB." in english, english[-1500:]
    response = await site.client.post("/login?lang=ko", data=body(), headers=form)
    text = await _text(response)
    assert response.status == 413
    assert _catalogue("ko")[EXPLANATIONS[413]] in text and "The request is" not in text
