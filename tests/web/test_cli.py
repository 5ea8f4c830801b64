"""The `fair` command line, end to end on a SQLite file."""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from fair.settings import Settings
from tests.factories import fair_files
from tests.web.conftest import ClientFactory
from web.app import create_app
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


def test_cli_import_dry_run_then_real_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--dry-run` prints the preview and writes nothing; the real run writes the same;
    a Korean Excel's CSV (CP949) and a workbook are read like the UTF-8 files."""
    db = ["--db", f"sqlite:///{tmp_path / 'f.sqlite'}"]
    files = fair_files()
    source = write_fair(tmp_path / "in", files)
    assert main(["import", str(source), "--dry-run", *db]) == 0
    out = capsys.readouterr().out
    assert out.startswith("preview of 'Qingdao–Busan Test Fair' (a new fair)")
    assert "  participants         5         0          0" in out
    assert main(["import", str(source), "--dry-run", *db]) == 0  # still nothing written
    assert "  participants         5         0          0" in capsys.readouterr().out
    assert main(["import", str(source), *db]) == 0
    assert capsys.readouterr().out.startswith("imported 'Qingdao–Busan Test Fair' (fair 1)")
    assert main(["export", "fair", "--workbook", "--out", str(tmp_path / "book"), *db]) == 0
    capsys.readouterr()
    book = tmp_path / "book"
    assert sorted(p.name for p in book.iterdir()) == ["fair.toml", "fair.xlsx"]
    assert main(["import", str(book / "fair.toml"), str(book / "fair.xlsx"), "--dry-run", *db]) == 0
    out = capsys.readouterr().out
    assert "  read [fair.xlsx]participants as xlsx" in out
    assert "  participants         0         0          5" in out


def test_cli_template_in_korean_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "template"
    assert main(["template", "--lang", "ko", "--workbook", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["fair-template.xlsx", "fair.toml"]
    db = ["--db", f"sqlite:///{tmp_path / 'f.sqlite'}"]
    capsys.readouterr()
    assert main(["import", str(out), "--dry-run", *db]) == 0
    assert "  products             1         0          0" in capsys.readouterr().out
    assert main(["template", "--lang", "ja", "--out", str(tmp_path / "ja"), *db]) == 0
    notes = (tmp_path / "ja" / "participants.csv").read_text("utf-8-sig").splitlines()[1]
    assert notes.startswith("# 主催者がこの人に付けた id")


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
        "availability.csv",
        "fair.toml",
        "locks.csv",
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


def _demo_link(out: str) -> str:
    line = next(line for line in out.splitlines() if line.lstrip().startswith("Live now:"))
    match = re.search(r"http://\S+(/p/\S+)", line)
    assert match, line
    return match.group(1)


async def test_cli_demo_prints_a_live_link_that_opens_the_room(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aiohttp_client: ClientFactory
) -> None:
    """At a fixed instant (00:30 the next day in the fair's zone) the printed live link
    signs the participant in and opens the room of a meeting running then."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    config = tmp_path / "config.toml"
    config.write_text("[solver]\ntime_limit = 3\nworkers = 1\n")
    now = "2026-12-06T16:30:00+00:00"
    args = ["demo", "--no-serve", "--scale", "small", "--now", now, "--db", url]
    assert main([*args, "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Live now: .* in a meeting until \d\d:\d\d Asia/Shanghai\)", out), out
    link = _demo_link(out)
    uid = link.split("next=/rooms/")[1]
    settings = Settings(
        database_url=url, secret_key="demo-test", smtp_outbox=str(tmp_path / "outbox")
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.get(link, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == f"/rooms/{uid}"
    room = await client.get(f"/rooms/{uid}")
    assert room.status == 200
    page = await room.text()
    assert f'data-meeting="{uid}"' in page
    start = re.search(r'data-start="([^"]+)"', page)
    end = re.search(r'data-end="([^"]+)"', page)
    assert start and end
    moment = datetime.fromisoformat(now)
    assert datetime.fromisoformat(start[1]) <= moment < datetime.fromisoformat(end[1])


async def test_cli_demo_at_the_current_time_shows_a_live_meeting_on_the_agenda(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aiohttp_client: ClientFactory
) -> None:
    """Whenever the demo runs, its live link leads to an agenda with a meeting marked
    "now" (the real clock: the agenda page reads it)."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    config = tmp_path / "config.toml"
    config.write_text("[solver]\ntime_limit = 3\nworkers = 1\n")
    code = main(["demo", "--no-serve", "--scale", "small", "--db", url, "--config", str(config)])
    assert code == 0
    out = capsys.readouterr().out
    if "no meeting runs at this moment" in out:
        local = datetime.now(ZoneInfo("Asia/Shanghai"))
        # Only in the last minutes of the fair's day does no slot fit before midnight.
        assert local.time() >= time(23, 30), out
        pytest.skip("no slot fits before midnight in the fair's zone; day 1 is tomorrow")
    link = _demo_link(out)
    client = await aiohttp_client(
        create_app(Settings(database_url=url, secret_key="demo-test", smtp_outbox=str(tmp_path)))
    )
    assert (await client.get(link, allow_redirects=False)).status == 302
    agenda = await (await client.get("/me")).text()
    assert re.search(r'class="meeting [^"]*\blive\b', agenda), "no live meeting on the agenda"
    assert re.search(r'class="tag now when-now"\s*>now<', agenda), "no meeting marked now"


def test_cli_publish_rerun_sends_what_a_stopped_run_did_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publish killed right after its commit left no e-mail queued, and a rerun only
    said "already published" (issue 18, item 5): the rerun now queues them, once."""
    from fair.db import open_database, session_scope
    from fair.publishing import publish

    monkeypatch.chdir(tmp_path)  # the default outbox, var/outbox, lands here
    monkeypatch.delenv("FAIR_SMTP_OUTBOX", raising=False)
    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    assert main(["import", str(write_fair(tmp_path / "in")), "--db", url]) == 0
    assert main(["schedule", "--method", "greedy", "--db", url]) == 0
    engine = open_database(url)
    with session_scope(engine) as session:
        publish(session, 1, 1)  # committed; the process "dies" before its e-mails
    engine.dispose()
    capsys.readouterr()
    assert main(["publish", "--db", url]) == 1
    captured = capsys.readouterr()
    assert "already published" in captured.err
    assert "the earlier publication had not" in captured.out
    outbox = sorted((tmp_path / "var" / "outbox").glob("*.eml"))
    assert outbox
    assert main(["publish", "--db", url]) == 1
    assert sorted((tmp_path / "var" / "outbox").glob("*.eml")) == outbox  # not twice
