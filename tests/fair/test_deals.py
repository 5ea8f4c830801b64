"""Deal input, currency conversion and the table-typed settings the rooms use."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fair.deals import convert, parse_deal
from fair.errors import InvalidInput
from fair.settings import load_settings

pytestmark = pytest.mark.unit
RATES = {"KRW": Decimal("0.00072"), "CNY": Decimal("0.14")}


def test_deal_parse_accepts_decimal_text_and_lowercase_currency() -> None:
    deal = parse_deal(
        {"type": "agency", "amount": "1,250.5", "currency": "krw", "client_key": "k" * 12},
        "USD",
        RATES,
    )
    assert deal.amount == Decimal("1250.50") and deal.currency == "KRW"


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "0"), ("amount", "NaN"), ("amount", True), ("currency", "EUR"), ("type", "")],
)
def test_deal_parse_refuses_bad_field_naming_it(field: str, value: object) -> None:
    data = {"type": "intent", "amount": "10", "currency": "USD", "client_key": "k" * 12}
    with pytest.raises(InvalidInput, match=f"^{field}"):
        parse_deal({**data, field: value}, "USD", RATES)


def test_deal_convert_to_reporting_currency_to_the_cent() -> None:
    assert convert(Decimal("1000000"), "KRW", "USD", RATES) == Decimal("720.00")
    assert convert(Decimal("5.55"), "USD", "USD", RATES) == Decimal("5.55")


def test_settings_rates_table_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[deals]\nrates = { KRW = 0.00072, CNY = 0.14 }\n"
        '[rooms]\nno_show_minutes = 5\nice_servers = [{ urls = "stun:stun.example:3478" }]\n'
    )
    settings = load_settings(path, environ={})
    assert settings.rates == RATES and settings.rooms_no_show_minutes == 5
    assert settings.ice_servers == [{"urls": "stun:stun.example:3478"}]
    env = load_settings(path, environ={"FAIR_DEALS_RATES": '{"JPY": 0.0067}'})
    assert env.rates == {"JPY": Decimal("0.0067")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[deals]\nrates = { dollars = 1 }\n", "not an ISO 4217 code"),
        ("[deals]\nrates = { KRW = -1 }\n", "deals.rates.KRW must be a positive number"),
        ("[deals]\nrates = 3\n", "must be a table"),
        ('[rooms]\nice_servers = [{ urls = "http://x" }]\n', "stun:/turn:/turns:"),
        ('[rooms]\nice_servers = [{ urls = "stun:x", secret = "y" }]\n', "unknown key secret"),
        ("[rooms]\nno_show_minutes = 0\n", "at least 1"),
    ],
)
def test_settings_rooms_and_rates_bad_values_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        load_settings(path, environ={})
