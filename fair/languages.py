"""The languages the product speaks to participants (pages and e-mail), and the one a
participant gets when the import does not say: their company's country decides."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final[tuple[str, ...]] = ("en", "zh", "ko", "ja")
DEFAULT: Final = "en"

# Chinese for mainland China, Taiwan, Hong Kong and Macao; Korean for Korea; Japanese for
# Japan; English for everyone else (the fair's common language).
BY_COUNTRY: Final[dict[str, str]] = {
    "CN": "zh",
    "TW": "zh",
    "HK": "zh",
    "MO": "zh",
    "KR": "ko",
    "JP": "ja",
}


def default_language(country: str) -> str:
    """The language of a participant whose import row leaves `language` empty."""
    return BY_COUNTRY.get(country.strip().upper(), DEFAULT)
