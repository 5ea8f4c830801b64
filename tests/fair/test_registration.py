"""Self-registration's domain (fair.registration): the form checked by the importer's
rules with errors under the form's fields, confirmation, expiry, approval through the
importer's path and rejection, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import registration as reg
from fair.db import session_scope
from fair.errors import Forbidden
from fair.importer import FairSpec
from fair.loader import import_files
from fair.models import (
    Company,
    Fair,
    Participant,
    Product,
    Registration,
    RegistrationPerson,
    SearchEntry,
)
from fair.notify import plain_message
from fair.settings import Settings
from tests.factories import fair_files

FAIR = FairSpec(
    name="Test",
    timezone="Asia/Shanghai",
    start=date(2026, 11, 27),
    days=2,
    day_start=time(9),
    day_end=time(12),
    slot_minutes=30,
    currency="USD",
    online_rooms=0,
    breaks=(),
    pavilions=(),
    booths=(),
    tables=(),
)
SETTINGS = Settings(database_url="sqlite://", secret_key="x", smtp_outbox="/nonexistent")
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def person(**fields: str) -> dict[str, str]:
    return {
        "name": "Park Jiwoo",
        "email": "jiwoo@tea.example",
        "timezone": "Asia/Seoul",
        "languages": "ko, en",
        "available": "09:00-12:00; 14:00-17:00",
        "onsite": "1 2",
        **fields,
    }


def form(
    role: str = "exhibitor", people: tuple[dict[str, str], ...] = (), **fields: object
) -> reg.RegistrationForm:
    values: dict[str, object] = {
        "company": "Hadong Green Tea",
        "country": "kr",
        "sectors": "food & beverage; tea",
        "offers": "green tea，matcha",
        "people": people or (person(),),
        "products": ({"name": "Green tea", "price_min": "1", "currency": "usd"},)
        if role == "exhibitor"
        else (),
        **fields,
    }
    return reg.RegistrationForm(role=role, **values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- checking


def test_check_normalises_as_the_importer_does() -> None:
    data = reg.check(form(), FAIR)
    [company] = data.companies
    assert (company.country, company.role) == ("KR", "exhibitor")
    assert company.sectors == ("food & beverage", "tea")
    assert company.offers == ("green tea", "matcha")  # a full-width comma separates too
    [p] = data.participants
    assert p.email == "jiwoo@tea.example" and p.languages == ("ko", "en")
    assert p.windows == ("09:00-12:00", "14:00-17:00") and p.onsite_days == (1, 2)
    [product] = data.products
    assert product.currency == "USD" and str(product.price_min) == "1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"people": (person(email="nope"),)}, "people-0-email"),
        ({"people": (person(timezone="Mars/Base"),)}, "people-0-timezone"),
        ({"people": (person(onsite="3"),)}, "people-0-onsite"),
        ({"people": (person(available="9-5"),)}, "people-0-available"),
        ({"people": (person(languages="english"),)}, "people-0-languages"),
        ({"people": (person(), person(name="B"))}, "people-1-email"),  # same address twice
        ({"people": (person(name=""),)}, "people-0-name"),
        ({"company": ""}, "company"),
        ({"country": "Korea"}, "country"),
        (
            {"products": ({"name": "Tea", "price_min": "5", "price_max": "1"},)},
            "products-0-price_max",
        ),
        ({"products": ({"name": "Tea", "currency": "dollars"},)}, "products-0-currency"),
        ({"products": ({"name": "", "description": "x"},)}, "products-0-name"),
        ({"people": tuple(person(email=f"p{i}@x.example") for i in range(11))}, "people"),
        ({"company": "x" * 201}, "company"),
        ({"people": (person(name="Eve\r\nBcc: all@example.org"),)}, "people-0-name"),
        ({"products": ({"name": "Tea", "description": "x" * 2001},)}, "products-0-description"),
    ],
)
def test_check_names_the_field_at_fault(change: dict[str, object], field: str) -> None:
    with pytest.raises(reg.RegistrationInvalid) as caught:
        reg.check(form(**change), FAIR)  # type: ignore[arg-type]
    assert field in caught.value.errors, caught.value.errors


def test_check_service_provider_needs_their_service() -> None:
    with pytest.raises(reg.RegistrationInvalid) as caught:
        reg.check(form("service"), FAIR)
    assert "service" in caught.value.errors
    data = reg.check(form("service", service="Legal"), FAIR)
    assert data.participants[0].service == "legal"


def test_check_buyers_register_no_products() -> None:
    with pytest.raises(reg.RegistrationInvalid) as caught:
        reg.check(form("buyer", products=({"name": "Tea"},)), FAIR)
    assert "products" in caught.value.errors


text = st.text(max_size=40)
person_fields = st.fixed_dictionaries({f: text for f in reg.PERSON_FIELDS})
product_fields = st.fixed_dictionaries({f: text for f in reg.PRODUCT_FIELDS})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    role=st.sampled_from(reg.ROLES),
    company=text,
    country=st.one_of(text, st.sampled_from(["KR", "cn", "JP"])),
    sectors=text,
    people=st.lists(person_fields, min_size=1, max_size=3),
    products=st.lists(product_fields, max_size=2),
)
def test_check_never_fails_otherwise_and_names_form_fields(
    role: str,
    company: str,
    country: str,
    sectors: str,
    people: list[dict[str, str]],
    products: list[dict[str, str]],
) -> None:
    entered = reg.RegistrationForm(
        role=role,
        company=company,
        country=country,
        sectors=sectors,
        people=tuple(people),
        products=tuple(products),
    )
    fields = set(reg.COMPANY_FIELDS) | {"role", "people", "products"}
    fields |= {f"people-{i}-{f}" for i in range(len(people)) for f in reg.PERSON_FIELDS}
    fields |= {f"products-{i}-{f}" for i in range(len(products)) for f in reg.PRODUCT_FIELDS}
    try:
        reg.check(entered, FAIR)
        # What passes can be mailed: every name fits in a header.
        for p in entered.people:
            plain_message(SETTINGS, p["name"], p["email"].strip().lower(), "s", "b")
    except reg.RegistrationInvalid as exc:
        assert exc.errors and set(exc.errors) <= fields, exc.errors
        assert all(p.message for p in exc.errors.values())


# ---------------------------------------------------------------------------- storing


@pytest.fixture
def fair_id(engine: Engine) -> int:
    summary = import_files(engine, fair_files())
    with session_scope(engine) as session:
        reg.set_open_roles(session, summary.fair_id, ["exhibitor", "buyer"])
    return summary.fair_id


def tokens_of(notices: list[object]) -> list[str]:
    found = []
    for n in notices:
        body = n.message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
        if "/fair/register/confirm/" in body:
            found.append(body.split("/fair/register/confirm/")[1].split()[0])
    return found


def test_submit_closed_role_is_refused(engine: Engine, fair_id: int) -> None:
    with pytest.raises(reg.RegistrationClosed), session_scope(engine) as session:
        reg.submit(session, fair_id, form("service", service="legal"), SETTINGS, NOW)


def test_confirm_needs_everyone_and_is_idempotent(engine: Engine, fair_id: int) -> None:
    two = (person(), person(name="Kim", email="kim@tea.example"))
    with session_scope(engine) as session:
        done = reg.submit(session, fair_id, form(people=two), SETTINGS, NOW)
    first, second = tokens_of(done.notices)
    with session_scope(engine) as session:
        assert not reg.confirm(session, first, NOW).complete
        assert not reg.confirm(session, first, NOW).complete  # the same link again
        assert reg.confirmed(session, fair_id) == []
        assert reg.confirm(session, second, NOW).complete
    with Session(engine) as session:
        [row] = reg.confirmed(session, fair_id)
        assert row.company == "Hadong Green Tea" and len(row.form.people) == 2


def test_unconfirmed_registration_expires(engine: Engine, fair_id: int) -> None:
    with session_scope(engine) as session:
        done = reg.submit(session, fair_id, form(), SETTINGS, NOW)
    [token] = tokens_of(done.notices)
    later = NOW + reg.CONFIRM_WITHIN + timedelta(seconds=1)
    with pytest.raises(Forbidden), session_scope(engine) as session:
        reg.confirm(session, token, later)
    with session_scope(engine) as session:
        assert reg.drop_expired(session, later) == 1
        assert session.exec(select(RegistrationPerson)).all() == []


def test_taken_address_gets_a_notice_and_no_link(engine: Engine, fair_id: int) -> None:
    owner = person(email="minjun@busan-marine.example")
    with session_scope(engine) as session:
        done = reg.submit(session, fair_id, form(people=(owner,)), SETTINGS, NOW)
    assert tokens_of(done.notices) == []
    [notice] = done.notices
    assert notice.email == "minjun@busan-marine.example"
    with session_scope(engine) as session:
        soon = NOW + timedelta(hours=1)
        again = reg.submit(session, fair_id, form(people=(owner,)), SETTINGS, soon)
    assert again.notices == []  # told once a day at most
    with session_scope(engine) as session:
        next_day = NOW + timedelta(hours=25)
        later = reg.submit(session, fair_id, form(people=(owner,)), SETTINGS, next_day)
    assert len(later.notices) == 1


def approve_one(engine: Engine, fair_id: int, entered: reg.RegistrationForm) -> int:
    with session_scope(engine) as session:
        done = reg.submit(session, fair_id, entered, SETTINGS, NOW)
    with session_scope(engine) as session:
        for token in tokens_of(done.notices):
            reg.confirm(session, token, NOW)
    assert done.registration_id is not None
    return done.registration_id


def test_approve_lands_as_an_import_and_indexes_the_catalogue(engine: Engine, fair_id: int) -> None:
    rid = approve_one(engine, fair_id, form())
    with session_scope(engine) as session:
        notices = reg.approve(session, fair_id, [rid], SETTINGS)
    assert [n.email for n in notices] == ["jiwoo@tea.example"]
    assert "/p/" in notices[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    with Session(engine) as session:
        p = session.exec(select(Participant).where(Participant.key == f"R{rid}-1")).one()
        company = session.get(Company, p.company_id)
        assert company is not None and company.name == "Hadong Green Tea"
        assert session.exec(select(Product).where(Product.key == f"R{rid}-P1")).one()
        indexed = session.exec(select(SearchEntry).where(SearchEntry.name == "Green tea")).all()
        assert len(indexed) == 1
        assert session.exec(select(Registration)).all() == []


def test_approve_reaches_the_solvers_next_problem(engine: Engine, fair_id: int) -> None:
    from fair.problem_cache import planning_for

    rid = approve_one(engine, fair_id, form())
    with Session(engine) as session:  # confirmed, not approved: not in the problem
        assert f"R{rid}-1" not in planning_for(session, fair_id).person_ids
    with session_scope(engine) as session:
        reg.approve(session, fair_id, [rid], SETTINGS)
    with Session(engine) as session:  # the cached problem follows the new revision
        assert f"R{rid}-1" in planning_for(session, fair_id).person_ids


def test_approve_conflict_writes_nothing(engine: Engine, fair_id: int) -> None:
    good = approve_one(engine, fair_id, form(people=(person(email="a@tea.example"),)))
    taken = approve_one(
        engine,
        fair_id,
        form(company="부산해양식품 주식회사", people=(person(email="b@tea.example"),)),
    )
    with pytest.raises(reg.DecisionRefused) as caught, session_scope(engine) as session:
        reg.approve(session, fair_id, [good, taken], SETTINGS)
    assert (caught.value.registration, caught.value.field) == (taken, "company")
    with Session(engine) as session:
        added = select(Participant).where(Participant.email == "a@tea.example")
        assert session.exec(added).all() == []
        assert len(session.exec(select(Registration)).all()) == 2


def test_reject_deletes_and_tells_each_person(engine: Engine, fair_id: int) -> None:
    rid = approve_one(engine, fair_id, form())
    with session_scope(engine) as session:
        notices = reg.reject(session, fair_id, [rid], "Full this year.", SETTINGS)
    assert [n.email for n in notices] == ["jiwoo@tea.example"]
    with Session(engine) as session:
        assert session.exec(select(Registration)).all() == []
        assert session.exec(select(RegistrationPerson)).all() == []
        assert session.exec(select(Company).where(Company.name == "Hadong Green Tea")).all() == []


def test_decide_unconfirmed_registration_is_refused(engine: Engine, fair_id: int) -> None:
    with session_scope(engine) as session:
        done = reg.submit(session, fair_id, form(), SETTINGS, NOW)
    with pytest.raises(reg.DecisionRefused), session_scope(engine) as session:
        reg.approve(session, fair_id, [done.registration_id or 0], SETTINGS)


def test_set_open_roles_refuses_unknown_roles(engine: Engine, fair_id: int) -> None:
    with pytest.raises(reg.RegistrationInvalid), session_scope(engine) as session:
        reg.set_open_roles(session, fair_id, ["interpreter"])
    with Session(engine) as session:
        fair = session.get(Fair, fair_id)
        assert fair is not None and fair.registration_roles == ["exhibitor", "buyer"]


# ---------------------------------------------------------------------------- fair.toml


def with_registration(line: str) -> dict[str, bytes]:
    from tests.factories import FAIR_TOML

    toml = FAIR_TOML.replace('currency = "USD"\n', f'currency = "USD"\n{line}\n', 1)
    return fair_files(toml=toml)


def test_fair_toml_registration_opens_roles_and_absent_keeps_them(engine: Engine) -> None:
    summary = import_files(engine, with_registration('registration = "buyer; exhibitor"'))
    import_files(engine, fair_files())  # no key: the setting stays
    with Session(engine) as session:
        fair = session.get(Fair, summary.fair_id)
        assert fair is not None and fair.registration_roles == ["exhibitor", "buyer"]
    import_files(engine, with_registration('registration = ""'))
    with Session(engine) as session:
        fair = session.get(Fair, summary.fair_id)
        assert fair is not None and fair.registration_roles == []


def test_fair_toml_registration_unknown_role_is_refused(engine: Engine) -> None:
    from fair.errors import ImportRejected

    with pytest.raises(ImportRejected) as caught:
        import_files(engine, with_registration('registration = "exhibitor;interpreter"'))
    [problem] = caught.value.problems
    assert (problem.file, problem.column) == ("fair.toml", "fair.registration")
