"""The `fair` command line: generate, import, schedule, publish, export, serve, demo.

An interface over `fair` like the web pages, so it lives beside them and may start the
server.

Every command takes `--db URL` (default from config.toml / FAIR_DATABASE_URL) and
`--config FILE`. Results go to stdout (or `-o FILE`); progress and errors go to stderr;
a failure exits non-zero with a message, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair.db import open_database, session_scope
from fair.errors import FairError, ImportRejected, InvalidInput, NotFound
from fair.models import Fair
from fair.settings import Settings, load_settings

if TYPE_CHECKING:
    from fair.sample.demo import Demo

log = logging.getLogger("fair")


def _settings(args: argparse.Namespace) -> Settings:
    path = Path(args.config) if args.config else Path(os.environ.get("FAIR_CONFIG", "config.toml"))
    overrides: dict[str, Any] = {"database_url": args.db}
    for name in ("host", "port"):
        if getattr(args, name, None) is not None:
            overrides[f"server_{name}"] = getattr(args, name)
    for name in ("time_limit", "workers", "seed"):
        if getattr(args, name, None) is not None:
            overrides[f"solver_{name}"] = getattr(args, name)
    return load_settings(path if path.exists() or args.config else None, overrides=overrides)


def _engine(settings: Settings) -> Engine:
    return open_database(settings.database_url)


def _pick_fair(session: Session, wanted: str | None) -> Fair:
    fairs = session.exec(select(Fair).order_by(col(Fair.id))).all()
    if wanted:
        for fair in fairs:
            if str(fair.id) == wanted or fair.name == wanted:
                return fair
        raise NotFound(f"no fair {wanted!r} (have: {', '.join(f.name for f in fairs) or 'none'})")
    if not fairs:
        raise NotFound("the database has no fair yet; run `fair import DIR` first")
    if len(fairs) > 1:
        names = ", ".join(f"{f.id}: {f.name}" for f in fairs)
        raise InvalidInput(f"several fairs in the database, pick one with --fair ({names})")
    return fairs[0]


def _output(args: argparse.Namespace) -> TextIO:
    if getattr(args, "output", None):
        return open(args.output, "w", encoding="utf-8", newline="")
    return sys.stdout


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- commands


def cmd_generate(args: argparse.Namespace) -> int:
    from fair.sample.generate import generate, write

    start = date.fromisoformat(args.start) if args.start else date.today()
    t0 = time.perf_counter()
    generated = generate(args.scale, args.seed, start)
    paths = write(generated, Path(args.out))
    _progress(f"generated {args.scale} fair (seed {args.seed}) in {time.perf_counter() - t0:.1f}s")
    for path in paths:
        print(path)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from fair.importer import normalise, read_paths
    from fair.loader import import_files, preview_files

    settings = _settings(args)
    engine = _engine(settings)
    try:
        encoding = normalise(args.encoding)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    _progress(f"reading {', '.join(args.paths)} ...")
    files = read_paths([Path(p) for p in args.paths])
    t0 = time.perf_counter()
    if args.dry_run:
        summary = preview_files(engine, files, encoding)
        _progress(f"checked in {time.perf_counter() - t0:.1f}s; nothing was written")
    else:
        summary = import_files(engine, files, encoding)
        _progress(f"written in {time.perf_counter() - t0:.1f}s")
    print(summary.describe())
    for source, how in summary.sources.items():
        print(f"  read {source} as {how}")
    print(f"  {'':<14}{'new':>8}{'updated':>10}{'unchanged':>11}")
    for kind, new, updated, same in summary.counts():
        print(f"  {kind:<14}{new:>8}{updated:>10}{same:>11}")
    if not summary.written:  # a dry run changed no calendar
        return 0
    from fair import notify

    # Renamed companies and colleagues added to or removed from requests change
    # published calendars: tell the people concerned (iTIP), as a publication does.
    queued = notify.queue_calendar_changes(engine, summary.fair_id, settings)
    if queued:
        delivery = notify.deliver(settings)
        print(
            f"e-mailed {len(queued)} participant(s) whose calendars changed: "
            f"{delivery.sent} sent, {delivery.waiting} waiting in {settings.smtp_outbox}"
        )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from fair.export import TEMPLATE_WORKBOOK, template_files, template_workbook

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = template_files(args.lang, _translator(args.lang))
    files = {"fair.toml": files["fair.toml"]} | (
        {TEMPLATE_WORKBOOK: template_workbook(args.lang, _translator(args.lang))}
        if args.workbook
        else files
    )
    for name, data in files.items():
        (out / name).write_bytes(data)
        print(out / name)
    return 0


def _translator(lang: str) -> Callable[[str], str]:
    """The catalogue's translation in `lang` (the templates' notes)."""
    from web import i18n

    i18n.load_catalogues()

    def translate(message: str) -> str:
        with i18n.using(lang):
            return i18n.gettext_(message)

    return translate


def cmd_schedule(args: argparse.Namespace) -> int:
    from fair.scheduling import schedule_fair, solver_options

    settings = _settings(args)
    engine = _engine(settings)
    started = time.perf_counter()

    def progress(info: dict[str, Any]) -> None:
        _progress(
            f"  level {info.get('level')}: best {info.get('value')}, "
            f"bound {info.get('bound')}, {info.get('time_left', 0):.0f}s left"
        )

    # Ctrl-C asks the solver to stop; it returns the best schedule so far, which is stored.
    interrupted = threading.Event()

    def on_sigint(_signum: int, _frame: Any) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        _progress("stopping: keeping the best schedule found (Ctrl-C again to abort)")
        interrupted.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    with Session(engine) as session:
        fair = _pick_fair(session, args.fair)
        assert fair.id is not None
    options = solver_options(settings, gap_fill=args.gap_fill)
    try:
        number, figures = schedule_fair(
            engine, fair.id, options, args.method, progress, interrupted.is_set
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    print(
        f"draft version {number}: {figures['scheduled']} of {figures['requests']} requests "
        f"scheduled, weight {figures['weight']}, status {figures['status']}, "
        f"{time.perf_counter() - started:.1f}s"
    )
    for level in figures.get("levels", []):
        print(
            f"  level {level['level']} {level['name']}: {level['value']} "
            f"(bound {level['bound']}, {level['status']}, {level['seconds']}s)"
        )
    left = figures.get("unscheduled", {})
    if left:
        print(f"  {len(left)} left out; `fair export unscheduled` lists each with its reason")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from fair.publishing import publish

    settings = _settings(args)
    engine = _engine(settings)
    from fair import notify
    from fair.errors import Conflict

    fair_id: int | None = None
    try:
        with session_scope(engine) as session:
            fair = _pick_fair(session, args.fair)
            assert fair.id is not None
            fair_id = fair.id
            diff = publish(session, fair_id, args.version)
    except Conflict:
        if fair_id is None:
            raise
        # Published already: perhaps by a run stopped before its e-mails went out.
        missed = notify.queue_missed(engine, settings, fair_id)
        if missed:
            delivery = notify.deliver(settings)
            print(
                f"e-mailed {len(missed)} participant(s) the earlier publication had not: "
                f"{delivery.sent} sent, {delivery.waiting} waiting in {settings.smtp_outbox}"
            )
        raise
    print(f"published: {diff.describe()}")

    queued = notify.queue_schedule_changes(engine, fair_id, diff, settings)
    if queued:
        delivery = notify.deliver(settings)
        print(
            f"e-mailed {len(queued)} participant(s): {delivery.sent} sent, "
            f"{delivery.waiting} waiting in {settings.smtp_outbox}"
        )
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from fair import invitations, notify

    settings = _settings(args)
    engine = _engine(settings)
    if args.resend:
        with session_scope(engine) as session:
            notices = [invitations.resend(session, settings, args.resend)]
        notify.queue(settings, notices)  # after the commit: every link in them works
        count = 1
    else:
        choice = invitations.Choice(country=args.country, role=args.role, search=args.search)
        count = invitations.invite_and_queue(engine, settings, choice)
    print(f"invited {count} participant(s)")
    if count:
        delivery = notify.deliver(settings)
        print(
            f"{delivery.sent} sent, {delivery.failed} failed, "
            f"{delivery.waiting} waiting in {settings.smtp_outbox}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from fair.export import export_fair_files, format_grid, grid_rows
    from fair.versions import get_version

    settings = _settings(args)
    engine = _engine(settings)
    with Session(engine) as session:
        fair = _pick_fair(session, args.fair)
        assert fair.id is not None
        if args.what == "fair":
            if not args.out:
                raise InvalidInput("export fair needs --out DIR")
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            files = export_fair_files(session, fair.id)
            if args.workbook:
                from fair.export import to_workbook

                files = {"fair.toml": files["fair.toml"], "fair.xlsx": to_workbook(files)}
            for name, data in files.items():
                (out / name).write_bytes(data)
                print(out / name)
            return 0
        if args.what == "report":
            from fair.summary import Scope
            from web.report_pdf import report_pdf

            if args.format != "pdf":
                raise InvalidInput("export report: --format pdf (the only format of a report)")
            if not args.output:
                raise InvalidInput("export report needs -o FILE.pdf")
            scope = Scope(pavilion=args.pavilion or "", company=args.company or "")
            pdf = report_pdf(session, fair.id, settings.rates, args.lang, scope)
            Path(args.output).write_bytes(pdf)
            print(f"{args.output}: {len(pdf):,} bytes")
            return 0
        if args.format == "pdf":
            raise InvalidInput(f"export {args.what}: --format pdf is for `export report`")
        if args.what in ("deals", "companies", "orders"):
            from fair.report import format_report, report_rows

            rows = report_rows(session, fair.id, args.what, settings.rates)
            data = format_report(args.what, rows, args.format)
            if args.output:  # a file for a spreadsheet: as downloaded (CSV with its BOM)
                Path(args.output).write_bytes(data)
                return 0
            text = data.decode("utf-8-sig")
        elif args.what == "grid":
            version = get_version(session, fair.id, args.version)
            text = format_grid(grid_rows(session, version), args.format)
        elif args.what == "unscheduled":
            version = get_version(session, fair.id, args.version)
            left = version.figures.get("unscheduled", {})
            text = "".join(f"{key}\t{why['code']}\t{why['text']}\n" for key, why in left.items())
        else:
            from fair.ical import fair_calendar_file, participant_calendar

            reminder = settings.calendar_reminder_minutes
            # --version N: that version's meetings (a draft to check, an older one);
            # without it, the published version.
            if args.fair_wide:
                text = fair_calendar_file(
                    session, fair.id, settings.base_url, args.place, reminder, args.version
                ).text
            elif not args.participant:
                raise InvalidInput("export ics needs --participant ID or --fair-wide")
            else:
                text = participant_calendar(
                    session, fair.id, args.participant, settings.base_url, reminder, args.version
                )
    stream = _output(args)
    try:
        stream.write(text)
    finally:
        if stream is not sys.stdout:
            stream.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from web.app import run

    settings = _settings(args)
    run(settings)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import contextlib
    import dataclasses
    import tempfile

    from fair.sample.demo import prepare_demo
    from fair.scheduling import solver_options
    from web.app import run
    from web.media_server import janus_binary, running_janus

    settings = _settings(args)
    if not args.db:
        # The demo gets its own fresh file so it always starts today and never touches
        # the configured database.
        path = Path("var/demo.sqlite")
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        # Its stages' recordings too: a fresh database numbers its roadshows from 1 again.
        recordings = Path("var/demo-recordings")
        shutil.rmtree(recordings, ignore_errors=True)
        settings = dataclasses.replace(
            settings, database_url=f"sqlite:///{path}", stage_recordings_dir=str(recordings)
        )
    engine = _engine(settings)
    options = solver_options(settings, time_limit=min(settings.solver_time_limit, 20.0))
    now = _instant(args.now) if args.now else None
    demo = prepare_demo(engine, args.scale, args.seed, options, log=_progress, now=now)
    engine.dispose()
    base = settings.base_url
    lines = [
        "",
        f"Demo fair ready: {demo.fair_name}",
        f"  Organiser:    {base}/login   e-mail {demo.organiser_email}   "
        f"password {demo.organiser_password}",
    ]
    for p in demo.participants:
        lines.append(f"  Participant:  {base}/p/{p.token}   ({p.name}, {p.company}, {p.timezone})")
    lines.extend(demo_live_lines(demo, base))
    lines.append("Press Ctrl-C to stop.")
    if args.no_serve:
        print("\n".join(lines[:-1]))
        return 0
    with contextlib.ExitStack() as stack:
        if not settings.stage_janus_url and janus_binary() is not None:
            # The roadshow stages through a Janus of the demo's own, stopped with it.
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fair-janus-")))
            janus = stack.enter_context(running_janus(folder, binary=janus_binary() or ""))
            settings = dataclasses.replace(
                settings,
                stage_janus_url=janus.url,
                janus_api_secret=janus.api_secret,
                janus_admin_key=janus.admin_key,
            )
            lines.insert(-1, f"  Stages:       through Janus at {janus.url} (started for the demo)")
        elif not settings.stage_janus_url:
            note = "peer-to-peer (apt-get install janus for the media server)"
            lines.insert(-1, f"  Stages:       {note}")
        run(settings, print_urls=lines)
    return 0


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"--now {text!r} is not an ISO 8601 date and time") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"--now {text!r} needs its offset (e.g. +00:00 or Z)")
    return moment


def demo_live_lines(demo: Demo, base: str) -> list[str]:
    """The demo's link straight into the meeting running now, through the participant's
    own sign-in link (`?next=` the room), with when it ends in the fair's time."""
    if demo.live is None:
        return ["  Live now:     no meeting runs at this moment; the agendas show the next ones"]
    person = demo.participants[demo.live.participant]
    zone = ZoneInfo(demo.fair_timezone)
    return [
        f"  Live now:     {base}/p/{person.token}?next=/rooms/{demo.live.uid}   "
        f"({person.name} in a meeting until {demo.live.end.astimezone(zone):%H:%M} "
        f"{demo.fair_timezone})"
    ]


def cmd_organiser(args: argparse.Namespace) -> int:
    """Create an organiser account; the password comes from a prompt (or, for scripts,
    FAIR_ORGANISER_PASSWORD), never from the command line where it would be logged."""
    import getpass

    from fair.accounts import create_organiser

    password = os.environ.get("FAIR_ORGANISER_PASSWORD", "")
    if not password:
        password = getpass.getpass("Password (10+ characters): ")
        if password != getpass.getpass("Again: "):
            raise InvalidInput("the two passwords differ")
    settings = _settings(args)
    engine = _engine(settings)
    with session_scope(engine) as session:
        organiser = create_organiser(session, args.email, password, args.name or "")
    print(f"organiser {organiser.email} can now sign in at {settings.base_url}/login")
    return 0


def tool_commands() -> dict[str, EntryPoint]:
    """Commands that the project's tooling adds (`fair bench`, `fair drill`): the
    `fair.commands` entry points in pyproject.toml, each a `main(argv) -> int`. The product
    never imports the tooling; an installation without it has no such commands."""
    return {entry.name: entry for entry in entry_points(group="fair.commands")}


def _tool_help(entry: EntryPoint) -> str:
    doc = (entry.load().__doc__ or entry.name).strip().splitlines()[0]
    return f"{doc} (`fair {entry.name} --help`)"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database URL (default: config.toml or FAIR_DATABASE_URL)")
    common.add_argument("--config", help="settings file (default: ./config.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")

    parser = argparse.ArgumentParser(
        prog="fair", description="Virtual trade fair and B2B video-negotiation scheduler."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("generate", parents=[common], help="write a realistic fair to import")
    p.add_argument("--scale", choices=["small", "video", "expo", "tight", "mega"], default="video")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", help="first day YYYY-MM-DD (default: today)")
    p.add_argument("--out", required=True, help="directory to write the import files to")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser(
        "import", parents=[common], help="import a fair directory or files (all or nothing)"
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="a directory, or fair.toml and CSV/.xlsx files"
    )
    p.add_argument(
        "--encoding",
        default="auto",
        help="encoding of the CSV files that are not UTF-8: auto (detect), gb18030, cp949, "
        "shift_jis, utf-16",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("template", parents=[common], help="write the import templates")
    p.add_argument("--lang", choices=["en", "zh", "ko", "ja"], default="en")
    p.add_argument("--out", required=True, help="directory to write to")
    p.add_argument(
        "--workbook", action="store_true", help="one .xlsx (a sheet per file) for the CSVs"
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("schedule", parents=[common], help="solve the meeting grid into a draft")
    p.add_argument("--fair", help="fair id or name (needed when there are several)")
    p.add_argument("--method", choices=["ours", "greedy", "fcfs"], default="ours")
    p.add_argument("--time-limit", type=float, help="seconds (default from settings)")
    p.add_argument("--workers", type=int, help="solver threads (default from settings)")
    p.add_argument("--seed", type=int, help="solver seed (default from settings)")
    p.add_argument("--gap-fill", action="store_true", help="keep the published grid, add new")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("publish", parents=[common], help="publish a draft schedule version")
    p.add_argument("--fair")
    p.add_argument("--version", type=int, help="version number (default: newest)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser(
        "invite",
        parents=[common],
        help="e-mail invitations (personal link, agenda, calendar) to those not yet invited",
    )
    p.add_argument("--country", default="", help="only this country's companies (ISO code)")
    p.add_argument("--role", default="", help="only this role: exhibitor, buyer, service, ...")
    p.add_argument("--search", default="", help="only names or companies containing this")
    p.add_argument(
        "--resend", metavar="ID", help="invite this participant again (their old link stops)"
    )
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser(
        "export", parents=[common], help="export grid, calendar, the fair or a report"
    )
    p.add_argument(
        "what",
        choices=["grid", "ics", "fair", "unscheduled", "deals", "companies", "orders", "report"],
        help="deals, companies, orders: the reports of docs/api.md (--format csv|json); "
        "report: the post-fair report (--format pdf -o FILE)",
    )
    p.add_argument("--fair")
    p.add_argument("--format", choices=["csv", "json", "pdf"], default="csv")
    p.add_argument("--pavilion", help="report: only this pavilion (its key)")
    p.add_argument("--company", help="report: only this company (its name)")
    p.add_argument(
        "--lang", choices=["en", "zh", "ko", "ja"], default="en", help="report: its language"
    )
    p.add_argument(
        "--version", type=int, help="schedule version (default: newest; ics: the published one)"
    )
    p.add_argument("--participant", help="participant id (for ics)")
    p.add_argument(
        "--workbook", action="store_true", help="fair: the CSV files as one .xlsx workbook"
    )
    p.add_argument("--fair-wide", action="store_true", help="every meeting (for ics)")
    p.add_argument("--place", help="only this booth or table (for ics --fair-wide)")
    p.add_argument("--out", help="directory (for `export fair`)")
    p.add_argument("-o", "--output", help="file to write instead of stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", parents=[common], help="run the web server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", parents=[common], help="generate, schedule and serve a demo fair")
    p.add_argument("--scale", choices=["small", "video", "expo", "tight"], default="video")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-serve", action="store_true", help="set up the demo and exit")
    p.add_argument(
        "--now",
        help="place the fair around this instant, ISO 8601 with its offset (default: now)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("organiser", parents=[common], help="create an organiser account")
    p.add_argument("--email", required=True)
    p.add_argument("--name", help="display name")
    p.set_defaults(func=cmd_organiser)

    for name, entry in sorted(tool_commands().items()):
        p = sub.add_parser(name, help=_tool_help(entry), add_help=False)
        p.add_argument("tool_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    tools = tool_commands()
    if argv[:1] and argv[0] in tools:  # a tool parses its own options (`fair drill --help`)
        run_tool: Callable[[list[str]], int] = tools[argv[0]].load()
        return run_tool(argv[1:])
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.func(args)
        return code
    except ImportRejected as exc:
        print(f"fair: {exc}", file=sys.stderr)
        return 2
    except FairError as exc:
        print(f"fair: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fair: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
