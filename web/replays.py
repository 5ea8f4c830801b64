"""Replays of roadshow stages (`fair.replays`): the file, orders from a replay, the
exhibitor's answers, the organiser's delete, and the background conversion.

The file is for the fair's signed-in participants and the organiser only, as watching
the stage is: a participant of another fair gets 404, a visitor without a session 401
(no redirect: a video element cannot follow one to the sign-in page). It is found by
the replay's random key and served with HTTP Range (the player seeks), never from a
path in the request. Conversion runs in a thread of its own, woken when a stage ends
(`realtime.stage`) and every `SWEEP_SECONDS` anyway, so a roadshow whose server process
died is converted by whichever process runs next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import orders as od
from fair import programme as pg
from fair import replays as rp
from fair.errors import Forbidden, InvalidInput, NotFound
from fair.models import Fair, Participant, Replay, ReplayStatus, Roadshow, RoadshowStatus
from web import auth
from web.db import read, write
from web.keys import (
    CONVERTER,
    ENGINE,
    ORDERS_CHANGED,
    RATE_COUNTER,
    SESSION,
    SETTINGS,
    Converter,
)

log = logging.getLogger("fair.web.replays")
SWEEP_SECONDS = 30.0
ORDERS_PER_MINUTE = 30  # per participant, as on the live stage


def setup(app: web.Application) -> None:
    r = app.router
    # The key's form is checked after who asks (`fair.replays.by_key`): a visitor learns
    # nothing from the answer about which keys could exist.
    base = "/fair/{fair:\\d+}/replays/{key}"
    r.add_get(base + ".webm", video, name="replay_video")
    r.add_post(base + "/orders", order, name="replay_order")
    r.add_post(base + "/orders/{order:\\d+}", decide, name="replay_order_decide")
    r.add_post("/organiser/replays/{key}/delete", delete, name="replay_delete")


# ---------------------------------------------------------------------- conversion


async def converter_ctx(app: web.Application) -> AsyncIterator[None]:
    """With Janus configured: convert the recordings of ended stages in the background."""
    settings = app[SETTINGS]
    if not settings.stage_janus_url:
        yield
        return
    converter = Converter(ThreadPoolExecutor(1, thread_name_prefix="replays"), asyncio.Event())
    app[CONVERTER] = converter

    async def sweep() -> None:
        loop = asyncio.get_running_loop()
        first = True  # at start, failed ones again: janus-pp-rec or ffmpeg may be new
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(converter.wake.wait(), SWEEP_SECONDS)
            converter.wake.clear()
            try:
                done = await loop.run_in_executor(
                    converter.executor,
                    rp.convert_due,
                    app[ENGINE],
                    settings.stage_recordings_dir,
                    None,
                    first,
                )
                first = False
            except Exception:
                log.exception("converting the stages' recordings failed")
                continue
            for replay in done:
                log.info(
                    "replay of roadshow %s: %s %s",
                    replay.roadshow_id,
                    replay.status,
                    replay.reason or f"{replay.duration_seconds} s, {replay.size_bytes} bytes",
                )

    converter.task = asyncio.ensure_future(sweep())
    converter.wake.set()  # recordings left by a process that died: at once
    yield
    converter.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await converter.task
    converter.executor.shutdown(wait=True, cancel_futures=True)


def poke(app: web.Application) -> None:
    """A stage ended: convert its recording now rather than at the next sweep."""
    converter = app.get(CONVERTER)
    if converter is not None:
        converter.wake.set()


# ---------------------------------------------------------------------- who may watch


async def _member(request: web.Request, fair_id: int) -> Participant | None:
    """The asking participant of fair `fair_id` (None: the organiser); 401 signed out,
    404 for another fair's participant."""
    session = request.get(SESSION, {})
    if session.get("o") is not None:
        await auth.organiser(request)
        return None
    if session.get("p") is None:
        raise web.HTTPUnauthorized(text="sign in to watch the replay")
    try:
        person = await auth.participant(request)
    except web.HTTPException:
        raise web.HTTPUnauthorized(text="your link was replaced, revoked or has expired") from None
    if person.fair_id != fair_id:
        raise NotFound("no such replay")
    return person


async def video(request: web.Request) -> web.StreamResponse:
    fair_id, key = int(request.match_info["fair"]), request.match_info["key"]
    await _member(request, fair_id)
    recordings = request.app[SETTINGS].stage_recordings_dir
    path = await read(
        request.app, lambda db: rp.ready_file(rp.by_key(db, fair_id, key), recordings)
    )
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "video/webm",
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": "inline",
        },
    )


# ---------------------------------------------------------------------- orders


async def order(request: web.Request) -> web.StreamResponse:
    """JSON `{"product", "quantity", "client_key", "currency"?, "note"?}` → the stored
    order (201, or 200 and `duplicate` for a resend with the same key), by the rules of
    orders on the live stage (`fair.orders`)."""
    fair_id, key = int(request.match_info["fair"]), request.match_info["key"]
    person = await _member(request, fair_id)
    if person is None or person.id is None:
        raise Forbidden("observers cannot order; it is for the participants")
    count, _ = await request.app[RATE_COUNTER].hit(f"stage-orders:p{person.id}", 60)
    if count > ORDERS_PER_MINUTE:
        raise web.HTTPTooManyRequests(text="too many orders in a minute; wait and try again")
    try:
        data = await request.json()
    except ValueError:
        raise InvalidInput("body: expected a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidInput("body: expected a JSON object")
    replay = await read(request.app, lambda db: rp.by_key(db, fair_id, key))
    engine, rates = request.app[ENGINE], request.app[SETTINGS].rates
    pid = person.id
    view, created = await asyncio.get_running_loop().run_in_executor(
        None, lambda: od.place_order_once(engine, replay.roadshow_id, pid, data, rates, True)
    )
    if created:
        request.app[ORDERS_CHANGED](fair_id)
    return web.json_response(
        {"ok": True, "order": view, "duplicate": not created}, status=201 if created else 200
    )


async def decide(request: web.Request) -> web.StreamResponse:
    """The presenting company's people confirm (`decision=confirm`) or decline an order
    placed from the replay; back to the booth page."""
    fair_id, key = int(request.match_info["fair"]), request.match_info["key"]
    order_id = int(request.match_info["order"])
    person = await _member(request, fair_id)
    if person is None or person.id is None:
        raise Forbidden("only the presenting company's people confirm or decline orders")
    form = await request.post()
    decision = str(form.get("decision", ""))
    if decision not in ("confirm", "decline"):
        raise InvalidInput("decision: confirm or decline")
    pid = person.id

    def act(db: Session) -> int:
        replay = rp.by_key(db, fair_id, key)
        found, _ = od.decide_order(db, replay.roadshow_id, pid, order_id, decision == "confirm")
        assert found.seller_id is not None
        return found.seller_id

    company = await write(request.app, act)
    request.app[ORDERS_CHANGED](fair_id)
    url = request.app.router["floor_booth"].url_for(fair=str(fair_id), id=str(company))
    raise web.HTTPFound(str(url) + f"#replay-{key}")


async def delete(request: web.Request) -> web.StreamResponse:
    """The organiser deletes a replay: its file and recordings go."""
    await auth.organiser(request)
    key = request.match_info["key"]
    recordings = request.app[SETTINGS].stage_recordings_dir

    def act(db: Session) -> int:
        replay = rp.by_key_any_fair(db, key)
        rp.delete_replay(db, replay.fair_id, key, recordings)
        return replay.fair_id

    fair_id = await write(request.app, act)
    url = request.app.router["roadshow_programme"].url_for(fair=str(fair_id))
    raise web.HTTPFound(url.with_query(done="replay_deleted"))


# ---------------------------------------------------------------------- on the pages


@dataclass(frozen=True)
class Card:
    """A roadshow after its end as the booth and programme pages show it: its replay
    (None: not recorded), the products with their order prices, and the orders the
    viewer sees (the exhibitor's people: all; a buyer: their own)."""

    item: pg.Item
    replay: Replay | None
    products: tuple[pg.ShownProduct, ...]
    prices: dict[int, od.Price]
    orders: tuple[dict[str, Any], ...]
    seller: bool


def cards(
    db: Session,
    fair_id: int,
    viewer: Participant | None,
    rates: dict[str, Any],
    company_id: int | None = None,
) -> dict[int, Card]:
    """Roadshow id → card, for the fair's ended roadshows (of `company_id` only)."""
    items = [
        i for i in pg.company_roadshows(db, fair_id, company_id) if i.status == RoadshowStatus.ENDED
    ]
    replays = rp.replays_of(db, [i.id for i in items])
    fair = db.get(Fair, fair_id)
    found: dict[int, Card] = {}
    for item in items:
        replay = replays.get(item.id)
        show = db.get(Roadshow, item.id)
        assert show is not None and fair is not None
        products = tuple(pg.shown_products(db, show))
        seller = viewer is not None and viewer.company_id == item.company_id
        orders: list[dict[str, Any]] = []
        if replay is not None and replay.status == ReplayStatus.READY and viewer is not None:
            orders = od.stage_orders(
                db, item.id, fair.currency, rates, None if seller else viewer.id
            )
        found[item.id] = Card(
            item, replay, products, od.catalogue_prices(products), tuple(orders), seller=seller
        )
    return found
