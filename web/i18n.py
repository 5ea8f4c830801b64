"""Languages of the pages: gettext catalogues (Babel .po files in web/locale) and
locale-aware formatting of dates, times and amounts.

The language of a request comes from `?lang=`, then the `lang` cookie, then the
browser's Accept-Language, among the languages that have a catalogue. Catalogues are
compiled in memory at start-up, so no compiled .mo file is kept in the repository.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from fair import terms

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
LANGUAGES = {"en": "English", "zh": "中文", "ko": "한국어", "ja": "日本語"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)
_catalogues: dict[str, gettext.NullTranslations] = {}


def load_catalogues() -> dict[str, gettext.NullTranslations]:
    """Compile every web/locale/<lang>/LC_MESSAGES/messages.po in memory."""
    catalogues: dict[str, gettext.NullTranslations] = {DEFAULT: gettext.NullTranslations()}
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        lang = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        catalogues[lang] = gettext.GNUTranslations(buffer)
    _catalogues.clear()
    _catalogues.update(catalogues)
    _translated.clear()
    return catalogues


def available() -> list[str]:
    return [lang for lang in LANGUAGES if lang in _catalogues]


def choose(query: str, cookie: str, accept: str) -> str:
    """The request's language among the available ones."""
    offered = available()
    for wanted in (query, cookie):
        if wanted in offered:
            return wanted
    for part in accept.split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in offered:
            return base
    return DEFAULT


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Format and translate in `language`: a request's (the language middleware) or,
    outside a request, a page rendered ahead's."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def gettext_(message: str) -> str:
    return _catalogues.get(current(), gettext.NullTranslations()).gettext(message)


def N_(message: str) -> str:
    """Marks a word stored as data (a status) for `./dev messages`; pages translate it
    where they show it, with `_(value)`."""
    return message


# Version and solver states as stored and shown on the console, version and grid pages.
STATES = (
    N_("draft"),
    N_("published"),
    N_("optimal"),
    N_("feasible"),
    N_("infeasible"),
    N_("timeout"),
    N_("stopped"),
    N_("skipped"),
)

# The solver's objective levels as named in a version's figures (scheduler/levels.py),
# shown on the version page with `_(level.name)`.
LEVELS = (
    N_("total weight"),
    N_("participants with no meeting"),
    N_("minimum meetings per served participant"),
    N_("idle slots + edge-of-day meetings"),
    N_("moved or cancelled meetings"),
)

_translated: dict[tuple[str, str], str] = {}


def template_gettext(message: str, **variables: object) -> str:
    """`_()` in templates: the translation, with `%(name)s` variables filled in.

    Returns plain text, which Jinja's autoescape then escapes whole (variables included).
    Translations are memoised per language: a page calls this dozens of times.
    """
    key = (current(), message)
    text = _translated.get(key)
    if text is None:
        text = _translated[key] = gettext_(message)
    return text % variables if variables else text


def ngettext_(singular: str, plural: str, n: int) -> str:
    return _catalogues.get(current(), gettext.NullTranslations()).ngettext(singular, plural, n)


# English pages use British conventions (24-hour clock, day before month), which read
# naturally to an international audience.
FORMAT_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN", "ko": "ko_KR", "ja": "ja_JP"}


@functools.cache
def _parse_locale(code: str) -> Locale:
    try:
        return Locale.parse(FORMAT_LOCALES.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FORMAT_LOCALES[DEFAULT])


def _locale() -> Locale:
    return _parse_locale(current())


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(instant: datetime, zone: str) -> str:
    """`instant` as a short time of day in `zone`, the viewer's way (14:00 / 오후 2:00)."""
    return _local_time(instant, zone, current())


def local_date(instant: datetime, zone: str) -> str:
    """The full date of `instant` in `zone` (Friday, 27 November 2026 / 2026年11月27日星期五)."""
    return _local_date(instant, zone, current())


# A fair has a few hundred distinct slot times and a few dozen zones: every agenda, grid
# and calendar page formats the same few thousand (instant, zone, language) triples.
@functools.lru_cache(maxsize=65_536)
def _local_time(instant: datetime, zone: str, language: str) -> str:
    locale = _parse_locale(language)
    text: str = locale.time_formats["short"].apply(instant.astimezone(_zone(zone)), locale)
    return text


@functools.lru_cache(maxsize=16_384)
def _local_date(instant: datetime, zone: str, language: str) -> str:
    day = instant.astimezone(_zone(zone)).date()
    return format_date(day, "full", locale=_parse_locale(language))


def day(value: date, format: str = "medium") -> str:
    """A calendar date the viewer's way (27 Nov 2026 / 2026年11月27日 / 2026. 11. 27.)."""
    return format_date(value, format, locale=_locale())


def price(low: Decimal | None, high: Decimal | None, currency: str = "") -> str:
    """A product's price range the viewer's way ("" when it has none): one amount when
    only one end is known or both are equal, else "low – high"."""
    if low is None or high is None or low == high:
        one = low if low is not None else high
        return "" if one is None else amount(one, currency)
    return f"{amount(low, currency)} – {amount(high, currency)}"


def amount(value: Decimal | float, currency: str = "") -> str:
    if currency:
        return format_currency(value, currency, locale=_locale())
    return format_decimal(value, locale=_locale())


def country(code: str) -> str:
    """A country's name the viewer's way (KR → 대한민국 / 韩国 / 韓国 / South Korea); the
    code itself when CLDR does not know it."""
    return country_names().get(code, code) if code else ""


def country_names() -> dict[str, str]:
    """Every ISO 3166-1 alpha-2 code's name in the viewer's language (CLDR, via Babel)."""
    return _country_names(current())


@functools.cache
def _country_names(language: str) -> dict[str, str]:
    territories = _parse_locale(language).territories
    return {code: name for code, name in territories.items() if len(code) == 2}


def tag(value: str) -> str:
    """A sector, offer or need as imported, in the viewer's language when the product-term
    dictionary (`fair.terms`) knows it ("sheet masks" → 마스크팩), else as written."""
    return _tag(value, current())


@functools.lru_cache(maxsize=16_384)
def _tag(value: str, language: str) -> str:
    if language == DEFAULT:
        return value
    return terms.built_in_dictionary().name_in(value, language) or value
