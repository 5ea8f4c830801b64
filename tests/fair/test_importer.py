"""Import checks (pure) and import writes (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from fair.errors import ImportRejected
from fair.export import export_fair_files
from fair.importer import parse_files
from fair.loader import import_files
from fair.models import Company, Fair, MeetingRequest, Participant, RequestAttendee
from tests.factories import (
    FAIR_TOML,
    PARTICIPANTS,
    REQUEST_HEADER,
    REQUESTS,
    csv_bytes,
    fair_files,
)


def rejected(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        parse_files(files)
    return [str(p) for p in info.value.problems]


LINE_BREAK = "contains a line break, tab or control character (one line of text)"


def people_with(index: int, **changes: str) -> list[dict[str, str]]:
    rows = copy.deepcopy(PARTICIPANTS)
    rows[index].update(changes)
    return rows


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


# ---------------------------------------------------------------------------- parsing


def test_parse_valid_fair_keeps_cjk_names() -> None:
    data = parse_files(fair_files())
    names = {p.name for p in data.participants}
    assert {"김민준", "王伟", "朴智慧"} <= names
    assert {c.name for c in data.companies} >= {"부산해양식품 주식회사", "青岛海润食品有限公司"}
    assert data.fair.longest_run() == 3


def test_parse_with_bom_reads_same_data() -> None:
    assert parse_files(fair_files(bom=True)) == parse_files(fair_files())


def test_parse_unknown_timezone_names_row_and_column() -> None:
    errors = rejected(fair_files(participants=people_with(2, timezone="Asia/Qingdao")))
    assert errors == [
        "participants.csv, row 4, column timezone: unknown time zone 'Asia/Qingdao' "
        "(use an IANA name like Asia/Seoul)"
    ]


def test_parse_duplicate_id_names_first_row() -> None:
    errors = rejected(fair_files(participants=people_with(3, id="cn1")))
    assert "participants.csv, row 5, column id: duplicate id 'cn1' (first on row 4)" in errors


def test_parse_duplicate_email_is_refused() -> None:
    errors = rejected(fair_files(participants=people_with(3, email="WANGWEI@hairun.example")))
    assert any("row 5, column email: duplicate e-mail" in e for e in errors)


def test_parse_request_to_unknown_participant_is_refused() -> None:
    requests = copy.deepcopy(REQUESTS)
    requests[1]["to"] = "nobody"
    errors = rejected(fair_files(requests=requests))
    assert errors == ["requests.csv, row 3, column to: unknown participant 'nobody'"]


def test_parse_request_within_one_company_is_refused() -> None:
    requests = [
        {"from": "kr1", "to": "kr2", "priority": "3", "mode": "online", "status": "accepted"}
    ]
    errors = rejected(fair_files(requests=requests))
    assert errors == ["requests.csv, row 2, column to: 'kr2' is in the same company as 'kr1'"]


def test_parse_duplicate_request_pair_is_refused() -> None:
    requests = [*copy.deepcopy(REQUESTS), dict(REQUESTS[0], id="r9")]
    errors = rejected(fair_files(requests=requests))
    assert any("row 5, column to: a request cn1→kr1 is already on row 2" in e for e in errors)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("priority", "9", "9 is out of range (1–5)"),
        ("priority", "high", "'high' is not a whole number"),
        ("mode", "video", "'video' is not one of in_person, online, either"),
        ("status", "maybe", "'maybe' is not one of pending, accepted, declined"),
        ("length", "4", "4 slots is longer than the longest run without a break (3)"),
        ("third_seat", "interpreter:ja-zh", "no interpreter covers ja-zh"),
        ("third_seat", "service:legal", "no service provider gives 'legal'"),
        ("third_seat", "lawyer", "'lawyer' is not interpreter:xx-yy or service:name"),
    ],
)
def test_parse_bad_request_cell_names_column(column: str, value: str, message: str) -> None:
    requests = copy.deepcopy(REQUESTS)
    requests[0][column] = value
    errors = rejected(fair_files(requests=requests))
    assert errors == [f"requests.csv, row 2, column {column}: {message}"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("role", "visitor", "'visitor' is not one of exhibitor, buyer, service, interpreter"),
        ("country", "Korea", "'Korea' is not an ISO code like KR"),
        ("email", "not-an-email", "'not-an-email' is not an e-mail address"),
        ("onsite", "3", "3 is not a day of the fair (day numbers 1..2)"),
        ("available", "18:00-09:00", "window '18:00-09:00' ends before it starts"),
        ("available", "9am-5pm", "'9am-5pm' is not a window HH:MM-HH:MM"),
        ("booth", "JP-B99", "unknown booth 'JP-B99' (not in fair.toml)"),
        ("languages", "korean", "'korean' is not a language code like ko"),
        # A line break would reach e-mail headers and calendar lines (issue 18, item 5).
        ("name", "Eve\r\nBcc: all@evil.example", LINE_BREAK),
        ("company", "Acme\tLtd", LINE_BREAK),
        ("language", "fr", "'fr' is not one of en, zh, ko, ja"),
    ],
)
def test_parse_bad_participant_cell_names_column(column: str, value: str, message: str) -> None:
    errors = rejected(fair_files(participants=people_with(3, **{column: value})))
    assert errors == [f"participants.csv, row 5, column {column}: {message}"]


def test_parse_language_defaults_from_the_company_country() -> None:
    data = parse_files(fair_files())
    countries = {c.name: c.country for c in data.companies}
    by_country = {countries[p.company]: p.language for p in data.participants}
    assert by_country == {"KR": "ko", "CN": "zh", "DE": "en"}


def test_parse_language_given_overrides_the_country() -> None:
    data = parse_files(fair_files(participants=people_with(0, language="EN")))
    assert data.participants[0].language == "en"
    assert data.participants[1].language == "ko"


def test_parse_company_disagreeing_country_is_refused() -> None:
    errors = rejected(fair_files(participants=people_with(1, country="JP")))
    assert errors == [
        "participants.csv, row 3, column country: company '부산해양식품 주식회사' has country "
        "'KR' on row 2 but 'JP' here"
    ]


def test_parse_unknown_and_missing_columns_are_refused() -> None:
    files = fair_files()
    files["participants.csv"] = b"id,company,name,emial,role,country,timezone\r\n"
    errors = rejected(files)
    assert "participants.csv, row 1, column emial: unknown column" in errors[0]
    assert "participants.csv, row 1, column email: required column is missing" in errors


def test_parse_undecodable_file_is_refused_naming_it() -> None:
    files = fair_files()
    files["participants.csv"] += "kr9,\u00e9".encode("latin-1") + b"\xff\xff\r\n"
    errors = rejected(files)
    assert errors == [
        "participants.csv: not text in UTF-8, UTF-16, GB18030, CP949 or Shift_JIS; save the "
        "sheet as CSV UTF-8"
    ]


def test_parse_file_not_in_the_chosen_encoding_names_byte_and_line() -> None:
    files = fair_files()
    files["participants.csv"] = files["participants.csv"].decode().encode("gb18030")
    with pytest.raises(ImportRejected) as info:
        parse_files(files, encoding="shift_jis")
    assert str(info.value.problems[0]).startswith("participants.csv: not shift_jis text (byte ")
    assert ", line 2)" in str(info.value.problems[0])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('timezone = "Asia/Shanghai"', 'timezone = "China"', "fair.timezone: unknown time zone"),
        ('day_end = "12:00"', 'day_end = "12:10"', "day length is not a multiple of 30"),
        ('start = "10:30"', 'start = "10:45"', "does not fall on the 30-minute slot grid"),
        ('pavilion = "KR"\ntables', 'pavilion = "XX"\ntables', "unknown pavilion 'XX'"),
        ("slot_minutes = 30", "slot_minutes = 3", "3 is out of range (5–240)"),
        ("[fair]", "[fiar]", "the [fair] table is missing"),
        ('name = "Qingdao', "name = Qingdao", "not valid TOML"),
    ],
)
def test_parse_bad_fair_toml_names_key(old: str, new: str, message: str) -> None:
    assert old in FAIR_TOML
    errors = rejected(fair_files(toml=FAIR_TOML.replace(old, new, 1)))
    assert any(e.startswith("fair.toml") and message in e for e in errors), errors


def test_parse_collects_every_error_at_once() -> None:
    people = people_with(3, timezone="Mars/Base", email="x")
    requests = copy.deepcopy(REQUESTS)
    requests[2]["priority"] = "0"
    errors = rejected(fair_files(participants=people, requests=requests))
    assert len(errors) == 3


def test_parse_missing_required_file_is_refused() -> None:
    files = fair_files()
    del files["participants.csv"]
    assert rejected(files) == ["participants.csv: required file is missing"]


# ---------------------------------------------------------------------------- writing


@pytest.mark.integration
def test_import_writes_everything(engine: Engine) -> None:
    summary = import_files(engine, fair_files())
    assert summary.created["participants"] == 5
    assert summary.created["companies"] == 4
    with Session(engine) as session:
        assert count(session, MeetingRequest) == 3
        person = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        assert person.name == "김민준"
        assert person.onsite_days == [1, 2]
        company = session.get(Company, person.company_id)
        assert company is not None and company.offers == ["frozen seafood", "laver"]
        r1 = session.exec(select(MeetingRequest).where(MeetingRequest.key == "r1")).one()
        assert r1.third_seat == "interpreter:ko-zh"
        assert r1.created_at.tzinfo is not None


@pytest.mark.integration
def test_import_bad_row_changes_nothing(engine: Engine) -> None:
    import_files(engine, fair_files())
    with Session(engine) as session:
        before = session.exec(select(Participant.key, Participant.name)).all()
    people = people_with(0, name="Changed")
    people.append(dict(PARTICIPANTS[3], id="de2", email="bad", timezone="Nowhere"))
    with pytest.raises(ImportRejected):
        import_files(engine, fair_files(participants=people))
    with Session(engine) as session:
        assert session.exec(select(Participant.key, Participant.name)).all() == before


@pytest.mark.integration
def test_import_database_conflict_rolls_back_everything(engine: Engine) -> None:
    import_files(engine, fair_files())
    requests = copy.deepcopy(REQUESTS)
    requests[0]["id"] = "renamed"  # same pair cn1→kr1 under a new id: refused while writing
    people = people_with(0, name="Should not stick")
    with pytest.raises(ImportRejected, match="already request 'r1'"):
        import_files(engine, fair_files(participants=people, requests=requests))
    with Session(engine) as session:
        assert (
            session.exec(select(Participant).where(Participant.key == "kr1")).one().name == "김민준"
        )


@pytest.mark.integration
def test_reimport_updates_in_place(engine: Engine) -> None:
    import_files(engine, fair_files())
    people = people_with(3, name="Anna Becker-Schulz", timezone="Europe/Paris")
    requests = copy.deepcopy(REQUESTS)
    requests[2]["status"] = "accepted"
    summary = import_files(engine, fair_files(participants=people, requests=requests))
    assert summary.created == {}
    assert summary.updated == {"participants": 1, "requests": 1}
    with Session(engine) as session:
        assert count(session, Fair) == 1
        assert count(session, Participant) == 5
        anna = session.exec(select(Participant).where(Participant.key == "de1")).one()
        assert (anna.name, anna.timezone) == ("Anna Becker-Schulz", "Europe/Paris")


@pytest.mark.integration
def test_reimport_same_files_changes_nothing(engine: Engine) -> None:
    import_files(engine, fair_files())
    summary = import_files(engine, fair_files())
    assert summary.created == {} and summary.updated == {}


@pytest.mark.integration
def test_import_export_round_trip_gives_same_data(engine: Engine) -> None:
    import_files(engine, fair_files())
    with Session(engine) as session:
        fair_id = session.exec(select(Fair.id)).one()
        exported = export_fair_files(session, fair_id)
    original, again = parse_files(fair_files()), parse_files(exported)
    assert again.fair == original.fair
    assert again.companies == original.companies
    # the export also says that nobody has hours per date (an empty availability.csv)
    assert again.participants == tuple(replace(p, dates={}) for p in original.participants)
    strip = [r.__class__(**{**r.__dict__, "created": None}) for r in again.requests]
    assert strip == list(original.requests)


@pytest.mark.integration
def test_import_colleagues_attend_their_side(engine: Engine) -> None:
    requests = copy.deepcopy(REQUESTS)
    requests[1]["with_to"] = "kr2"
    files = fair_files()
    files["requests.csv"] = csv_bytes((*REQUEST_HEADER, "with_to"), requests)
    import_files(engine, files)
    with Session(engine) as session:
        rows = session.exec(select(RequestAttendee)).all()
        assert [r.side for r in rows] == ["to"]
