"""Catalogue search: products and companies of a fair, in any of the fair's scripts.

`rebuild(session, fair_id)` writes one `SearchEntry` per company and product (its name,
and a `doc` of every searchable word, with the sector named in Chinese, Korean and
Japanese too, so "화장품" finds cosmetics, and every name of each product term found in
its name, sector, offers or needs (`fair.terms`), so "마스크팩" finds "Sheet Mask").
`search(session, fair_id, query, ...)` finds entries that contain every word of the
query as a substring, which is what CJK text needs (no spaces between words), after
`fair.terms.words_for` folded English plurals ("masks" → "mask") and rewrote a query that
is one dictionary term spaced another way ("sheetmask"):

- SQLite: an FTS5 table with the `trigram` tokenizer over `search_entry` answers words
  of three characters or more; shorter words (one or two Hangul or Han characters, such
  as "화장" or "食品") are checked with `LIKE` on the rows FTS5 kept, or on the fair's
  rows when the whole query is short.
- PostgreSQL: `LIKE` on the lower-cased `doc`, served by the GIN trigram index the
  migration created (pg_trgm); without the extension the same query scans.

Ranking is the same on both: more query words in the name first, then names that start
with the first word, companies before products, shorter names, then id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, delete, select

from fair import terms
from fair.models import Company, Pavilion, Product, SearchEntry

FTS_TABLE: Final = "search_fts"
PER_PAGE: Final = 24
MAX_PER_PAGE: Final = 100
MAX_WORDS: Final = 6
KINDS: Final = ("company", "product")

# Sector names as buyers from the seed's countries type them (zh, ko, ja).
SECTOR_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "cosmetics": ("化妆品", "화장품", "化粧品", "美容"),
    "food & beverage": ("食品", "饮料", "식품", "음료", "飲料"),
    "seafood": ("海鲜", "水产", "수산물", "해산물", "水産物", "海産物"),
    "health supplements": ("保健品", "건강기능식품", "건강식품", "健康食品", "サプリメント"),
    "medical devices": ("医疗器械", "의료기기", "医療機器"),
    "auto parts": ("汽车零部件", "汽车配件", "자동차 부품", "自動車部品"),
    "electronics": ("电子", "전자", "電子", "エレクトロニクス"),
    "machinery": ("机械", "기계", "機械"),
    "textiles": ("纺织", "섬유", "繊維", "テキスタイル"),
    "agriculture": ("农业", "农产品", "농업", "농산물", "農業", "農産物"),
    "household goods": ("日用品", "家居用品", "생활용품", "生活用品"),
    "cross-border e-commerce": ("跨境电商", "전자상거래", "越境EC"),
    "logistics": ("物流", "물류", "ロジスティクス"),
}


@dataclass(frozen=True)
class Hit:
    kind: str  # "company" or "product"
    ref_id: int
    company_id: int
    name: str
    country: str
    pavilion_id: int | None
    in_name: bool  # a query word is in the name (not only in the description)


@dataclass(frozen=True)
class Results:
    query: str
    words: tuple[str, ...]
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def words_of(query: str) -> tuple[str, ...]:
    """The query's words: split on spaces and punctuation (and the Japanese middle dot),
    full-width forms folded (NFKC), duplicates dropped."""
    text = unicodedata.normalize("NFKC", query.strip())
    found = re.findall(r"[^\s,;:!?()\[\]{}\"'“”‘’，、。！？：；（）・/]+", text)
    return tuple(dict.fromkeys(w.lower() for w in found))[:MAX_WORDS]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _has_fts(session: Session) -> bool:
    found = session.connection().exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    )
    return found.first() is not None


def _ensure_fts(session: Session) -> None:
    session.connection().exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "name, doc, content='search_entry', content_rowid='id', tokenize='trigram')"
    )


def _doc(*parts: object) -> str:
    """Every searchable word, lower-cased once here so searches need no `lower()`."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, list | tuple):
            words.extend(str(p) for p in part if p)
        elif part:
            words.append(str(part))
    return " · ".join(dict.fromkeys(words)).lower()


def _sector_words(sectors: list[str]) -> list[str]:
    return [w for s in sectors for w in SECTOR_WORDS.get(s, ())]


def rebuild(session: Session, fair_id: int, dictionary: terms.Dictionary | None = None) -> int:
    """Index the fair's companies and products afresh; returns the number of entries.

    Runs in the caller's transaction (an import rebuilds before it commits). The product
    terms come from `dictionary`, by default the fair's (`fair.terms.for_fair`); an empty
    one indexes the words as written (the benchmark's baseline, the search before the
    dictionary).
    """
    session.exec(delete(SearchEntry).where(col(SearchEntry.fair_id) == fair_id))
    pavilions = {
        p.id: p.name for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))
    }
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    if dictionary is None:
        dictionary = terms.for_fair(session, fair_id)
    rows: list[dict[str, Any]] = []
    for c in companies.values():
        rows.append(
            {
                "fair_id": fair_id,
                "kind": "company",
                "ref_id": c.id,
                "company_id": c.id,
                "pavilion_id": c.pavilion_id,
                "country": c.country,
                "sectors": ";" + ";".join(c.sectors) + ";",
                "name": c.name,
                "doc": _doc(
                    c.name,
                    c.country,
                    pavilions.get(c.pavilion_id),
                    c.sectors,
                    _sector_words(c.sectors),
                    c.offers,
                    c.needs,
                    dictionary.expansion(" · ".join([c.name, *c.sectors, *c.offers, *c.needs])),
                ),
            }
        )
    for p in session.exec(select(Product).where(Product.fair_id == fair_id)):
        company = companies[p.company_id]
        rows.append(
            {
                "fair_id": fair_id,
                "kind": "product",
                "ref_id": p.id,
                "company_id": p.company_id,
                "pavilion_id": company.pavilion_id,
                "country": company.country,
                "sectors": f";{p.sector};" if p.sector else ";" + ";".join(company.sectors) + ";",
                "name": p.name,
                "doc": _doc(
                    p.name,
                    p.description,
                    p.sector,
                    _sector_words([p.sector]),
                    p.origin,
                    p.certifications,
                    company.name,
                    dictionary.expansion(f"{p.name} · {p.sector}"),
                ),
            }
        )
    if rows:
        session.execute(sa.insert(SearchEntry), rows)
    session.flush()
    if not _is_sqlite(session):
        # Fresh statistics, or the planner guesses and skips the trigram index.
        session.connection().exec_driver_sql("ANALYZE search_entry")
    else:
        _ensure_fts(session)
        # External content: rebuild re-reads search_entry (every fair; fast at this scale).
        session.connection().exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
        )
    return len(rows)


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_query(words: tuple[str, ...]) -> str:
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _filters(
    fair_id: int,
    trigram: bool,
    pavilion_id: int | None,
    country: str,
    sector: str,
    kind: str,
) -> list[ColumnElement[bool]]:
    """The fair and the filters a searcher chose."""
    e = SearchEntry
    # On PostgreSQL the planner prices the GIN trigram scan above the fair_id index or a
    # sequential scan, which are ~20 times slower at a fair's size: keep them out of
    # this query's plan (`+ 0` hides the fair_id index; enable_seqscan in `search`).
    fair = col(e.fair_id) + 0 if trigram else col(e.fair_id)
    where: list[ColumnElement[bool]] = [fair == fair_id]
    if pavilion_id is not None:
        where.append(col(e.pavilion_id) == pavilion_id)
    if country:
        where.append(col(e.country) == country)
    if sector:
        where.append(col(e.sectors).contains(f";{sector};", autoescape=True))
    if kind in KINDS:
        where.append(col(e.kind) == kind)
    return where


def _matches(
    session: Session, words: tuple[str, ...], long_words: tuple[str, ...], sqlite: bool
) -> list[ColumnElement[bool]]:
    """Every query word in the entry's `doc`: through FTS5 for long words on SQLite when
    the table is there, else with LIKE."""
    e = SearchEntry
    where: list[ColumnElement[bool]] = []
    use_fts = sqlite and bool(long_words) and _has_fts(session)
    for w in words:
        if use_fts and w in long_words:
            continue  # FTS5 checks it
        where.append(col(e.doc).like(_like(w), escape="\\"))
    if use_fts:
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        match = sa.text(f"{FTS_TABLE} MATCH :fts").bindparams(fts=_fts_query(long_words))
        matching = sa.select(fts.c.rowid).where(match)
        where.append(col(e.id).in_(matching.scalar_subquery()))
    return where


def _ranking(words: tuple[str, ...]) -> tuple[ColumnElement[int], list[Any]]:
    """How many query words are in the name, and the result order: more words in the
    name, names starting with the first word, companies first, shorter names, name, id."""
    e = SearchEntry
    lower_name = sa.func.lower(col(e.name))
    in_name: ColumnElement[int] = sa.literal(0)
    for w in words:
        in_name = in_name + sa.case((lower_name.like(_like(w), escape="\\"), 1), else_=0)
    order: list[Any] = []
    if words:
        starts = sa.case((lower_name.like(_like(words[0])[1:], escape="\\"), 0), else_=1)
        order = [in_name.desc(), starts]
    order += [col(e.kind), sa.func.length(e.name), col(e.name), col(e.id)]
    return in_name, order


def search(
    session: Session,
    fair_id: int,
    query: str = "",
    *,
    pavilion_id: int | None = None,
    country: str = "",
    sector: str = "",
    kind: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    dictionary: terms.Dictionary | None = None,
) -> Results:
    """One page of the fair's products and companies matching every word of `query`.

    An empty query lists everything that passes the filters (`pavilion_id`, `country`,
    `sector`, `kind` "company" or "product"), by name. `page` counts from 1; a page past
    the end is empty, with `total` still right. `dictionary` as for `rebuild` (an empty
    one searches the words as typed).
    """
    words = words_of(query)
    if dictionary is None and words:
        dictionary = terms.for_fair(session, fair_id)
    if dictionary:
        words = terms.words_for(dictionary, words, query)[:MAX_WORDS]
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    e = SearchEntry
    sqlite = _is_sqlite(session)
    long_words = tuple(w for w in words if len(w) >= 3)
    trigram = not sqlite and bool(long_words)
    where = _filters(fair_id, trigram, pavilion_id, country, sector, kind)
    where += _matches(session, words, long_words, sqlite)
    in_name, order = _ranking(words)
    stmt = (
        sa.select(
            col(e.kind),
            col(e.ref_id),
            col(e.company_id),
            col(e.name),
            col(e.country),
            col(e.pavilion_id),
            in_name.label("hits"),
            sa.func.count().over().label("total"),  # one pass for the page and the count
        )
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    if trigram:
        session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = session.execute(stmt).all()
    if rows:
        total = int(rows[0].total)
    elif page == 1:
        total = 0
    else:  # past the last page: count on its own
        total = int(session.exec(select(sa.func.count()).select_from(e).where(*where)).one())
    if trigram:
        session.connection().exec_driver_sql("SET LOCAL enable_seqscan = on")
    hits = tuple(
        Hit(
            kind=r.kind,
            ref_id=r.ref_id,
            company_id=r.company_id,
            name=r.name,
            country=r.country,
            pavilion_id=r.pavilion_id,
            in_name=int(r.hits) > 0,
        )
        for r in rows
    )
    return Results(query=query, words=words, total=total, page=page, per_page=per_page, hits=hits)
