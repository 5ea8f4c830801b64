"""Orders on the /stage namespace through real python-socketio clients: stored before the
ack, counted once on resend, told to the buyer and the exhibitor's people, confirmed only
by the presenting company, totals on the stage and the dashboard, refusals with the field
at fault, and the per-participant rate limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fair.db import make_engine, session_scope
from fair.models import StageOrder
from fair.settings import Settings
from realtime.stage import ORDERS_PER_MINUTE
from tests.realtime.conftest import Live, eventually
from tests.realtime.test_roadshow_stage import Stage, call, rows
from tests.realtime.test_roadshow_stage import stage as stage  # the fixture

pytestmark = pytest.mark.integration


def order(product: int, quantity: Any, key: str) -> dict[str, Any]:
    return {"product": product, "quantity": quantity, "client_key": key}


async def test_stage_order_is_stored_before_ack_counted_once_and_confirmed_by_the_exhibitor(
    stage: Stage, settings: Settings
) -> None:
    boss = await Live.connect(stage, "organiser", namespace="/dashboard")
    watch = await boss.call("watch", {"fair": stage.fair_id}, namespace="/dashboard")
    assert watch["totals"]["orders"]["orders"] == 0
    presenter, _ = await stage.join("kr2")
    colleague, joined_colleague = await stage.join("kr1")  # same company, not presenting
    viewer, joined = await stage.join("de1")
    other, _ = await stage.join("cn1")
    assert joined["you"]["seller"] is False and joined_colleague["you"]["seller"] is True
    assert joined["products"][1]["unit_price"] == "2.50"
    assert joined["order_totals"]["last_hour"]["orders"] == 0
    data = order(stage.products[1], 40, "stage-order-0001")
    early = await call(viewer, "order", data)
    assert early["error"]["code"] == "conflict" and "live" in early["error"]["message"]
    assert (await call(presenter, "start"))["ok"]

    ack = await call(viewer, "order", {**data, "unit_price": "0.01"})
    assert ack["ok"] and ack["duplicate"] is False
    assert ack["order"]["amount"] == "100.00" and ack["order"]["unit_price"] == "2.50"
    stored = rows(settings, StageOrder)
    assert [o.id for o in stored] == [ack["order"]["id"]]  # committed when acknowledged
    again = await call(viewer, "order", data)
    assert again["duplicate"] is True and again["order"]["id"] == ack["order"]["id"]
    assert len(rows(settings, StageOrder)) == 1

    order_id = ack["order"]["id"]
    await eventually(lambda: [o["id"] for o in colleague.got("order")] == [order_id])
    await eventually(lambda: [o["id"] for o in presenter.got("order")] == [order_id])
    await eventually(lambda: any(t["last_hour"]["value"] == "100.00" for t in other.got("orders")))
    assert not other.got("order")  # another viewer sees the totals, not the order

    refused = await call(viewer, "order:confirm", {"order": order_id})
    assert refused["error"]["code"] == "forbidden"
    confirmed = await call(colleague, "order:confirm", {"order": order_id})
    assert confirmed["ok"] and confirmed["order"]["status"] == "confirmed"
    assert confirmed["order"]["decided_by"]
    await eventually(lambda: any(o["status"] == "confirmed" for o in viewer.got("order")))
    declined = await call(presenter, "order:decline", {"order": order_id})
    assert declined["error"]["code"] == "conflict"

    def counted() -> bool:
        pushed = boss.got("totals")
        return bool(pushed) and pushed[-1]["orders"]["confirmed_value"] == "100.00"

    await eventually(counted)
    last = boss.got("totals")[-1]["orders"]
    assert last["orders"] == 1 and last["value"] == "100.00"
    assert last["rows"][0]["product_name"] == "조미김" and last["rows"][0]["quantity"] == 40
    # A viewer joining later gets their own orders; the exhibitor's people all of them.
    _, back = await stage.join("de1")
    assert [o["id"] for o in back["orders"]] == [order_id]
    _, others = await stage.join("cn1")
    assert others["orders"] == []
    assert others["order_totals"]["last_hour"]["confirmed_value"] == "100.00"


async def test_stage_order_refusals_name_the_field(stage: Stage) -> None:
    presenter, _ = await stage.join("kr2")
    observer, _ = await stage.join("organiser")
    viewer, _ = await stage.join("de1")
    assert (await call(presenter, "start"))["ok"]
    own = await call(presenter, "order", order(stage.products[0], 1, "stage-own-0001"))
    assert own["error"]["code"] == "forbidden"
    watching = await call(observer, "order", order(stage.products[0], 1, "stage-obs-0001"))
    assert watching["error"]["code"] == "observer"
    for bad, field in (
        (order(stage.products[0], 0, "stage-bad-0001"), "quantity"),
        (order(stage.products[0], "lots", "stage-bad-0002"), "quantity"),
        (order(999999, 1, "stage-bad-0003"), "product"),
        ({**order(stage.products[0], 1, "stage-bad-0004"), "currency": "EUR"}, "currency"),
        (order(stage.products[0], 1, "no"), "client_key"),
    ):
        ack = await call(viewer, "order", bad)
        assert ack["error"]["code"] == "invalid", (bad, ack)
        assert ack["error"]["message"].startswith(f"{field}: "), (bad, ack)
    unknown = await call(presenter, "order:confirm", {"order": 987654})
    assert unknown["error"]["code"] == "not_found"
    assert (await call(presenter, "order:confirm", {"order": "x"}))["error"]["code"] == "invalid"


async def test_stage_order_flood_is_refused_with_slow_down(
    stage: Stage, settings: Settings
) -> None:
    presenter, _ = await stage.join("kr2")
    viewer, _ = await stage.join("de1")
    assert (await call(presenter, "start"))["ok"]
    acks = [
        await call(viewer, "order", order(stage.products[0], 1, f"stage-flood-{n:04}"))
        for n in range(ORDERS_PER_MINUTE + 2)
    ]
    assert all(a["ok"] for a in acks[:ORDERS_PER_MINUTE])
    assert [a["error"]["code"] for a in acks[ORDERS_PER_MINUTE:]] == ["slow_down"] * 2
    assert len(rows(settings, StageOrder)) == ORDERS_PER_MINUTE
    other, _ = await stage.join("cn1")  # not slowed by de1's flood
    assert (await call(other, "order", order(stage.products[0], 1, "stage-other-01")))["ok"]


async def test_stage_orders_call_gives_totals_that_fall_after_an_hour(
    stage: Stage, settings: Settings
) -> None:
    presenter, _ = await stage.join("kr2")
    viewer, _ = await stage.join("de1")
    assert (await call(viewer, "orders"))["totals"]["last_hour"]["orders"] == 0
    assert (await call(presenter, "start"))["ok"]
    placed = await call(viewer, "order", order(stage.products[0], 4, "stage-hour-0001"))
    now = (await call(viewer, "orders"))["totals"]
    assert now["last_hour"]["value"] == now["total"]["value"] == "10.00"
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        row = session.get(StageOrder, placed["order"]["id"])
        assert row is not None
        row.ordered_at -= timedelta(minutes=61)
        session.add(row)
    engine.dispose()
    later = (await call(presenter, "orders"))["totals"]
    assert later["last_hour"]["orders"] == 0 and later["last_hour"]["value"] == "0.00"
    assert later["total"]["orders"] == 1 and later["total"]["value"] == "10.00"
    observer = await stage.connect("organiser")
    assert (await call(observer, "orders"))["error"]["code"] == "not_joined"
