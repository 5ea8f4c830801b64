"""`fair bench orders`: orders on a live roadshow stage (issue 20), placed and totalled.

The generated fair (`--scale`, default expo) goes through the real importer into a
database file (or `--db`); one exhibitor's roadshow is set live with its products, and
viewers of other companies place `--orders` orders (default 10,000) through
`fair.orders.place_order_once` — checked, priced from the catalogue, converted, stored
and committed, as the `/stage` `order` event does — one after another, each with its
own idempotency key; every 20th is sent twice (a resend, counted once). The baseline in
the same run is a stage question stored the same way (`fair.stage.add_question` in a
transaction of its own): a write that does no checking or pricing.

Then, at that many orders, the reads each change costs: the stage's totals
(`stage_totals`, sent to everyone on the stage after each order), the dashboard's order
totals (`order_totals`, once per coalesced push) and the orders report (`order_rows`),
each the median of five. Times are wall clock in this process, database included.
Rates: the catalogue generator's (`fair.sample.catalogue`), relative to the fair's
currency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bench.fairs import generated_files
from fair import orders as od
from fair import stage as st
from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import Fair, Participant, Product, Roadshow, RoadshowStatus
from fair.sample.catalogue import _PER_USD


@dataclass
class Row:
    case: str
    count: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float


def _row(case: str, times: list[float]) -> Row:
    ordered = sorted(times)
    total = sum(times)
    return Row(
        case=case,
        count=len(times),
        seconds=round(total, 3),
        per_second=round(len(times) / total, 1) if total else 0.0,
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    )


def _median_of(fn: Callable[[], Any], times: int = 5) -> list[float]:
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return [statistics.median(out)]


def measure(url: str, scale: str, seed: int, orders: int) -> tuple[list[Row], dict[str, Any]]:
    engine = open_database(url)
    print(f"importing the {scale} fair ...", file=sys.stderr, flush=True)
    fair_id = import_files(engine, generated_files(scale, seed)).fair_id
    with session_scope(engine) as session:
        fair = session.get(Fair, fair_id)
        assert fair is not None
        products = session.exec(
            select(Product).where(Product.fair_id == fair_id, col(Product.price_min).is_not(None))
        ).all()
        per_company = Counter(p.company_id for p in products)
        company = max(per_company, key=lambda c: (per_company[c], -c))  # most products
        shown = [p for p in products if p.company_id == company][:10]
        presenter = session.exec(
            select(Participant).where(Participant.company_id == company)
        ).first()
        assert presenter is not None and presenter.id is not None
        pavilion = presenter_pavilion(session, company)
        show = Roadshow(
            fair_id=fair_id,
            company_id=company,
            presenter_id=presenter.id,
            pavilion_id=pavilion,
            title="bench stage",
            start=_now() - timedelta(minutes=10),
            end=_now() + timedelta(minutes=50),
            products=[p.id for p in shown if p.id is not None],
            status=RoadshowStatus.LIVE,
        )
        session.add(show)
        session.flush()
        assert show.id is not None
        roadshow = show.id
        viewers = [
            p.id
            for p in session.exec(
                select(Participant).where(
                    Participant.fair_id == fair_id, Participant.company_id != company
                )
            )
            if p.id is not None
        ]
        currency = fair.currency
    base = _PER_USD.get(currency, 1.0)
    rates = {c: Decimal(str(round(base / v, 8))) for c, v in _PER_USD.items() if c != currency}
    live, _ = _stage(engine, roadshow)

    print(f"placing {orders} orders ...", file=sys.stderr, flush=True)
    place: list[float] = []
    resent = 0
    for n in range(orders):
        product = shown[n % len(shown)]
        data = {
            "product": product.id,
            "quantity": max(product.moq or 1, 1) + n % 7,
            "client_key": f"bench-order-{n:07d}",
        }
        who = viewers[n % len(viewers)]
        t0 = time.perf_counter()
        od.place_order_once(engine, roadshow, who, data, rates)
        place.append(time.perf_counter() - t0)
        if n % 20 == 0:
            _, created = od.place_order_once(engine, roadshow, who, data, rates)
            resent += 1
            assert not created
    questions: list[float] = []
    for n in range(min(orders, 2000)):
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            st.add_question(session, live, f"question {n}", viewers[n % len(viewers)])
        questions.append(time.perf_counter() - t0)

    with Session(engine) as session:
        stage_t = _median_of(lambda: od.stage_totals(session, roadshow, rates))
        fair_t = _median_of(lambda: od.order_totals(session, fair_id, rates))
        report_t = _median_of(lambda: od.order_rows(session, fair_id, rates))
        totals = od.order_totals(session, fair_id, rates)
    engine.dispose()
    rows = [
        _row("order placed (place_order_once)", place),
        _row("question stored (baseline)", questions),
        _row(f"stage totals at {orders} orders", stage_t),
        _row(f"dashboard order totals at {orders} orders", fair_t),
        _row(f"orders report at {orders} orders", report_t),
    ]
    facts = {
        "orders": totals["orders"],
        "resent": resent,
        "value": totals["value"],
        "currency": currency,
        "viewers": len(viewers),
        "products": len(shown),
    }
    return rows, facts


def presenter_pavilion(session: Session, company: int) -> int:
    from fair.models import Company, Pavilion

    row = session.get(Company, company)
    if row is not None and row.pavilion_id is not None:
        return row.pavilion_id
    pavilion = session.exec(select(Pavilion)).first()
    assert pavilion is not None and pavilion.id is not None
    return pavilion.id


def _now() -> datetime:
    from fair.models import utcnow

    return utcnow()


def _stage(engine: Any, roadshow: int) -> tuple[st.LiveStage, str]:
    with Session(engine) as session:
        return st.stage_for(session, roadshow, None)


def table(rows: list[Row], facts: dict[str, Any], scale: str, url: str) -> str:
    lines = [
        f"stage orders on the {scale} fair ({url.split(':', 1)[0]}): {facts['orders']} counted"
        f" ({facts['resent']} resends counted once), {facts['value']} {facts['currency']}",
        f"{'case':<42} {'count':>6} {'seconds':>8} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for r in rows:
        lines.append(
            f"{r.case:<42} {r.count:>6} {r.seconds:>8.2f} {r.per_second:>8.1f}"
            f" {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`fair bench orders`: orders placed per second and the totals' cost."""
    parser = argparse.ArgumentParser(prog="fair bench orders", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders (default 10,000)")
    parser.add_argument("--scale", default="expo", help="generated fair scale (default expo)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="database URL (default: a SQLite file, removed after)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fair-bench-orders-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'fair.sqlite'}"
        rows, facts = measure(url, args.scale, args.seed, args.orders)
    if args.json:
        print(json.dumps({"scale": args.scale, **facts, "rows": [asdict(r) for r in rows]}))
    else:
        print(table(rows, facts, args.scale, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
