"""The import benchmark runs end to end against `fair serve` on a small generated fair:
each case previewed beside the CSV baseline, a new fair and then a re-import; and the
Excel-like workbook it builds reads as the same data as the CSV files."""

from __future__ import annotations

import json

import pytest

from bench import imports as importbench
from fair.importer import parse_files
from tests.factories import fair_files

pytestmark = pytest.mark.integration


def test_importbench_reports_each_case_new_then_reimport(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = importbench.main(["--scale", "small", "--runs", "1", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    rows = {(r["case"], r["fair"]): r for r in report["rows"]}
    cases = ["UTF-8 CSV (baseline)", ".xlsx as Excel saves it", ".xlsx as openpyxl writes it"]
    assert set(rows) == {(c, f) for c in cases for f in ("new", "re-import")}
    people = {r["participants"] for (_, fair), r in rows.items() if fair == "new"}
    again = {r["participants"] for (_, fair), r in rows.items() if fair == "re-import"}
    [new] = people  # every case counts the same people, all new
    assert new.endswith("/0/0") and again == {"0/0/" + new.split("/")[0]}
    assert all(r["min_s"] <= r["median_s"] <= r["max_s"] for r in rows.values())


@pytest.mark.unit
def test_excel_like_workbook_reads_as_the_csv_files() -> None:
    files = fair_files()
    for upload in importbench.cases(files).values():
        data = parse_files(upload)
        assert (data.participants, data.requests) == (
            parse_files(files).participants,
            parse_files(files).requests,
        )
