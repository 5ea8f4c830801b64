"""Catalogue search on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm): CJK and Latin
queries, short CJK words, filters, pagination and ranking."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import search
from fair.db import session_scope
from fair.loader import import_files
from fair.models import Company, Fair, Pavilion, Product, Role
from tests.factories import fair_files

pytestmark = pytest.mark.integration


def _fair(engine: Engine) -> int:
    """A hand-made fair: Korean, Japanese and Chinese exhibitors and a German buyer."""
    with session_scope(engine) as s:
        fair = Fair(
            name="Search Fair",
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
        kr = Pavilion(fair_id=fair.id, key="KR", name="Korea Pavilion", country="KR")
        jp = Pavilion(fair_id=fair.id, key="JP", name="Japan Pavilion", country="JP")
        s.add_all([kr, jp])
        s.flush()

        def company(name: str, country: str, pavilion: Pavilion | None, sectors: list[str],
                    role: Role = Role.EXHIBITOR) -> Company:  # fmt: skip
            c = Company(
                fair_id=fair.id,
                name=name,
                country=country,
                role=role,
                pavilion_id=pavilion.id if pavilion else None,
                sectors=sectors,
                offers=["skin care"] if "cosmetics" in sectors else ["snacks"],
                needs=["distribution"],
            )
            s.add(c)
            s.flush()
            return c

        beauty = company("한국화장품 주식회사", "KR", kr, ["cosmetics"])
        kimchi = company("서울식품 주식회사", "KR", kr, ["food & beverage"])
        tokyo = company("東京化粧品株式会社", "JP", jp, ["cosmetics"])
        osaka = company("大阪食品工業", "JP", jp, ["food & beverage"])
        company("青岛海洋食品有限公司", "CN", None, ["seafood"], Role.BUYER)
        company("Hamburg Serum Trading GmbH", "DE", None, ["cosmetics"], Role.BUYER)

        def product(c: Company, key: str, name: str, description: str, sector: str) -> None:
            assert c.id is not None
            s.add(
                Product(
                    fair_id=fair.id,
                    key=key,
                    company_id=c.id,
                    name=name,
                    description=description,
                    sector=sector,
                    origin=c.country,
                    price_min=Decimal("2.50"),
                    price_max=Decimal("4.00"),
                    currency="USD",
                    moq=500,
                    certifications=["ISO 22716"],
                )
            )

        product(beauty, "P1", "Ginseng Serum, 50 ml", "Hydrating serum for dry skin", "cosmetics")
        product(beauty, "P2", "Cica Cream", "Soothing cream; pairs with our serum", "cosmetics")
        product(beauty, "P3", "인삼 에센스 세럼", "한국산 인삼 추출물", "cosmetics")
        product(kimchi, "P4", "Kimchi, 1 kg", "Traditional cabbage kimchi", "food & beverage")
        product(tokyo, "P5", "抹茶 化粧水", "敏感肌用の化粧水", "cosmetics")
        product(osaka, "P6", "Matcha Kit Kat", "Green tea snack", "food & beverage")
        for n in range(30):
            product(osaka, f"S{n}", f"Rice Cracker No. {n}", "Crunchy snack", "food & beverage")
        search.rebuild(s, fair.id)
        return fair.id


def names(results: search.Results) -> list[str]:
    return [h.name for h in results.hits]


def test_search_korean_three_characters_finds_korean_company(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = search.search(s, fair_id, "화장품")
    assert "한국화장품 주식회사" in names(found)


def test_search_korean_two_characters_finds_korean_names(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = search.search(s, fair_id, "화장")
        ginseng = search.search(s, fair_id, "인삼")
    assert names(found)[0] == "한국화장품 주식회사"
    # The Korean name first (the word is in it); the English one through the dictionary.
    assert names(ginseng) == ["인삼 에센스 세럼", "Ginseng Serum, 50 ml"]


def test_search_chinese_two_characters_finds_chinese_and_japanese_names(
    engine: Engine,
) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = names(search.search(s, fair_id, "食品"))
    assert "青岛海洋食品有限公司" in found
    assert "大阪食品工業" in found


def test_search_single_han_character_finds_names(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = names(search.search(s, fair_id, "茶"))
    assert found == ["抹茶 化粧水"]


def test_search_japanese_finds_japanese_names(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        company = names(search.search(s, fair_id, "東京化粧品"))
        product = names(search.search(s, fair_id, "化粧水"))
    # The company first, then its products (they carry the maker's name).
    assert company == ["東京化粧品株式会社", "抹茶 化粧水"]
    assert product == ["抹茶 化粧水"]


def test_search_sector_word_in_korean_finds_cosmetics_products(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = names(search.search(s, fair_id, "화장품", kind="product"))
    assert {"Ginseng Serum, 50 ml", "Cica Cream", "抹茶 化粧水"} <= set(found)
    assert "Kimchi, 1 kg" not in found


def test_search_latin_is_case_insensitive_and_needs_every_word(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        one = names(search.search(s, fair_id, "KIMCHI"))
        both = names(search.search(s, fair_id, "ginseng serum"))
        none = search.search(s, fair_id, "ginseng kimchi")
    assert one == ["Kimchi, 1 kg"]
    assert both == ["Ginseng Serum, 50 ml", "인삼 에센스 세럼"]  # 인삼 = ginseng, 세럼 = serum
    assert none.total == 0 and none.hits == ()


def test_search_name_matches_rank_before_description_matches(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        found = search.search(s, fair_id, "serum")
    ranked = names(found)
    # Names containing "serum" first (company before product), the cream whose
    # description mentions serum last.
    assert ranked.index("Ginseng Serum, 50 ml") < ranked.index("Cica Cream")
    assert ranked.index("Hamburg Serum Trading GmbH") < ranked.index("Cica Cream")
    assert ranked[-1] == "Cica Cream"
    assert [h.in_name for h in found.hits][-1] is False


def test_search_filters_by_pavilion_country_sector_and_kind(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        jp = s.exec(select(Pavilion).where(Pavilion.key == "JP")).one()
        in_japan = search.search(s, fair_id, "", pavilion_id=jp.id, per_page=100)
        german = names(search.search(s, fair_id, "", country="DE"))
        food = search.search(s, fair_id, "", sector="food & beverage", kind="company")
        cosmetics = names(search.search(s, fair_id, "東京", sector="cosmetics"))
    assert in_japan.total == 2 + 2 + 30
    assert {h.country for h in in_japan.hits} == {"JP"}
    assert german == ["Hamburg Serum Trading GmbH"]
    assert sorted(names(food)) == ["大阪食品工業", "서울식품 주식회사"]
    assert cosmetics == ["東京化粧品株式会社", "抹茶 化粧水"]


def test_search_pages_through_results_without_overlap(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        pages = [search.search(s, fair_id, "cracker", page=n, per_page=12) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [30, 30, 30, 30]
    assert pages[0].pages == 3
    seen = [name for p in pages for name in names(p)]
    assert len(seen) == 30 == len(set(seen))
    assert pages[3].hits == ()


def test_search_special_characters_are_literal(engine: Engine) -> None:
    fair_id = _fair(engine)
    with Session(engine) as s:
        percent = search.search(s, fair_id, "%")
        quote = search.search(s, fair_id, 'No. 1"')
    assert percent.total == 0
    assert quote.total >= 1


def test_import_indexes_the_fair_for_search(engine: Engine) -> None:
    summary = import_files(engine, fair_files())
    with Session(engine) as s:
        everything = search.search(s, summary.fair_id, "")
    assert everything.total > 0
    again = import_files(engine, fair_files())  # a re-import replaces the entries
    with Session(engine) as s:
        assert search.search(s, again.fair_id, "").total == everything.total


def test_words_of_splits_on_spaces_and_cjk_punctuation() -> None:
    assert search.words_of(" 화장품，OEM  serum serum ") == ("화장품", "oem", "serum")
