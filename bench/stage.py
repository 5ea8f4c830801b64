"""`fair bench stage`: one 1280x720 stage through Janus with light WebRTC viewers.

Janus is started from a temporary configuration (`bench/janus.py`); a presenter (aiortc)
publishes a synthetic 1280x720 VP8 video into a VideoRoom created as the app creates
them; then, for each audience size (`--viewers 50,200,500`), that many aiortc viewers
subscribe through the same requests the app makes (a participant with a token on the
`allowed` list, then a subscription with its private id) and complete ICE, DTLS and SRTP
with Janus. The viewers do not decode the video (that is the light part: a decoder that
only counts whole frames takes the place of VP8's), so the machine's cores go to Janus
and to the transport, not to 500 video decoders.

Reported per size: viewers connected, join time p50/p99 (attach → `connected`),
frames received per viewer per second against the frames the presenter sent in the same
window (frames lost = the shortfall), Janus's CPU (% of one core, from /proc over the
window) and memory (RSS growth per viewer). Beside it, the peer-to-peer stage in the same
run: the presenter's upload, measured as the bytes its one connection to Janus sent per
second, times the audience (each viewer gets its own copy from the presenter's browser),
and the configured peer-to-peer cap.

The viewers run in this one Python process beside Janus on the same machine: at large
audiences the client, not Janus, may be what saturates; the table says how many joined.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiortc.rtcrtpreceiver as receiver_module
import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack

from bench.janus import janus_binary, running_janus
from fair.settings import Settings
from realtime.janus import Janus, JanusHandle, JanusSession

ROOM = 4242
WIDTH, HEIGHT, FPS = 1280, 720, 30
CLOCK = 90000


class Counter:
    frames = 0


COUNTED = Counter()


class CountingDecoder:
    """Takes the place of the VP8 decoder: counts whole encoded frames, decodes none."""

    def decode(self, encoded_frame: Any) -> list[Any]:
        COUNTED.frames += 1
        return []


class Picture(VideoStreamTrack):
    """1280x720 frames at 30 per second, changing (so the encoder has work to do)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        base = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        base[:, :, 1] = 140
        self._base = base

    async def recv(self) -> av.VideoFrame:
        pts, _ = await self.next_timestamp()
        image = self._base.copy()
        x = (self.sent * 12) % (WIDTH - 200)
        image[200:520, x : x + 200, 0] = 255
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, CLOCK)
        self.sent += 1
        return frame


@dataclass(frozen=True)
class Row:
    viewers: int
    connected: int
    join_p50_s: float
    join_p99_s: float
    frames_sent_per_s: float
    frames_per_viewer_per_s: float
    frames_lost_pct: float
    janus_cpu_pct: float
    janus_rss_mb: float
    janus_kb_per_viewer: float
    presenter_kbit_s: float
    p2p_upload_mbit_s: float


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _viewer(
    session: JanusSession, admin: JanusHandle, feed: int, pin: str, secret: str
) -> tuple[RTCPeerConnection, float | None]:
    started = time.monotonic()
    token = secrets.token_urlsafe(24)
    await admin.request(
        {"request": "allowed", "room": ROOM, "secret": secret, "action": "add", "allowed": [token]}
    )
    participant = await session.attach()
    data, _ = await participant.message(
        {"request": "join", "ptype": "publisher", "room": ROOM, "pin": pin, "token": token}
    )
    handle = await session.attach()
    _, jsep = await handle.message(
        {
            "request": "join",
            "ptype": "subscriber",
            "room": ROOM,
            "pin": pin,
            "private_id": data["private_id"],
            "streams": [{"feed": feed}],
        }
    )
    pc = RTCPeerConnection()
    assert jsep is not None
    await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], jsep["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await handle.message({"request": "start"}, {"type": "answer", "sdp": pc.localDescription.sdp})
    deadline = started + 30
    while pc.connectionState != "connected" and time.monotonic() < deadline:
        if pc.connectionState == "failed":
            return pc, None
        await asyncio.sleep(0.05)
    joined = time.monotonic() - started if pc.connectionState == "connected" else None
    return pc, joined


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _run(sizes: list[int], window: float, parallel: int, tmp: Path) -> list[Row]:
    # aiortc's receivers look their decoder up here: count frames, decode none.
    setattr(receiver_module, "get_decoder", lambda codec: CountingDecoder())  # noqa: B010
    rows: list[Row] = []
    with running_janus(tmp, binary=janus_binary() or "janus", debug_level=2) as server:
        client = Janus(server.url, server.api_secret, server.admin_key)
        session = await client.session()
        admin = await session.attach()
        secret, pin = secrets.token_hex(16), secrets.token_hex(16)
        await admin.request(
            {
                "request": "create",
                "room": ROOM,
                "admin_key": server.admin_key,
                "secret": secret,
                "pin": pin,
                "allowed": [],
                "require_pvtid": True,
                "publishers": 7,
                "bitrate": 1_500_000,
                "videocodec": "vp8",
            }
        )
        token = secrets.token_urlsafe(24)
        allow = {"request": "allowed", "room": ROOM, "secret": secret, "action": "add"}
        await admin.request({**allow, "allowed": [token]})
        # The presenter in a process of its own: its encoder must not wait behind the
        # viewers' transport in this process (its upload is the app's, not the bench's).
        spawn = multiprocessing.get_context("spawn")
        sent, upload, feed_of = spawn.Value("l", 0), spawn.Value("l", 0), spawn.Value("l", 0)
        presenter = spawn.Process(
            target=_present,
            args=(server.url, server.api_secret, pin, token, sent, upload, feed_of),
            daemon=True,
        )
        presenter.start()
        deadline = time.monotonic() + 30
        while feed_of.value == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if feed_of.value == 0:
            raise RuntimeError("the presenter did not get on air in 30 s")
        feed = int(feed_of.value)
        await asyncio.sleep(2)
        baseline_rss = _rss_kb(server.pid)
        viewers: list[RTCPeerConnection] = []
        joins: list[float] = []
        for size in sizes:
            gate = asyncio.Semaphore(parallel)

            async def one(
                gate: asyncio.Semaphore = gate,
            ) -> tuple[RTCPeerConnection, float | None]:
                async with gate:
                    return await _viewer(session, admin, feed, pin, secret)

            results = await asyncio.gather(*(one() for _ in range(size - len(viewers))))
            viewers += [pc for pc, _ in results]
            joins += [t for _, t in results if t is not None]
            connected = sum(1 for pc in viewers if pc.connectionState == "connected")
            await asyncio.sleep(2)  # settle
            sent_before, got_before = sent.value, COUNTED.frames
            cpu_before, started = _cpu_seconds(server.pid), time.monotonic()
            bytes_before = upload.value
            await asyncio.sleep(window)
            elapsed = time.monotonic() - started
            cpu = (_cpu_seconds(server.pid) - cpu_before) / elapsed * 100
            sent_rate = (sent.value - sent_before) / elapsed
            got = (COUNTED.frames - got_before) / elapsed / max(connected, 1)
            up = (upload.value - bytes_before) * 8 / elapsed / 1000
            rss = _rss_kb(server.pid)
            rows.append(
                Row(
                    viewers=size,
                    connected=connected,
                    join_p50_s=round(statistics.median(joins), 3) if joins else float("nan"),
                    join_p99_s=round(_pct(joins, 0.99), 3),
                    frames_sent_per_s=round(sent_rate, 1),
                    frames_per_viewer_per_s=round(got, 1),
                    frames_lost_pct=(
                        round(max(0.0, 1 - got / sent_rate) * 100, 1) if sent_rate else 0.0
                    ),
                    janus_cpu_pct=round(cpu, 1),
                    janus_rss_mb=round(rss / 1024, 1),
                    janus_kb_per_viewer=round((rss - baseline_rss) / max(connected, 1), 1),
                    presenter_kbit_s=round(up, 0),
                    p2p_upload_mbit_s=round(up * size / 1000, 1),
                )
            )
            print(_line(rows[-1]), file=sys.stderr, flush=True)
        for pc in viewers:
            await pc.close()
        presenter.terminate()
        presenter.join(10)
        await session.destroy()
        await client.close()
    return rows


def _present(
    url: str, api_secret: str, pin: str, token: str, sent: Any, upload: Any, feed: Any
) -> None:
    """The presenter's process: publish the picture until terminated, counting frames
    sent and bytes uploaded into the shared values."""

    async def run() -> None:
        client = Janus(url, api_secret)
        session = await client.session()
        pc = RTCPeerConnection()
        picture = Picture()
        pc.addTrack(picture)
        await pc.setLocalDescription(await pc.createOffer())
        publisher = await session.attach()
        data, jsep = await publisher.message(
            {
                "request": "joinandconfigure",
                "ptype": "publisher",
                "room": ROOM,
                "pin": pin,
                "token": token,
                "audio": False,
                "video": True,
            },
            {"type": "offer", "sdp": pc.localDescription.sdp},
        )
        assert jsep is not None
        await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], jsep["type"]))
        while pc.connectionState != "connected":
            await asyncio.sleep(0.05)
        feed.value = int(data["id"])
        while True:
            sent.value = picture.sent
            upload.value = await _sent_bytes(pc)
            await asyncio.sleep(0.2)

    asyncio.run(run())


async def _sent_bytes(pc: RTCPeerConnection) -> int:
    """Bytes of RTP the presenter sent (its senders' outbound-rtp statistics)."""
    total = 0
    for sender in pc.getSenders():
        for stat in (await sender.getStats()).values():
            if getattr(stat, "type", "") == "outbound-rtp":
                total += int(getattr(stat, "bytesSent", 0) or 0)
    return total


def _line(row: Row) -> str:
    return (
        f"{row.viewers:>5} {row.connected:>9} {row.join_p50_s:>8} {row.join_p99_s:>8} "
        f"{row.frames_sent_per_s:>6} {row.frames_per_viewer_per_s:>8} {row.frames_lost_pct:>6} "
        f"{row.janus_cpu_pct:>8} {row.janus_rss_mb:>8} {row.janus_kb_per_viewer:>8} "
        f"{row.presenter_kbit_s:>8} {row.p2p_upload_mbit_s:>9}"
    )


HEADER = (
    "viewers connected join_p50 join_p99 sent/s  recv/s lost% janusCPU% janusMB KB/viewer "
    "up_kbit p2p_Mbit"
)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="fair bench stage", description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", default="50,200,500", help="audience sizes, rising")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured per size")
    parser.add_argument("--parallel", type=int, default=20, help="viewers joining at once")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    args = parser.parse_args(argv)
    if janus_binary() is None:
        print("fair bench stage: janus is not installed (apt-get install janus)", file=sys.stderr)
        return 2
    sizes = sorted({int(n) for n in args.viewers.split(",") if n.strip()})
    with tempfile.TemporaryDirectory(prefix="fair-bench-stage-") as tmp:
        rows = asyncio.run(_run(sizes, args.window, args.parallel, Path(tmp)))
    p2p = Settings().stage_audience_limit
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "p2p_audience_limit": p2p}))
    else:
        print(HEADER)
        for row in rows:
            print(_line(row))
        print(f"peer-to-peer stage: capped at {p2p} viewers (stage.audience_limit)")
    return 0
