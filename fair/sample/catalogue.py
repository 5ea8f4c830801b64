"""Generated products: each exhibitor's catalogue, named, described and priced.

Prices are drawn in US dollars on a log scale within the category's range and shown in
the exhibitor's currency; certifications fit the sector and the country.
"""

from __future__ import annotations

import math
from typing import Final

from fair.sample.draft import Company, Draft, Row
from fair.sample.sectors import (
    CATEGORY_BY_KEY,
    COUNTRY_CERTIFICATIONS,
    SECTOR_BY_KEY,
    SERVICE_SECTORS,
    Category,
)

_COUNTRY_NAME: Final[dict[str, str]] = {
    "CN": "China",
    "KR": "Korea",
    "JP": "Japan",
    "DE": "Germany",
    "IL": "Israel",
    "RU": "Russia",
    "KZ": "Kazakhstan",
    "UZ": "Uzbekistan",
    "PK": "Pakistan",
}

_PER_USD: Final[dict[str, float]] = {
    "USD": 1.0,
    "CNY": 7.2,
    "KRW": 1350.0,
    "JPY": 150.0,
    "EUR": 0.92,
}


def catalogue(draft: Draft) -> None:
    """Every exhibitor's products, drawn from the categories it offers, names unique."""
    rng = draft.rng
    lo, hi = draft.spec.products
    for company in draft.companies:
        if company.role != "exhibitor":
            continue
        seen: set[str] = set()
        for _ in range(rng.randint(lo, hi)):
            for _attempt in range(6):
                cat = CATEGORY_BY_KEY[rng.choice(company.offers)]
                name = _product_name(draft, company, cat)
                if name not in seen:
                    break
            seen.add(name)
            draft.products.append(_product(draft, company, cat, name))


def _product_name(draft: Draft, company: Company, cat: Category) -> str:
    rng = draft.rng
    qualifier = rng.choice(SECTOR_BY_KEY[cat.sector].qualifiers)
    item = rng.choice(cat.items)
    spec = rng.choice(cat.specs)
    brand = f"{company.brand} " if rng.random() < 0.5 else ""
    return f"{brand}{qualifier} {item}, {spec}"


def _product(draft: Draft, company: Company, cat: Category, name: str) -> Row:
    rng = draft.rng
    sector = SECTOR_BY_KEY[cat.sector]
    low, high = cat.price
    usd = math.exp(rng.uniform(math.log(low), math.log(high)))
    usd_max = usd * rng.uniform(1.05, 1.6)
    rate = _PER_USD[company.currency]
    price_min, price_max = (
        _money(usd * rate, company.currency),
        _money(usd_max * rate, company.currency),
    )
    moq = _nice(math.exp(rng.uniform(math.log(cat.moq[0]), math.log(cat.moq[1]))))
    local = tuple(
        cert for cert, fits in COUNTRY_CERTIFICATIONS[company.country] if cat.sector in fits
    )
    pool = list(dict.fromkeys(sector.certifications + local))
    certs = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 2, 3))))
    feature = rng.choice(sector.features)
    made = _COUNTRY_NAME[company.country]
    origin = "Based in" if cat.sector in SERVICE_SECTORS else "Made in"
    return {
        "id": f"G{len(draft.products) + 1:05d}",
        "company": company.name,
        "name": name,
        "description": f"{feature}. {origin} {made}; minimum order {moq} {cat.unit}.",
        "sector": cat.sector,
        "origin": company.country,
        "price_min": price_min,
        "price_max": price_max,
        "currency": company.currency,
        "moq": str(moq),
        "certifications": ";".join(certs),
    }


def _money(value: float, currency: str) -> str:
    if currency in ("KRW", "JPY"):
        step = 10 if value < 10_000 else 100
        return str(max(step, round(value / step) * step))
    return f"{max(0.01, value):.2f}"


def _nice(value: float) -> int:
    for limit, step in ((1000, 100), (100, 50), (10, 5)):
        if value >= limit:
            return int(round(value / step) * step)
    return max(1, round(value))
