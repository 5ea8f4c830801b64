"""A roadshow's live stage: joining in a role, the audience limit, questions, and
purchase interest (once per viewer and product, refused for the presenting company,
unshown products and cancelled roadshows) with the dashboard's livestream totals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import roadshows as rs
from fair import stage as st
from fair.db import session_scope
from fair.errors import Conflict, Forbidden, InvalidInput
from fair.models import RoadshowInterest, TokenKind
from fair.tokens import hash_token, issue_token
from tests.fair.test_roadshows import person, products, roadshow_fair, schedule

pytestmark = pytest.mark.integration


@pytest.fixture
def fair(engine: Engine) -> int:
    return roadshow_fair(engine)


def stage(engine: Engine, show: int, key: str) -> st.LiveStage:
    with Session(engine) as session:
        pid = person(session, key).id
        token = issue_token(session, person(session, key), TokenKind.MAGIC)
        session.commit()
        live, role = st.stage_for(session, show, pid, hash_token(token))
    assert role == ("presenter" if key == "kr1" else "viewer")
    return live


def test_interest_retry_counts_once(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair)
    live = stage(engine, show, "de1")
    with Session(engine) as session:
        de1 = person(session, "de1").id
        product = products(session)[0]
    assert de1 is not None
    data = {"product": product, "quantity": "200", "note": "for Hamburg"}
    first, created = st.record_interest_once(engine, live, de1, data)[:2]
    again, created_again, counts = st.record_interest_once(engine, live, de1, data)
    assert created and not created_again
    assert again["id"] == first["id"]
    assert counts == {int(product): 1}
    with Session(engine) as session:
        assert len(session.exec(select(RoadshowInterest)).all()) == 1
        totals = st.livestream_totals(session, fair)
    assert totals["interests"] == 1
    assert totals["rows"][0]["quantity"] == 200
    assert totals["rows"][0]["product_name"] == "냉동 고등어"


def test_interest_refused_for_own_company_and_unshown_products(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair, products=())
    with Session(engine) as session:
        kr2, de1 = person(session, "kr2").id, person(session, "de1").id
        product = products(session)[0]
        live, _ = st.stage_for(session, show, None)
        assert kr2 is not None and de1 is not None
        with pytest.raises(Forbidden):
            st.record_interest(session, live, kr2, {"product": product})
        with pytest.raises(InvalidInput):
            st.record_interest(session, live, de1, {"product": product})


def test_interest_refused_once_the_roadshow_is_cancelled(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair)
    with Session(engine) as session:
        live, _ = st.stage_for(session, show, None)
        de1 = person(session, "de1").id
        product = products(session)[0]
    with session_scope(engine) as session:
        rs.cancel_roadshow(session, show)
    with Session(engine) as session, pytest.raises(Conflict):
        st.record_interest(session, live, de1 or 0, {"product": product})
    with Session(engine) as session, pytest.raises(Conflict):
        st.stage_for(session, show, None)


def test_audience_limit_refuses_the_next_viewer(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair, audience_limit="1")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        live, _ = st.stage_for(session, show, None)
        ids = {k: person(session, k).id for k in ("kr1", "de1", "cn1")}
        assert st.enter(session, live, ids["kr1"] or 0, now) == 0  # the presenter is not counted
        assert st.enter(session, live, ids["de1"] or 0, now) == 1
        assert st.enter(session, live, ids["de1"] or 0, now) == 1  # a second tab of de1
        with pytest.raises(Conflict, match="audience is full"):
            st.enter(session, live, ids["cn1"] or 0, now)
        st.leave(session, live, ids["de1"] or 0)
        assert st.leave(session, live, ids["de1"] or 0) == 0
        assert st.enter(session, live, ids["cn1"] or 0, now) == 1


def test_media_server_capacity_counts_every_stage(engine: Engine, fair: int) -> None:
    """With a media server of capacity 2, two viewers on two stages fill it: a third
    viewer is refused on either stage, a second page of a viewer is not, and a place
    freed on one stage is free for the other (issue 20, item 5)."""
    first = schedule(engine, fair)
    second = schedule(engine, fair, start="10:00", title="Second show")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        one, _ = st.stage_for(session, first, None)
        two, _ = st.stage_for(session, second, None)
        ids = {k: person(session, k).id or 0 for k in ("kr1", "de1", "cn1", "kr2")}
        st.enter(session, one, ids["kr1"], now, capacity=2)  # the presenter takes no place
        assert st.enter(session, one, ids["de1"], now, capacity=2) == 1
        assert st.enter(session, two, ids["cn1"], now, capacity=2) == 1
        assert st.viewers_on_stages(session) == 2
        assert st.enter(session, two, ids["cn1"], now, capacity=2) == 1  # a second page
        with pytest.raises(Conflict, match="media server carries 2 viewers"):
            st.enter(session, two, ids["kr2"], now, capacity=2)
        with pytest.raises(Conflict, match="media server carries 2 viewers"):
            st.enter(session, one, ids["kr2"], now, capacity=2)
        st.leave(session, one, ids["de1"])
        assert st.enter(session, two, ids["kr2"], now, capacity=2) == 2
        # A venue presents from the stage: it is neither audience nor refused when full.
        st.invite_venue(session, one, "anna@hanse-feinkost.example", "Hamburg")
        assert st.enter(session, one, ids["de1"], now, capacity=2) == 0
        assert st.viewers_on_stages(session) == 2


def test_media_server_capacity_is_each_instances_with_several(engine: Engine, fair: int) -> None:
    """Several Janus instances: `same_server` keeps the stages on this stage's instance,
    and only their viewers count against its capacity (docs/deploy.md)."""
    first = schedule(engine, fair)
    second = schedule(engine, fair, start="10:00", title="Second show")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        one, _ = st.stage_for(session, first, None)
        two, _ = st.stage_for(session, second, None)
        ids = {k: person(session, k).id or 0 for k in ("de1", "cn1", "kr2")}

        def alone(stage: int) -> Callable[[int], bool]:
            return lambda other: other == stage

        assert st.enter(session, one, ids["de1"], now, capacity=1, same_server=alone(first)) == 1
        # The second stage is on another instance: its one place is free.
        assert st.enter(session, two, ids["cn1"], now, capacity=1, same_server=alone(second)) == 1
        assert st.viewers_on_stages(session, alone(first)) == 1
        assert st.viewers_on_stages(session) == 2
        with pytest.raises(Conflict, match="media server carries 1 viewers"):
            st.enter(session, two, ids["kr2"], now, capacity=1, same_server=alone(second))


def test_question_is_kept_and_length_limited(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair)
    with session_scope(engine) as session:
        live, _ = st.stage_for(session, show, None)
        de1 = person(session, "de1").id
        line = st.add_question(session, live, "  MOQ for Germany?  ", de1)
        assert line["text"] == "MOQ for Germany?"
        assert line["author"] == "Anna Becker (Hanse Feinkost GmbH)"
        with pytest.raises(InvalidInput):
            st.add_question(session, live, "x" * (st.QUESTION_MAX + 1), de1)
    with Session(engine) as session:
        assert [q["text"] for q in st.questions(session, show)] == ["MOQ for Germany?"]
