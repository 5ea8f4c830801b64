"""Every page string is translated into Chinese, Korean and Japanese, and the pages
render in each language without the English text."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import scheduler.problem as sp
from fair.db import open_database
from fair.scheduling import schedule_fair
from fair.settings import Settings
from tests.web.conftest import Site
from web import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "web" / "locale"
LANGUAGES = ("zh", "ko", "ja")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _template() -> list[str]:
    with (LOCALE / "messages.pot").open("rb") as fh:
        return [m.id for m in read_po(fh) if m.id and isinstance(m.id, str)]


def _catalogue(lang: str) -> dict[str, str]:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    return {m.id: str(m.string or "") for m in catalogue if m.id and isinstance(m.id, str)}


def _sentences() -> list[str]:
    """Longer English strings without placeholders: they must never show untranslated."""
    return [m for m in _template() if " " in m and len(m) >= 12 and "%(" not in m]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalogue = _catalogue(lang)
    untranslated = [m for m in _template() if not catalogue.get(m, "").strip()]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    wrong = [
        (m, catalogue[m])
        for m in _template()
        if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(catalogue[m]))
    ]
    assert not wrong, f"{lang}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_is_fuzzy(lang: str) -> None:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        fuzzy = [m.id for m in read_po(fh) if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy[:5]}"


ORGANISER_PAGES = {
    "/organiser": ["Organiser console", "Who is coming"],
    "/organiser/grid": ["Meeting grid"],
    "/organiser/participants": ["Personal link", "Invite everyone not yet invited"],
    "/organiser/outbox": ["Invitations and outbox", "Failed and waiting"],
    "/organiser/import": ["Check and preview", "Templates"],
    "/organiser/dashboard": ["Live dashboard"],
    "/organiser/control": ["Control room", "Send the announcement"],
    "/organiser/versions/1": ["Objective, level by level", "Find what would schedule more"],
    "/organiser/versions/1?whatif=1": ["What if"],
}
PARTICIPANT_PAGES = {
    "/me": ["My agenda"],
    "/me/requests": ["My meeting requests"],
    "/me/availability": ["My availability"],
    "/me/busy": ["My busy times"],
    "/me/suggestions": ["Suggested for you"],
    "/fair": ["Fair floor"],
}


async def _page(site: Site, path: str, lang: str) -> str:
    for _ in range(3):  # follow redirects by hand so that ?lang= goes along
        sep = "&" if "?" in path else "?"
        response = await site.client.get(f"{path}{sep}lang={lang}", allow_redirects=False)
        if response.status not in (301, 302, 303, 307):
            break
        path = response.headers["Location"]
    assert response.status == 200, f"{path} in {lang}: {response.status}"
    return html.unescape(await response.text())


async def _check(site: Site, pages: dict[str, list[str]], lang: str) -> None:
    catalogue = _catalogue(lang)
    sentences = _sentences()
    for path, known in pages.items():
        english = await _page(site, path, "en")
        text = await _page(site, path, lang)
        assert f'<html lang="{lang}">' in text, path
        for phrase in known:
            assert phrase in english, f"{path}: {phrase!r} not on the English page"
            assert phrase not in text, f"{path} in {lang} still says {phrase!r}"
        shown = [s for s in sentences if s in english and catalogue[s] != s]
        assert shown, f"{path}: no catalogue sentence on the English page"
        left = [s for s in shown if s in text]
        assert not left, f"{path} in {lang} shows English {left[:3]}"
        assert any(catalogue[s] in text for s in shown), f"{path}: no {lang} text"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_organiser_pages_render_translated(site: Site, lang: str) -> None:
    await site.sign_in_organiser()
    await _check(site, ORGANISER_PAGES, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_participant_pages_render_translated(site: Site, lang: str) -> None:
    await site.sign_in_participant("kr1")
    await _check(site, PARTICIPANT_PAGES, lang)


# Error pages: (path, status) after signing in as participant kr1.
ERROR_PAGES = {
    "/no/such/page": 404,
    "/organiser": 403,  # a participant on the organiser's page
    "/organiser/versions/1/publish": 405,  # a form's address opened as a page
    "/p/no-such-link": 403,
}
GENERIC_ENGLISH = ("Not Found", "Forbidden", "Method Not Allowed", "Back to the start")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_error_pages_render_translated(site: Site, lang: str) -> None:
    await site.sign_in_participant("kr1")
    catalogue = _catalogue(lang)
    sentences = [*_sentences(), *(m for m in _template() if " " in m and "%(" not in m)]
    for path, status in ERROR_PAGES.items():
        english = await site.client.get(f"{path}?lang=en")
        response = await site.client.get(f"{path}?lang={lang}")
        text = html.unescape(await response.text())
        assert english.status == response.status == status, path
        assert f'<html lang="{lang}">' in text, path
        shown = [s for s in sentences if s in html.unescape(await english.text())]
        left = [s for s in shown if f">{s}<" in text or f"{s}." in text]
        assert not left, f"{path} in {lang} shows English {left[:3]}"
        generic = [g for g in GENERIC_ENGLISH if g in text]
        assert not generic, f"{path} in {lang} shows English {generic}"
        assert any(catalogue[s] in text for s in shown if catalogue[s] != s), path


def _string_args(path: Path, names: set[str], position: int) -> set[str]:
    """The string literals passed at `position` to calls of `names` in a source file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or len(node.args) <= position:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        arg = node.args[position]
        if name in names and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
    return found


def test_every_objective_level_name_is_in_the_catalogue() -> None:
    scheduler = ROOT / "scheduler"
    names = _string_args(scheduler / "levels.py", {"LevelReport", "_level"}, 1)
    names |= _string_args(scheduler / "solve.py", {"LevelReport"}, 1)
    assert "total weight" in names
    assert names <= set(i18n.LEVELS), f"not in web.i18n.LEVELS: {names - set(i18n.LEVELS)}"
    assert set(i18n.LEVELS) <= set(_template())


def test_every_left_out_reason_code_has_a_label_on_the_version_page() -> None:
    codes = _string_args(ROOT / "scheduler" / "reasons.py", {"Reason", "of"}, 0)
    assert "fully_booked" in codes
    page = (ROOT / "web" / "templates" / "version.html").read_text()
    unlabelled = [code for code in codes if f'"{code}": _(' not in page]
    assert not unlabelled, f"version.html shows these reason codes raw: {unlabelled}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_left_out_reason_sentence_is_translated(lang: str) -> None:
    """The version page says why a request was left out in the viewer's language: every
    template `scheduler/reasons.py` marks has a translation with the same placeholders."""
    templates = _string_args(ROOT / "scheduler" / "reasons.py", {"N_"}, 0)
    assert len(templates) >= 20
    catalogue = _catalogue(lang)
    missing = [t for t in templates if not catalogue.get(t)]
    assert not missing, f"{lang}: no translation for {missing}"
    for t in templates:
        assert sorted(re.findall(r"%\((\w+)\)s", catalogue[t])) == sorted(
            re.findall(r"%\((\w+)\)s", t)
        ), f"{lang}: placeholders differ for {t!r}"


def test_room_countdown_and_person_who_left_are_distinct_messages() -> None:
    room = (ROOT / "web" / "templates" / "room.html").read_text()
    countdown = re.search(r"data-l-left=\"\{\{ _\('([^']+)'\) \}\}\"", room)
    person = re.search(r"data-l-left-room=\"\{\{ _\('([^']+)'\) \}\}\"", room)
    assert countdown and person
    assert countdown.group(1) != person.group(1)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_version_page_names_objective_levels_in_the_language(
    site: Site, settings: Settings, lang: str
) -> None:
    # The fixture's version is greedy (no levels): solve a CP-SAT draft with two levels.
    engine = open_database(settings.database_url)
    options = sp.Options(time_limit=5, workers=1, seed=0, levels=2)
    number, _ = schedule_fair(engine, site.fair_id, options)
    engine.dispose()
    await site.sign_in_organiser()
    english = await _page(site, f"/organiser/versions/{number}", "en")
    text = await _page(site, f"/organiser/versions/{number}", lang)
    catalogue = _catalogue(lang)
    levels = [name for name in i18n.LEVELS if f">{name}<" in english]
    assert levels, "no objective level on the English version page"
    for name in levels:
        assert f">{name}<" not in text, f"{lang} version page says {name!r}"
        assert catalogue[name] in text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_version_page_says_why_a_request_was_left_out_in_the_language(
    site: Site, settings: Settings, lang: str
) -> None:
    from sqlmodel import select

    from fair.db import session_scope
    from fair.models import Participant

    engine = open_database(settings.database_url)
    with session_scope(engine) as session:  # kr1 takes no meetings: its requests are left out
        kr1 = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        kr1.max_per_day = 0
        session.add(kr1)
    number, _ = schedule_fair(
        engine, site.fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    engine.dispose()
    await site.sign_in_organiser()
    english = await _page(site, f"/organiser/versions/{number}", "en")
    text = await _page(site, f"/organiser/versions/{number}", lang)
    template = "%(person)s accepts no meetings (cap of 0)."
    assert template % {"person": "kr1"} in english
    assert _catalogue(lang)[template] % {"person": "kr1"} in text
    assert "accepts no meetings" not in text
