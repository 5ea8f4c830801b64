"""The drill's checks: every acknowledged deal stored exactly once, every acknowledged
confirmation stored, every dashboard equal to the recount; the figures and the verdict.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from bench.drill.dashboard import same_totals
from bench.drill.prepare import Size


def quantile(values: list[float], q: float) -> float | None:
    """The `q` quantile (0..1) of `values` in ms, rounded; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.floor(q * len(ordered)))], 1)


def by_event(latency: list[tuple[float, str, float]]) -> dict[str, dict[str, Any]]:
    """Per event name (join, deal, confirm, ...): how many were answered, and p99."""
    times: dict[str, list[float]] = {}
    for _, event, ms in latency:
        times.setdefault(event, []).append(ms)
    return {e: {"n": len(v), "p99_ms": quantile(v, 0.99)} for e, v in sorted(times.items())}


def by_phase(
    latency: list[tuple[float, str, float]], t0: float, faults: list[tuple[float, str]]
) -> list[dict[str, Any]]:
    """The replay cut at each fault (`faults`: seconds since `t0`, what happened): per
    part, from when, how many calls started in it, and their p99."""
    cuts = [(0.0, "start"), *sorted(faults)]
    parts: list[list[float]] = [[] for _ in cuts]
    for started, _, ms in latency:
        at = started - t0
        i = max((k for k, (cut, _) in enumerate(cuts) if cut <= at), default=0)
        parts[i].append(ms)
    return [
        {"from": what, "at_s": round(cut, 1), "n": len(v), "p99_ms": quantile(v, 0.99)}
        for (cut, what), v in zip(cuts, parts, strict=True)
    ]


def stored_deals(url: str, fair_id: int) -> tuple[dict[str, int], set[int]]:
    """The fair's deals in the database: client key → how many rows, and the ids of the
    confirmed ones."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            stored: dict[str, int] = dict(
                conn.exec_driver_sql(
                    "SELECT client_key, COUNT(*) FROM deal WHERE fair_id = %s GROUP BY client_key",
                    (fair_id,),
                ).all()
            )
            confirmed = {
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT id FROM deal WHERE fair_id = %s AND confirmed_at IS NOT NULL",
                    (fair_id,),
                ).all()
            }
    finally:
        engine.dispose()
    return stored, confirmed


def verify(
    url: str,
    fair_id: int,
    merged: dict[str, Any],
    visits: list[dict[str, Any]],
    size: Size,
    faults: bool,
) -> dict[str, Any]:
    """The drill's figures: the replay's tallies (`merged`) checked against the
    database."""
    stored, confirmed = stored_deals(url, fair_id)
    acked: dict[str, int] = merged["acked_deals"]
    lost = sorted(k for k in acked if k not in stored)
    duplicated = sorted(k for k, n in stored.items() if n > 1)
    confirms_lost = sorted(set(merged["acked_confirms"]) - confirmed)
    count = merged["recount"]
    asked_ok = all(same_totals(t, count) for t in merged["dashboard_asked"])
    pushed_ok = all(same_totals(t, count) for t in merged["dashboard_pushed"])
    c = merged["counts"]
    latency_ms = [ms for _, _, ms in merged["latency"]]
    per_slot: dict[int, int] = {}
    for v in visits:
        per_slot[v["slot"]] = per_slot.get(v["slot"], 0) + 1
    elapsed = merged["elapsed"]
    return {
        "scale": size.scale,
        "slots": size.slots,
        "slot_seconds": size.slot_seconds,
        "faults": merged["faults"] if faults else [],
        "clients": c.get("clients", 0),
        "peak_connected": max(per_slot.values(), default=0),
        "events": c.get("events", 0),
        "events_per_s": round(c.get("events", 0) / elapsed, 1) if elapsed else 0,
        "p50_ms": quantile(latency_ms, 0.5),
        "p99_ms": quantile(latency_ms, 0.99),
        "p99_by_event": by_event(merged["latency"]),
        "p99_by_phase": by_phase(merged["latency"], merged["t0"], merged["fault_times"]),
        "signal_p50_ms": quantile(merged["signal_ms"], 0.5),
        "signal_p99_ms": quantile(merged["signal_ms"], 0.99),
        "signals_sent": c.get("signals_sent", 0),
        "signals_received": c.get("signals_received", 0),
        "errors": c.get("errors", 0),
        "error_samples": merged["error_samples"],
        "reconnects": c.get("reconnects", 0),
        "drops": c.get("drops", 0),
        "retries": c.get("retries", 0),
        "deals_attempted": c.get("deals_attempted", 0),
        "deals_acked": len(acked),
        "deals_unacked": c.get("unacked_deals", 0),
        "unfinished": c.get("unfinished", 0),
        "confirms_unacked": c.get("unacked_confirms", 0),
        "deals_stored": sum(stored.values()),
        "deals_lost": len(lost),
        "deals_duplicated": len(duplicated),
        "confirms_acked": len(set(merged["acked_confirms"])),
        "confirms_lost": len(confirms_lost),
        "deal_events_missed": c.get("deal_events_missed", 0),
        "deal_events_missed_in_room": c.get("deal_events_missed_in_room", 0),
        "recount": count,
        "dashboard_equals_recount": asked_ok and pushed_ok,
        "dashboard_pushes": merged["dashboard_pushes"],
        "server_rss_mb_peak": merged["peak_rss_mb"],
        "replay_s": round(elapsed, 1),
    }


def passed(r: dict[str, Any]) -> bool:
    """Nothing lost, nothing counted twice, every dashboard equal to the recount, no
    unexpected errors."""
    return bool(
        r["deals_lost"] == 0
        and r["deals_duplicated"] == 0
        and r["confirms_lost"] == 0
        and r["deals_unacked"] == 0
        and r["unfinished"] == 0
        and r["deals_stored"] == r["deals_acked"]
        and r["errors"] == 0
        and r["dashboard_equals_recount"]
    )


def verdict(r: dict[str, Any]) -> str:
    """The drill's one-line verdict on the figures `r`."""
    if passed(r):
        return "PASSED: nothing lost, every deal and confirmation answered"
    kept = (
        r["deals_lost"] == 0
        and r["deals_duplicated"] == 0
        and r["confirms_lost"] == 0
        and r["errors"] == 0
        and r["dashboard_equals_recount"]
    )
    if kept:
        waiting = r["deals_unacked"] + r["confirms_unacked"] + r["unfinished"]
        return (
            f"NOT PASSED: nothing lost, but {waiting} deals or confirmations were still "
            "unanswered at the drill's deadline (over capacity; see the latency)"
        )
    return "FAILED: something acknowledged was lost, counted twice or miscounted"
