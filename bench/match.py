"""`fair bench match`: do the suggestions name the companies people actually asked for?

For each generated fair (the seeded generator, imported through the real importer into
in-memory SQLite), every participant who sent requests is a case: the truth is the set
of companies they asked; each method ranks the companies they could meet from profiles
alone (the requests are never shown to it). Reported per method: recall@5/10/20 (the
share of a person's asked companies found in the top k, averaged over people) and hit@10
(people with at least one asked company in the top 10). Baselines, in the same run:

- random: the allowed counterparts in a seeded random order;
- same sector: counterparts sharing a sector with the asker first, random within.

A benchmark, not a test: the generator's demand has popularity and noise no profile
shows, so recall is well below 1 by design.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from sqlmodel import Session, select

from bench.fairs import imported_in_memory
from fair.matchmaking import COUNTERPARTS, Profile, profiles, rank
from fair.models import MeetingRequest, Participant
from fair.sample.generate import SCALES

KS = (5, 10, 20)
Ranker = Callable[[Profile, frozenset[str], Sequence[Profile]], list[int]]


@dataclass(frozen=True)
class Case:
    me: Profile
    languages: frozenset[str]
    asked: frozenset[int]  # company ids


@dataclass(frozen=True)
class Row:
    scale: str
    method: str
    people: int
    recall_at_5: float
    recall_at_10: float
    recall_at_20: float
    hit_at_10: float
    seconds: float


def load_cases(scale: str, seed: int) -> tuple[list[Case], list[Profile]]:
    """The generated fair's requesters and every company's profile."""
    with imported_in_memory(scale, seed) as (engine, fair_id), Session(engine) as session:
        everyone = profiles(session, fair_id)
        people = {
            p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
        }
        asked: dict[int, set[int]] = {}
        for r in session.exec(select(MeetingRequest).where(MeetingRequest.fair_id == fair_id)):
            asked.setdefault(r.from_id, set()).add(people[r.to_id].company_id)
    cases = [
        Case(
            me=everyone[people[pid].company_id],
            languages=frozenset(people[pid].languages),
            asked=frozenset(companies),
        )
        for pid, companies in sorted(asked.items())
    ]
    return cases, list(everyone.values())


def _allowed(me: Profile, candidates: Sequence[Profile]) -> list[Profile]:
    roles = COUNTERPARTS.get(me.role, ())
    return [c for c in candidates if c.role in roles and c.company_id != me.company_id]


def ours(me: Profile, languages: frozenset[str], candidates: Sequence[Profile]) -> list[int]:
    return [s.company_id for s in rank(me, candidates, languages=languages or None)]


def random_baseline(seed: int) -> Ranker:
    def ranker(me: Profile, languages: frozenset[str], candidates: Sequence[Profile]) -> list[int]:
        rng = random.Random(seed * 1_000_003 + me.company_id)
        ids = [c.company_id for c in _allowed(me, candidates)]
        rng.shuffle(ids)
        return ids

    return ranker


def sector_baseline(seed: int) -> Ranker:
    def ranker(me: Profile, languages: frozenset[str], candidates: Sequence[Profile]) -> list[int]:
        rng = random.Random(seed * 1_000_003 + me.company_id)
        allowed = _allowed(me, candidates)
        rng.shuffle(allowed)
        allowed.sort(key=lambda c: not (c.sectors & me.sectors))  # stable: random within
        return [c.company_id for c in allowed]

    return ranker


def evaluate(scale: str, method: str, cases: Sequence[Case], ranked: list[list[int]]) -> Row:
    recalls = {k: 0.0 for k in KS}
    hits = 0
    for case, ids in zip(cases, ranked, strict=True):
        for k in KS:
            recalls[k] += len(case.asked & set(ids[:k])) / len(case.asked)
        hits += bool(case.asked & set(ids[:10]))
    n = max(1, len(cases))
    return Row(
        scale=scale,
        method=method,
        people=len(cases),
        recall_at_5=round(recalls[5] / n, 4),
        recall_at_10=round(recalls[10] / n, 4),
        recall_at_20=round(recalls[20] / n, 4),
        hit_at_10=round(hits / n, 4),
        seconds=0.0,
    )


def run(scale: str, seed: int) -> list[Row]:
    cases, candidates = load_cases(scale, seed)
    methods: list[tuple[str, Ranker]] = [
        ("suggestions", ours),
        ("same sector", sector_baseline(seed)),
        ("random", random_baseline(seed)),
    ]
    rows = []
    for name, ranker in methods:
        started = time.perf_counter()
        ranked = [ranker(c.me, c.languages, candidates) for c in cases]
        elapsed = time.perf_counter() - started
        row = evaluate(scale, name, cases, ranked)
        rows.append(Row(**{**asdict(row), "seconds": round(elapsed, 3)}))
    return rows


def table(rows: Sequence[Row]) -> str:
    head = f"{'fair':<7} {'method':<12} {'people':>6} {'R@5':>6} {'R@10':>6} {'R@20':>6}"
    head += f" {'hit@10':>7} {'seconds':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.scale:<7} {r.method:<12} {r.people:>6} {r.recall_at_5:>6.3f}"
            f" {r.recall_at_10:>6.3f} {r.recall_at_20:>6.3f} {r.hit_at_10:>7.3f}"
            f" {r.seconds:>8.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`fair bench match` / `python -m bench.match`."""
    parser = argparse.ArgumentParser(
        prog="fair bench match",
        description="Recall of the matchmaking suggestions against the requests people "
        "actually sent on the generated fairs, next to random and same-sector baselines.",
    )
    parser.add_argument(
        "--scale",
        default="video,expo",
        help=f"comma list of {','.join(SCALES)} (default video,expo)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(list(argv) if argv is not None else None)
    rows: list[Row] = []
    for scale in args.scale.split(","):
        if scale not in SCALES:
            parser.error(f"unknown scale {scale!r}")
        print(f"building the {scale} fair (seed {args.seed}) ...", file=sys.stderr, flush=True)
        rows.extend(run(scale, args.seed))
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
