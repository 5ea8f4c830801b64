"""Matchmaking: ranked counterparts with the reasons shown, on hand-made companies."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.db import session_scope
from fair.loader import import_files
from fair.matchmaking import Profile, Reason, rank, score, suggestions
from fair.models import Participant
from fair.requests import send_request
from tests.factories import fair_files


def profile(company_id: int, role: str, country: str, **kw: object) -> Profile:
    values = {k: frozenset(v) for k, v in kw.items() if isinstance(v, list | set | tuple)}
    return Profile(company_id, role, country, **values)  # type: ignore[arg-type]


SEOUL_BEAUTY = profile(
    1,
    "exhibitor",
    "KR",
    sectors=["cosmetics"],
    offers=["cosmetics OEM", "sheet masks"],
    needs=["distribution"],
    languages=["ko", "en"],
)
SHANGHAI_BUYER = profile(
    2,
    "buyer",
    "CN",
    sectors=["cosmetics"],
    offers=["distribution"],
    needs=["cosmetics OEM"],
    languages=["zh", "ko"],
)
TOKYO_FOOD = profile(
    3, "exhibitor", "JP", sectors=["food & beverage"], offers=["snacks"], languages=["ja"]
)
SHANGHAI_FOOD = profile(
    4, "exhibitor", "CN", sectors=["food & beverage"], offers=["snacks"], languages=["zh"]
)
LAWYER = profile(5, "service", "CN", languages=["zh", "en"], services=["legal"])
OTHER_BUYER = profile(6, "buyer", "DE", sectors=["cosmetics"], needs=["cosmetics OEM"])


def test_score_reasons_name_what_matched() -> None:
    found = score(SHANGHAI_BUYER, SEOUL_BEAUTY)
    texts = [r.text() for r in found.reasons]
    assert texts == [
        "offers what you seek: cosmetics OEM",
        "seeks what you offer: distribution",
        "same sector: cosmetics",
        "speaks Korean",
        "from another market: KR",
    ]
    assert found.reasons[0] == Reason("offers", ("cosmetics OEM",))


def test_rank_puts_the_supplier_of_my_need_first() -> None:
    ranked = rank(SHANGHAI_BUYER, [LAWYER, TOKYO_FOOD, SEOUL_BEAUTY, SHANGHAI_FOOD])
    assert ranked[0].company_id == SEOUL_BEAUTY.company_id


def test_rank_leaves_out_my_company_my_role_and_the_excluded() -> None:
    ranked = rank(SHANGHAI_BUYER, [SHANGHAI_BUYER, OTHER_BUYER, SEOUL_BEAUTY], exclude=[1])
    assert ranked == []


def test_rank_leaves_out_companies_with_no_reason() -> None:
    # Same country, nothing offered or sought, no common language or sector.
    ranked = rank(SHANGHAI_BUYER, [SHANGHAI_FOOD], languages=frozenset({"en"}))
    assert ranked == []


def test_rank_uses_the_askers_own_languages() -> None:
    only_japanese = rank(SHANGHAI_BUYER, [TOKYO_FOOD], languages=frozenset({"ja"}))
    chinese = rank(SHANGHAI_BUYER, [TOKYO_FOOD], languages=frozenset({"zh"}))
    assert "speaks Japanese" in [r.text() for r in only_japanese[0].reasons]
    assert "speaks Japanese" not in [r.text() for r in chinese[0].reasons]
    assert only_japanese[0].score > chinese[0].score


def test_rank_offers_a_service_provider_with_its_service() -> None:
    ranked = rank(SEOUL_BEAUTY, [LAWYER])
    assert "professional service: legal" in [r.text() for r in ranked[0].reasons]


def test_rank_weighs_rare_matches_above_common_ones() -> None:
    me = profile(10, "buyer", "CN", needs=["sheet masks", "OEM"])
    rare = profile(11, "exhibitor", "KR", offers=["sheet masks"])
    common = [profile(20 + i, "exhibitor", "KR", offers=["OEM"]) for i in range(5)]
    ranked = rank(me, [*common, rare])
    assert ranked[0].company_id == 11


@pytest.mark.integration
def test_suggestions_for_a_participant_skip_companies_already_asked(engine: Engine) -> None:
    summary = import_files(engine, fair_files())
    with Session(engine) as s:
        people = s.exec(select(Participant).where(Participant.fair_id == summary.fair_id)).all()
        me = next(p for p in people if p.key == "kr1")
        before = suggestions(s, me)
    assert before, "the hand-made fair has buyers for kr1"
    assert all(x.reasons for x in before)
    assert me.company_id not in {x.company_id for x in before}
    first = before[0]
    with session_scope(engine) as s:
        send_request(s, me, first.contact_key)
    with Session(engine) as s:
        after = suggestions(s, me)
    assert first.company_id not in {x.company_id for x in after}
