"""Generated companies: exhibitors, buyers, service providers and interpreter firms.

Names read like real firms of their country (`fair.sample.names`) and are unique; an
exhibitor offers goods of its country's export sectors, a buyer needs what exhibitors
from elsewhere offer (hot goods more often), and exhibitors' popularity follows a Zipf
law.
"""

from __future__ import annotations

import re
from typing import Final

from fair.sample import names as n
from fair.sample.draft import Company, Draft, ascii_fold, pick
from fair.sample.sectors import CATEGORIES_BY_SECTOR, CATEGORY_BY_KEY, CHANNELS, EXPORT_SECTORS

_CURRENCIES: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "CN": (("CNY", 0.5), ("USD", 0.5)),
    "KR": (("USD", 0.6), ("KRW", 0.4)),
    "JP": (("JPY", 0.5), ("USD", 0.5)),
    "DE": (("EUR", 1.0),),
}

# Words that set apart firms of the same brand and trade ("Amore Global Cosmetics").
_QUALIFIERS: Final[dict[str, tuple[n.Pair, ...]]] = {
    "CN": (
        ("国际", "International"),
        ("环球", "Global"),
        ("东方", "Dongfang"),
        ("中联", "Zhonglian"),
        ("恒信", "Hengxin"),
        ("瑞丰", "Ruifeng"),
        ("海通", "Haitong"),
        ("金泰", "Jintai"),
    ),
    "KR": (
        ("글로벌", "Global"),
        ("인터내셔널", "International"),
        ("코리아", "Korea"),
        ("바이오", "Bio"),
        ("테크", "Tech"),
        ("플러스", "Plus"),
        ("그린", "Green"),
        ("프라임", "Prime"),
        ("미래", "Mirae"),
        ("한빛", "Hanbit"),
    ),
    "JP": (
        ("グローバル", "Global"),
        ("インターナショナル", "International"),
        ("ジャパン", "Japan"),
        ("バイオ", "Bio"),
        ("テック", "Tech"),
        ("プラス", "Plus"),
        ("東洋", "Toyo"),
        ("大和", "Yamato"),
        ("中央", "Chuo"),
    ),
    "DE": tuple(
        (w, w) for w in ("Nord", "Süd", "Rhein", "Elbe", "Hanse", "Bayern", "Saxonia", "Tech")
    ),
    "*": tuple((w, w) for w in ("Global", "International", "Tech", "Industries", "Group", "Prime")),
}

# How much a famous exhibitor makes its goods sought after (buyers' needs follow it).
_HOT: Final = 8.0

_LEGAL_WORDS: Final[frozenset[str]] = frozenset(
    {"co", "ltd", "llc", "llp", "gmbh", "kg", "ag", "pvt", "inc", "and", "mbh"}
)


def _register(
    draft: Draft, role: str, country: str, name: str, roman: str, brand: str
) -> Company | None:
    if name in draft.company_names or roman in draft.roman_names:
        return None
    slug = _slug(roman)
    if not slug:
        return None
    draft.company_names.add(name)
    draft.roman_names.add(roman)
    company = Company(len(draft.companies), role, country, name, roman, brand, slug)
    draft.companies.append(company)
    return company


def _native_share(country: str) -> float:
    """How often a company of `country` goes by its name in its own script."""
    return {"CN": 0.75, "KR": 0.55, "JP": 0.6}.get(country, 0.0)


def _company_name(
    draft: Draft, country: str, sector: str, trade: bool, qualifier: n.Pair | None = None
) -> tuple[str, str, str]:
    """(display name, romanised name, brand) for a maker (or trader) in `sector`; a
    `qualifier` ("Global", "국제"...) goes between the brand and the trade."""
    rng = draft.rng
    q_native, q_roman = qualifier or ("", "")
    q_sp = f" {q_roman}" if q_roman else ""
    native_share = _native_share(country)
    if country == "CN":
        city, brand = rng.choice(n.CN_CITIES), rng.choice(n.CN_BRANDS)
        if trade:
            ind = rng.choice(n.CN_TRADE)
            if rng.random() < 0.4:
                base = rng.choice(n.CN_INDUSTRY[sector])
                ind = (base[0] + "贸易", base[1] + " Trading")
        else:
            ind = rng.choice(n.CN_INDUSTRY[sector])
        native = f"{city[0]}{brand[0]}{q_native}{ind[0]}有限公司"
        roman = f"{city[1]} {brand[1]}{q_sp} {ind[1]} Co., Ltd."
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
        core = f"{prefix[0]}{q_native}{ind[0]}"
        if country == "KR":
            native = rng.choice((f"{core} 주식회사", f"주식회사 {core}", f"(주){core}"))
        else:
            native = rng.choice((f"株式会社{core}", f"{core}株式会社"))
        roman = f"{prefix[1]}{q_sp} {ind[1]} Co., Ltd."
        return (native if rng.random() < native_share else roman), roman, prefix[1]
    if country == "DE":
        prefix_de = rng.choice(n.DE_PREFIXES)
        suffix = rng.choice(n.DE_SUFFIXES)
        if trade:
            roman = f"{prefix_de}{q_sp} Import-Export {suffix}"
        else:
            ind_de = rng.choice(n.DE_INDUSTRY[sector])
            roman = (
                f"Brauerei {prefix_de}{q_sp} {suffix}"
                if ind_de == "Brauerei"
                else f"{prefix_de}{q_sp} {ind_de} {suffix}"
            )
        return roman, roman, prefix_de
    if country == "IL":
        prefix_il = rng.choice(n.IL_PREFIXES)
        ind_il = "Trading" if trade else rng.choice(n.IL_INDUSTRY[sector])
        roman = f"{prefix_il}{q_sp} {ind_il} Ltd."
        return roman, roman, prefix_il
    prefixes, legal, _, _ = n.SCO_COUNTRIES[country]
    prefix_sco = rng.choice(prefixes)
    ind_sco = "Trading" if trade else rng.choice(n.SCO_INDUSTRY[sector])
    roman = f"{prefix_sco}{q_sp} {ind_sco} {legal}"
    return roman, roman, prefix_sco


def _new_company(draft: Draft, role: str, country: str, sector: str, trade: bool) -> Company:
    for attempt in range(200):
        qualifier = None
        if draft.spec.qualified_names and attempt >= 20:
            # a fair of thousands runs out of plain brand-and-trade names: qualify them
            # (drawn only for such a fair, so the other scales' stream is unchanged)
            qualifier = draft.rng.choice(_QUALIFIERS.get(country, _QUALIFIERS["*"]))
        name, roman, brand = _company_name(draft, country, sector, trade, qualifier)
        company = _register(draft, role, country, name, roman, brand)
        if company is not None:
            return company
    raise RuntimeError(f"ran out of company names for {country} {sector}")


def exhibitor(draft: Draft, country: str) -> None:
    """A maker of `country`'s export sectors, in its country's pavilion."""
    rng = draft.rng
    weights = EXPORT_SECTORS[country]
    sector = pick(rng, list(weights.items()))
    company = _new_company(draft, "exhibitor", country, sector, trade=False)
    company.sectors = [sector]
    cats = [c.key for c in CATEGORIES_BY_SECTOR[sector]]
    company.offers = rng.sample(cats, k=min(len(cats), rng.choice((1, 2, 2, 3))))
    if rng.random() < 0.15:
        second = pick(rng, [(s, float(w)) for s, w in weights.items() if s != sector])
        company.sectors.append(second)
        company.offers.append(rng.choice(CATEGORIES_BY_SECTOR[second]).key)
    company.needs = rng.sample(CHANNELS, k=rng.choice((1, 2, 2, 3)))
    company.pavilion = draft.spec.pavilion_of[country]
    company.currency = pick(rng, _CURRENCIES.get(country, (("USD", 1.0),)))


def buyer(draft: Draft, country: str) -> None:
    """A buyer needs what exhibitors from other countries offer; hot goods draw more."""
    rng = draft.rng
    supply: dict[str, float] = {}
    for c in draft.companies:
        if c.role == "exhibitor" and c.country != country:
            for key in c.offers:
                supply[key] = supply.get(key, 0.0) + 1.0 + _HOT * c.popularity
    by_sector: dict[str, float] = {}
    for key, count in supply.items():
        sector = CATEGORY_BY_KEY[key].sector
        by_sector[sector] = by_sector.get(sector, 0.0) + count
    sectors = [pick(rng, list(by_sector.items()))]
    if rng.random() < 0.3:
        sectors.append(pick(rng, list(by_sector.items())))
    sectors = list(dict.fromkeys(sectors))
    needs: list[str] = []
    for sector in sectors:
        options = [(k, w) for k, w in supply.items() if CATEGORY_BY_KEY[k].sector == sector]
        for _ in range(rng.choice((1, 2, 2, 3))):
            needs.append(pick(rng, options))
    company = _new_company(draft, "buyer", country, sectors[0], trade=True)
    company.sectors = sectors
    company.needs = list(dict.fromkeys(needs))
    company.offers = rng.sample(CHANNELS[:5], k=rng.choice((1, 1, 2)))
    company.activity = rng.lognormvariate(0.0, 0.6)


def service(draft: Draft, kind: str) -> None:
    """A Chinese or Korean provider of `kind` (legal, ip, ...) in the service centre."""
    rng = draft.rng
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
        company = _register(draft, "service", country, name, roman, roman.split()[0])
        if company is not None:
            company.service = kind
            company.pavilion = "SVC"
            return
    raise RuntimeError(f"ran out of names for {kind} providers")


def interpreter_firm(draft: Draft, i: int) -> Company:
    """The `i`th interpreting agency; its interpreters come later (`people.interpreters`)."""
    rng = draft.rng
    country, (native_t, roman_t) = n.INTERPRETER_FIRMS[i % len(n.INTERPRETER_FIRMS)]
    for _ in range(200):
        brand = rng.choice(n.CN_BRANDS if country == "CN" else n.KR_BRANDS)
        native = native_t.format(brand=brand[0])
        roman = roman_t.format(brand=brand[1])
        company = _register(draft, "interpreter", country, native, roman, brand[1])
        if company is not None:
            return company
    raise RuntimeError("ran out of interpreter firm names")


def popularity(draft: Draft) -> None:
    """Zipf-like popularity over a ranking that favours big, widely sought exhibitors."""
    rng = draft.rng
    exhibitors = [c for c in draft.companies if c.role == "exhibitor"]
    # An exhibitor's pull grows with its size and with the buyers it can reach
    # (buyers rarely ask for companies from their own country).
    audience = {
        country: 1 + sum(k for c, k in draft.spec.buyers.items() if c != country)
        for country in draft.spec.exhibitors
    }
    pull = {c.index: (1.0 + rng.random() * 2.0) * audience[c.country] for c in exhibitors}
    ranked = sorted(exhibitors, key=lambda c: rng.random() / pull[c.index])
    for rank, company in enumerate(ranked):
        company.popularity = 1.0 / (rank + 1) ** draft.spec.zipf


def _slug(roman: str) -> str:
    words = re.findall(r"[a-z0-9]+", ascii_fold(roman).lower())
    return "-".join(w for w in words if w not in _LEGAL_WORDS)[:48].strip("-")
