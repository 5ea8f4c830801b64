"""Stage orders over two `fair serve` processes sharing one database and Redis: orders
placed on both count once on every dashboard, reach the exhibitor's people on the other
process, an answer given on one process reaches the buyer on the other, and the order
limit holds over both."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from fair.settings import Settings
from realtime.stage import ORDERS_PER_MINUTE
from tests.realtime.conftest import Live, Peer, _recorder, eventually
from tests.realtime.test_redis_processes import connect, serve_two
from tests.realtime.test_roadshow_stage import add_roadshow

pytestmark = [pytest.mark.integration, pytest.mark.redis]


async def on_stage(url: str, live: Live, who: str) -> Peer:
    peer = await connect(url, live, who, "/stage")
    for name in ("order", "orders"):
        peer.client.on(name, _recorder(peer, name), namespace="/stage")
    return peer


async def test_two_processes_count_stage_orders_once_and_pass_answers_across(
    settings: Settings, published_fair: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    roadshow, products = add_roadshow(settings.database_url)
    live = Live(server=None, fair_id=published_fair[0], tokens=published_fair[1], uid="")  # type: ignore[arg-type]
    with serve_two(settings, tmp_path) as (a, b):
        presenter = await on_stage(a, live, "kr2")
        colleague = await on_stage(b, live, "kr1")
        de1 = await on_stage(b, live, "de1")
        cn1 = await on_stage(a, live, "cn1")
        boards = [await connect(url, live, "organiser", "/dashboard") for url in (a, b)]
        peers = [presenter, colleague, de1, cn1, *boards]
        try:
            for board in boards:
                assert (await board.call("watch", {"fair": live.fair_id}, namespace="/dashboard"))[
                    "ok"
                ]
            for peer in (presenter, colleague, de1, cn1):
                ack = await peer.call("join", {"roadshow": roadshow}, namespace="/stage")
                assert ack["ok"], ack
            assert (await presenter.call("start", None, namespace="/stage"))["ok"]

            def order(who: str, n: int) -> dict[str, object]:
                return {"product": products[0], "quantity": n, "client_key": f"{who}-order-{n:03}"}

            mine = [order("de1", n) for n in range(1, 11)]
            theirs = [order("cn1", n) for n in range(11, 21)]
            acks = await asyncio.gather(
                *(de1.call("order", o, namespace="/stage") for o in mine),
                *(cn1.call("order", o, namespace="/stage") for o in theirs),
                de1.call("order", mine[0], namespace="/stage"),
            )
            assert all(x["ok"] for x in acks), [x for x in acks if not x["ok"]][:3]
            assert sum(not x["duplicate"] for x in acks) == 20
            stolen = await cn1.call("order", mine[1], namespace="/stage")  # de1's key
            assert stolen["error"]["code"] == "conflict"
            # 2.50 USD × (1 + … + 20)
            expected = str((Decimal("2.50") * sum(range(1, 21))).quantize(Decimal("0.01")))

            # de1's orders, placed on b, reach the presenter on a (and the colleague on b).
            await eventually(lambda: len({o["id"] for o in presenter.got("order")}) == 20, 15)
            await eventually(lambda: len({o["id"] for o in colleague.got("order")}) == 20, 15)
            assert not {o["id"] for o in cn1.got("order")} & {
                x["order"]["id"] for x in acks[:10]
            }  # cn1 sees only their own orders

            # Confirmed on b, an order placed on a: its buyer on a is told.
            first_cn1 = acks[10]["order"]["id"]
            done = await colleague.call("order:confirm", {"order": first_cn1}, namespace="/stage")
            assert done["ok"] and done["order"]["status"] == "confirmed"
            await eventually(
                lambda: any(
                    o["id"] == first_cn1 and o["status"] == "confirmed" for o in cn1.got("order")
                ),
                15,
            )

            def final(board: Peer) -> bool:
                totals = board.got("totals")
                if not totals:
                    return False
                latest = max(totals, key=lambda t: t["as_of"])["orders"]
                return bool(latest["value"] == expected and latest["confirmed"] == 1)

            for board in boards:
                await eventually(lambda board=board: final(board), 15)
                latest = max(board.got("totals"), key=lambda t: t["as_of"])["orders"]
                assert latest["orders"] == 20 and latest["confirmed_value"] == "27.50"
            # The stage's own totals reach viewers on both processes.
            for viewer in (de1, cn1):
                await eventually(
                    lambda viewer=viewer: any(
                        t["last_hour"]["value"] == expected for t in viewer.got("orders")
                    ),
                    15,
                )

            # The order limit is per participant over both processes: cn1 sent 11 orders
            # this minute; the rest of a flood from cn1 on both processes stops at the limit.
            cn1_b = await on_stage(b, live, "cn1")
            peers.append(cn1_b)
            assert (await cn1_b.call("join", {"roadshow": roadshow}, namespace="/stage"))["ok"]
            left = ORDERS_PER_MINUTE - 11
            flood = [
                await (cn1_b if n % 2 else cn1).call(
                    "order",
                    {"product": products[0], "quantity": 1, "client_key": f"flood-cn1-{n:04}"},
                    namespace="/stage",
                )
                for n in range(left + 3)
            ]
            assert all(x["ok"] for x in flood[:left]), [x for x in flood if not x["ok"]][:2]
            assert [x["error"]["code"] for x in flood[left:]] == ["slow_down"] * 3
        finally:
            for peer in peers:
                await peer.client.disconnect()
