"""The /meeting and /dashboard namespaces through real python-socketio clients."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import pytest
import socketio
from sqlmodel import Session, select

from fair.db import make_engine
from fair.models import ChatMessage, Deal
from tests.realtime.conftest import Live, eventually

pytestmark = pytest.mark.integration


def deal(**extra: object) -> dict[str, object]:
    return {
        "type": "purchase",
        "amount": "125000.50",
        "currency": "USD",
        "note": "frozen laver, 3 containers",
        "client_key": uuid.uuid4().hex,
        **extra,
    }


async def test_meeting_connect_refused_without_signin(live: Live) -> None:
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[object] = []

    @client.on("connect_error", namespace="/meeting")
    async def refused(data: object) -> None:
        reasons.append(data)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(live.base, namespaces=["/meeting"], transports=["websocket"])
    await client.disconnect()
    assert reasons == [
        {"message": "open your personal link to enter meeting rooms", "data": {"code": "signin"}}
    ]


async def test_meeting_connect_allowed_for_participant_and_organiser(live: Live) -> None:
    seller = await live.connect("kr1")
    boss = await live.connect("organiser")
    assert seller.client.connected and boss.client.connected
    assert (await seller.call("time"))["ok"] is True


async def test_meeting_join_own_room_returns_room_state(live: Live) -> None:
    buyer = await live.connect("cn1")
    ack = await buyer.call("join", {"meeting": live.uid})
    assert ack["ok"] is True
    assert ack["you"]["side"] == "from" and ack["you"]["observer"] is False
    assert {m["name"] for m in ack["meeting"]["members"]} == {"王伟", "김민준", "朴智慧"}
    assert ack["currencies"] == ["CNY", "KRW", "USD"]
    online = {p["name"]: p["online"] for p in ack["presence"]}
    assert online == {"王伟": True, "김민준": False, "朴智慧": False}


async def test_meeting_join_other_meeting_refused_with_error_event(live: Live) -> None:
    outsider = await live.connect("de1")  # not a side of the online meeting
    ack = await outsider.call("join", {"meeting": live.uid})
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": "this meeting is not on your agenda"},
    }
    await eventually(lambda: bool(outsider.got("error")))
    assert outsider.got("error")[0]["event"] == "join"
    unknown = await outsider.call("join", {"meeting": "nope"})
    assert unknown["error"]["code"] == "not_found"


async def test_meeting_organiser_observes_any_room(live: Live) -> None:
    boss = await live.connect("organiser")
    ack = await boss.call("join", {"meeting": live.uid})
    assert ack["ok"] is True and ack["you"]["observer"] is True
    refused = await boss.call("deal:record", deal())
    assert refused["error"]["code"] == "observer"


async def test_meeting_presence_shows_who_is_in_and_who_left(live: Live) -> None:
    buyer, seller = await live.connect("cn1"), await live.connect("kr1")
    await buyer.call("join", {"meeting": live.uid})
    await seller.call("join", {"meeting": live.uid})
    await eventually(lambda: bool(buyer.got("peer:joined")))
    assert buyer.got("peer:joined")[0]["name"] == "김민준"
    await seller.client.disconnect()
    await eventually(lambda: bool(buyer.got("peer:left")))
    last = buyer.got("presence")[-1]["people"]
    kim = next(p for p in last if p["name"] == "김민준")
    assert kim["online"] is False and kim["joined_at"] and kim["left_at"]


async def test_meeting_signal_relayed_only_inside_room(live: Live) -> None:
    buyer, seller, outsider = (
        await live.connect("cn1"),
        await live.connect("kr1"),
        await live.connect("de1"),
    )
    boss = await live.connect("organiser")
    me = (await buyer.call("join", {"meeting": live.uid}))["you"]["sid"]
    other = (await seller.call("join", {"meeting": live.uid}))["you"]["sid"]
    offer = {"type": "offer", "sdp": "v=0 " + "x" * 200}
    # Not in a room: refused.
    refused = await outsider.call("signal", {"to": other, "description": offer})
    assert refused["error"]["code"] == "not_joined"
    assert (await buyer.call("signal", {"to": other, "description": offer}))["ok"] is True
    assert (await seller.call("signal", {"to": me, "candidate": {"candidate": "c"}}))["ok"]
    await eventually(lambda: bool(seller.got("signal")) and bool(buyer.got("signal")))
    await asyncio.sleep(0.1)
    assert seller.got("signal") == [{"from": me, "to": other, "name": "王伟", "description": offer}]
    assert buyer.got("signal") == [
        {"from": other, "to": me, "name": "김민준", "candidate": {"candidate": "c"}}
    ]
    assert outsider.got("signal") == [] and boss.got("signal") == []
    # Someone connected here but not in the room cannot be targeted.
    stranger = (await outsider.call("time"))["ok"] and outsider.client.get_sid("/meeting")
    refused_peer = await buyer.call("signal", {"to": stranger, "candidate": {"candidate": "c"}})
    assert refused_peer["error"]["code"] == "forbidden"
    # Observers do not take part in the media.
    await boss.call("join", {"meeting": live.uid})
    observer = await boss.call("signal", {"to": me, "description": offer})
    assert observer["error"]["code"] == "observer"


async def test_meeting_chat_reaches_room_and_is_kept(live: Live, settings: object) -> None:
    buyer, seller = await live.connect("cn1"), await live.connect("kr1")
    await buyer.call("join", {"meeting": live.uid})
    await seller.call("join", {"meeting": live.uid})
    ack = await buyer.call("chat", {"text": "Guten Tag! 안녕하세요"})
    assert ack["ok"] is True
    await eventually(lambda: bool(seller.got("chat")))
    assert seller.got("chat")[0]["text"] == "Guten Tag! 안녕하세요"
    assert seller.got("chat")[0]["author"] == "王伟"
    assert (await buyer.call("chat", {"text": "  "}))["error"]["code"] == "invalid"
    # Someone entering later gets the history.
    again = await live.connect("kr1")
    history = (await again.call("join", {"meeting": live.uid}))["chat"]
    assert [line["text"] for line in history] == ["Guten Tag! 안녕하세요"]


async def test_meeting_running_late_and_announcement(live: Live) -> None:
    buyer, seller = await live.connect("cn1"), await live.connect("kr1")
    boss = await live.connect("organiser")
    await buyer.call("join", {"meeting": live.uid})
    await seller.call("join", {"meeting": live.uid})
    assert (await seller.call("late", {"minutes": 5}))["ok"] is True
    assert (await buyer.call("announce", {"text": "hi"}))["error"]["code"] == "forbidden"
    assert (await boss.call("announce", {"text": "Hall B closes at 18:00"}))["ok"] is True
    await eventually(lambda: bool(buyer.got("late")) and bool(seller.got("announcement")))
    assert buyer.got("late")[0]["minutes"] == 5
    assert buyer.got("announcement")[0]["text"] == "Hall B closes at 18:00"


async def test_deal_stored_before_ack_and_confirmed_by_other_side(
    live: Live, settings: object
) -> None:
    buyer, seller = await live.connect("cn1"), await live.connect("kr1")
    await buyer.call("join", {"meeting": live.uid})
    await seller.call("join", {"meeting": live.uid})
    sent = deal(currency="KRW", amount="1000000")
    ack = await seller.call("deal:record", sent)
    assert ack["ok"] is True and ack["duplicate"] is False
    # The ack came after the commit: another connection sees the row now.
    engine = make_engine(live_db(settings))
    with Session(engine) as session:
        row = session.exec(select(Deal).where(Deal.client_key == sent["client_key"])).one()
    engine.dispose()
    assert row.amount == Decimal("1000000.00") and row.currency == "KRW"
    assert ack["deal"]["value"] == "720.00" and ack["deal"]["reporting_currency"] == "USD"
    # Only the other side confirms.
    mine = await seller.call("deal:confirm", {"deal": ack["deal"]["id"]})
    assert mine["error"]["code"] == "forbidden"
    confirmed = await buyer.call("deal:confirm", {"deal": ack["deal"]["id"]})
    assert confirmed["ok"] is True and confirmed["deal"]["confirmed_by"] == "王伟"
    await eventually(lambda: len(seller.got("deal")) == 2)


def live_db(settings: object) -> str:
    url: str = settings.database_url  # type: ignore[attr-defined]
    return url


async def test_deal_resubmission_counted_once(live: Live, settings: object) -> None:
    buyer = await live.connect("cn1")
    await buyer.call("join", {"meeting": live.uid})
    sent = deal()
    first, second = await asyncio.gather(
        buyer.call("deal:record", sent), buyer.call("deal:record", sent)
    )
    assert {first["duplicate"], second["duplicate"]} == {False, True}
    assert first["deal"]["id"] == second["deal"]["id"]
    # After a reconnect, the same key still returns the stored deal.
    await buyer.client.disconnect()
    again = await live.connect("cn1")
    await again.call("join", {"meeting": live.uid})
    third = await again.call("deal:record", sent)
    assert third["duplicate"] is True and third["deal"]["id"] == first["deal"]["id"]
    engine = make_engine(live_db(settings))
    with Session(engine) as session:
        assert len(session.exec(select(Deal)).all()) == 1
        assert session.exec(select(ChatMessage)).all() == []
    engine.dispose()


async def test_deal_invalid_fields_named(live: Live) -> None:
    buyer = await live.connect("cn1")
    await buyer.call("join", {"meeting": live.uid})
    for bad, field in [
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "EUR"}, "currency"),
        ({"currency": "dollars"}, "currency"),
        ({"type": "gift"}, "type"),
        ({"client_key": "x"}, "client_key"),
    ]:
        ack = await buyer.call("deal:record", deal(**bad))
        assert ack["ok"] is False and ack["error"]["message"].startswith(field), ack


async def test_dashboard_refused_for_participant(live: Live) -> None:
    client = socketio.AsyncClient(reconnection=False)
    cookie = await live.cookie("kr1")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            live.base,
            namespaces=["/dashboard"],
            headers={"Cookie": f"fair_session={cookie}"},
            transports=["websocket"],
        )
    await client.disconnect()


async def test_dashboard_counters_broadcast_on_deals(live: Live) -> None:
    board = await live.connect("organiser", namespace="/dashboard")
    start = await board.call("watch", {"fair": live.fair_id}, namespace="/dashboard")
    assert start["ok"] is True and start["totals"]["value"] == "0.00"
    buyer, seller = await live.connect("cn1"), await live.connect("kr1")
    await buyer.call("join", {"meeting": live.uid})
    await seller.call("join", {"meeting": live.uid})
    ack = await buyer.call("deal:record", deal(type="intent", amount="1000", currency="CNY"))
    await seller.call("deal:record", deal(type="purchase", amount="50000"))
    await seller.call("deal:confirm", {"deal": ack["deal"]["id"]})

    def final() -> bool:
        totals = board.got("totals")
        return bool(totals) and totals[-1]["value"] == "50140.00" and totals[-1]["confirmed"] == 1

    await eventually(final)
    totals = board.got("totals")[-1]
    assert totals["deals"] == 2 and totals["companies_with_intent"] == 2
    assert totals["by_type"]["intent"] == {"deals": 1, "value": "140.00"}
    assert totals["by_pavilion"][0]["name"] == "Korea Pavilion"
    assert {row["name"] for row in totals["by_country"]} == {"KR", "CN"}
    assert totals["meetings_running"] == 1 and totals["rooms_live"] == 1


async def test_no_show_marked_for_side_that_did_not_join(live: Live, settings: object) -> None:
    from datetime import UTC, datetime, timedelta

    from fair.models import Meeting, MeetingStatus
    from tests.realtime.conftest import move_online_meeting

    move_online_meeting(live_db(settings), datetime.now(UTC) - timedelta(minutes=12))
    buyer = await live.connect("cn1")
    await buyer.call("join", {"meeting": live.uid})
    from web.keys import SIO

    namespace = live.server.app[SIO].namespace_handlers["/meeting"]
    marked = await namespace.sweep_no_shows()
    assert [uid for _, uid in marked] == [live.uid]
    await eventually(lambda: any(p.get("no_show") for p in buyer.got("presence")))
    people = buyer.got("presence")[-1]["people"]
    assert {p["name"]: p["no_show"] for p in people} == {
        "王伟": False,
        "김민준": True,
        "朴智慧": False,  # the third seat is not a side
    }
    assert await namespace.sweep_no_shows() == []  # idempotent
    # The late side arrives: the meeting runs again.
    seller = await live.connect("kr1")
    await seller.call("join", {"meeting": live.uid})
    engine = make_engine(live_db(settings))
    with Session(engine) as session:
        statuses = {m.status for m in session.exec(select(Meeting)) if m.place_kind == "online"}
    engine.dispose()
    assert statuses == {MeetingStatus.SCHEDULED}


async def test_meeting_client_dropping_during_join_is_not_left_counted(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that goes while its join waits for the database: its disconnect finds
    no room to leave, so the join leaves for it; it is not left online (a ghost for the
    others, a wrong count on the dashboard, a missed no-show)."""
    from fair import presence

    real = presence.apply
    entered = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_apply(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        loop.call_soon_threadsafe(entered.set)
        time.sleep(0.5)  # the client drops now
        return found

    monkeypatch.setattr(presence, "apply", slow_apply)
    buyer = await live.connect("cn1")
    await buyer.client.emit("join", {"meeting": live.uid}, namespace="/meeting")
    await asyncio.wait_for(entered.wait(), 10)
    await buyer.client.disconnect()
    await asyncio.sleep(1.0)  # the join finishes after the disconnect
    monkeypatch.setattr(presence, "apply", real)
    seller = await live.connect("kr1")
    ack = await seller.call("join", {"meeting": live.uid})
    online = {p["name"]: p["online"] for p in ack["presence"]}
    assert online["김민준"] is True
    assert online["王伟"] is False


async def test_only_the_leading_live_process_sweeps_no_shows(
    live: Live, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every process runs the sweep's loop; only the live one with the smallest instance
    id marks (issue 19: every process swept every 30 s, repeating the same queries)."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from fair import instances, presence
    from fair.db import session_scope
    from web.keys import SIO

    swept: list[object] = []
    monkeypatch.setattr(presence, "mark_no_shows", lambda *args: swept.append(args) or [])
    engine = make_engine(live_db(settings))
    with session_scope(engine) as session:
        instances.heartbeat(session, "!leader", datetime.now(UTC))  # sorts before any id
    engine.dispose()
    namespace = live.server.app[SIO].namespace_handlers["/meeting"]
    own = namespace.services
    for instance, expected in (("zz-follower", False), ("!leader", True)):
        namespace.services = replace(own, no_show_interval=0.05, instance=instance)
        task = asyncio.ensure_future(namespace.watch_no_shows())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert bool(swept) is expected, instance
    namespace.services = own
