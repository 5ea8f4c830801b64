"""Property tests: any bytes give data or a clean rejection; valid rows survive the trip."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fair.errors import ImportRejected
from fair.importer import parse_files
from tests.factories import PARTICIPANT_HEADER, PARTICIPANTS, csv_bytes, fair_files

pytestmark = pytest.mark.unit

names = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00\r\n\u2028\u2029\x85"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["fair.toml", "participants.csv", "requests.csv"]), st.binary(max_size=400))
def test_importer_any_bytes_give_data_or_rejection(name: str, junk: bytes) -> None:
    files = fair_files()
    files[name] = junk
    try:
        parse_files(files)
    except ImportRejected as exc:
        assert exc.problems
        assert all(p.file in files for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.lists(names, min_size=2, max_size=2, unique=True), names)
def test_importer_any_names_survive(person_names: list[str], company: str) -> None:
    rows = [dict(r) for r in PARTICIPANTS]
    rows[0]["name"], rows[2]["name"] = person_names
    rows[3]["company"] = company if company not in {r["company"] for r in rows} else "X" + company
    files = fair_files(participants=rows)
    data = parse_files(files)
    parsed = {p.key: p for p in data.participants}
    assert parsed["kr1"].name == person_names[0]
    assert parsed["cn1"].name == person_names[1]
    assert parsed["de1"].company == rows[3]["company"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PARTICIPANT_HEADER), st.text(max_size=20))
def test_importer_any_cell_gives_data_or_named_error(column: str, value: str) -> None:
    rows = [dict(r) for r in PARTICIPANTS]
    rows[3][column] = value.replace("\x00", "")
    files = fair_files(participants=rows)
    files["participants.csv"] = csv_bytes(PARTICIPANT_HEADER, rows)
    try:
        parse_files(files)
    except ImportRejected as exc:
        for problem in exc.problems:
            assert problem.file in {"participants.csv", "requests.csv"}
            assert problem.message
