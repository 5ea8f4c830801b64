"""Replays: a roadshow's stage recorded by Janus, converted into a file the browser plays,
shown (with the roadshow's products and the order button) after the end.

While a stage goes through Janus, the host's feed is recorded (`realtime.stage_media`):
Janus writes one `.mjr` file per track into `<recordings>/roadshow-<id>/`, a pair
(`host-<ms>-audio-0.mjr`, `host-<ms>-video-1.mjr`) each time the host publishes (a
reload publishes again). Venues' feeds are live only: they are not recorded.

After the end (the presenter's `stop`, or for a roadshow whose server process died,
`GRACE` after its scheduled end) `convert_due` finds recordings without a replay and
converts them: `janus-pp-rec` turns each track into a file (VP8 → WebM, Opus → Ogg),
`ffmpeg` muxes audio and video into one WebM without re-encoding (the later track
shifted by the difference of their first packets, which the `.mjr` headers record) and
joins the host's sessions in order. The `Replay` row is claimed before the work (so two
processes do not convert one roadshow) and says `converting`, `ready` (with the file's
duration and size) or `failed` with the reason; a claim older than `STALE` was abandoned
by a process that died and is taken over.

The file is served only to the fair's signed-in participants and the organiser
(`web/replays.py`), found by the replay's random key, never by a path from a request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fair.db import session_scope
from fair.errors import NotFound
from fair.models import Replay, ReplayStatus, Roadshow, RoadshowStatus, utcnow

log = logging.getLogger("fair.replays")

GRACE = timedelta(minutes=5)  # past its end, a roadshow still "live" lost its server process
STALE = timedelta(minutes=15)  # a conversion claimed this long ago was abandoned
TOOL_SECONDS = 600  # one janus-pp-rec or ffmpeg run at most
KEY = re.compile(r"[A-Za-z0-9_-]{24}")
TRACK = re.compile(r"host-(\d{1,20})-(audio|video)-\d{1,2}\.mjr")
REASON_MAX = 300


def roadshow_dir(recordings: str | Path, roadshow_id: int) -> Path:
    """Where Janus records roadshow `roadshow_id` (an absolute path: Janus's working
    directory is not the app's)."""
    return Path(recordings).resolve() / f"roadshow-{int(roadshow_id)}"


def host_filename(now: datetime | None = None) -> str:
    """The base name of one publishing of the host (Janus appends `-<kind>-<index>.mjr`):
    each publishing gets its own files, so a reload does not overwrite the first part."""
    moment = now or utcnow()
    return f"host-{int(moment.timestamp() * 1000)}"


class ConversionFailed(Exception):
    """The recording could not be turned into a replay; the message says why."""


@dataclass(frozen=True)
class Segment:
    """One publishing of the host: its recorded tracks."""

    stamp: int
    video: Path | None
    audio: Path | None


def segments(folder: Path) -> list[Segment]:
    """The host's recorded sessions in `folder`, oldest first."""
    found: dict[int, dict[str, Path]] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            match = TRACK.fullmatch(path.name)
            if match is not None and path.is_file() and path.stat().st_size > 0:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = path
    return [
        Segment(stamp, tracks.get("video"), tracks.get("audio"))
        for stamp, tracks in sorted(found.items())
    ]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConversionFailed(f"{name} is not installed (Debian: janus-tools, ffmpeg)")
    return found


def _run(args: Sequence[str]) -> str:
    try:
        done = subprocess.run(
            list(args), capture_output=True, text=True, timeout=TOOL_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise ConversionFailed(f"{Path(args[0]).name} took over {TOOL_SECONDS} s") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise ConversionFailed(f"{Path(args[0]).name}: {detail}"[:REASON_MAX])
    return done.stdout


def _first_packet(mjr: Path) -> float:
    """When the track's first packet was written (seconds), from the `.mjr` header."""
    header = json.loads(_run([_tool("janus-pp-rec"), "--json", str(mjr)]).strip() or "{}")
    return float(header.get("u") or header.get("s") or 0) / 1_000_000


def _track(mjr: Path, out: Path) -> Path | None:
    """One track converted; None when Janus recorded no media in it."""
    _run([_tool("janus-pp-rec"), "--disable-colors", str(mjr), str(out)])
    return out if out.exists() and out.stat().st_size > 0 else None


def _segment(segment: Segment, work: Path) -> Path:
    """One publishing as a WebM with its audio and video in step."""
    video = _track(segment.video, work / f"{segment.stamp}-v.webm") if segment.video else None
    audio = _track(segment.audio, work / f"{segment.stamp}-a.opus") if segment.audio else None
    if video is None and audio is None:
        raise ConversionFailed("the recording holds no media")
    out = work / f"{segment.stamp}.webm"
    args = [_tool("ffmpeg"), "-v", "error", "-y"]
    if video is not None and audio is not None:
        assert segment.video is not None and segment.audio is not None
        # Each track's timestamps start at its first packet: shift the later one.
        lag = _first_packet(segment.audio) - _first_packet(segment.video)
        if lag > 0:
            args += ["-i", str(video), "-itsoffset", f"{lag:.3f}", "-i", str(audio)]
        else:
            args += ["-itsoffset", f"{-lag:.3f}", "-i", str(video), "-i", str(audio)]
        args += ["-map", "0:v", "-map", "1:a"]
    else:
        args += ["-i", str(video or audio)]
    _run([*args, "-c", "copy", "-f", "webm", str(out)])
    return out


def duration(path: Path) -> float:
    """The file's duration in seconds (ffprobe)."""
    text = _run(
        [
            _tool("ffprobe"),
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            str(path),
        ]
    )
    try:
        return float(text.strip())
    except ValueError:
        raise ConversionFailed("the converted file has no duration") from None


def convert(folder: Path, out: Path) -> float:
    """Convert the host's recordings in `folder` into one WebM at `out` (written whole
    or not at all); returns its duration in seconds. Raises ConversionFailed."""
    found = segments(folder)
    if not found:
        raise ConversionFailed("no recording of the host was found")
    with tempfile.TemporaryDirectory(prefix="convert-", dir=folder) as tmp:
        work = Path(tmp)
        parts = [_segment(segment, work) for segment in found]
        joined = work / "replay.webm"
        if len(parts) == 1:
            parts[0].replace(joined)
        else:
            listing = work / "parts.txt"
            listing.write_text("".join(f"file '{p}'\n" for p in parts), encoding="utf-8")
            _run(
                [
                    *(_tool("ffmpeg"), "-v", "error", "-y", "-f", "concat", "-safe", "0"),
                    *("-i", str(listing), "-c", "copy", "-f", "webm", str(joined)),
                ]
            )
        seconds = duration(joined)
        if seconds <= 0:
            raise ConversionFailed("the converted file is empty")
        os.replace(joined, out)
    return seconds


# ------------------------------------------------------------------------- the rows


def _newest_recording(folder: Path) -> datetime | None:
    stamps = [p.stat().st_mtime for s in segments(folder) for p in (s.video, s.audio) if p]
    return datetime.fromtimestamp(max(stamps), UTC) if stamps else None


def due(
    session: Session,
    recordings: str | Path,
    now: datetime | None = None,
    retry_failed: bool = False,
) -> list[int]:
    """The roadshows whose recordings wait for a conversion: ended (or still "live"
    `GRACE` after their end: their server process died) with host recordings and no
    replay, a replay older than its newest recording (the host went live again), or a
    conversion abandoned `STALE` ago; with `retry_failed` (a process starting: the
    tools may have been installed since) the failed ones too."""
    moment = now or utcnow()
    base = Path(recordings).resolve()
    if not base.is_dir():
        return []
    ids = sorted(
        int(p.name.removeprefix("roadshow-"))
        for p in base.iterdir()
        if re.fullmatch(r"roadshow-\d{1,18}", p.name) and p.is_dir()
    )
    if not ids:
        return []
    shows = {s.id: s for s in session.exec(select(Roadshow).where(col(Roadshow.id).in_(ids)))}
    replays = {
        r.roadshow_id: r
        for r in session.exec(select(Replay).where(col(Replay.roadshow_id).in_(ids)))
    }
    found = []
    for roadshow_id in ids:
        show = shows.get(roadshow_id)
        if show is None or show.status in (RoadshowStatus.SCHEDULED, RoadshowStatus.CANCELLED):
            continue
        if show.status == RoadshowStatus.LIVE and show.end + GRACE > moment:
            continue
        newest = _newest_recording(roadshow_dir(base, roadshow_id))
        if newest is None:
            continue
        replay = replays.get(roadshow_id)
        if replay is None:
            found.append(roadshow_id)
        elif replay.status == ReplayStatus.CONVERTING:
            if replay.started_at + STALE <= moment:
                found.append(roadshow_id)
        elif (replay.finished_at is not None and newest > replay.finished_at) or (
            retry_failed and replay.status == ReplayStatus.FAILED
        ):
            found.append(roadshow_id)
    return found


def _claim(engine: Engine, roadshow_id: int, now: datetime) -> tuple[int, str] | None:
    """Mark the roadshow's replay `converting` (made if new): its id and key, or None
    when another process holds a fresh claim."""
    try:
        with session_scope(engine) as session:
            show = session.get(Roadshow, roadshow_id)
            if show is None:
                return None
            replay = session.exec(select(Replay).where(Replay.roadshow_id == roadshow_id)).first()
            if replay is None:
                replay = Replay(
                    fair_id=show.fair_id, roadshow_id=roadshow_id, key=secrets.token_urlsafe(18)
                )
            elif replay.status == ReplayStatus.CONVERTING and replay.started_at + STALE > now:
                return None
            replay.status = ReplayStatus.CONVERTING
            replay.started_at = now
            replay.reason = ""
            session.add(replay)
            session.flush()
            assert replay.id is not None
            return replay.id, replay.key
    except IntegrityError:
        return None  # another process made it first


def convert_roadshow(
    engine: Engine, recordings: str | Path, roadshow_id: int, now: datetime | None = None
) -> Replay | None:
    """Convert one roadshow's recordings into its replay (blocking: run it off the event
    loop). Returns the stored replay (`ready` or `failed` with the reason), or None when
    another process is converting it."""
    claimed = _claim(engine, roadshow_id, now or utcnow())
    if claimed is None:
        return None
    replay_id, key = claimed
    folder = roadshow_dir(recordings, roadshow_id)
    name = f"replay-{key}.webm"
    try:
        seconds = convert(folder, folder / name)
        size = (folder / name).stat().st_size
        failure = ""
    except (ConversionFailed, OSError, ValueError) as exc:
        log.warning("replay of roadshow %s: %s", roadshow_id, exc)
        seconds, size, failure = 0.0, 0, str(exc)[:REASON_MAX] or type(exc).__name__
    with session_scope(engine) as session:
        replay = session.get(Replay, replay_id)
        if replay is None:  # deleted meanwhile
            (folder / name).unlink(missing_ok=True)
            return None
        replay.finished_at = utcnow()
        if failure:
            replay.status, replay.reason = ReplayStatus.FAILED, failure
        else:
            replay.status = ReplayStatus.READY
            replay.file = f"{folder.name}/{name}"
            replay.duration_seconds = round(seconds, 3)
            replay.size_bytes = size
        session.add(replay)
        session.flush()
        session.expunge(replay)
        return replay


def convert_due(
    engine: Engine,
    recordings: str | Path,
    now: datetime | None = None,
    retry_failed: bool = False,
) -> list[Replay]:
    """Convert every roadshow `due` lists; returns the replays stored."""
    with Session(engine) as session:
        ids = due(session, recordings, now, retry_failed)
    done = []
    for roadshow_id in ids:
        replay = convert_roadshow(engine, recordings, roadshow_id, now)
        if replay is not None:
            done.append(replay)
    return done


# ------------------------------------------------------------------------ reading


def replays_of(session: Session, roadshow_ids: Sequence[int]) -> dict[int, Replay]:
    """Roadshow id → its replay (any status), for the pages."""
    if not roadshow_ids:
        return {}
    rows = session.exec(select(Replay).where(col(Replay.roadshow_id).in_(list(roadshow_ids))))
    return {r.roadshow_id: r for r in rows}


def by_key(session: Session, fair_id: int, key: str) -> Replay:
    """The fair's replay with `key`; NotFound for a malformed or unknown key or another
    fair's replay (the caller checks who is asking)."""
    if not KEY.fullmatch(key):
        raise NotFound("no such replay")
    replay = session.exec(select(Replay).where(Replay.key == key)).first()
    if replay is None or replay.fair_id != fair_id:
        raise NotFound("no such replay")
    return replay


def by_key_any_fair(session: Session, key: str) -> Replay:
    """The replay with `key` in any fair (for the organiser); NotFound otherwise."""
    found = KEY.fullmatch(key)
    replay = session.exec(select(Replay).where(Replay.key == key)).first() if found else None
    if replay is None:
        raise NotFound("no such replay")
    return replay


def ready_file(replay: Replay, recordings: str | Path) -> Path:
    """The replay's file, checked to lie inside the recordings directory; NotFound when
    it is not ready or gone."""
    if replay.status != ReplayStatus.READY or not replay.file:
        raise NotFound("the replay is not ready")
    base = Path(recordings).resolve()
    path = (base / replay.file).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise NotFound("the replay's file is gone")
    return path


def delete_replay(session: Session, fair_id: int, key: str, recordings: str | Path) -> int:
    """The organiser deletes a replay (the caller commits): its file and the roadshow's
    recordings go, so it is not converted again. Returns the roadshow's id."""
    replay = by_key(session, fair_id, key)
    folder = roadshow_dir(recordings, replay.roadshow_id)
    if folder.is_dir() and folder.parent == Path(recordings).resolve():
        shutil.rmtree(folder, ignore_errors=True)
    session.delete(replay)
    session.flush()
    return replay.roadshow_id
