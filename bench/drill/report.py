"""The drill's report: its figures as an aligned table for people."""

from __future__ import annotations

from typing import Any


def table(r: dict[str, Any]) -> str:
    """The figures of `bench.drill.run.run_drill` as a two-column table."""

    def ms(x: float | None) -> str:
        return "–" if x is None else f"{x:.1f} ms"

    rows = [
        ("fair", f"{r['scale']} scale, {r['slots']} slots x {r['slot_seconds']:g}s"),
        ("faults", "; ".join(r["faults"]) or "none"),
        ("clients", f"{r['clients']} (at most {r['peak_connected']} at once)"),
        ("events/s", f"{r['events_per_s']:.0f} ({r['events']} events)"),
        ("latency p50 / p99", f"{ms(r['p50_ms'])} / {ms(r['p99_ms'])} (acknowledged events)"),
        (
            "p99 by event",
            ", ".join(f"{e} {ms(x['p99_ms'])} ({x['n']})" for e, x in r["p99_by_event"].items()),
        ),
        (
            "p99 by phase",
            "; ".join(
                f"from {x['from']} ({x['at_s']:g}s) {ms(x['p99_ms'])} ({x['n']})"
                for x in r["p99_by_phase"]
            ),
        ),
        ("signal p50 / p99", f"{ms(r['signal_p50_ms'])} / {ms(r['signal_p99_ms'])}"),
        ("signals", f"{r['signals_sent']} sent, {r['signals_received']} received"),
        ("errors", str(r["errors"])),
        ("reconnects", f"{r['reconnects']} planned, {r['drops']} dropped by faults"),
        ("deals acked", str(r["deals_acked"])),
        ("deals stored", str(r["deals_stored"])),
        ("deals lost", str(r["deals_lost"])),
        ("deals unacked", f"{r['deals_unacked']} (re-sent until the end, never answered)"),
        (
            "confirmations",
            f"{r['confirms_acked']} acked, {r['confirms_lost']} lost, "
            f"{r['confirms_unacked']} unacked",
        ),
        (
            "deal notices",
            f"{r['deal_events_missed']} neither relayed by the slot's end nor in the join "
            f"({r['deal_events_missed_in_room']} to a side in the room all along)",
        ),
        ("dashboard == recount", "yes" if r["dashboard_equals_recount"] else "NO"),
        ("server memory", f"{r['server_rss_mb_peak']} MB peak"),
        (
            "time",
            f"prepare {r['prepare_s']}s, servers {r['servers_start_s']}s, "
            f"replay {r['replay_s']}s, total {r['total_s']}s",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
