"""The invitation benchmark runs end to end on a small generated fair: each case beside
its baseline, every run reported, and the SMTP server got each message once."""

from __future__ import annotations

import json

import pytest

from bench import invites

pytestmark = pytest.mark.integration


def test_invitebench_reports_each_case_of_each_run(capsys: pytest.CaptureFixture[str]) -> None:
    code = invites.main(["--scale", "small", "--people", "12", "--runs", "2", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    cases = [(r["run"], r["case"]) for r in report["rows"]]
    assert cases == [
        (run, case)
        for run in (1, 2)
        for case in (
            "queue, one by one (baseline)",
            "queue, batch (invite all)",
            "deliver, one connection",
            "deliver, connection per message (baseline)",
        )
    ]
    for row in report["rows"]:
        assert row["messages"] == 12 and row["per_second"] > 0
        assert row["received_once"] in (None, True)
