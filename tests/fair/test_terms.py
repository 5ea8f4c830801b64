"""The product-term dictionary: finding concepts in text, folding plurals, the built-in
file, an organiser's terms.csv (checked, stored, extending the search), and search
across languages."""

from __future__ import annotations

import io
import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import search, terms
from fair.columns import TERMS
from fair.db import session_scope
from fair.errors import ImportRejected
from fair.export import export_fair_files
from fair.importer import parse_files, read_directory
from fair.loader import import_files, preview_files
from fair.models import Company, Fair, Product, ProductTerm, Role
from fair.sample.sectors import CATEGORIES, SECTORS
from tests.factories import fair_files

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import.md"


# --- the dictionary ---------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("masks", "mask"),
        ("cherries", "cherr"),
        ("tomatoes", "tomato"),
        ("peaches", "peach"),
        ("glasses", "glass"),
        ("glass", "glass"),
        ("lens", "lens"),
        ("news", "news"),
        ("마스크", "마스크"),
        ("omega-3", "omega-3"),
    ],
)
def test_stem_folds_english_plurals_only(word: str, folded: str) -> None:
    assert terms.stem(word) == folded
    assert word.startswith(folded) or folded == word


@pytest.mark.unit
def test_built_in_dictionary_has_hundreds_of_concepts_in_four_languages() -> None:
    concepts = terms.built_in()
    assert len(concepts) >= 300
    complete = [c for c in concepts if all(c.terms.get(lang) for lang in terms.LANGUAGES)]
    assert len(complete) == len(concepts)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hydrating Sheet Masks, 10-pack", {"마스크팩", "面膜", "シートマスク"}),
        ("마스크팩 10매", {"sheet mask", "面膜", "シートマスク"}),
        ("Red Ginseng Sticks", {"인삼", "人参", "高麗人参", "홍삼"}),
        ("포기김치 10kg", {"kimchi", "泡菜", "キムチ"}),
        ("冷冻海参 500g", {"sea cucumber", "해삼", "ナマコ"}),
        ("ｼｰﾄﾏｽｸ", {"sheet mask"}),  # half-width katakana folded
    ],
)
def test_dictionary_finds_the_concept_in_any_language(text: str, names: set[str]) -> None:
    assert names <= set(terms.built_in_dictionary().expansion(text))


@pytest.mark.unit
def test_dictionary_does_not_find_short_terms_inside_other_words() -> None:
    d = terms.built_in_dictionary()
    # 김 (laver) is one syllable: not found inside the name 김민준.
    assert "laver" not in d.expansion("김민준")
    # "tea" is a whole word, not a part of "steak".
    assert "green tea" not in d.expansion("steak") and "茶叶" not in d.expansion("steak")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("sheet masks", ("sheet", "mask")),
        ("sheetmask", ("sheet", "mask")),
        ("마스크 팩", ("마스크팩",)),
        ("シート・マスク", ("シートマスク",)),
        ("frozen squids", ("frozen", "squid")),
    ],
)
def test_words_for_rewrites_spacing_and_plurals(query: str, words: tuple[str, ...]) -> None:
    d = terms.built_in_dictionary()
    assert terms.words_for(d, search.words_of(query), query) == words


# --- an organiser's terms.csv -------------------------------------------------------------

TERMS_HEADER = "en,zh,ko,ja\r\n"


def _with_terms(text: str) -> dict[str, bytes]:
    files = fair_files()
    files["terms.csv"] = text.encode("utf-8")
    return files


def _problems(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(ImportRejected) as exc:
        parse_files(files)
    return [str(p) for p in exc.value.problems]


@pytest.mark.unit
def test_terms_file_bad_rows_name_row_and_column() -> None:
    problems = _problems(
        _with_terms(
            TERMS_HEADER
            + "yuja tea,柚子茶,유자차,ゆず茶\r\n"  # row 2: fine
            + "sheet mask,마스크팩,,\r\n"  # row 3: Korean in the Chinese column
            + "laver,,,\r\n"  # row 4: one name links nothing
            + "cica,积雪草,시카,"
            + "シ" * 61
            + "\r\n"  # row 5: too long
        )
    )
    assert problems == [
        "terms.csv, row 3, column zh: '마스크팩' has no Chinese characters",
        "terms.csv, row 4, column en: a row links two names or more (one name finds nothing new)",
        f"terms.csv, row 5, column ja: {'シ' * 20!r}… is longer than 60",
    ]


@pytest.mark.unit
def test_terms_file_unknown_column_is_refused() -> None:
    problems = _problems(_with_terms("en,vi\r\nrice,gạo\r\n"))
    assert problems[0].startswith("terms.csv, row 1, column vi: unknown column")


@pytest.mark.unit
def test_terms_file_acronyms_are_allowed_in_any_column() -> None:
    data = parse_files(_with_terms(TERMS_HEADER + "surgical mask,口罩,KF94,マスク\r\n"))
    assert data.terms is not None
    assert data.terms[0].terms["ko"] == ("KF94",)


def _add_product(engine: Engine, fair_id: int, name: str) -> None:
    with session_scope(engine) as s:
        company = s.exec(
            select(Company).where(Company.fair_id == fair_id, Company.role == Role.EXHIBITOR)
        ).first()
        assert company is not None and company.id is not None
        s.add(
            Product(
                fair_id=fair_id,
                key="T1",
                company_id=company.id,
                name=name,
                sector="food & beverage",
                currency="USD",
                price_min=Decimal("1"),
                price_max=Decimal("2"),
                certifications=[],
            )
        )
        s.flush()
        search.rebuild(s, fair_id)


@pytest.mark.integration
def test_organiser_terms_extend_the_search_and_a_reimport_replaces_them(
    engine: Engine,
) -> None:
    # 부산어묵 is a brand-like regional term no built-in row knows.
    row = "busan fish cake;odeng,釜山鱼饼,부산어묵,釜山おでん\r\n"
    summary = import_files(engine, _with_terms(TERMS_HEADER + row))
    _add_product(engine, summary.fair_id, "부산어묵 모둠 1kg")
    with Session(engine) as s:
        assert [t.terms["ko"] for t in s.exec(select(ProductTerm))] == [["부산어묵"]]
        found = search.search(s, summary.fair_id, "釜山おでん")
        assert [h.name for h in found.hits] == ["부산어묵 모둠 1kg"]
    # An import without terms.csv keeps them; one with a new file replaces them.
    import_files(engine, fair_files())
    with Session(engine) as s:
        assert len(s.exec(select(ProductTerm)).all()) == 1
    import_files(engine, _with_terms(TERMS_HEADER + "yuja tea,柚子茶,유자차,ゆず茶\r\n"))
    with Session(engine) as s:
        assert [t.terms["en"] for t in s.exec(select(ProductTerm))] == [["yuja tea"]]
        assert search.search(s, summary.fair_id, "釜山おでん").total == 0


# A file each encoding can hold (CP949 has no kana, Shift_JIS no Hangul), long enough for
# detection to tell CP949 from GB18030.
LOCAL_TERMS = {
    "cp949": (
        "yuja tea,,유자차;유자 음료,\r\nred ginseng,,홍삼;고려 홍삼,\r\n",
        [
            {"en": ("yuja tea",), "ko": ("유자차", "유자 음료")},
            {"en": ("red ginseng",), "ko": ("홍삼", "고려 홍삼")},
        ],
    ),
    "shift_jis": (
        "yuja tea,,,柚子茶;ゆず茶\r\n",
        [{"en": ("yuja tea",), "ja": ("柚子茶", "ゆず茶")}],
    ),
    "utf-16": (
        "yuja tea,柚子茶,유자차,ゆず茶\r\n",
        [{"en": ("yuja tea",), "zh": ("柚子茶",), "ko": ("유자차",), "ja": ("ゆず茶",)}],
    ),
}


@pytest.mark.unit
@pytest.mark.parametrize("codec", list(LOCAL_TERMS))
def test_terms_file_reads_in_a_local_excel_encoding(codec: str) -> None:
    text, expected = LOCAL_TERMS[codec]
    files = fair_files()
    files["terms.csv"] = (TERMS_HEADER + text).encode(codec)
    data = parse_files(files)  # the encoding detected
    assert data.sources["terms.csv"] == codec
    assert data.terms is not None
    assert [dict(t.terms) for t in data.terms] == expected


@pytest.mark.unit
def test_terms_sheet_of_a_workbook_reads_like_the_file() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "terms"
    sheet.append(["en", "zh", "ko", "ja"])
    sheet.append(["yuja tea", "柚子茶", "유자차", "ゆず茶"])
    sheet.append(["busan fish cake", "", "부산어묵", "Ginseng"])  # ja: no kana or kanji
    buffer = io.BytesIO()
    book.save(buffer)
    files = fair_files()
    files["terms.xlsx"] = buffer.getvalue()
    assert _problems(files) == [
        "[terms.xlsx]terms, row 3, column ja: 'Ginseng' has no kana or kanji"
    ]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    files["terms.xlsx"] = buffer.getvalue()
    data = parse_files(files)
    assert data.terms is not None
    assert [dict(t.terms) for t in data.terms] == [
        {"en": ("yuja tea",), "zh": ("柚子茶",), "ko": ("유자차",), "ja": ("ゆず茶",)}
    ]
    as_csv = _with_terms(TERMS_HEADER + "yuja tea,柚子茶,유자차,ゆず茶\r\n")
    assert parse_files(files) == parse_files(as_csv)


@pytest.mark.integration
def test_preview_counts_terms_new_then_unchanged(engine: Engine) -> None:
    files = _with_terms(TERMS_HEADER + "yuja tea,柚子茶,유자차,ゆず茶\r\n")
    preview = preview_files(engine, files)
    assert ("terms", 1, 0, 0) in preview.counts()
    with Session(engine) as s:
        assert s.exec(select(ProductTerm)).first() is None  # a preview writes nothing
    import_files(engine, files)
    files["terms.csv"] += "busan fish cake,,부산어묵,\r\n".encode()
    assert ("terms", 1, 0, 1) in preview_files(engine, files).counts()


# --- search across languages ---------------------------------------------------------------


def _catalogue(engine: Engine) -> int:
    """One exhibitor with English-named goods and one with Korean-named goods."""
    with session_scope(engine) as s:
        fair = Fair(
            name="Terms Fair",
            timezone="Asia/Shanghai",
            start=date(2026, 11, 27),
            days=1,
            day_start=time(9),
            day_end=time(12),
            slot_minutes=30,
        )
        s.add(fair)
        s.flush()
        assert fair.id is not None
        en = Company(fair_id=fair.id, name="Qingdao Trading", country="CN", role=Role.EXHIBITOR)
        ko = Company(fair_id=fair.id, name="부산상사", country="KR", role=Role.EXHIBITOR)
        s.add_all([en, ko])
        s.flush()
        for key, company, name in [
            ("E1", en, "Hydrating Sheet Mask, 10-pack"),
            ("E2", en, "Red Ginseng Extract, 240 g"),
            ("E3", en, "Frozen Sea Cucumber, 1 kg"),
            ("E4", en, "Cabbage Kimchi, 3 kg tub"),
            ("E5", en, "Rice Crackers"),
            ("K1", ko, "수분 마스크팩 10매"),
            ("K2", ko, "6년근 인삼 선물세트"),
            ("K3", ko, "건해삼 500g"),
            ("K4", ko, "포기김치 5kg"),
        ]:
            assert company.id is not None
            s.add(
                Product(
                    fair_id=fair.id,
                    key=key,
                    company_id=company.id,
                    name=name,
                    currency="USD",
                    certifications=[],
                )
            )
        s.flush()
        search.rebuild(s, fair.id)
        return fair.id


CROSS = {
    "sheet mask": (["sheet masks", "마스크팩", "마스크 팩", "面膜", "シートマスク"], {"E1", "K1"}),
    "ginseng": (["ginseng", "인삼", "人参", "高麗人参"], {"E2", "K2"}),
    "sea cucumber": (["sea cucumbers", "해삼", "海参", "ナマコ"], {"E3", "K3"}),
    "kimchi": (["kimchi", "김치", "泡菜", "キムチ"], {"E4", "K4"}),
}


@pytest.mark.integration
@pytest.mark.parametrize("concept", sorted(CROSS))
def test_search_finds_the_product_for_each_languages_term(engine: Engine, concept: str) -> None:
    fair_id = _catalogue(engine)
    queries, wanted = CROSS[concept]
    with Session(engine) as s:
        keys = {p.id: p.key for p in s.exec(select(Product))}
        for query in queries:
            found = search.search(s, fair_id, query, kind="product")
            assert {keys[h.ref_id] for h in found.hits} == wanted, query


@pytest.mark.integration
def test_search_without_a_dictionary_concept_is_unchanged(engine: Engine) -> None:
    fair_id = _catalogue(engine)
    with Session(engine) as s:
        found = search.search(s, fair_id, "cracker")
    assert [h.name for h in found.hits] == ["Rice Crackers"]


@pytest.mark.unit
def test_terms_docs_name_exactly_the_columns_and_the_folder_is_read(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## terms.csv (optional)")[1].split("\n## ")[0]
    documented = re.findall(r"^\| `(\w+)` \| (yes|no) \|", section, re.M)
    assert documented == [(c.name, "yes" if c.required else "no") for c in TERMS]
    for name, data in _with_terms(TERMS_HEADER + "yuja tea,柚子茶,유자차,ゆず茶\r\n").items():
        (tmp_path / name).write_bytes(data)
    assert "terms.csv" in read_directory(tmp_path)


@pytest.mark.integration
def test_search_does_not_expand_descriptions(engine: Engine) -> None:
    fair_id = _catalogue(engine)
    with session_scope(engine) as s:
        company = s.exec(select(Company).where(Company.name == "Qingdao Trading")).one()
        assert company.id is not None
        s.add(
            Product(
                fair_id=fair_id,
                key="E9",
                company_id=company.id,
                name="Pork Belly, 1 kg",
                description="Grill it and serve with kimchi",
                currency="USD",
                certifications=[],
            )
        )
        s.flush()
        search.rebuild(s, fair_id)
    with Session(engine) as s:
        english = {h.name for h in search.search(s, fair_id, "kimchi").hits}
        chinese = {h.name for h in search.search(s, fair_id, "泡菜").hits}
    assert "Pork Belly, 1 kg" in english  # the description is searched as written
    assert "Pork Belly, 1 kg" not in chinese  # but does not make the product kimchi


@pytest.mark.integration
def test_export_of_a_fair_writes_no_terms_file(sqlite_engine: Engine) -> None:
    summary = import_files(
        sqlite_engine, _with_terms(TERMS_HEADER + "yuja tea,柚子茶,유자차,ゆず茶\r\n")
    )
    with Session(sqlite_engine) as s:
        exported = export_fair_files(s, summary.fair_id)
    assert "terms.csv" not in exported and "participants.csv" in exported


@pytest.mark.unit
@pytest.mark.parametrize("language", ["zh", "ko", "ja"])
def test_every_generated_sector_and_category_has_a_name_in_each_language(language: str) -> None:
    d = terms.built_in_dictionary()
    tags = {c.key for c in CATEGORIES} | {s.key for s in SECTORS}
    assert {t for t in tags if d.name_in(t, language) is None} == set()
    sheet_mask = {"zh": "面膜", "ko": "마스크팩", "ja": "シートマスク"}
    assert d.name_in("sheet masks", language) == sheet_mask[language]
