"""Hypothesis over every client→server event of `/meeting`, `/dashboard` and `/organiser`
through real python-socketio clients against the running app: random JSON, wrong types,
wrong numbers of arguments, big strings and unknown events.

Whatever arrives, every call is answered with an ack — `{"ok": true, ...}` or
`{"ok": false, "error": {"code", "message"}}` with a code that names the client's mistake,
never `server` — nothing is logged as an error, the server stays up, and the database
holds deals only for submissions that were acknowledged as new deals.
"""

from __future__ import annotations

import logging
import os
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import Session, select

from fair.db import open_database
from fair.models import Deal
from tests.realtime.conftest import (  # noqa: F401
    Live,
    Peer,
    live,
    live_meeting,
)
from web.keys import SETTINGS

pytestmark = pytest.mark.integration

NO_ARGS = object()
CLIENT_CODES = {"invalid", "not_joined", "observer", "forbidden", "not_found", "conflict"}
MEETING_EVENTS = (
    "join",
    "leave",
    "time",
    "late",
    "chat",
    "signal",
    "deal:record",
    "deal:confirm",
    "announce",
)
UNKNOWN_EVENTS = ("nope", "on_join", "deal:delete", "__init__", "trigger_event", "x" * 300)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and ±Infinity too: Python's JSON carries them
    | st.sampled_from([2**31, 2**63, 10**30, -(2**31) - 1])  # overflow database integers
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "1", "-1", "1e999", "NaN", "0.001", "KRW", "usd", "💥" * 20])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Long strings, yet under the message limit (64 KiB) that test_limits covers.
big = st.sampled_from(["x" * 2001, "y" * 20_000, "字" * 3_000])
field_values = json_values
# Near-valid bodies with the names the handlers read, so checks deep inside are reached.
shaped = st.fixed_dictionaries(
    {},
    optional={
        "meeting": field_values,
        "text": field_values | big,
        "minutes": field_values,
        "to": field_values,
        "description": field_values,
        "candidate": field_values,
        "deal": field_values,
        "fair": field_values,
        "type": st.sampled_from(["intent", "purchase", "agency", "project"]) | field_values,
        "amount": st.sampled_from(["100", "12.5", 7, "0", "-3", "1e20"]) | field_values,
        "currency": st.sampled_from(["USD", "KRW", "CNY", "EUR"]) | field_values,
        "note": field_values | big,
        "client_key": st.from_regex(r"[A-Za-z0-9_.:-]{8,20}", fullmatch=True) | field_values,
    },
)
payloads = (
    st.just(NO_ARGS)
    | json_values
    | big
    | shaped
    | st.tuples(json_values, json_values)  # two arguments instead of one
)


def check_ack(event: str, ack: Any) -> None:
    assert isinstance(ack, dict), f"{event}: ack {ack!r}"
    assert isinstance(ack.get("ok"), bool), f"{event}: ack {ack!r}"
    if not ack["ok"]:
        error = ack.get("error")
        assert isinstance(error, dict), f"{event}: {ack!r}"
        assert error.get("code") in CLIENT_CODES, f"{event}: {ack!r}"
        assert isinstance(error.get("message"), str) and error["message"], f"{event}: {ack!r}"


async def send(peer: Peer, event: str, payload: Any, namespace: str) -> Any:
    data = None if payload is NO_ARGS else payload
    return await peer.client.call(event, data, namespace=namespace, timeout=5)


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.ERROR)
    return caplog.records


SCALE = int(os.environ.get("FUZZ_SCALE", "1"))  # more examples for a deeper run by hand
FUZZ = hsettings(
    max_examples=100 * SCALE,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@given(event=st.sampled_from(MEETING_EVENTS + UNKNOWN_EVENTS), payload=payloads)
@FUZZ
async def test_meeting_events_always_ack_a_client_error_or_success(
    live: Live,  # noqa: F811
    errors: list[logging.LogRecord],
    event: str,
    payload: Any,
) -> None:
    if not live.peers:  # connect() keeps each client in live.peers
        await live.connect("kr1")  # a side of the live meeting
        await live.connect("de1")  # signed in, not in this meeting
        await live.connect("organiser")  # observer
    member, outsider, organiser = live.peers[:3]
    for peer in (member, organiser):  # back in the room, whatever the last example did
        check_ack("join", await send(peer, "join", {"meeting": live.uid}, "/meeting"))
    for peer in (member, outsider, organiser):
        ack = await send(peer, event, payload, "/meeting")
        check_ack(event, ack)
        if event == "deal:record" and ack["ok"]:
            acked = getattr(live, "acked", set())
            acked.add(ack["deal"]["client_key"])
            live.acked = acked  # type: ignore[attr-defined]
        assert peer.client.connected
    assert not errors, [r.getMessage() for r in errors]
    assert (await send(member, "time", NO_ARGS, "/meeting"))["ok"]  # still up


async def test_meeting_fuzz_wrote_only_acknowledged_valid_deals(
    live: Live,  # noqa: F811
    errors: list[logging.LogRecord],
) -> None:
    """The database side of the fuzz: every stored deal was acknowledged and is valid."""
    member = await live.connect("kr1")
    await send(member, "join", {"meeting": live.uid}, "/meeting")
    acked: set[str] = set()
    bodies: list[Any] = [
        {"type": "intent", "amount": "100", "currency": "USD", "client_key": "fuzz-ok-0001"},
        {"type": "intent", "amount": "100", "currency": "USD", "client_key": "fuzz-ok-0001"},
        {"type": "intent", "amount": "0", "currency": "USD", "client_key": "fuzz-bad-0001"},
        {"type": "intent", "amount": "1e999", "currency": "USD", "client_key": "fuzz-bad-0002"},
        {"type": "intent", "amount": "NaN", "currency": "USD", "client_key": "fuzz-bad-0003"},
        {"type": "gift", "amount": "5", "currency": "USD", "client_key": "fuzz-bad-0004"},
        {"type": "intent", "amount": "5", "currency": "XXX", "client_key": "fuzz-bad-0005"},
        {"type": "intent", "amount": "5", "currency": "USD", "client_key": "short"},
        {"type": "intent", "amount": "5.001", "currency": "USD", "client_key": "fuzz-bad-0006"},
        {"type": "intent", "amount": True, "currency": "USD", "client_key": "fuzz-bad-0007"},
        {
            "type": "intent",
            "amount": "5",
            "currency": "USD",
            "client_key": "fuzz-bad-0008",
            "note": "n" * 1001,
        },
        {"type": "project", "amount": 7, "currency": "KRW", "client_key": "fuzz-ok-0002"},
    ]
    for body in bodies:
        ack = await send(member, "deal:record", body, "/meeting")
        check_ack("deal:record", ack)
        if ack["ok"]:
            acked.add(ack["deal"]["client_key"])
    assert acked == {"fuzz-ok-0001", "fuzz-ok-0002"}
    engine = open_database(live.server.app[SETTINGS].database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(Deal)).all()
    finally:
        engine.dispose()
    stored = {d.client_key for d in rows if d.client_key.startswith("fuzz-")}
    assert stored == acked
    for deal in rows:
        assert deal.amount > Decimal(0)
        assert re.fullmatch(r"[A-Za-z0-9_.:-]{8,100}", deal.client_key)
    assert not errors, [r.getMessage() for r in errors]


STAGE_EVENTS = (
    "join",
    "leave",
    "start",
    "stop",
    "ready",
    "signal",
    "question",
    "meet",
    "interest",
    "order",
    "orders",
    "order:confirm",
    "order:decline",
)


@given(
    event=st.sampled_from(("watch", "watch_solver", "nope", *STAGE_EVENTS)),
    payload=payloads,
)
@FUZZ
async def test_dashboard_organiser_and_stage_events_always_ack(
    live: Live,  # noqa: F811
    errors: list[logging.LogRecord],
    event: str,
    payload: Any,
) -> None:
    if not live.peers:  # connect() keeps each client in live.peers
        await live.connect("organiser", "/dashboard")
        await live.connect("organiser", "/organiser")
        await live.connect("kr1", "/stage")
    for peer, namespace in zip(live.peers[:3], ("/dashboard", "/organiser", "/stage"), strict=True):
        ack = await send(peer, event, payload, namespace)
        check_ack(f"{namespace} {event}", ack)
        assert peer.client.connected
    assert not errors, [r.getMessage() for r in errors]


HUGE = [float("inf"), float("-inf"), float("nan"), 2**70, 2**31, -(2**63)]


async def test_numbers_beyond_any_id_are_client_errors(
    live: Live,  # noqa: F811
    errors: list[logging.LogRecord],
) -> None:
    """Regression: Infinity raised OverflowError in int(), and ids beyond 64 bits
    overflowed the database driver; both came back as `server` (or no ack)."""
    member = await live.connect("kr1")
    await send(member, "join", {"meeting": live.uid}, "/meeting")
    dashboard = await live.connect("organiser", "/dashboard")
    organiser = await live.connect("organiser", "/organiser")
    for value in HUGE:
        check_ack("late", await send(member, "late", {"minutes": value}, "/meeting"))
        check_ack("deal:confirm", await send(member, "deal:confirm", {"deal": value}, "/meeting"))
        check_ack("watch", await send(dashboard, "watch", {"fair": value}, "/dashboard"))
        check_ack("solver", await send(organiser, "watch_solver", {"fair": value}, "/organiser"))
    assert not errors, [r.getMessage() for r in errors]


async def test_undecodable_packets_get_an_error_ack_and_no_error_log(
    live: Live,  # noqa: F811
    errors: list[logging.LogRecord],
) -> None:
    """Packets no JSON parser takes (nested past its depth, an integer of 5,000 digits,
    nonsense) are answered like any refused call, not with silence and a traceback."""
    import asyncio

    member = await live.connect("kr1")
    assert (await send(member, "time", NO_ARGS, "/meeting"))["ok"]  # its callbacks exist
    packets = {
        9001: '["chat",' + "[" * 5000 + "]" * 5000 + "]",
        9002: '["chat",{"text":' + "9" * 5000 + "}]",
        9003: "[nonsense",
    }
    for ack_id, body in packets.items():
        answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        member.client.callbacks["/meeting"][ack_id] = lambda *args, f=answered: f.set_result(
            args[0] if args else None
        )
        await member.client.eio.send(f"2/meeting,{ack_id}{body}")
        ack = await asyncio.wait_for(answered, 5)
        check_ack("packet", ack)
        assert ack["ok"] is False and "malformed packet" in ack["error"]["message"]
    assert member.client.connected
    assert (await send(member, "time", NO_ARGS, "/meeting"))["ok"]
    assert not errors, [r.getMessage() for r in errors]
