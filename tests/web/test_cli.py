"""The `fair` command line, end to end on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.factories import fair_files
from web.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def outbox_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing writes e-mails to the outbox: keep them out of the working tree."""
    monkeypatch.setenv("FAIR_SMTP_OUTBOX", str(tmp_path / "outbox"))


def write_fair(directory: Path, files: dict[str, bytes] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in (files or fair_files()).items():
        (directory / name).write_bytes(data)
    return directory


def test_cli_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in (
        "generate",
        "import",
        "schedule",
        "publish",
        "export",
        "serve",
        "demo",
        "bench",
    ):
        assert command in out


def test_cli_import_bad_file_exits_nonzero_naming_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = fair_files()
    files["participants.csv"] = files["participants.csv"].replace(b"Asia/Seoul", b"Korea/Busan", 1)
    source = write_fair(tmp_path / "in", files)
    code = main(["import", str(source), "--db", f"sqlite:///{tmp_path / 'f.sqlite'}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "participants.csv, row 2, column timezone: unknown time zone 'Korea/Busan'" in err
    assert "Traceback" not in err


def test_cli_without_fair_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["publish", "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}"])
    assert code == 1
    assert "run `fair import DIR` first" in capsys.readouterr().err


def test_cli_import_schedule_publish_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'f.sqlite'}"]
    source = write_fair(tmp_path / "in")
    assert main(["import", str(source), *db]) == 0
    assert "participants: 5 new" in capsys.readouterr().out
    assert main(["schedule", "--method", "greedy", *db]) == 0
    assert "draft version 1" in capsys.readouterr().out
    assert main(["publish", *db]) == 0
    assert "published:" in capsys.readouterr().out

    assert main(["export", "grid", "--format", "json", *db]) == 0
    grid = json.loads(capsys.readouterr().out)
    assert grid and {"start_utc", "from_company", "to_company", "place"} <= set(grid[0])

    out_file = tmp_path / "kr1.ics"
    assert main(["export", "ics", "--participant", "kr1", "-o", str(out_file), *db]) == 0
    calendar = Calendar.from_ical(out_file.read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == len([g for g in grid if "kr1" in (g["from"], g["to"])])

    exported = tmp_path / "out"
    assert main(["export", "fair", "--out", str(exported), *db]) == 0
    assert (exported / "participants.csv").read_text(encoding="utf-8").count("김민준") == 1


def test_cli_generate_writes_import_files(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert main(["generate", "--scale", "small", "--seed", "3", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "fair.toml",
        "participants.csv",
        "products.csv",
        "requests.csv",
    ]
    assert main(["import", str(out), "--db", f"sqlite:///{tmp_path / 'g.sqlite'}"]) == 0


def test_cli_organiser_add_then_duplicate_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'o.sqlite'}"]
    monkeypatch.setenv("FAIR_ORGANISER_PASSWORD", "a long enough secret")
    assert main(["organiser", "--email", "Lead@Fair.example", *db]) == 0
    assert "lead@fair.example can now sign in" in capsys.readouterr().out
    assert main(["organiser", "--email", "lead@fair.example", *db]) == 1
    assert "already exists" in capsys.readouterr().err
