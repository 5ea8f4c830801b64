"""`fair bench stage`: one 1280x720 stage through Janus with light WebRTC viewers.

Janus is started from a temporary configuration (`bench/janus.py`); a presenter (aiortc,
in a process of its own) publishes a synthetic 1280x720 VP8 video into a VideoRoom
created as the app creates them; then, for each audience size (`--viewers 50,200,500`),
that many viewers subscribe through the same requests the app makes (a participant with
a token on the `allowed` list, then a subscription with its private id) and complete
ICE, DTLS and SRTP with Janus.

The viewers are spread over `--client-processes` processes (default: one per core), each
started with `nice` (`--client-nice`, default 10 more than the bench) so that, when the
cores are short, the kernel serves Janus and the presenter before the clients: what is
measured is Janus. A viewer is an aiortc peer connection (real ICE, DTLS handshake and
SRTP keys with Janus) whose receive path is cut short: an SRTP packet is not decrypted;
its RTP header, which SRTP leaves in the clear, is read for the sequence number (a gap
is a lost packet) and the marker bit (set on the last packet of each video frame, so a
frame is counted when its last packet arrives). The payload's integrity is not checked
and no video is decoded: that is the light part, so the cores go to Janus, not to 500
decoders. A failed ICE consent check (RFC 7675) does not close a viewer either: a client
starved of CPU answers late and would drop connections that Janus still serves.

Reported per size: viewers connected, join time p50/p99 of the viewers that joined at
that size (first request → ICE and DTLS `connected`), frames the presenter sent per
second and frames each viewer received per second (frames lost = the shortfall), packets
lost (sequence gaps), the RTP packets the presenter sent per second and those Janus sent
per second to each of 20 sampled viewers (its admin API's `handle_info`: what Janus
forwarded, whether or not the client kept up), Janus's CPU (% of one core over the
window, and per viewer) and memory (RSS, and its growth per viewer), the clients' CPU
(to see whether they kept up), the presenter's upload, and, in the same run, the
peer-to-peer stage: the presenter's upload times the audience (each viewer gets its own
copy from the presenter's browser) and its configured cap. Last, the viewers one machine
would carry, **extrapolated** from Janus's CPU per viewer (the slope between the
smallest and the largest audience) to all the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack

from bench.janus import JanusServer, janus_binary, running_janus
from fair.settings import Settings
from realtime.janus import Janus, JanusHandle, JanusSession

ROOM = 4242
WIDTH, HEIGHT, FPS = 1280, 720, 30
CLOCK = 90000
JOIN_SECONDS = 30  # a viewer not connected by then counts as failed
SAMPLED = 20  # viewers whose packets Janus's admin API is asked for, per size


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
    presenter_packets_per_s: float
    janus_packets_per_viewer_per_s: float
    frames_lost_pct: float
    packets_lost_pct: float
    janus_cpu_pct: float
    janus_cpu_pct_per_viewer: float
    janus_rss_mb: float
    janus_kb_per_viewer: float
    clients_cpu_pct: float
    presenter_kbit_s: float
    p2p_upload_mbit_s: float


# -- the light viewer -------------------------------------------------------------------


class Tally:
    """What one viewer process received: per SRTP session (one per viewer), the RTP
    packets, the frames (marker bits) and the packets expected (sequence span)."""

    def __init__(self) -> None:
        self.by_viewer: dict[int, list[int]] = {}  # id → [first, highest, packets, frames]

    def packet(self, key: int, data: bytes) -> None:
        if len(data) < 12:
            return
        seq = (data[2] << 8) | data[3]
        entry = self.by_viewer.get(key)
        if entry is None:
            self.by_viewer[key] = [seq, seq, 1, 1 if data[1] & 0x80 else 0]
            return
        # Extend the sequence number past its wrap at 65536 (the highest seen so far).
        highest = entry[1]
        ext = (highest & ~0xFFFF) | seq
        if ext < highest - 0x8000:
            ext += 0x10000
        elif ext > highest + 0x8000:
            ext -= 0x10000
        if ext > highest:
            entry[1] = ext
        entry[2] += 1
        if data[1] & 0x80:
            entry[3] += 1

    def totals(self) -> tuple[int, int, int]:
        """(packets, frames, packets expected) over every viewer of the process."""
        packets = frames = expected = 0
        for first, highest, got, marks in self.by_viewer.values():
            packets += got
            frames += marks
            expected += highest - first + 1
        return packets, frames, expected


TALLY = Tally()


class ClearInbound:
    """Stands in for the receiving SRTP session: the packet is not decrypted; its
    header (in the clear in SRTP) is tallied, and aiortc's RTP stack never sees it."""

    def __init__(self) -> None:
        self.key = id(self)

    def unprotect(self, data: bytes) -> bytes:
        TALLY.packet(self.key, data)
        return b""

    def unprotect_rtcp(self, data: bytes) -> bytes:
        return b""


def _light_viewers() -> None:
    """Cut aiortc's receive path short in this process (see the module's docstring):
    the inbound SRTP session tallies headers; RTP and RTCP handling get nothing."""
    import aioice.ice as ice
    import aiortc.rtcdtlstransport as dtls
    from pylibsrtp import Policy, Session

    def session(policy: Policy) -> Any:
        if policy.ssrc_type == Policy.SSRC_ANY_INBOUND:
            return ClearInbound()
        return Session(policy)

    async def nothing(self: Any, data: bytes, *args: Any, **kwargs: Any) -> None:
        return None

    # ICE consent checks (RFC 7675) go on, but a failure no longer closes the viewer:
    # a client starved of CPU answers late and would drop connections Janus still
    # serves (and Janus runs none; it keeps sending while the path is up).
    setattr(ice, "CONSENT_FAILURES", 1_000_000)  # noqa: B010
    setattr(dtls, "Session", session)  # noqa: B010
    setattr(dtls.RTCDtlsTransport, "_handle_rtp_data", nothing)  # noqa: B010
    setattr(dtls.RTCDtlsTransport, "_handle_rtcp_data", nothing)  # noqa: B010


@dataclass(frozen=True)
class Room:
    url: str
    api_secret: str
    secret: str
    pin: str
    feed: int


async def _viewer(
    session: JanusSession, admin: JanusHandle, room: Room
) -> tuple[RTCPeerConnection | None, float | None, str]:
    """One viewer through the app's requests; (its connection, seconds to connected or
    None when it did not connect, its subscription's handle path in Janus)."""
    started = time.monotonic()
    try:
        token = secrets.token_urlsafe(24)
        await admin.request(
            {
                "request": "allowed",
                "room": ROOM,
                "secret": room.secret,
                "action": "add",
                "allowed": [token],
            }
        )
        participant = await session.attach()
        data, _ = await participant.message(
            {"request": "join", "ptype": "publisher", "room": ROOM, "pin": room.pin, "token": token}
        )
        handle = await session.attach()
        _, jsep = await handle.message(
            {
                "request": "join",
                "ptype": "subscriber",
                "room": ROOM,
                "pin": room.pin,
                "private_id": data["private_id"],
                "streams": [{"feed": room.feed}],
            }
        )
        assert jsep is not None
        pc = RTCPeerConnection()
        await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], jsep["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = {"type": "answer", "sdp": pc.localDescription.sdp}
        await handle.message({"request": "start"}, answer)
    except Exception as exc:
        print(f"viewer failed to join: {exc!r}", file=sys.stderr, flush=True)
        return None, None, ""
    deadline = started + JOIN_SECONDS
    while pc.connectionState != "connected" and time.monotonic() < deadline:
        if pc.connectionState == "failed":
            return pc, None, handle.path
        await asyncio.sleep(0.05)
    joined = time.monotonic() - started if pc.connectionState == "connected" else None
    return pc, joined, handle.path


def _viewers_process(conn: Connection, room: Room, parallel: int, nice: int) -> None:
    """A client process: viewers joined on `("grow", n)`, tallies sent on `("tally",)`,
    everything closed on `("stop",)`."""
    if nice:
        os.nice(nice)
    _light_viewers()

    async def run() -> None:
        client = Janus(room.url, room.api_secret)
        session = await client.session()
        admin = await session.attach()
        pcs: list[RTCPeerConnection] = []
        paths: list[str] = []
        gate = asyncio.Semaphore(parallel)
        loop = asyncio.get_running_loop()

        async def one() -> tuple[RTCPeerConnection | None, float | None, str]:
            async with gate:
                return await _viewer(session, admin, room)

        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "grow":
                results = await asyncio.gather(*(one() for _ in range(command[1])))
                pcs += [pc for pc, _, _ in results if pc is not None]
                paths += [path for pc, _, path in results if pc is not None]
                conn.send(([t for _, t, _ in results], paths))
            elif command[0] == "tally":
                states: dict[str, int] = {}
                for pc in pcs:
                    key = f"{pc.connectionState}/{pc.iceConnectionState}"
                    states[key] = states.get(key, 0) + 1
                connected = sum(1 for pc in pcs if pc.connectionState == "connected")
                conn.send((connected, *TALLY.totals(), states))
            else:
                await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
                await session.destroy()
                await client.close()
                conn.send("stopped")
                return

    asyncio.run(run())


# -- measuring ------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ask(conns: list[Connection], command: tuple[Any, ...]) -> list[Any]:
    for conn in conns:
        conn.send(command)
    return [conn.recv() for conn in conns]


def _spread(count: int, processes: int) -> list[int]:
    """`count` new viewers over the processes, as evenly as it goes."""
    return [count // processes + (1 if i < count % processes else 0) for i in range(processes)]


@dataclass(frozen=True)
class Options:
    sizes: list[int]
    window: float
    parallel: int
    processes: int
    nice: int


async def _run(options: Options, tmp: Path) -> list[Row]:
    rows: list[Row] = []
    # Janus's default session timeout (60 s): its HTTP long poll is held up to 30 s.
    janus = janus_binary() or "janus"
    with running_janus(tmp, binary=janus, debug_level=2, session_timeout=60) as server:
        client = Janus(server.url, server.api_secret, server.admin_key)
        session = await client.session()
        admin = await session.attach()
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
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
        # The presenter in a process of its own, at the bench's priority: its encoder
        # must not wait behind the viewers (its upload is the app's, not the bench's).
        spawn = multiprocessing.get_context("spawn")
        sent, upload, feed_of = spawn.Value("l", 0), spawn.Value("l", 0), spawn.Value("l", 0)
        sent_packets = spawn.Value("l", 0)
        presenter = spawn.Process(
            target=_present,
            args=(server.url, server.api_secret, pin, token, sent, upload, sent_packets, feed_of),
            daemon=True,
        )
        presenter.start()
        deadline = time.monotonic() + 30
        while feed_of.value == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if feed_of.value == 0:
            raise RuntimeError("the presenter did not get on air in 30 s")
        room = Room(server.url, server.api_secret, secret, pin, int(feed_of.value))
        conns: list[Connection] = []
        workers = []
        for _ in range(options.processes):
            mine, theirs = spawn.Pipe()
            worker = spawn.Process(
                target=_viewers_process,
                args=(theirs, room, options.parallel, options.nice),
                daemon=True,
            )
            worker.start()
            conns.append(mine)
            workers.append(worker)
        loop = asyncio.get_running_loop()

        async def ask(command: tuple[Any, ...]) -> list[Any]:
            return await loop.run_in_executor(None, _ask, conns, command)

        async def ask_each(commands: list[tuple[Any, ...]]) -> list[Any]:
            def both() -> list[Any]:
                for conn, command in zip(conns, commands, strict=True):
                    conn.send(command)
                return [conn.recv() for conn in conns]

            return await loop.run_in_executor(None, both)

        def clients_cpu() -> float:
            return sum(_cpu_seconds(w.pid) for w in workers if w.pid is not None)

        await asyncio.sleep(2)
        baseline_rss = _rss_kb(server.pid)
        asked = 0
        try:
            for size in options.sizes:
                grown = await ask_each([("grow", n) for n in _spread(size - asked, len(conns))])
                asked = size
                joins = [t for times, _ in grown for t in times if t is not None]
                every = [path for _, paths in grown for path in paths]
                sample = random.Random(size).sample(every, min(SAMPLED, len(every)))
                await asyncio.sleep(2)  # settle
                forwarded_before = await _forwarded(http, server, sample)
                before = await ask(("tally",))
                sent_before, bytes_before = sent.value, upload.value
                packets_before = sent_packets.value
                cpu_before, clients_before = _cpu_seconds(server.pid), clients_cpu()
                started = time.monotonic()
                await asyncio.sleep(options.window)
                after = await ask(("tally",))
                elapsed = time.monotonic() - started
                forwarded_after = await _forwarded(http, server, sample)
                forwarded = [
                    (forwarded_after[path][0] - forwarded_before[path][0])
                    / (forwarded_after[path][1] - forwarded_before[path][1])
                    for path in sample
                    if path in forwarded_before and path in forwarded_after
                ]
                cpu = (_cpu_seconds(server.pid) - cpu_before) / elapsed * 100
                clients = (clients_cpu() - clients_before) / elapsed * 100
                sent_rate = (sent.value - sent_before) / elapsed
                connected = sum(a[0] for a in after)
                states: dict[str, int] = {}
                for a in after:
                    for state, n in a[4].items():
                        states[state] = states.get(state, 0) + n
                if connected < size:
                    print(f"{size} viewers asked: {states}", file=sys.stderr, flush=True)
                packets = sum(a[1] for a in after) - sum(b[1] for b in before)
                frames = sum(a[2] for a in after) - sum(b[2] for b in before)
                expected = sum(a[3] for a in after) - sum(b[3] for b in before)
                got = frames / elapsed / max(connected, 1)
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
                        janus_packets_per_viewer_per_s=(
                            round(statistics.median(forwarded), 1) if forwarded else float("nan")
                        ),
                        presenter_packets_per_s=round(
                            (sent_packets.value - packets_before) / elapsed, 1
                        ),
                        frames_lost_pct=(
                            round(max(0.0, 1 - got / sent_rate) * 100, 1) if sent_rate else 0.0
                        ),
                        packets_lost_pct=(
                            round(max(0, expected - packets) / expected * 100, 2)
                            if expected
                            else 0.0
                        ),
                        janus_cpu_pct=round(cpu, 1),
                        janus_cpu_pct_per_viewer=round(cpu / max(connected, 1), 3),
                        janus_rss_mb=round(rss / 1024, 1),
                        janus_kb_per_viewer=round((rss - baseline_rss) / max(connected, 1), 1),
                        clients_cpu_pct=round(clients, 1),
                        presenter_kbit_s=round(up, 0),
                        p2p_upload_mbit_s=round(up * size / 1000, 1),
                    )
                )
                print(_line(rows[-1]), file=sys.stderr, flush=True)
        finally:
            await ask(("stop",))
            for worker in workers:
                worker.join(10)
            presenter.terminate()
            presenter.join(10)
            await session.destroy()
            await client.close()
            await http.close()
    return rows


def _present(
    url: str,
    api_secret: str,
    pin: str,
    token: str,
    sent: Any,
    upload: Any,
    packets: Any,
    feed: Any,
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
            upload.value, packets.value = await _sent_bytes(pc)
            await asyncio.sleep(0.2)

    asyncio.run(run())


async def _sent_bytes(pc: RTCPeerConnection) -> tuple[int, int]:
    """Bytes and packets of RTP the presenter sent (outbound-rtp statistics)."""
    total = packets = 0
    for sender in pc.getSenders():
        for stat in (await sender.getStats()).values():
            if getattr(stat, "type", "") == "outbound-rtp":
                total += int(getattr(stat, "bytesSent", 0) or 0)
                packets += int(getattr(stat, "packetsSent", 0) or 0)
    return total, packets


async def _forwarded(
    http: aiohttp.ClientSession, server: JanusServer, paths: list[str]
) -> dict[str, tuple[int, float]]:
    """RTP packets Janus has sent to each sampled viewer's subscription, as its admin
    API's `handle_info` counts them, and when its answer came."""
    found: dict[str, tuple[int, float]] = {}
    for path in paths:
        body = {
            "janus": "handle_info",
            "transaction": secrets.token_hex(8),
            "admin_secret": server.admin_secret,
        }
        try:
            async with http.post(server.admin_url + path, json=body) as reply:
                info = await reply.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError):
            continue
        packets = _out_packets(info.get("info") or {})
        if packets is not None:
            found[path] = (packets, time.monotonic())
    return found


def _out_packets(info: dict[str, Any]) -> int | None:
    """The RTP packets Janus sent on a handle's media (`webrtc.media.*.stats.out`)."""
    media = (info.get("webrtc") or {}).get("media") or {}
    counts = [
        int(m["stats"]["out"]["packets"])
        for m in media.values()
        if isinstance(m, dict) and "packets" in ((m.get("stats") or {}).get("out") or {})
    ]
    return sum(counts) if counts else None


def extrapolate(rows: list[Row], cores: int) -> dict[str, Any]:
    """The viewers one machine's cores would carry, extrapolated from Janus's CPU per
    viewer: the slope between the smallest and the largest audience measured (what one
    more viewer costs), and what the smallest one cost besides (the presenter's feed)."""
    measured = [r for r in rows if r.connected > 0]
    if len(measured) < 2 or measured[-1].connected == measured[0].connected:
        return {"cores": cores, "janus_cpu_pct_per_added_viewer": None, "viewers": None}
    low, high = measured[0], measured[-1]
    slope = (high.janus_cpu_pct - low.janus_cpu_pct) / (high.connected - low.connected)
    base = max(low.janus_cpu_pct - slope * low.connected, 0.0)
    viewers = int((cores * 100 - base) / slope) if slope > 0 else None
    return {"cores": cores, "janus_cpu_pct_per_added_viewer": round(slope, 4), "viewers": viewers}


def _line(row: Row) -> str:
    return (
        f"{row.viewers:>7} {row.connected:>9} {row.join_p50_s:>8} {row.join_p99_s:>8} "
        f"{row.frames_sent_per_s:>6} {row.frames_per_viewer_per_s:>6} "
        f"{row.presenter_packets_per_s:>7} {row.janus_packets_per_viewer_per_s:>8} "
        f"{row.frames_lost_pct:>6} {row.packets_lost_pct:>6} {row.janus_cpu_pct:>9} "
        f"{row.janus_cpu_pct_per_viewer:>7} {row.janus_rss_mb:>7} {row.janus_kb_per_viewer:>9} "
        f"{row.clients_cpu_pct:>8} {row.presenter_kbit_s:>7} {row.p2p_upload_mbit_s:>8}"
    )


HEADER = (
    "viewers connected join_p50 join_p99 sent/s recv/s pkt_in pkt_out flost% plost% janusCPU% "
    "CPU/vwr janusMB KB/viewer clientCPU up_kbit p2p_Mbit"
)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="fair bench stage", description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", default="50,200,500", help="audience sizes, rising")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured per size")
    parser.add_argument(
        "--parallel", type=int, default=10, help="viewers joining at once per client process"
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processes the viewers are spread over (default: one per core)",
    )
    parser.add_argument(
        "--client-nice",
        type=int,
        default=10,
        help="niceness the client processes add to the bench's (Janus keeps the bench's)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if janus_binary() is None:
        print("fair bench stage: janus is not installed (apt-get install janus)", file=sys.stderr)
        return 2
    if args.client_processes < 1 or args.parallel < 1:
        print("fair bench stage: --client-processes and --parallel must be 1 or more")
        return 2
    sizes = sorted({int(n) for n in args.viewers.split(",") if n.strip()})
    options = Options(sizes, args.window, args.parallel, args.client_processes, args.client_nice)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="fair-bench-stage-") as tmp:
        rows = asyncio.run(_run(options, Path(tmp)))
    load_after = os.getloadavg()
    p2p = Settings().stage_audience_limit
    cores = os.cpu_count() or 1
    machine = extrapolate(rows, cores)
    if args.json:
        print(
            json.dumps(
                {
                    "rows": [asdict(r) for r in rows],
                    "p2p_audience_limit": p2p,
                    "client_processes": args.client_processes,
                    "extrapolated_machine": machine,
                    "load_before": [round(x, 2) for x in load_before],
                    "load_after": [round(x, 2) for x in load_after],
                }
            )
        )
    else:
        print(HEADER)
        for row in rows:
            print(_line(row))
        print(f"peer-to-peer stage: capped at {p2p} viewers (stage.audience_limit)")
        if machine["viewers"] is not None:
            print(
                f"extrapolated, not measured: {machine['viewers']} viewers on {cores} cores "
                f"({machine['janus_cpu_pct_per_added_viewer']} % of a core per added viewer)"
            )
        print(f"viewers over {args.client_processes} client processes (nice +{args.client_nice})")
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    return 0
