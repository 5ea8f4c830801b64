"""The words of the e-mails to participants, in each person's language.

The mail text has a gettext domain of its own (`fair/locale/<lang>/LC_MESSAGES/mail.po`,
extracted by `./dev messages` from this module and `fair.invitations`), apart from the
pages' catalogues in `web/locale`: mail is written by `fair/` (the CLI, the background
sender, publication) with no request and no `web/` import allowed, and an e-mail is read
as a whole letter, so its translators see its paragraphs together. Catalogues are
compiled in memory on first use, like the pages'; dates and times are formatted with
Babel in the reader's locale and zone.
"""

from __future__ import annotations

import functools
import gettext
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from fair.languages import DEFAULT, LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "mail"
# English mail uses British conventions (24-hour clock, day before month), as the pages.
FORMAT_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN", "ko": "ko_KR", "ja": "ja_JP"}


def _(message: str) -> str:
    """Marks a mail string for extraction; `Words.text` translates it."""
    return message


@functools.cache
def _catalogue(language: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Words:
    """Translation and formatting in one reader's language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._catalogue = _catalogue(self.language)
        self.locale = Locale.parse(FORMAT_LOCALES[self.language])

    def text(self, message: str, **variables: object) -> str:
        translated = self._catalogue.gettext(message)
        return translated % variables if variables else translated

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)

    def span(self, start: datetime, end: datetime, zone: str) -> str:
        """A meeting's start and end in `zone`, the reader's way (Tue 27 Oct 14:00–14:30)."""
        tz = ZoneInfo(zone)
        start, end = start.astimezone(tz), end.astimezone(tz)
        day = format_skeleton("MMMEd", start, locale=self.locale)
        first = format_skeleton("Hm", start, locale=self.locale)
        last = format_skeleton("Hm", end, locale=self.locale)
        return f"{day} {first}–{last}"


def words(language: str) -> Words:
    return Words(language)
