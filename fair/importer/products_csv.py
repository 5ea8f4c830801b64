"""Checking `products.csv`: the goods each exhibitor shows, with prices and quantities."""

from __future__ import annotations

from collections.abc import Mapping

from fair.columns import PRODUCTS
from fair.errors import N_
from fair.importer.cells import COUNTRY, parse_decimal, parse_int, split_list
from fair.importer.rows import Collector, Sheet, cell, required, table_rows
from fair.importer.specs import CompanySpec, ProductSpec
from fair.rules import is_currency


def parse_products(
    sheet: Sheet, companies: Mapping[str, CompanySpec], out: Collector
) -> list[ProductSpec]:
    """The products of `products.csv`, in file order; `companies` by name."""
    rows = table_rows(sheet, PRODUCTS, out)
    file = sheet.label
    products: list[ProductSpec] = []
    seen: dict[str, int] = {}
    for row, c in rows:
        key = required(out, file, row, c, "id")
        if key in seen:
            out.add(
                file,
                row,
                "id",
                N_("duplicate id %(id)s (first on row %(first)s)"),
                id=repr(key),
                first=seen[key],
            )
        seen.setdefault(key, row)
        company = required(out, file, row, c, "company")
        if company and company not in companies:
            out.add(
                file,
                row,
                "company",
                N_("unknown company %(company)s (not in participants.csv)"),
                company=repr(company),
            )
        name = required(out, file, row, c, "name")
        origin = c["origin"].upper()
        if origin and not COUNTRY.fullmatch(origin):
            out.add(
                file,
                row,
                "origin",
                N_("%(value)s is not an ISO code like KR"),
                value=repr(c["origin"]),
            )
        currency = c["currency"].upper()
        if currency and not is_currency(currency):
            out.add(
                file,
                row,
                "currency",
                N_("%(value)s is not an ISO code like USD"),
                value=repr(c["currency"]),
            )
        prices = {
            col: cell(out, file, row, col, c[col], parse_decimal) if c[col] else None
            for col in ("price_min", "price_max")
        }
        low, high = prices["price_min"], prices["price_max"]
        if low is not None and high is not None and high < low:
            out.add(file, row, "price_max", N_("is below price_min"))
        moq = cell(out, file, row, "moq", c["moq"], lambda v: parse_int(v, 0)) if c["moq"] else None
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
