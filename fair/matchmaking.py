"""Matchmaking: for each participant, the companies worth meeting, with the reasons.

The score is a sum of plain, explainable terms, each of which becomes a reason shown on
the page:

- the other company offers what mine seeks (my needs ∩ their offers), the strongest;
- it seeks what mine offers (their needs ∩ my offers);
- a sector in common;
- one of its people speaks one of my languages;
- it comes from another country (most meetings at these fairs are cross-border);
- a professional service (legal, audit, visa ...) every company may need, weakly.

`rank` works on plain `Profile`s (no database); `suggestions` loads them for a signed-in
participant, leaves out their own company and every company they already have (`known`:
one of its people and the participant have a request in either direction, whatever its
status, or a meeting in the published schedule), and picks the person to ask at each
company (one who shares a language if there is one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlmodel import Session, col, select

from fair.models import (
    Booth,
    Company,
    Meeting,
    MeetingRequest,
    Participant,
    Pavilion,
    Product,
    Role,
)
from fair.versions import published_version_id

# How much each kind of reason weighs.
W_OFFERS: Final = 3.0
W_SEEKS: Final = 2.0
W_SECTOR: Final = 3.0
W_LANGUAGE: Final = 0.5
W_ABROAD: Final = 2.0
W_SERVICE: Final = 0.25
W_SIZE: Final = 0.1  # per log(products): a tie-break towards fuller stands

# Who may usefully meet whom (interpreters are booked as a third seat, not met).
COUNTERPARTS: Final[dict[str, tuple[str, ...]]] = {
    Role.BUYER: (Role.EXHIBITOR, Role.SERVICE),
    Role.EXHIBITOR: (Role.BUYER, Role.SERVICE),
    Role.SERVICE: (Role.EXHIBITOR, Role.BUYER),
}

LANGUAGE_NAMES: Final[dict[str, str]] = {
    "zh": "Chinese",
    "ko": "Korean",
    "ja": "Japanese",
    "en": "English",
    "de": "German",
    "he": "Hebrew",
    "ru": "Russian",
    "fr": "French",
    "es": "Spanish",
    "ar": "Arabic",
    "kk": "Kazakh",
    "uz": "Uzbek",
    "hi": "Hindi",
}


@dataclass(frozen=True)
class Profile:
    """A company as matchmaking sees it."""

    company_id: int
    role: str
    country: str
    sectors: frozenset[str] = frozenset()
    offers: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # spoken by at least one of its people
    services: frozenset[str] = frozenset()  # "legal", "visa" ... for service providers
    products: int = 0


@dataclass(frozen=True)
class Reason:
    """Why a counterpart is suggested; `kind` is one of "offers", "seeks", "sector",
    "language", "abroad", "service"; `items` what matched (categories, sectors,
    language codes, a country code)."""

    kind: str
    items: tuple[str, ...] = ()

    def text(self) -> str:
        """English text of the reason (the pages translate from `kind` and `items`)."""
        joined = ", ".join(self.items)
        if self.kind == "offers":
            return f"offers what you seek: {joined}"
        if self.kind == "seeks":
            return f"seeks what you offer: {joined}"
        if self.kind == "sector":
            return "same sector" + (f": {joined}" if joined else "")
        if self.kind == "language":
            return "speaks " + " and ".join(LANGUAGE_NAMES.get(c, c) for c in self.items)
        if self.kind == "abroad":
            return f"from another market: {joined}"
        return f"professional service: {joined}"


@dataclass(frozen=True)
class Scored:
    company_id: int
    score: float
    reasons: tuple[Reason, ...]


def _sorted(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(items))


def rarity(candidates: Iterable[Profile]) -> dict[str, float]:
    """How telling a match on each offer or need is: 1 + ln(companies / companies naming
    it). A match on "OEM", which half the fair names, says less than "sheet masks"."""
    counts: dict[str, int] = {}
    n = 0
    for c in candidates:
        n += 1
        for item in c.offers | c.needs:
            counts[item] = counts.get(item, 0) + 1
    return {item: 1.0 + math.log(n / k) for item, k in counts.items()}


def score(
    me: Profile,
    other: Profile,
    languages: frozenset[str] | None = None,
    weights: Mapping[str, float] | None = None,
) -> Scored:
    """How well `other` fits `me`, and why. `languages` are the asking person's own
    (default: every language of `me`'s company); `weights` how telling a match on each
    offer or need is (`rarity`; default 1 each)."""
    reasons: list[Reason] = []
    total = 0.0
    weight = (weights or {}).get
    offered = me.needs & other.offers
    if offered:
        total += W_OFFERS * sum(weight(i, 1.0) for i in offered)
        reasons.append(Reason("offers", _sorted(offered)))
    sought = me.offers & other.needs
    if sought:
        total += W_SEEKS * sum(weight(i, 1.0) for i in sought)
        reasons.append(Reason("seeks", _sorted(sought)))
    common = me.sectors & other.sectors
    if common:
        total += W_SECTOR
        reasons.append(Reason("sector", _sorted(common)))
    spoken = (me.languages if languages is None else languages) & other.languages
    if spoken:
        # English is everyone's fallback: a shared mother tongue counts more.
        total += W_LANGUAGE * (2.0 if spoken - {"en"} else 1.0)
        reasons.append(Reason("language", _sorted(spoken - {"en"}) or ("en",)))
    if other.country and me.country and other.country != me.country:
        total += W_ABROAD
        reasons.append(Reason("abroad", (other.country,)))
    if other.role == Role.SERVICE and other.services:
        total += W_SERVICE
        reasons.append(Reason("service", _sorted(other.services)))
    total += W_SIZE * math.log1p(other.products)
    return Scored(other.company_id, round(total, 4), tuple(reasons))


def rank(
    me: Profile,
    candidates: Sequence[Profile],
    *,
    languages: frozenset[str] | None = None,
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Scored]:
    """`candidates` that `me` may meet, best first (ties by company id).

    Only roles in `COUNTERPARTS[me.role]` count; `exclude` drops company ids (mine is
    always dropped). A candidate with no reason at all (nothing in common, same country,
    no service) is left out.
    """
    allowed = COUNTERPARTS.get(me.role, ())
    skip = {me.company_id, *exclude}
    weights = rarity(candidates)
    scored = [
        score(me, other, languages, weights)
        for other in candidates
        if other.role in allowed and other.company_id not in skip
    ]
    found = sorted((s for s in scored if s.reasons), key=lambda s: (-s.score, s.company_id))
    return found if limit is None else found[:limit]


# ------------------------------------------------------------------------- database


def profiles(session: Session, fair_id: int) -> dict[int, Profile]:
    """Every company of the fair as a `Profile`, by company id."""
    languages: dict[int, set[str]] = {}
    services: dict[int, set[str]] = {}
    for p in session.exec(select(Participant).where(Participant.fair_id == fair_id)):
        languages.setdefault(p.company_id, set()).update(p.languages)
        if p.service:
            services.setdefault(p.company_id, set()).add(p.service)
    products: dict[int, int] = {}
    for company_id in session.exec(select(Product.company_id).where(Product.fair_id == fair_id)):
        products[company_id] = products.get(company_id, 0) + 1
    found: dict[int, Profile] = {}
    for c in session.exec(select(Company).where(Company.fair_id == fair_id)):
        assert c.id is not None
        found[c.id] = Profile(
            company_id=c.id,
            role=c.role,
            country=c.country,
            sectors=frozenset(c.sectors),
            offers=frozenset(c.offers),
            needs=frozenset(c.needs),
            languages=frozenset(languages.get(c.id, ())),
            services=frozenset(services.get(c.id, ())),
            products=products.get(c.id, 0),
        )
    return found


@dataclass(frozen=True)
class Suggestion:
    """A company to meet, the person to ask there, and why."""

    company_id: int
    company: str
    country: str
    role: str
    pavilion: str
    booth: str
    contact_key: str
    contact_name: str
    score: float
    reasons: tuple[Reason, ...]
    sectors: tuple[str, ...] = field(default=())


def _contact(people: Sequence[Participant], languages: Iterable[str]) -> Participant:
    mine = set(languages)
    return min(people, key=lambda p: (-len(mine & set(p.languages)), p.key))


def known(session: Session, me: Participant) -> set[int]:
    """Companies `me` already has: one of its people and `me` have a request in either
    direction (pending, accepted or declined), or a meeting in the published schedule
    (the third seat counts: an interpreter has met both companies)."""
    assert me.id is not None
    pairs = session.exec(
        select(MeetingRequest.id, MeetingRequest.from_id, MeetingRequest.to_id).where(
            MeetingRequest.fair_id == me.fair_id,
            (col(MeetingRequest.from_id) == me.id) | (col(MeetingRequest.to_id) == me.id),
        )
    ).all()
    others = {to_id if from_id == me.id else from_id for _, from_id, to_id in pairs}
    version_id = published_version_id(session, me.fair_id)
    if version_id is not None:
        for from_id, to_id in session.exec(
            select(MeetingRequest.from_id, MeetingRequest.to_id)
            .join(Meeting, col(Meeting.request_id) == col(MeetingRequest.id))
            .where(Meeting.version_id == version_id, Meeting.third_seat_id == me.id)
        ):
            others.update((from_id, to_id))
    if not others:
        return set()
    return set(
        session.exec(
            select(Participant.company_id).where(col(Participant.id).in_(sorted(others)))
        ).all()
    )


def suggestions(session: Session, me: Participant, limit: int = 20) -> list[Suggestion]:
    """The companies `me` should meet, best first, without those `me` already has
    (`known`)."""
    assert me.id is not None
    everyone = profiles(session, me.fair_id)
    mine = everyone.get(me.company_id)
    if mine is None:
        return []
    asked = known(session, me)
    people: dict[int, list[Participant]] = {}
    for p in session.exec(
        select(Participant).where(Participant.fair_id == me.fair_id).order_by(col(Participant.key))
    ):
        people.setdefault(p.company_id, []).append(p)
    candidates = [p for p in everyone.values() if p.company_id in people]
    ranked = rank(
        mine,
        candidates,
        languages=frozenset(me.languages) or None,
        exclude=asked,
        limit=limit,
    )
    companies = {
        c.id: c
        for c in session.exec(
            select(Company).where(col(Company.id).in_([s.company_id for s in ranked]))
        )
    }
    pavilions = {
        p.id: p.name for p in session.exec(select(Pavilion).where(Pavilion.fair_id == me.fair_id))
    }
    booths = {b.id: b.key for b in session.exec(select(Booth).where(Booth.fair_id == me.fair_id))}
    found = []
    for s in ranked:
        company = companies[s.company_id]
        contact = _contact(people[s.company_id], me.languages)
        found.append(
            Suggestion(
                company_id=s.company_id,
                company=company.name,
                country=company.country,
                role=company.role,
                pavilion=pavilions.get(company.pavilion_id, "") if company.pavilion_id else "",
                booth=booths.get(company.booth_id, "") if company.booth_id else "",
                contact_key=contact.key,
                contact_name=contact.name,
                score=s.score,
                reasons=s.reasons,
                sectors=tuple(company.sectors),
            )
        )
    return found
