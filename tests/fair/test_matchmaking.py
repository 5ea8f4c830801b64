"""Matchmaking: ranked counterparts with the reasons shown, on hand-made companies."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair.db import open_database, session_scope
from fair.importer.files import read_directory
from fair.loader import import_files
from fair.matchmaking import Profile, Reason, known, rank, score, suggestions
from fair.models import Meeting, MeetingRequest, Participant
from fair.publishing import publish
from fair.requests import send_request
from fair.sample.generate import GeneratedFair, generate, write
from fair.scheduling import schedule_fair
from fair.versions import published_version_id
from tests.factories import fair_files


def fair_files_of(generated: GeneratedFair) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        write(generated, Path(tmp))
        return read_directory(Path(tmp))


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
        me = next(p for p in people if p.key == "kr2")  # de1 asked kr2 (r3); cn1 did not
        before = suggestions(s, me)
    assert before, "the hand-made fair has a buyer for kr2"
    assert all(x.reasons for x in before)
    assert me.company_id not in {x.company_id for x in before}
    first = before[0]
    with session_scope(engine) as s:
        send_request(s, me, first.contact_key)
    with Session(engine) as s:
        after = suggestions(s, me)
    assert first.company_id not in {x.company_id for x in after}


@pytest.mark.integration
def test_suggestions_leave_out_companies_that_asked_me_whatever_the_answer(
    engine: Engine,
) -> None:
    summary = import_files(engine, fair_files())
    with Session(engine) as s:
        people = {
            p.key: p
            for p in s.exec(select(Participant).where(Participant.fair_id == summary.fair_id))
        }
        # cn1 (r1, accepted) and de1 (r2, accepted) asked kr1: both buyers are taken.
        assert known(s, people["kr1"]) == {people["cn1"].company_id, people["de1"].company_id}
        assert suggestions(s, people["kr1"]) == []
        # kr2 received de1's pending request (r3): de1's company is left out, cn1's is not.
        kr2 = [x.company_id for x in suggestions(s, people["kr2"])]
    assert people["de1"].company_id not in kr2
    assert people["cn1"].company_id in kr2


def _known_independently(s: Session, me: Participant, version_id: int | None) -> set[int]:
    """What `known` promises, recomputed from the rows without its queries."""
    company = {p.id: p.company_id for p in s.exec(select(Participant))}
    found: set[int] = set()
    for r in s.exec(select(MeetingRequest).where(MeetingRequest.fair_id == me.fair_id)):
        if me.id in (r.from_id, r.to_id):
            found.add(company[r.to_id if r.from_id == me.id else r.from_id])
    for m in s.exec(select(Meeting).where(Meeting.version_id == version_id)):
        request = s.get(MeetingRequest, m.request_id)
        assert request is not None
        if me.id in (request.from_id, request.to_id, m.third_seat_id):
            found.update({company[request.from_id], company[request.to_id]})
    found.discard(me.company_id)
    return found


@pytest.mark.integration
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=1, max_value=10_000))
def test_suggestions_never_include_a_company_already_met_or_asked(seed: int) -> None:
    files = fair_files_of(generate("small", seed, date(2026, 5, 1)))
    engine = open_database("sqlite://")
    try:
        fair_id = import_files(engine, files).fair_id
        number, _ = schedule_fair(
            engine, fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
        )
        with session_scope(engine) as s:
            publish(s, fair_id, number)
        with Session(engine) as s:
            version_id = published_version_id(s, fair_id)
            people = s.exec(select(Participant).where(Participant.fair_id == fair_id)).all()
            checked = 0
            for me in people:
                have = _known_independently(s, me, version_id)
                suggested = {x.company_id for x in suggestions(s, me, limit=1000)}
                assert not suggested & have, (me.key, suggested & have)
                checked += bool(have)
            assert checked, "the generated fair has requests"
    finally:
        engine.dispose()
