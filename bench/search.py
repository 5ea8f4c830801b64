"""`python -m bench.search`: catalogue search at expo scale, SQLite and PostgreSQL.

The seeded expo fair (~1,000 companies, 10,590 products) goes through the real importer
(which builds the search index) into a SQLite file and into a fresh PostgreSQL schema.
A fixed mix of queries drawn from the fair's own text (Korean, Chinese and Japanese
name fragments of one to four characters, CJK sector words, Latin product words, two-word
Latin queries) is run once to warm up, then timed. Each query is one catalogue page:
`fair.search.search` (the count and the first 24 ranked results). The baseline, in the
same run on the same database, is the naive way: `LIKE '%word%'` on the product and
company tables joined, every word, ordered by name, with its count.

`--recall` measures what the product-term dictionary (`fair.terms`) finds instead of
how fast: the held-out queries of `bench.search_queries` (English, Chinese, Korean,
Japanese) against the same fair on SQLite, once with the dictionary and once as the
search was before it (the index rebuilt with an empty dictionary, queries taken as
typed). Per language: mean recall (the share of the relevant products a query finds, all
pages), queries that find no relevant product, and the share of relevant products on
the first page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bench.fairs import generated_files
from bench.search_queries import LANGUAGES, QUERIES
from fair import search, terms
from fair.db import open_database
from fair.loader import import_files
from fair.models import Company, Product

POSTGRES_URL = os.environ.get(
    "FAIR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HANGUL = re.compile(r"[\uac00-\ud7a3]+")
HAN = re.compile(r"[\u4e00-\u9fff]+")
KANA = re.compile(r"[\u3040-\u30ff]")
LATIN = re.compile(r"[A-Za-z][A-Za-z-]{3,}")


@dataclass(frozen=True)
class Query:
    text: str
    script: str  # "cjk" or "latin"


@dataclass(frozen=True)
class Row:
    database: str
    method: str
    queries: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    found: int  # queries with at least one result


def queries_from(session: Session, fair_id: int, n: int, seed: int) -> list[Query]:
    """`n` queries, half CJK and half Latin, drawn from the fair's names."""
    rng = random.Random(seed)
    names = list(
        session.exec(select(Company.name).where(Company.fair_id == fair_id).order_by(Company.name))
    )
    products = list(
        session.exec(select(Product.name).where(Product.fair_id == fair_id).order_by(Product.key))
    )
    cjk: list[str] = []
    for name in names:
        for run in HANGUL.findall(name) + HAN.findall(name):
            for size in (1, 2, 3, 4):
                if len(run) >= size:
                    start = rng.randrange(len(run) - size + 1)
                    cjk.append(run[start : start + size])
        if KANA.search(name):
            cjk.append(name[: min(4, len(name))])
    cjk += [w for words in search.SECTOR_WORDS.values() for w in words]
    latin_words = sorted({w.lower() for p in products for w in LATIN.findall(p)})
    latin: list[str] = []
    for _ in range(n):
        latin.append(rng.choice(latin_words))
        # Two words as a buyer types them: from one product's name.
        words = LATIN.findall(rng.choice(products))
        if len(words) >= 2:
            latin.append(" ".join(w.lower() for w in rng.sample(words, 2)))
    cjk = sorted(set(cjk))
    half = n // 2
    picked = [Query(q, "cjk") for q in rng.sample(cjk, min(half, len(cjk)))]
    picked += [Query(q, "latin") for q in rng.sample(latin, n - len(picked))]
    rng.shuffle(picked)
    return picked


def naive(session: Session, fair_id: int, query: str) -> int:
    """The baseline: LIKE on product and company columns, no index, count + first page."""
    words = search.words_of(query)
    p, c = Product, Company
    where = [col(p.fair_id) == fair_id]
    for w in words:
        pattern = f"%{w}%"
        where.append(
            col(p.name).ilike(pattern)
            | col(p.description).ilike(pattern)
            | col(p.sector).ilike(pattern)
            | col(c.name).ilike(pattern)
        )
    joined = select(p.id).join(c, col(c.id) == col(p.company_id)).where(*where)
    total = int(session.exec(select(func.count()).select_from(joined.subquery())).one())
    session.exec(joined.order_by(col(p.name)).limit(search.PER_PAGE)).all()
    companies = [col(Company.fair_id) == fair_id]
    for w in words:
        companies.append(col(Company.name).ilike(f"%{w}%"))
    total += int(session.exec(select(func.count()).select_from(Company).where(*companies)).one())
    return total


def ours(session: Session, fair_id: int, query: str) -> int:
    return search.search(session, fair_id, query).total


def without_terms(session: Session, fair_id: int, query: str) -> int:
    """The same search skipping the product-term dictionary's query step (loading the
    fair's terms, folding the words): what that step costs."""
    return search.search(session, fair_id, query, dictionary=NO_TERMS).total


NO_TERMS = terms.Dictionary()


def time_queries(
    engine: Engine,
    fair_id: int,
    queries: Sequence[Query],
    method: Callable[[Session, int, str], int],
) -> tuple[list[float], int]:
    with Session(engine) as session:
        for q in queries:  # warm-up: caches, plans, the OS page cache
            method(session, fair_id, q.text)
        times: list[float] = []
        found = 0
        for q in queries:
            started = time.perf_counter()
            total = method(session, fair_id, q.text)
            times.append((time.perf_counter() - started) * 1000)
            found += total > 0
    return times, found


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(database: str, engine: Engine, files: dict[str, bytes], n: int, seed: int) -> list[Row]:
    print(f"{database}: importing the expo fair ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    summary = import_files(engine, files)
    print(
        f"{database}: imported and indexed in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    with Session(engine) as session:
        queries = queries_from(session, summary.fair_id, n, seed)
    rows = []
    methods = (("search", ours), ("search, no terms", without_terms), ("naive LIKE", naive))
    for name, method in methods:
        for script in ("all", "cjk", "latin"):
            chosen = [q for q in queries if script in ("all", q.script)]
            times, found = time_queries(engine, summary.fair_id, chosen, method)
            rows.append(
                Row(
                    database=database,
                    method=f"{name} ({script})",
                    queries=len(chosen),
                    p50_ms=round(percentile(times, 50), 2),
                    p99_ms=round(percentile(times, 99), 2),
                    mean_ms=round(statistics.fmean(times), 2),
                    found=found,
                )
            )
    return rows


@dataclass(frozen=True)
class RecallRow:
    method: str  # "today" or "dictionary"
    language: str
    queries: int
    recall: float  # mean over queries of |found ∩ relevant| / |relevant|
    misses: int  # queries that found no relevant product
    first_page: float  # mean share of the first page's products that are relevant


def relevant_products(session: Session, fair_id: int, words: Sequence[str]) -> set[int]:
    """Products whose name contains one of `words` (the generator's own English)."""
    found: set[int] = set()
    for product_id, name in session.exec(
        select(Product.id, Product.name).where(Product.fair_id == fair_id)
    ):
        if any(w.lower() in name.lower() for w in words):
            assert product_id is not None
            found.add(product_id)
    return found


def found_products(
    session: Session, fair_id: int, query: str, dictionary: terms.Dictionary | None
) -> tuple[set[int], list[int]]:
    """Every product the catalogue finds for `query` (all pages), and the first page."""
    found: set[int] = set()
    first: list[int] = []
    page = 1
    while True:
        results = search.search(
            session,
            fair_id,
            query,
            kind="product",
            page=page,
            per_page=search.MAX_PER_PAGE,
            dictionary=dictionary,
        )
        ids = [h.ref_id for h in results.hits]
        if page == 1:
            first = ids[: search.PER_PAGE]
        found.update(ids)
        if page >= results.pages:
            return found, first
        page += 1


def recall_rows(
    session: Session, fair_id: int, method: str, dictionary: terms.Dictionary | None
) -> list[RecallRow]:
    per_language: dict[str, list[tuple[float, float]]] = {lang: [] for lang in LANGUAGES}
    for words, queries in QUERIES:
        relevant = relevant_products(session, fair_id, words)
        if not relevant:  # a smaller fair does not sell everything: nothing to find
            continue
        for language, texts in queries.items():
            for text in texts:
                found, first = found_products(session, fair_id, text, dictionary)
                recall = len(found & relevant) / len(relevant)
                on_first = sum(1 for i in first if i in relevant) / len(first) if first else 0.0
                per_language[language].append((recall, on_first))
    rows = []
    for language in (*LANGUAGES, "all"):
        values = (
            [v for vs in per_language.values() for v in vs]
            if language == "all"
            else per_language[language]
        )
        rows.append(
            RecallRow(
                method=method,
                language=language,
                queries=len(values),
                recall=round(statistics.fmean(r for r, _ in values), 3),
                misses=sum(1 for r, _ in values if r == 0),
                first_page=round(statistics.fmean(p for _, p in values), 3),
            )
        )
    return rows


def measure_recall(files: dict[str, bytes]) -> list[RecallRow]:
    """The held-out queries with the dictionary, then as the search was before it."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'recall.sqlite'}")
        try:
            print("importing the fair for the recall run ...", file=sys.stderr, flush=True)
            fair_id = import_files(engine, files).fair_id  # indexed with the dictionary
            with Session(engine) as session:
                rows = recall_rows(session, fair_id, "dictionary", None)
            empty = terms.Dictionary()
            with Session(engine) as session:
                search.rebuild(session, fair_id, empty)
                session.commit()
                rows += recall_rows(session, fair_id, "today", empty)
        finally:
            engine.dispose()
    order = {"today": 0, "dictionary": 1}
    return sorted(rows, key=lambda r: ((*LANGUAGES, "all").index(r.language), order[r.method]))


def recall_table(rows: Sequence[RecallRow]) -> str:
    head = f"{'language':<9} {'method':<11} {'queries':>7} {'recall':>7} {'misses':>7}"
    head += f" {'first page':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.language:<9} {r.method:<11} {r.queries:>7} {r.recall:>7.3f} {r.misses:>7}"
            f" {r.first_page:>10.3f}"
        )
    return "\n".join(lines)


def table(rows: Sequence[Row]) -> str:
    head = f"{'database':<11} {'method':<26} {'queries':>7} {'p50 ms':>8} {'p99 ms':>8}"
    head += f" {'mean ms':>8} {'found':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.database:<11} {r.method:<26} {r.queries:>7} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
            f" {r.mean_ms:>8.2f} {r.found:>6}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.search [--json]`."""
    parser = argparse.ArgumentParser(
        prog="fair bench search",
        description="p50/p99 catalogue search time at expo scale on SQLite and PostgreSQL, "
        "next to a naive LIKE scan.",
    )
    parser.add_argument("--scale", default="expo", help="generated fair scale (default expo)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--recall",
        action="store_true",
        help="recall of held-out queries in four languages, today's search vs the dictionary",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    files = generated_files(args.scale, args.seed)
    if args.recall:
        recall = measure_recall(files)
        print(
            json.dumps([asdict(r) for r in recall], indent=2) if args.json else recall_table(recall)
        )
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        try:
            rows = measure("SQLite", engine, files, args.queries, args.seed)
        finally:
            engine.dispose()
    if args.postgres:
        rows += _postgres(args.postgres, files, args.queries, args.seed)
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else table(rows))
    return 0


def _postgres(url: str, files: dict[str, bytes], n: int, seed: int) -> list[Row]:
    """The same run in a fresh schema, dropped afterwards; nothing if unreachable."""
    admin = sa.create_engine(url, connect_args={"connect_timeout": 3})
    schema = f"searchbench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc.orig}", file=sys.stderr)
        admin.dispose()
        return []
    engine = open_database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        return measure("PostgreSQL", engine, files, n, seed)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
