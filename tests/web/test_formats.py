"""Locale-aware formats shared by the pages (web/i18n.py)."""

from __future__ import annotations

from decimal import Decimal

from web import i18n


def test_price_range_in_the_viewers_language() -> None:
    low, high = Decimal("1.2"), Decimal("2.4")
    with i18n.using("en"):
        assert i18n.price(low, high, "USD") == "US$1.20 – US$2.40"
        assert i18n.price(low, low, "USD") == "US$1.20"  # equal ends: one amount
        assert i18n.price(None, high, "USD") == "US$2.40"  # one end known
        assert i18n.price(low, None, "USD") == "US$1.20"
        assert i18n.price(None, None, "USD") == ""  # "price on request" on the page
    with i18n.using("zh"):
        assert i18n.price(low, high, "CNY") == "¥1.20 – ¥2.40"
