"""The language a participant gets from their company's country."""

from __future__ import annotations

import pytest

from fair.languages import LANGUAGES, default_language


@pytest.mark.parametrize(
    ("country", "language"),
    [
        ("CN", "zh"),
        ("TW", "zh"),
        ("HK", "zh"),
        ("MO", "zh"),
        ("KR", "ko"),
        ("kr", "ko"),
        ("JP", "ja"),
        ("DE", "en"),
        ("IL", "en"),
        ("", "en"),
    ],
)
def test_default_language_follows_the_country(country: str, language: str) -> None:
    assert default_language(country) == language
    assert language in LANGUAGES
