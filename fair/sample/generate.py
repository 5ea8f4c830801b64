"""Seed-modelled fair instances in the import format (docs/import.md).

This module owns the generated test and demo data: `generate` builds a fair like those in
the seed article (the 2020 Qingdao–Busan video negotiation fair, the Japan–Korea (Qingdao)
import expo, or a small one for fast tests) and `write` puts it on disk as `fair.toml`,
`participants.csv`, `requests.csv` and `products.csv`. Everything is drawn from one
`random.Random(seed)`, so a seed always gives byte-identical files.

Demand is shaped like a real fair: exhibitor popularity follows a Zipf law, buyers ask
for exhibitors whose offers match their needs, popular exhibitors decline more, and late
requests are still pending. Names come from `fair.sample.names`, goods from `fair.sample.sectors`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final, Literal, TypeVar
from zoneinfo import ZoneInfo

from fair.columns import (
    BOOTH_KEYS,
    BREAK_KEYS,
    FAIR_KEYS,
    PARTICIPANT_COLUMNS,
    PAVILION_KEYS,
    PRODUCT_COLUMNS,
    REQUEST_COLUMNS,
    TABLE_KEYS,
    ordered,
)
from fair.sample import names as n
from fair.sample.sectors import (
    CATEGORIES_BY_SECTOR,
    CATEGORY_BY_KEY,
    CHANNELS,
    COUNTRY_CERTIFICATIONS,
    EXPORT_SECTORS,
    SECTOR_BY_KEY,
    SERVICE_SECTORS,
    SERVICES,
    Category,
)

Scale = Literal["video", "expo", "small", "tight"]
SCALES: Final[tuple[Scale, ...]] = ("video", "expo", "small", "tight")

TomlScalar = str | int | bool
TomlTable = dict[str, TomlScalar]
TomlDoc = dict[str, TomlTable | list[TomlTable]]
Row = dict[str, str]


@dataclass(frozen=True)
class GeneratedFair:
    """One generated fair: the `fair.toml` document and the rows of the three CSV files.

    Row dicts map every column of `fair.columns` (`PARTICIPANT_COLUMNS`, `REQUEST_COLUMNS`,
    `PRODUCT_COLUMNS`) to its cell text ("" when empty); requests are in `created` order.
    """

    scale: Scale
    seed: int
    toml: TomlDoc
    participants: tuple[Row, ...]
    requests: tuple[Row, ...]
    products: tuple[Row, ...]


# --- How each scale looks ----------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    title: str
    timezone: str
    currency: str
    days: int
    day_start: str
    day_end: str
    slot_minutes: int
    breaks: tuple[tuple[str, str, str], ...]
    pavilions: tuple[tuple[str, str, str], ...]  # id, name, country ("" = mixed hall)
    pavilion_of: Mapping[str, str]  # exhibitor country -> pavilion id
    tables: Mapping[str, int]  # pavilion id -> shared tables
    exhibitors: Mapping[str, int]  # country -> companies
    buyers: Mapping[str, int]
    services: int
    interpreter_firms: tuple[int, ...]  # interpreters per firm, firms from names.INTERPRETER_FIRMS
    interpreter_pairs: tuple[str, ...]
    exhibitor_staff: tuple[float, float, float]  # share of companies with 1, 2, 3 people
    buyer_staff: tuple[float, float, float]
    products: tuple[int, int]  # per exhibitor, inclusive
    requests: int
    venue: Literal["cloud", "hall"]  # cloud: most join online; hall: exhibitors on site
    modes: tuple[float, float, float]  # in_person, online, either, when both can be on site
    two_slot: float  # share of multi-slot negotiations
    interpreter_seat: float  # chance of an interpreter when the sides share no language
    service_seat: float  # chance of a service provider at a negotiation
    max_per_day: float  # share of people with a daily cap
    zipf: float  # exponent of exhibitor popularity
    colleague_weight: float  # how often a company's second or third person is the one asked


_SCO = ("RU", "KZ", "UZ", "PK")

_SPECS: Final[dict[Scale, _Spec]] = {
    "video": _Spec(
        title="Qingdao–Busan Import & Export Video Negotiation Fair {year}",
        timezone="Asia/Shanghai",
        currency="USD",
        days=2,
        day_start="09:00",
        day_end="17:00",
        slot_minutes=20,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · China–Korea Living Room", "KR"),
            ("CN", "山东城市会客厅 · Shandong City Hall", "CN"),
            ("INT", "International Hall (Japan · Germany · Israel)", ""),
            ("SVC", "Professional Services Centre", ""),
        ),
        pavilion_of={"KR": "KR", "CN": "CN", "JP": "INT", "DE": "INT", "IL": "INT"},
        tables={"KR": 4, "CN": 3, "INT": 2, "SVC": 3},
        exhibitors={"KR": 26, "CN": 18, "JP": 3, "DE": 3, "IL": 2},
        buyers={"CN": 54, "KR": 24, "JP": 3, "DE": 1},
        services=6,
        interpreter_firms=(4, 2),
        interpreter_pairs=("zh-ko", "zh-ja", "zh-en"),
        exhibitor_staff=(0.6, 0.3, 0.1),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(3, 9),
        requests=1500,
        venue="cloud",
        modes=(0.3, 0.3, 0.4),
        two_slot=0.03,
        interpreter_seat=0.12,
        service_seat=0.15,
        max_per_day=0.08,
        zipf=1.1,
        colleague_weight=0.15,  # one negotiator per video booth
    ),
    "expo": _Spec(
        title="Japan–Korea (Qingdao) Import Expo {year}",
        timezone="Asia/Shanghai",
        currency="CNY",
        days=3,
        day_start="09:00",
        day_end="18:00",
        slot_minutes=30,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · Korea Pavilion", "KR"),
            ("JP", "中日国际客厅 · Japan Pavilion", "JP"),
            ("DE", "中德国际客厅 · Germany Pavilion", "DE"),
            ("IL", "中以国际客厅 · Israel Pavilion", "IL"),
            ("SCO", "上合国际客厅 · SCO Countries Pavilion", ""),
            ("SVC", "专业服务中心 · Service Centre", ""),
        ),
        pavilion_of={"KR": "KR", "JP": "JP", "DE": "DE", "IL": "IL"} | dict.fromkeys(_SCO, "SCO"),
        tables={"KR": 50, "JP": 35, "DE": 20, "IL": 15, "SCO": 15, "SVC": 15},
        exhibitors={
            "KR": 250,
            "JP": 160,
            "DE": 70,
            "IL": 45,
            "RU": 20,
            "KZ": 15,
            "UZ": 15,
            "PK": 15,
        },
        buyers={"CN": 355, "KR": 20, "JP": 10},
        services=26,
        interpreter_firms=(14, 12, 10),
        interpreter_pairs=("zh-ko", "zh-ja", "ko-en", "zh-en", "de-zh", "zh-ru"),
        exhibitor_staff=(0.5, 0.38, 0.12),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(6, 30),
        requests=8000,
        venue="hall",
        modes=(0.5, 0.1, 0.4),
        two_slot=0.08,
        interpreter_seat=0.08,
        service_seat=0.25,
        max_per_day=0.1,
        zipf=1.1,
        colleague_weight=0.45,
    ),
    "small": _Spec(
        title="Qingdao International Living Room Matchmaking Day {year}",
        timezone="Asia/Shanghai",
        currency="USD",
        days=2,
        day_start="09:00",
        day_end="17:00",
        slot_minutes=30,
        breaks=(("12:00", "13:00", "Lunch"),),
        pavilions=(
            ("KR", "中韩国际客厅 · Korea Pavilion", "KR"),
            ("JP", "中日国际客厅 · Japan Pavilion", "JP"),
            ("EU", "中德 · 中以国际客厅 · Germany & Israel Pavilion", ""),
            ("SVC", "专业服务中心 · Service Centre", ""),
        ),
        pavilion_of={"KR": "KR", "JP": "JP", "DE": "EU", "IL": "EU"},
        tables={"KR": 3, "JP": 2, "EU": 2, "SVC": 1},
        exhibitors={"KR": 9, "JP": 4, "DE": 2, "IL": 2},
        buyers={"CN": 12, "KR": 2},
        services=3,
        interpreter_firms=(3,),
        interpreter_pairs=("zh-ko", "zh-ja", "zh-en"),
        exhibitor_staff=(0.5, 0.4, 0.1),
        buyer_staff=(0.7, 0.25, 0.05),
        products=(3, 8),
        requests=300,
        venue="hall",
        modes=(0.5, 0.1, 0.4),
        two_slot=0.08,
        interpreter_seat=0.2,
        service_seat=0.25,
        max_per_day=0.1,
        zipf=1.1,
        colleague_weight=0.45,
    ),
}

_HOME_TZ: Final[dict[str, str]] = {
    "CN": "Asia/Shanghai",
    "KR": "Asia/Seoul",
    "JP": "Asia/Tokyo",
    "DE": "Europe/Berlin",
    "IL": "Asia/Jerusalem",
} | {c: n.SCO_COUNTRIES[c][2] for c in _SCO}

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

_NATIVE_LANGS: Final[dict[str, tuple[str, ...]]] = {
    "CN": ("zh",),
    "KR": ("ko",),
    "JP": ("ja",),
    "DE": ("de", "en"),
    "IL": ("he", "en"),
} | {c: n.SCO_COUNTRIES[c][3] for c in _SCO}

# Chance that a person also speaks English, Chinese or Korean.
_EXTRA_LANGS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "CN": (("en", 0.45), ("ko", 0.1), ("ja", 0.04)),
    "KR": (("en", 0.55), ("zh", 0.2)),
    "JP": (("en", 0.45), ("zh", 0.1)),
    "DE": (("zh", 0.05),),
    "IL": (("zh", 0.03),),
    "RU": (("en", 0.4), ("zh", 0.08)),
    "KZ": (("en", 0.35), ("zh", 0.1)),
    "UZ": (("en", 0.3), ("zh", 0.05)),
    "PK": (("zh", 0.05),),
}

# Local working hours; every window overlaps the fair day in Asia/Shanghai.
_WINDOWS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "Asia/Shanghai": (
        ("", 0.72),
        ("09:00-12:00;13:00-17:00", 0.1),
        ("09:00-12:00", 0.05),
        ("13:00-18:00", 0.05),
        ("10:00-16:00", 0.08),
    ),
    "Asia/Seoul": (
        ("09:00-18:00", 0.5),
        ("", 0.15),
        ("09:00-12:00;13:00-18:00", 0.25),
        ("10:00-17:00", 0.1),
    ),
    "Asia/Tokyo": (("09:00-18:00", 0.6), ("09:30-12:00;13:00-17:30", 0.4)),
    "Europe/Berlin": (
        ("08:00-18:00", 0.5),
        ("07:30-12:00;13:00-17:00", 0.25),
        ("08:00-17:00", 0.25),
    ),
    "Asia/Jerusalem": (("08:00-17:00", 0.6), ("08:00-12:00;13:00-17:00", 0.4)),
    "Europe/Moscow": (("09:00-18:00", 1.0),),
    "Asia/Almaty": (("09:00-18:00", 0.7), ("09:00-13:00;14:00-18:00", 0.3)),
    "Asia/Tashkent": (("09:00-18:00", 1.0),),
    "Asia/Karachi": (("09:00-17:00", 0.7), ("10:00-13:00;14:00-18:00", 0.3)),
}

_CURRENCIES: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "CN": (("CNY", 0.5), ("USD", 0.5)),
    "KR": (("USD", 0.6), ("KRW", 0.4)),
    "JP": (("JPY", 0.5), ("USD", 0.5)),
    "DE": (("EUR", 1.0),),
}
_PER_USD: Final[dict[str, float]] = {
    "USD": 1.0,
    "CNY": 7.2,
    "KRW": 1350.0,
    "JPY": 150.0,
    "EUR": 0.92,
}

# How much a famous exhibitor makes its goods sought after (buyers' needs follow it).
_HOT: Final = 8.0

_SERVICE_DEMAND: Final[tuple[tuple[str, float], ...]] = (
    ("legal", 3.0),
    ("ip", 2.0),
    ("logistics", 2.0),
    ("visa", 1.5),
    ("finance", 1.0),
    ("audit", 1.0),
    ("accounting", 1.0),
)
_SEAT_SERVICES: Final[tuple[tuple[str, float], ...]] = (
    ("legal", 4.0),
    ("ip", 2.0),
    ("finance", 1.0),
    ("logistics", 1.0),
    ("audit", 0.5),
)
_PAIR_WEIGHT: Final[dict[str, float]] = {
    "zh-ko": 5.0,
    "zh-ja": 3.0,
    "zh-en": 3.0,
    "ko-en": 1.0,
    "de-zh": 1.0,
    "zh-ru": 1.0,
}


# --- Internal state while building ---------------------------------------------------------


@dataclass
class _Company:
    index: int
    role: str
    country: str
    name: str
    roman: str
    brand: str
    slug: str
    sectors: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    service: str = ""
    pavilion: str = ""
    booth: str = ""
    currency: str = "USD"
    popularity: float = 0.0
    activity: float = 1.0
    people: list[int] = field(default_factory=list)


@dataclass
class _Person:
    index: int
    pid: str
    company: int
    name: str
    email: str
    timezone: str
    languages: tuple[str, ...]
    onsite: tuple[int, ...]
    available: str = ""
    interprets: tuple[str, ...] = ()
    max_per_day: str = ""
    max_total: str = ""
    weight: float = 1.0


@dataclass
class _Request:
    src: int
    dst: int
    priority: int
    mode: str
    length: int
    with_from: tuple[int, ...] = ()
    with_to: tuple[int, ...] = ()
    third_seat: str = ""
    status: str = "accepted"
    to_priority: int = 0


_T = TypeVar("_T")


def _pick(rng: random.Random, options: Sequence[tuple[_T, float]]) -> _T:
    """One option drawn by weight."""
    values = [o for o, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights)[0]


class _Builder:
    def __init__(self, scale: Scale, spec: _Spec, rng: random.Random, start: date) -> None:
        self.scale = scale
        self.spec = spec
        self.rng = rng
        self.start = start
        self.companies: list[_Company] = []
        self.people: list[_Person] = []
        self.requests: list[_Request] = []
        self.products: list[Row] = []
        self.booths: list[TomlTable] = []
        self._roman_names: set[str] = set()
        self._names: set[str] = set()
        self._emails: set[str] = set()
        self._pairs: set[tuple[int, int]] = set()
        self._company_pairs: set[tuple[int, int]] = set()
        self._asked: set[tuple[int, int]] = set()  # (person, company) asked once at most

    # -- companies --------------------------------------------------------------------

    def build(self, seed: int) -> GeneratedFair:
        spec = self.spec
        for country, count in spec.exhibitors.items():
            for _ in range(count):
                self._exhibitor(country)
        self._popularity()
        for country, count in spec.buyers.items():
            for _ in range(count):
                self._buyer(country)
        for i in range(spec.services):
            self._service(SERVICES[i] if i < len(SERVICES) else self.rng.choice(SERVICES))
        firms = [self._interpreter_firm(i) for i in range(len(spec.interpreter_firms))]
        self.rng.shuffle(self.companies)
        for i, company in enumerate(self.companies):
            company.index = i
        for company in self.companies:
            self._staff(company)
        self._interpreters(firms)
        order = [i for company in self.companies for i in company.people]
        for k, i in enumerate(order):
            self.people[i].pid = f"P{k + 1:04d}"
        self._booths()
        self._catalogue()
        self._demand()
        self._answers()
        return GeneratedFair(
            scale=self.scale,
            seed=seed,
            toml=self._toml(),
            participants=tuple(self._participant_rows()),
            requests=tuple(self._request_rows()),
            products=tuple(self.products),
        )

    def _register(
        self, role: str, country: str, name: str, roman: str, brand: str
    ) -> _Company | None:
        if name in self._names or roman in self._roman_names:
            return None
        slug = _slug(roman)
        if not slug:
            return None
        self._names.add(name)
        self._roman_names.add(roman)
        company = _Company(len(self.companies), role, country, name, roman, brand, slug)
        self.companies.append(company)
        return company

    def _native_share(self, country: str) -> float:
        return {"CN": 0.75, "KR": 0.55, "JP": 0.6}.get(country, 0.0)

    def _company_name(self, country: str, sector: str, trade: bool) -> tuple[str, str, str]:
        """(display name, romanised name, brand) for a maker (or trader) in `sector`."""
        rng = self.rng
        native_share = self._native_share(country)
        if country == "CN":
            city, brand = rng.choice(n.CN_CITIES), rng.choice(n.CN_BRANDS)
            if trade:
                ind = rng.choice(n.CN_TRADE)
                if rng.random() < 0.4:
                    base = rng.choice(n.CN_INDUSTRY[sector])
                    ind = (base[0] + "贸易", base[1] + " Trading")
            else:
                ind = rng.choice(n.CN_INDUSTRY[sector])
            native = f"{city[0]}{brand[0]}{ind[0]}有限公司"
            roman = f"{city[1]} {brand[1]} {ind[1]} Co., Ltd."
            return (native if rng.random() < native_share else roman), roman, brand[1]
        if country in ("KR", "JP"):
            places, brands = (
                (n.KR_PLACES, n.KR_BRANDS) if country == "KR" else (n.JP_PLACES, n.JP_BRANDS)
            )
            prefix = rng.choice(places) if rng.random() < 0.4 else rng.choice(brands)
            if trade:
                ind = rng.choice(n.KR_TRADE if country == "KR" else n.JP_TRADE)
            else:
                ind = rng.choice((n.KR_INDUSTRY if country == "KR" else n.JP_INDUSTRY)[sector])
            core = f"{prefix[0]}{ind[0]}"
            if country == "KR":
                native = rng.choice((f"{core} 주식회사", f"주식회사 {core}", f"(주){core}"))
            else:
                native = rng.choice((f"株式会社{core}", f"{core}株式会社"))
            roman = f"{prefix[1]} {ind[1]} Co., Ltd."
            return (native if rng.random() < native_share else roman), roman, prefix[1]
        if country == "DE":
            prefix_de = rng.choice(n.DE_PREFIXES)
            suffix = rng.choice(n.DE_SUFFIXES)
            if trade:
                roman = f"{prefix_de} Import-Export {suffix}"
            else:
                ind_de = rng.choice(n.DE_INDUSTRY[sector])
                roman = (
                    f"Brauerei {prefix_de} {suffix}"
                    if ind_de == "Brauerei"
                    else f"{prefix_de} {ind_de} {suffix}"
                )
            return roman, roman, prefix_de
        if country == "IL":
            prefix_il = rng.choice(n.IL_PREFIXES)
            ind_il = "Trading" if trade else rng.choice(n.IL_INDUSTRY[sector])
            roman = f"{prefix_il} {ind_il} Ltd."
            return roman, roman, prefix_il
        prefixes, legal, _, _ = n.SCO_COUNTRIES[country]
        prefix_sco = rng.choice(prefixes)
        ind_sco = "Trading" if trade else rng.choice(n.SCO_INDUSTRY[sector])
        roman = f"{prefix_sco} {ind_sco} {legal}"
        return roman, roman, prefix_sco

    def _new_company(self, role: str, country: str, sector: str, trade: bool) -> _Company:
        for _ in range(200):
            name, roman, brand = self._company_name(country, sector, trade)
            company = self._register(role, country, name, roman, brand)
            if company is not None:
                return company
        raise RuntimeError(f"ran out of company names for {country} {sector}")

    def _exhibitor(self, country: str) -> None:
        rng = self.rng
        weights = EXPORT_SECTORS[country]
        sector = _pick(rng, list(weights.items()))
        company = self._new_company("exhibitor", country, sector, trade=False)
        company.sectors = [sector]
        cats = [c.key for c in CATEGORIES_BY_SECTOR[sector]]
        company.offers = rng.sample(cats, k=min(len(cats), rng.choice((1, 2, 2, 3))))
        if rng.random() < 0.15:
            second = _pick(rng, [(s, float(w)) for s, w in weights.items() if s != sector])
            company.sectors.append(second)
            company.offers.append(rng.choice(CATEGORIES_BY_SECTOR[second]).key)
        company.needs = rng.sample(CHANNELS, k=rng.choice((1, 2, 2, 3)))
        company.pavilion = self.spec.pavilion_of[country]
        company.currency = _pick(rng, _CURRENCIES.get(country, (("USD", 1.0),)))

    def _buyer(self, country: str) -> None:
        """A buyer needs what exhibitors from other countries offer; hot goods draw more."""
        rng = self.rng
        supply: dict[str, float] = {}
        for c in self.companies:
            if c.role == "exhibitor" and c.country != country:
                for key in c.offers:
                    supply[key] = supply.get(key, 0.0) + 1.0 + _HOT * c.popularity
        by_sector: dict[str, float] = {}
        for key, count in supply.items():
            sector = CATEGORY_BY_KEY[key].sector
            by_sector[sector] = by_sector.get(sector, 0.0) + count
        sectors = [_pick(rng, list(by_sector.items()))]
        if rng.random() < 0.3:
            sectors.append(_pick(rng, list(by_sector.items())))
        sectors = list(dict.fromkeys(sectors))
        needs: list[str] = []
        for sector in sectors:
            options = [(k, w) for k, w in supply.items() if CATEGORY_BY_KEY[k].sector == sector]
            for _ in range(rng.choice((1, 2, 2, 3))):
                needs.append(_pick(rng, options))
        company = self._new_company("buyer", country, sectors[0], trade=True)
        company.sectors = sectors
        company.needs = list(dict.fromkeys(needs))
        company.offers = rng.sample(CHANNELS[:5], k=rng.choice((1, 1, 2)))
        company.activity = rng.lognormvariate(0.0, 0.6)

    def _service(self, kind: str) -> None:
        rng = self.rng
        for _ in range(200):
            if rng.random() < 0.7:
                city, brand = rng.choice(n.CN_CITIES), rng.choice(n.CN_BRANDS)
                (mid, suffix), (mid_r, suffix_r) = n.CN_SERVICE[kind]
                native = f"{city[0]}{brand[0]}{mid}{suffix}"
                roman = " ".join(p for p in (city[1], brand[1], mid_r, suffix_r) if p)
                name = native if rng.random() < 0.75 else roman
                country = "CN"
            else:
                kr_brand = rng.choice(n.KR_BRANDS)
                (mid, suffix), (_, suffix_r) = n.KR_SERVICE[kind]
                native = f"{mid}{kr_brand[0]}{suffix}"
                roman = f"{kr_brand[1]} {suffix_r}"
                name = native if rng.random() < 0.55 else roman
                country = "KR"
            company = self._register("service", country, name, roman, roman.split()[0])
            if company is not None:
                company.service = kind
                company.pavilion = "SVC"
                return
        raise RuntimeError(f"ran out of names for {kind} providers")

    def _interpreter_firm(self, i: int) -> _Company:
        rng = self.rng
        country, (native_t, roman_t) = n.INTERPRETER_FIRMS[i % len(n.INTERPRETER_FIRMS)]
        for _ in range(200):
            brand = rng.choice(n.CN_BRANDS if country == "CN" else n.KR_BRANDS)
            native = native_t.format(brand=brand[0])
            roman = roman_t.format(brand=brand[1])
            company = self._register("interpreter", country, native, roman, brand[1])
            if company is not None:
                return company
        raise RuntimeError("ran out of interpreter firm names")

    def _popularity(self) -> None:
        """Zipf-like popularity over a ranking that favours big, widely sought exhibitors."""
        rng = self.rng
        exhibitors = [c for c in self.companies if c.role == "exhibitor"]
        # An exhibitor's pull grows with its size and with the buyers it can reach
        # (buyers rarely ask for companies from their own country).
        audience = {
            country: 1 + sum(k for c, k in self.spec.buyers.items() if c != country)
            for country in self.spec.exhibitors
        }
        pull = {c.index: (1.0 + rng.random() * 2.0) * audience[c.country] for c in exhibitors}
        ranked = sorted(exhibitors, key=lambda c: rng.random() / pull[c.index])
        for rank, company in enumerate(ranked):
            company.popularity = 1.0 / (rank + 1) ** self.spec.zipf

    # -- people -----------------------------------------------------------------------

    def _staff(self, company: _Company) -> None:
        rng = self.rng
        spec = self.spec
        if company.role == "interpreter":
            return
        if company.role == "exhibitor":
            shares = spec.exhibitor_staff
        elif company.role == "buyer":
            shares = spec.buyer_staff
        else:
            shares = (0.7, 0.3, 0.0)
        size = _pick(rng, [(1, shares[0]), (2, shares[1]), (3, shares[2])])
        if company.role == "exhibitor" and company.popularity > 0.2:
            size = max(size, 2)
        days = tuple(range(1, spec.days + 1))
        # Where the company's people are: on site in Qingdao, or at home joining online.
        if spec.venue == "cloud":
            # Chinese firms and Korean firms with a Qingdao office; some use the video booths
            # of the living room, the rest join from their own offices.
            local = company.country == "CN" or (company.country == "KR" and rng.random() < 0.12)
            comes = local and (
                company.role == "service" or company.country != "CN" or rng.random() < 0.35
            )
        else:
            local = False
            comes = company.role in ("exhibitor", "service") or (
                company.country == "CN" and rng.random() < 0.9
            )
        for k in range(size):
            if company.role == "buyer" and comes and spec.venue == "hall":
                onsite = self._visit_days(days)
            elif comes and (k == 0 or rng.random() < 0.7):
                onsite = days
            else:
                onsite = ()  # e.g. a colleague at headquarters who joins online
            in_china = bool(onsite) or local or company.country == "CN"
            tz = spec.timezone if in_china else _HOME_TZ[company.country]
            weight = 1.0 if k == 0 else spec.colleague_weight
            person = self._person(company, tz, onsite, weight=weight)
            if company.role == "service":
                person.max_per_day = str(rng.choice((6, 8, 10)))

    def _visit_days(self, days: tuple[int, ...]) -> tuple[int, ...]:
        rng = self.rng
        r = rng.random()
        if r < 0.4 or len(days) == 1:
            return days
        if r < 0.9:
            k = rng.randint(1, len(days) - 1)
            return tuple(sorted(rng.sample(days, k)))
        return ()

    def _person(
        self,
        company: _Company,
        tz: str,
        onsite: tuple[int, ...],
        weight: float,
        languages: tuple[str, ...] | None = None,
    ) -> _Person:
        rng = self.rng
        country = company.country
        native, given, family = self._person_name(country)
        if languages is None:
            langs = list(_NATIVE_LANGS[country])
            for lang, p in _EXTRA_LANGS.get(country, ()):
                if lang not in langs and rng.random() < p:
                    langs.append(lang)
            languages = tuple(langs)
        person = _Person(
            index=len(self.people),
            pid="",
            company=company.index,
            name=native,
            email=self._email(given, family, company),
            timezone=tz,
            languages=languages,
            onsite=onsite,
            available=_pick(rng, _WINDOWS[tz]),
            weight=weight,
        )
        if rng.random() < self.spec.max_per_day:
            person.max_per_day = str(rng.randint(3, 8))
        elif rng.random() < 0.03:
            person.max_total = str(rng.randint(8, 20))
        self.people.append(person)
        company.people.append(person.index)
        return person

    def _person_name(self, country: str) -> tuple[str, str, str]:
        """(name as written, given name, family name), the last two in ASCII-able Latin."""
        rng = self.rng
        if country in ("CN", "KR", "JP"):
            surnames, given_names = {
                "CN": (n.CN_SURNAMES, n.CN_GIVEN),
                "KR": (n.KR_SURNAMES, n.KR_GIVEN),
                "JP": (n.JP_SURNAMES, n.JP_GIVEN),
            }[country]
            family, given = rng.choice(surnames), rng.choice(given_names)
            return family[0] + given[0], given[1], family[1]
        if country in ("DE", "IL"):
            given_l = n.DE_GIVEN if country == "DE" else n.IL_GIVEN
            family_l = n.DE_SURNAMES if country == "DE" else n.IL_SURNAMES
            g, f = rng.choice(given_l), rng.choice(family_l)
            return f"{g} {f}", g, f
        g, sex = rng.choice(n.SCO_GIVEN[country])
        male, female = rng.choice(n.SCO_SURNAMES[country])
        f = male if sex == "m" else female
        return f"{g} {f}", g, f

    def _email(self, given: str, family: str, company: _Company) -> str:
        local = _ascii(f"{given}.{family}").lower()
        local = re.sub(r"[^a-z0-9.]+", "", local.replace(" ", "").replace("-", ""))
        domain = f"{company.slug}.{company.country.lower()}.example"
        email = f"{local}@{domain}"
        k = 2
        while email in self._emails:
            email = f"{local}{k}@{domain}"
            k += 1
        self._emails.add(email)
        return email

    def _interpreters(self, firms: list[_Company]) -> None:
        """Interpreters cover every pair of the pool; zh-ko is the most common."""
        rng = self.rng
        spec = self.spec
        pairs = spec.interpreter_pairs
        weighted = [(p, _PAIR_WEIGHT.get(p, 1.0)) for p in pairs]
        k = 0
        days = tuple(range(1, spec.days + 1))
        for firm, size in zip(firms, spec.interpreter_firms, strict=True):
            for _ in range(size):
                first = pairs[k] if k < len(pairs) else _pick(rng, weighted)
                covered = [first]
                if rng.random() < 0.3:
                    second = _pick(rng, weighted)
                    if second != first:
                        covered.append(second)
                langs = list(dict.fromkeys(lang for p in covered for lang in p.split("-")))
                onsite: tuple[int, ...]
                if firm.country == "KR" and spec.venue == "cloud":
                    tz, onsite = "Asia/Seoul", ()
                elif rng.random() < 0.75:
                    tz, onsite = spec.timezone, days
                else:
                    tz, onsite = _HOME_TZ[firm.country], ()
                person = self._person(firm, tz, onsite, 1.0, languages=tuple(langs))
                person.interprets = tuple(covered)
                person.max_per_day = str(rng.choice((8, 10, 12)))
                person.max_total = ""
                k += 1
        # The importer demands every pair a request names be covered: make sure.
        covered_all = {p for person in self.people for p in person.interprets}
        missing = [p for p in pairs if p not in covered_all]
        if missing:  # only when the pool has fewer interpreters than pairs
            raise RuntimeError(f"interpreter pairs without an interpreter: {missing}")

    def _booths(self) -> None:
        """On-site exhibitors get a booth in their pavilion; big ones two tables."""
        counters: dict[str, int] = {}
        for company in self.companies:
            if company.role != "exhibitor":
                continue
            if not any(self.people[i].onsite for i in company.people):
                continue
            pav = company.pavilion
            counters[pav] = counters.get(pav, 0) + 1
            company.booth = f"{pav}-B{counters[pav]:03d}"
            tables = 1
            if len(company.people) >= 2 and self.rng.random() < 0.15:
                tables = 2
            if company.popularity > 0.25:
                tables = 3
            booth: TomlTable = {
                "id": company.booth,
                "pavilion": pav,
                "name": company.name,
                "tables": tables,
            }
            self.booths.append(ordered(BOOTH_KEYS, booth))

    # -- products ---------------------------------------------------------------------

    def _catalogue(self) -> None:
        rng = self.rng
        lo, hi = self.spec.products
        for company in self.companies:
            if company.role != "exhibitor":
                continue
            seen: set[str] = set()
            for _ in range(rng.randint(lo, hi)):
                for _attempt in range(6):
                    cat = CATEGORY_BY_KEY[rng.choice(company.offers)]
                    name = self._product_name(company, cat)
                    if name not in seen:
                        break
                seen.add(name)
                self.products.append(self._product(company, cat, name))

    def _product_name(self, company: _Company, cat: Category) -> str:
        rng = self.rng
        qualifier = rng.choice(SECTOR_BY_KEY[cat.sector].qualifiers)
        item = rng.choice(cat.items)
        spec = rng.choice(cat.specs)
        brand = f"{company.brand} " if rng.random() < 0.5 else ""
        return f"{brand}{qualifier} {item}, {spec}"

    def _product(self, company: _Company, cat: Category, name: str) -> Row:
        rng = self.rng
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
            "id": f"G{len(self.products) + 1:05d}",
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

    # -- meeting requests -------------------------------------------------------------

    def _demand(self) -> None:
        rng = self.rng
        total = self.spec.requests
        exhibitors = [c for c in self.companies if c.role == "exhibitor"]
        buyers = [c for c in self.companies if c.role == "buyer"]
        services = [c for c in self.companies if c.role == "service"]

        by_offer: dict[str, list[_Company]] = {}
        for c in exhibitors:
            for key in c.offers:
                by_offer.setdefault(key, []).append(c)
        by_need: dict[str, list[_Company]] = {}
        for c in buyers:
            for key in c.needs:
                by_need.setdefault(key, []).append(c)
        offer_cum = {k: _cumulative([c.popularity for c in v]) for k, v in by_offer.items()}
        need_cum = {k: _cumulative([c.activity for c in v]) for k, v in by_need.items()}
        all_cum = _cumulative([c.popularity for c in exhibitors])

        buyer_people = [p for c in buyers for p in c.people]
        buyer_cum = _cumulative(
            [
                self.companies[self.people[i].company].activity * self.people[i].weight
                for i in buyer_people
            ]
        )
        seller_people = [p for c in exhibitors for p in c.people]
        seller_cum = _cumulative([self.people[i].weight for i in seller_people])
        asking_people = buyer_people + seller_people

        targets = (round(total * 0.7), round(total * 0.25))
        target_service = total - sum(targets)

        # Buyers ask for exhibitors that offer what they need (sometimes for a famous one).
        attempts = 0
        while len(self.requests) < targets[0] and attempts < total * 60:
            attempts += 1
            src = self.people[rng.choices(buyer_people, cum_weights=buyer_cum)[0]]
            company = self.companies[src.company]
            if rng.random() < 0.2:
                seller = rng.choices(exhibitors, cum_weights=all_cum)[0]
            else:
                key = rng.choice(company.needs)
                seller = rng.choices(by_offer[key], cum_weights=offer_cum[key])[0]
            if seller.country == company.country and rng.random() < 0.8:
                continue
            self._ask(src, seller, popular=seller.popularity)

        # Exhibitors look for buyers that need what they offer.
        goal = targets[0] + targets[1]
        attempts = 0
        while len(self.requests) < goal and attempts < total * 60:
            attempts += 1
            src = self.people[rng.choices(seller_people, cum_weights=seller_cum)[0]]
            company = self.companies[src.company]
            keys = [k for k in company.offers if k in by_need]
            if not keys:
                continue
            key = rng.choice(keys)
            buyer = rng.choices(by_need[key], cum_weights=need_cum[key])[0]
            if buyer.country == company.country and rng.random() < 0.8:
                continue
            self._ask(src, buyer, popular=0.0)

        # Everyone may book a lawyer, an IP agent, a forwarder...
        goal += target_service
        attempts = 0
        while services and len(self.requests) < goal and attempts < total * 60:
            attempts += 1
            src = self.people[rng.choice(asking_people)]
            kind = _pick(rng, _SERVICE_DEMAND)
            providers = [c for c in services if c.service == kind] or services
            self._ask(src, rng.choice(providers), popular=0.0)

    def _ask(self, src: _Person, company: _Company, popular: float) -> bool:
        rng = self.rng
        if company.index == src.company:
            return False
        weights = [self.people[i].weight for i in company.people]
        dst = self.people[rng.choices(company.people, weights=weights)[0]]
        key = (min(src.index, dst.index), max(src.index, dst.index))
        if key in self._pairs or (src.index, company.index) in self._asked:
            return False
        company_key = (min(src.company, dst.company), max(src.company, dst.company))
        if company_key in self._company_pairs and rng.random() < 0.85:
            return False  # one meeting between two companies is usually enough
        self._pairs.add(key)
        self._asked.add((src.index, company.index))
        self._company_pairs.add(company_key)

        priority = _pick(rng, ((1, 0.2), (2, 0.3), (3, 0.26), (4, 0.16), (5, 0.08)))
        if popular > 0.1 and priority < 5 and rng.random() < 0.5:
            priority += 1  # everybody wants to see the famous stands
        common_days = set(src.onsite) & set(dst.onsite)
        if common_days:
            mode = _pick(
                rng, list(zip(("in_person", "online", "either"), self.spec.modes, strict=True))
            )
        else:
            mode = "online"
        length = 1
        if rng.random() < self.spec.two_slot * (2.0 if priority >= 4 else 0.7):
            length = 2
        request = _Request(src.index, dst.index, priority, mode, length)
        src_company = self.companies[src.company]
        if len(src_company.people) > 1 and rng.random() < 0.05:
            request.with_from = (rng.choice([i for i in src_company.people if i != src.index]),)
        if len(company.people) > 1 and rng.random() < 0.04:
            request.with_to = (rng.choice([i for i in company.people if i != dst.index]),)
        request.third_seat = self._third_seat(src, dst, length, company.role)
        self.requests.append(request)
        return True

    def _third_seat(self, src: _Person, dst: _Person, length: int, role: str) -> str:
        rng = self.rng
        if role in ("service", "interpreter"):
            return ""
        spoken = set(src.languages)
        if not spoken & set(dst.languages):
            if rng.random() < self.spec.interpreter_seat:
                for pair in self.spec.interpreter_pairs:
                    a, b = pair.split("-")
                    if (a in spoken and b in dst.languages) or (b in spoken and a in dst.languages):
                        return f"interpreter:{pair}"
            return ""
        if length > 1 and rng.random() < self.spec.service_seat:
            offered = [c.service for c in self.companies if c.role == "service"]
            options = [(s, w) for s, w in _SEAT_SERVICES if s in offered]
            if options:
                return f"service:{_pick(rng, options)}"
        return ""

    def _answers(self) -> None:
        """Statuses and ratings: the overbooked decline more, the latest are still pending."""
        rng = self.rng
        spec = self.spec
        rng.shuffle(self.requests)  # arrival order
        load: dict[int, int] = {}
        for r in self.requests:
            load[r.dst] = load.get(r.dst, 0) + 1
        day_minutes = _minutes(spec.day_end) - _minutes(spec.day_start)
        day_minutes -= sum(_minutes(e) - _minutes(s) for s, e, _ in spec.breaks)
        capacity = spec.days * day_minutes // spec.slot_minutes
        late = int(len(self.requests) * 0.85)
        for i, r in enumerate(self.requests):
            crowded = min(1.0, load[r.dst] / capacity)
            pending = 0.45 if i >= late else 0.05
            x = rng.random()
            if x < pending:
                r.status = "pending"
            elif x < pending + 0.04 + 0.16 * crowded:
                r.status = "declined"
            if r.status == "accepted" and rng.random() < 0.4:
                r.to_priority = _pick(rng, ((1, 0.1), (2, 0.25), (3, 0.35), (4, 0.2), (5, 0.1)))
            elif r.status == "declined" and rng.random() < 0.5:
                r.to_priority = 1

    # -- output -----------------------------------------------------------------------

    def _toml(self) -> TomlDoc:
        spec = self.spec
        fair: TomlTable = ordered(
            FAIR_KEYS,
            {
                "name": spec.title.format(year=self.start.year),
                "timezone": spec.timezone,
                "start": self.start.isoformat(),
                "days": spec.days,
                "day_start": spec.day_start,
                "day_end": spec.day_end,
                "slot_minutes": spec.slot_minutes,
                "currency": spec.currency,
                "online_rooms": 0,
            },
        )
        breaks: list[TomlTable] = [
            ordered(BREAK_KEYS, {"start": s, "end": e, "label": label})
            for s, e, label in spec.breaks
        ]
        pavilions: list[TomlTable] = [
            ordered(PAVILION_KEYS, {"id": pid, "name": name, "country": country})
            for pid, name, country in spec.pavilions
        ]
        tables: list[TomlTable] = []
        for pav, count in spec.tables.items():
            for k in range(count):
                capacity = 2 if self.rng.random() < 0.1 else 1
                table: TomlTable = {
                    "id": f"{pav}-T{k + 1:02d}",
                    "pavilion": pav,
                    "capacity": capacity,
                }
                tables.append(ordered(TABLE_KEYS, table))
        return {
            "fair": fair,
            "breaks": breaks,
            "pavilions": pavilions,
            "booths": list(self.booths),
            "tables": tables,
        }

    def _participant_rows(self) -> list[Row]:
        rows: list[Row] = []
        every_day = tuple(range(1, self.spec.days + 1))
        for company in self.companies:
            for i in company.people:
                p = self.people[i]
                onsite = "all" if p.onsite == every_day else ";".join(map(str, p.onsite))
                rows.append(
                    {
                        "id": p.pid,
                        "company": company.name,
                        "name": p.name,
                        "email": p.email,
                        "role": company.role,
                        "country": company.country,
                        "timezone": p.timezone,
                        "pavilion": company.pavilion,
                        "booth": company.booth,
                        "sectors": ";".join(company.sectors),
                        "offers": ";".join(company.offers),
                        "needs": ";".join(company.needs),
                        "languages": ";".join(p.languages),
                        "onsite": onsite,
                        "available": p.available,
                        "interprets": ";".join(p.interprets),
                        "service": company.service,
                        "max_per_day": p.max_per_day,
                        "max_total": p.max_total,
                    }
                )
        return rows

    def _request_rows(self) -> list[Row]:
        rng = self.rng
        zone = ZoneInfo(self.spec.timezone)
        opens = datetime.combine(self.start - timedelta(days=30), time(9, 0), zone)
        span = int(timedelta(days=29, hours=9).total_seconds())
        # Requests pile up towards the deadline.
        offsets = sorted(int(span * rng.random() ** 0.6) for _ in self.requests)
        for i in range(1, len(offsets)):
            offsets[i] = max(offsets[i], offsets[i - 1] + 1)
        rows: list[Row] = []
        for k, (r, offset) in enumerate(zip(self.requests, offsets, strict=True)):
            created = (opens + timedelta(seconds=offset)).isoformat(timespec="seconds")
            rows.append(
                {
                    "id": f"R{k + 1:05d}",
                    "from": self.people[r.src].pid,
                    "to": self.people[r.dst].pid,
                    "priority": str(r.priority),
                    "to_priority": str(r.to_priority) if r.to_priority else "",
                    "mode": r.mode,
                    "status": r.status,
                    "length": str(r.length),
                    "with_from": ";".join(self.people[i].pid for i in r.with_from),
                    "with_to": ";".join(self.people[i].pid for i in r.with_to),
                    "third_seat": r.third_seat,
                    "created": created,
                }
            )
        return rows


# --- Small helpers ---------------------------------------------------------------------


# The expo's grid and people with half as many requests again: a fair where demand far
# outstrips the slots, which is where the solver's margin over greedy shows most.
_SPECS["tight"] = replace(
    _SPECS["expo"], requests=12000, title=_SPECS["expo"].title + " (high demand)"
)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _ascii(text: str) -> str:
    return "".join(n.ASCII_FOLD.get(ch, ch) for ch in text).encode("ascii", "ignore").decode()


_LEGAL_WORDS: Final[frozenset[str]] = frozenset(
    {"co", "ltd", "llc", "llp", "gmbh", "kg", "ag", "pvt", "inc", "and", "mbh"}
)


def _slug(roman: str) -> str:
    words = re.findall(r"[a-z0-9]+", _ascii(roman).lower())
    return "-".join(w for w in words if w not in _LEGAL_WORDS)[:48].strip("-")


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


# --- Public API ------------------------------------------------------------------------


def generate(scale: Scale, seed: int, start: date) -> GeneratedFair:
    """Build a fair of the given scale, starting on `start`, from `seed` alone.

    `scale` is "video" (Qingdao–Busan video negotiation fair: ~200 people, 2 days),
    "expo" (Japan–Korea import expo: ~1,000 companies, 3 days) or "small" (~60 people,
    for fast tests). The same arguments always give the same fair.
    """
    if scale not in _SPECS:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return _Builder(scale, _SPECS[scale], random.Random(seed), start).build(seed)


def toml_text(doc: Mapping[str, TomlTable | Sequence[TomlTable]], comment: str = "") -> str:
    """Render a document of tables and arrays of tables as TOML.

    Strings use TOML basic-string escapes (JSON's, plus DEL), so any text round-trips
    through `tomllib`. Only the shapes `fair.toml` needs are supported.
    """
    lines: list[str] = []
    if comment:
        lines.extend(f"# {line}" for line in comment.splitlines())
        lines.append("")
    for key, value in doc.items():
        if isinstance(value, Mapping):
            lines.append(f"[{_toml_key(key)}]")
            lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
            lines.append("")
        else:
            for table in value:
                lines.append(f"[[{_toml_key(key)}]]")
                lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())
                lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _toml_value(value: TomlScalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _toml_string(value)


def csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    """Rows as comma-separated text with a header row, every cell quoted as needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def write(generated: GeneratedFair, out_dir: Path) -> list[Path]:
    """Write the import directory (`fair.toml` and three CSV files, UTF-8) and list it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    comment = f"Generated by fair.sample.generate: scale {generated.scale}, seed {generated.seed}."
    files = {
        "fair.toml": toml_text(generated.toml, comment),
        "participants.csv": csv_text(PARTICIPANT_COLUMNS, generated.participants),
        "requests.csv": csv_text(REQUEST_COLUMNS, generated.requests),
        "products.csv": csv_text(PRODUCT_COLUMNS, generated.products),
    }
    paths: list[Path] = []
    for filename, text in files.items():
        path = out_dir / filename
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    return paths
