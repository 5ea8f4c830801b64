"""Generated people: each company's staff and the interpreters' pool.

Where a person is (on site in China or at home), their time zone, working hours and
languages follow their company's country and the fair's venue; names and e-mails are
unique.
"""

from __future__ import annotations

import re
from typing import Final

from fair.sample import names as n
from fair.sample.draft import Company, Draft, Person, ascii_fold, pick
from fair.sample.scales import SCO

HOME_TZ: Final[dict[str, str]] = {
    "CN": "Asia/Shanghai",
    "KR": "Asia/Seoul",
    "JP": "Asia/Tokyo",
    "DE": "Europe/Berlin",
    "IL": "Asia/Jerusalem",
} | {c: n.SCO_COUNTRIES[c][2] for c in SCO}

_NATIVE_LANGS: Final[dict[str, tuple[str, ...]]] = {
    "CN": ("zh",),
    "KR": ("ko",),
    "JP": ("ja",),
    "DE": ("de", "en"),
    "IL": ("he", "en"),
} | {c: n.SCO_COUNTRIES[c][3] for c in SCO}

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

_PAIR_WEIGHT: Final[dict[str, float]] = {
    "zh-ko": 5.0,
    "zh-ja": 3.0,
    "zh-en": 3.0,
    "ko-en": 1.0,
    "de-zh": 1.0,
    "zh-ru": 1.0,
}


def staff(draft: Draft, company: Company) -> None:
    """One to three people for `company`, on site or at home as its country and the
    venue make likely (interpreters are staffed by `interpreters`)."""
    rng = draft.rng
    spec = draft.spec
    if company.role == "interpreter":
        return
    if company.role == "exhibitor":
        shares = spec.exhibitor_staff
    elif company.role == "buyer":
        shares = spec.buyer_staff
    else:
        shares = (0.7, 0.3, 0.0)
    size = pick(rng, [(1, shares[0]), (2, shares[1]), (3, shares[2])])
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
            onsite = _visit_days(draft, days)
        elif comes and (k == 0 or rng.random() < 0.7):
            onsite = days
        else:
            onsite = ()  # e.g. a colleague at headquarters who joins online
        in_china = bool(onsite) or local or company.country == "CN"
        tz = spec.timezone if in_china else HOME_TZ[company.country]
        weight = 1.0 if k == 0 else spec.colleague_weight
        person = _person(draft, company, tz, onsite, weight=weight)
        if company.role == "service":
            person.max_per_day = str(rng.choice((6, 8, 10)))


def _visit_days(draft: Draft, days: tuple[int, ...]) -> tuple[int, ...]:
    rng = draft.rng
    r = rng.random()
    if r < 0.4 or len(days) == 1:
        return days
    if r < 0.9:
        k = rng.randint(1, len(days) - 1)
        return tuple(sorted(rng.sample(days, k)))
    return ()


def _person(
    draft: Draft,
    company: Company,
    tz: str,
    onsite: tuple[int, ...],
    weight: float,
    languages: tuple[str, ...] | None = None,
) -> Person:
    rng = draft.rng
    country = company.country
    native, given, family = _person_name(draft, country)
    if languages is None:
        langs = list(_NATIVE_LANGS[country])
        for lang, p in _EXTRA_LANGS.get(country, ()):
            if lang not in langs and rng.random() < p:
                langs.append(lang)
        languages = tuple(langs)
    person = Person(
        index=len(draft.people),
        pid="",
        company=company.index,
        name=native,
        email=_email(draft, given, family, company),
        timezone=tz,
        languages=languages,
        onsite=onsite,
        available=pick(rng, _WINDOWS[tz]),
        weight=weight,
    )
    if rng.random() < draft.spec.max_per_day:
        person.max_per_day = str(rng.randint(3, 8))
    elif rng.random() < 0.03:
        person.max_total = str(rng.randint(8, 20))
    draft.people.append(person)
    company.people.append(person.index)
    return person


def _person_name(draft: Draft, country: str) -> tuple[str, str, str]:
    """(name as written, given name, family name), the last two in ASCII-able Latin."""
    rng = draft.rng
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


def _email(draft: Draft, given: str, family: str, company: Company) -> str:
    local = ascii_fold(f"{given}.{family}").lower()
    local = re.sub(r"[^a-z0-9.]+", "", local.replace(" ", "").replace("-", ""))
    domain = f"{company.slug}.{company.country.lower()}.example"
    email = f"{local}@{domain}"
    k = 2
    while email in draft.emails:
        email = f"{local}{k}@{domain}"
        k += 1
    draft.emails.add(email)
    return email


def interpreters(draft: Draft, firms: list[Company]) -> None:
    """Interpreters cover every pair of the pool; zh-ko is the most common."""
    rng = draft.rng
    spec = draft.spec
    pairs = spec.interpreter_pairs
    weighted = [(p, _PAIR_WEIGHT.get(p, 1.0)) for p in pairs]
    k = 0
    days = tuple(range(1, spec.days + 1))
    for firm, size in zip(firms, spec.interpreter_firms, strict=True):
        for _ in range(size):
            first = pairs[k] if k < len(pairs) else pick(rng, weighted)
            covered = [first]
            if rng.random() < 0.3:
                second = pick(rng, weighted)
                if second != first:
                    covered.append(second)
            langs = list(dict.fromkeys(lang for p in covered for lang in p.split("-")))
            onsite: tuple[int, ...]
            if firm.country == "KR" and spec.venue == "cloud":
                tz, onsite = "Asia/Seoul", ()
            elif rng.random() < 0.75:
                tz, onsite = spec.timezone, days
            else:
                tz, onsite = HOME_TZ[firm.country], ()
            person = _person(draft, firm, tz, onsite, 1.0, languages=tuple(langs))
            person.interprets = tuple(covered)
            person.max_per_day = str(rng.choice((8, 10, 12)))
            person.max_total = ""
            k += 1
    # The importer demands every pair a request names be covered: make sure.
    covered_all = {p for person in draft.people for p in person.interprets}
    missing = [p for p in pairs if p not in covered_all]
    if missing:  # only when the pool has fewer interpreters than pairs
        raise RuntimeError(f"interpreter pairs without an interpreter: {missing}")
