"""Checking `products.csv`: the goods each exhibitor shows, with prices and quantities."""

from __future__ import annotations

from collections.abc import Mapping

from fair.columns import PRODUCTS
from fair.importer.cells import COUNTRY, parse_decimal, parse_int, split_list
from fair.importer.rows import Collector, cell, csv_rows, required
from fair.importer.specs import CompanySpec, ProductSpec
from fair.rules import is_currency

FILE = "products.csv"


def parse_products(
    raw: bytes, companies: Mapping[str, CompanySpec], out: Collector
) -> list[ProductSpec]:
    """The products of `products.csv`, in file order; `companies` by name."""
    rows = csv_rows(FILE, raw, PRODUCTS, out)
    products: list[ProductSpec] = []
    seen: dict[str, int] = {}
    for row, c in rows:
        key = required(out, FILE, row, c, "id")
        if key in seen:
            out.add(FILE, row, "id", f"duplicate id {key!r} (first on row {seen[key]})")
        seen.setdefault(key, row)
        company = required(out, FILE, row, c, "company")
        if company and company not in companies:
            out.add(FILE, row, "company", f"unknown company {company!r} (not in participants.csv)")
        name = required(out, FILE, row, c, "name")
        origin = c["origin"].upper()
        if origin and not COUNTRY.fullmatch(origin):
            out.add(FILE, row, "origin", f"{c['origin']!r} is not an ISO code like KR")
        currency = c["currency"].upper()
        if currency and not is_currency(currency):
            out.add(FILE, row, "currency", f"{c['currency']!r} is not an ISO code like USD")
        prices = {
            col: cell(out, FILE, row, col, c[col], parse_decimal) if c[col] else None
            for col in ("price_min", "price_max")
        }
        low, high = prices["price_min"], prices["price_max"]
        if low is not None and high is not None and high < low:
            out.add(FILE, row, "price_max", "is below price_min")
        moq = cell(out, FILE, row, "moq", c["moq"], lambda v: parse_int(v, 0)) if c["moq"] else None
        products.append(
            ProductSpec(
                key=key,
                company=company,
                name=name,
                description=c["description"],
                sector=c["sector"],
                origin=origin,
                price_min=low,
                price_max=high,
                currency=currency,
                moq=moq,
                certifications=split_list(c["certifications"]),
            )
        )
    return products
