"""The language a participant gets from their company's country."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fair.languages import LANGUAGES, default_language
from fair.mailtext import Words


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


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Tue 27 Oct 15:00–15:30"),
        ("ko", "10월 27일 (화) 15:00–15:30"),
        ("zh", "10月27日周二 15:00–15:30"),
        ("ja", "10月27日(火) 15:00–15:30"),
        ("fr", "Tue 27 Oct 15:00–15:30"),  # a language without mail: English
    ],
)
def test_mail_times_are_in_the_readers_way_and_zone(language: str, text: str) -> None:
    start = datetime(2026, 10, 27, 6, 0, tzinfo=UTC)
    end = datetime(2026, 10, 27, 6, 30, tzinfo=UTC)
    assert Words(language).span(start, end, "Asia/Seoul") == text
