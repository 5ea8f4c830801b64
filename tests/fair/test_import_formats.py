"""Import from every locale's CSV encoding and from .xlsx, the templates, and the preview
then confirm (`docs/import.md`)."""

from __future__ import annotations

import codecs
import copy
import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.columns import CSV_FILES, PARTICIPANT_COLUMNS, PRODUCT_COLUMNS, REQUEST_COLUMNS
from fair.errors import ImportRejected, NotFound
from fair.export import (
    TEMPLATE_LANGUAGES,
    export_fair_files,
    template_files,
    template_rows,
    template_workbook,
    to_workbook,
)
from fair.importer import ImportData, parse_files
from fair.importer.encodings import decode
from fair.loader import (
    ImportChanged,
    confirm_upload,
    import_files,
    keep_upload,
    preview_files,
    upload_files,
)
from fair.models import Fair, ImportUpload, MeetingRequest, Participant
from fair.sample.generate import csv_text, generate, toml_text
from tests.factories import PARTICIPANTS, REQUESTS, fair_files

# Per encoding, the factory fair's words that encoding cannot hold, in words it can (a
# Korean Excel's CSV holds no simplified Chinese, a Japanese one no Hangul).
LOCAL_WORDS: dict[str, dict[str, str]] = {
    "cp949": {"青岛海润食品有限公司": "칭다오 하이룬 식품", "王伟": "왕웨이"},
    "shift_jis": {
        "부산해양식품 주식회사": "釜山海洋食品株式会社",
        "김민준": "キム・ミンジュン",
        "이서연": "イ・ソヨン",
        "青岛海润食品有限公司": "青島海潤食品有限公司",
        "王伟": "王偉",
    },
}


def local_fair(label: str) -> dict[str, bytes]:
    """The factory fair with its words in what `label` can encode (UTF-8 files)."""
    words = LOCAL_WORDS.get(label, {})
    rows = [{k: words.get(v, v) for k, v in row.items()} for row in copy.deepcopy(PARTICIPANTS)]
    return fair_files(participants=rows)


def encoded(files: dict[str, bytes], encode: Callable[[str], bytes]) -> dict[str, bytes]:
    """The CSV files re-encoded (fair.toml stays UTF-8, as TOML requires)."""
    return {
        name: raw if name == "fair.toml" else encode(raw.decode("utf-8"))
        for name, raw in files.items()
    }


ENCODERS: dict[str, tuple[str, Callable[[str], bytes]]] = {
    # case: (the fair's words, how the CSV bytes are written)
    "utf-8": ("utf-8", lambda t: t.encode("utf-8")),
    "utf-8-bom": ("utf-8", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    "utf-16-le-bom": ("utf-16", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    "utf-16-be-bom": ("utf-16", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
    "utf-16-tabs": ("utf-16", lambda t: t.replace(",", "\t").encode("utf-16")),
    "gb18030": ("gb18030", lambda t: t.encode("gb18030")),
    "cp949": ("cp949", lambda t: t.encode("cp949")),
    "shift_jis": ("shift_jis", lambda t: t.encode("cp932")),
}


def same_database(engine: Engine, files: dict[str, bytes]) -> None:
    """The database holds exactly `files`: previewing them again changes nothing."""
    again = preview_files(engine, files)
    assert again.created == {} and again.updated == {}
    assert again.unchanged["participants"] == 5


# ---------------------------------------------------------------------------- encodings


@pytest.mark.integration
@pytest.mark.parametrize("case", list(ENCODERS))
def test_each_encoding_round_trips_the_factory_fair(engine: Engine, case: str) -> None:
    words, encode = ENCODERS[case]
    original = local_fair(words)
    files = encoded(original, encode)
    summary = import_files(engine, files)
    assert summary.created["participants"] == 5
    assert summary.sources["participants.csv"] == ("utf-8" if "utf-8" in case else words)
    same_database(engine, original)
    with Session(engine) as session:
        exported = export_fair_files(session, summary.fair_id)
    # the export also says that nobody has hours per date (an empty availability.csv)
    assert parse_files(exported).participants == tuple(
        replace(p, dates={}) for p in parse_files(original).participants
    )


@pytest.mark.integration
def test_xlsx_round_trips_the_factory_fair(engine: Engine) -> None:
    original = fair_files()
    book = {"fair.toml": original["fair.toml"], "fair.xlsx": to_workbook(original)}
    summary = import_files(engine, book)
    assert summary.sources == {
        "[fair.xlsx]participants": "xlsx",
        "[fair.xlsx]requests": "xlsx",
    }
    same_database(engine, original)


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("부산해양식품 주식회사,김민준,朴智慧", "cp949", "cp949"),
        ("김민준,이서연", "cp949", "cp949"),
        ("青岛海润食品有限公司,王伟", "gb18030", "gb18030"),
        ("王伟", "gb18030", "gb18030"),
        ("부산해양식품 주식회사,青岛", "gb18030", "gb18030"),
        ("釜山海洋食品株式会社,田中花子", "cp932", "shift_jis"),
        ("東京物産", "cp932", "shift_jis"),
        ("さくら", "cp932", "shift_jis"),
        ("シートマスク;高麗人参", "cp932", "shift_jis"),
    ],
)
def test_detection_reads_each_locale(text: str, codec: str, label: str) -> None:
    raw = f"id,name\nx1,{text}\n".encode(codec)
    assert decode(raw) == (f"id,name\nx1,{text}\n", label)


def test_ambiguous_bytes_are_refused_naming_the_file_and_can_be_chosen() -> None:
    odd = b"\x8d\xbf\x84\xf3"  # as likely Chinese as Korean: neither reading is typical
    files = fair_files()
    files["products.csv"] = b"id,company,name\r\np1,Hanse Feinkost GmbH," + odd + b"\r\n"
    with pytest.raises(ImportRejected) as info:
        parse_files(files)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("products.csv", None, None)
    assert problem.message == (
        "the encoding is ambiguous (it reads as gb18030, cp949); choose the encoding "
        "explicitly, or save the sheet as CSV UTF-8"
    )
    assert problem.template.startswith("the encoding is ambiguous (it reads as %(candidates)s)")
    chosen = parse_files(files, encoding="cp949")
    assert chosen.products[0].name == odd.decode("cp949")


# ---------------------------------------------------------------------------- templates


@pytest.mark.parametrize("lang", TEMPLATE_LANGUAGES)
def test_templates_import_as_they_are(lang: str) -> None:
    files = template_files(lang)
    as_csv = parse_files(files)
    as_xlsx = parse_files({"fair.toml": files["fair.toml"], "t.xlsx": template_workbook(lang)})
    assert as_csv == as_xlsx
    assert (len(as_csv.participants), len(as_csv.requests), len(as_csv.products)) == (2, 1, 1)


def test_template_notes_describe_every_column_in_the_language() -> None:
    korean = {"the person's name": "사람의 이름", "required": "필수"}
    rows = template_rows("participants.csv", "ko", lambda s: korean.get(s, s))
    assert rows[0] == list(PARTICIPANT_COLUMNS)
    assert rows[1][2] == "사람의 이름 (필수)"
    assert rows[1][0].startswith("# ")
    assert all(rows[1])
    assert {kind: template_rows(kind, "en")[0] for kind in CSV_FILES} == {
        "participants.csv": list(PARTICIPANT_COLUMNS),
        "requests.csv": list(REQUEST_COLUMNS),
        "products.csv": list(PRODUCT_COLUMNS),
        "availability.csv": ["participant", "date", "windows"],
        "locks.csv": ["request", "date", "time", "place"],
    }


def test_a_hash_row_after_data_is_data() -> None:
    rows = [dict(r) for r in PARTICIPANTS]
    rows[1]["id"] = "#kr2"
    requests = [dict(r) for r in REQUESTS]
    requests[2]["to"] = "#kr2"
    files = fair_files(participants=rows, requests=requests)
    assert "#kr2" in {p.key for p in parse_files(files).participants}


# ---------------------------------------------------------------------------- preview


@pytest.mark.integration
def test_preview_writes_nothing_and_confirm_writes_what_it_showed(engine: Engine) -> None:
    import_files(engine, fair_files())
    rows = [dict(r) for r in PARTICIPANTS]
    rows[3]["name"] = "Anna Becker-Schulz"
    rows.append(dict(rows[3], id="de2", name="Jonas Weber", email="jonas@hanse.example"))
    files = fair_files(participants=rows)
    preview = preview_files(engine, files)
    assert not preview.written
    assert ("participants", 1, 1, 4) in preview.counts()
    with Session(engine) as session:
        assert session.exec(select(Participant).where(Participant.key == "de2")).first() is None
    token = keep_upload(engine, files, "auto", preview.digest)
    summary = confirm_upload(engine, token)
    assert summary.written and summary.digest == preview.digest
    assert summary.counts() == preview.counts()
    with Session(engine) as session:
        names = set(session.exec(select(Participant.name)).all())
        assert {"Anna Becker-Schulz", "Jonas Weber"} <= names
        assert session.exec(select(ImportUpload)).first() is None  # used up
    with pytest.raises(NotFound):
        confirm_upload(engine, token)


@pytest.mark.integration
def test_confirm_after_the_data_changed_is_refused(engine: Engine) -> None:
    import_files(engine, fair_files())
    rows = [dict(r) for r in PARTICIPANTS]
    rows[0]["name"] = "김민준 (CEO)"
    files = fair_files(participants=rows)
    preview = preview_files(engine, files)
    token = keep_upload(engine, files, "auto", preview.digest)
    assert upload_files(engine, token) == (files, "auto", preview.digest)
    with Session(engine) as session:  # meanwhile someone makes the file's change by hand
        person = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        person.name = "김민준 (CEO)"
        second = session.exec(select(Participant).where(Participant.key == "kr2")).one()
        second.name = "Edited meanwhile"
        session.add_all([person, second])
        session.commit()
    with pytest.raises(ImportChanged):
        confirm_upload(engine, token)
    with Session(engine) as session:  # nothing was written: kr2 keeps the hand edit
        second = session.exec(select(Participant).where(Participant.key == "kr2")).one()
        assert second.name == "Edited meanwhile"


@pytest.mark.integration
def test_preview_of_a_new_fair_counts_everything_new(engine: Engine) -> None:
    preview = preview_files(engine, fair_files())
    assert preview.fair_id == 0
    assert preview.counts()[0] == ("fair", 1, 0, 0)
    assert ("requests", 3, 0, 0) in preview.counts()
    with Session(engine) as session:
        assert session.exec(select(Fair)).first() is None
        assert session.exec(select(MeetingRequest)).first() is None


# ---------------------------------------------------------------------------- properties


def generated_files(seed: int) -> dict[str, bytes]:
    fair = generate("small", seed, date(2027, 3, 1))
    return {
        "fair.toml": toml_text(fair.toml).encode("utf-8"),
        "participants.csv": csv_text(PARTICIPANT_COLUMNS, fair.participants).encode("utf-8"),
        "requests.csv": csv_text(REQUEST_COLUMNS, fair.requests).encode("utf-8"),
        "products.csv": csv_text(PRODUCT_COLUMNS, fair.products).encode("utf-8"),
    }


def same_data(a: ImportData, b: ImportData) -> bool:
    return (a.fair, a.companies, a.participants, a.requests, a.products) == (
        b.fair,
        b.companies,
        b.participants,
        b.requests,
        b.products,
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    case=st.sampled_from(["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "gb18030"]),
)
def test_any_generated_fair_imports_identically_from_xlsx_and_csv(seed: int, case: str) -> None:
    original = generated_files(seed)
    reference = parse_files(original)
    book = {"fair.toml": original["fair.toml"], "fair.xlsx": to_workbook(original)}
    assert same_data(parse_files(book), reference)
    assert same_data(parse_files(encoded(original, ENCODERS[case][1])), reference)


# Company and person names as each locale writes them: a place and a trade with the
# locale's company form, and a surname with a given name.
NAMES = {
    "gb18030": (
        "青岛 上海 北京 深圳 广州 杭州 山东 大连 宁波 厦门",
        "海润 食品 贸易 科技 电子 化妆品 海参 人参 茶叶 进出口 农产品 水产 面膜 服装 机械",
        "有限公司 股份有限公司 集团",
        "王 李 张 刘 陈 杨 赵 黄 周 吴",
        "伟 娜 敏 洋 静 强 磊 军 丽 芳",
    ),
    "cp949": (
        "부산 서울 제주 인천 대구 광주 울산 수원 창원 포항",
        "해양 식품 무역 화장품 인삼 김치 전자 농산물 수산 홍삼 유통 산업 바이오 코스메틱",
        "주식회사 (주) 상사",
        "김 이 박 최 정 강 조 윤 장 임",
        "민준 서연 지훈 유나 하늘 도윤 서준 하은 지민 수빈",
    ),
    "shift_jis": (
        "東京 大阪 横浜 名古屋 福岡 札幌 神戸 京都 仙台 広島",
        "物産 食品 商事 化粧品 電子 貿易 水産 工業 さくら シートマスク 高麗人参 お茶",
        "株式会社 有限会社 ホールディングス",
        "田中 佐藤 鈴木 高橋 伊藤 渡辺 山本 中村 小林 加藤",
        "花子 太郎 翔太 さくら 陽菜 健 優子 大輔 美咲 ゆい",
    ),
}
CODECS = {"cp949": "cp949", "gb18030": "gb18030", "shift_jis": "cp932"}


@st.composite
def local_names(draw: st.DrawFn) -> tuple[str, list[str]]:
    label = draw(st.sampled_from(sorted(NAMES)))
    places, trades, forms, surnames, given = (text.split() for text in NAMES[label])
    pick = lambda words: draw(st.sampled_from(words))  # noqa: E731
    companies = [pick(places) + pick(trades) + pick(trades) + pick(forms) for _ in range(2)]
    people = [pick(surnames) + pick(given) for _ in range(5)]
    return label, [*companies, *people]


@settings(max_examples=100, deadline=None)
@given(local_names())
def test_any_local_names_are_detected_and_read_identically(case: tuple[str, list[str]]) -> None:
    """Detection reads each locale's realistic names as written, or asks for the
    encoding; it never reads them as something else. Chosen, they always read right."""
    label, words = case
    rows = [dict(r) for r in PARTICIPANTS]
    companies = {c: words[i] for i, c in enumerate(sorted({r["company"] for r in rows}))}
    if len(set(words[:2])) < 2:
        words[1] += "2"
    for index, row in enumerate(rows):
        if not row["company"].isascii():
            row["company"] = companies[row["company"]]
        row["name"] = words[2 + index]
    rows[0]["company"], rows[1]["company"] = words[0], words[0]
    rows[2]["company"] = words[1]
    original = fair_files(participants=rows)
    files = encoded(original, lambda t: t.encode(CODECS[label]))
    expected = parse_files(original)
    assert same_data(parse_files(files, encoding=label), expected)
    try:
        detected = parse_files(files)
    except ImportRejected as exc:
        assert [p.template for p in exc.problems] == [
            "the encoding is ambiguous (it reads as %(candidates)s); choose the encoding "
            "explicitly, or save the sheet as CSV UTF-8"
        ]
        return
    assert same_data(detected, expected), (label, words)


# ---------------------------------------------------------------------------- workbooks


def test_workbook_cells_read_as_csv_text() -> None:
    from datetime import datetime, time

    from openpyxl import Workbook

    from fair.importer.workbook import text

    assert [text(v) for v in (None, 5, 5.0, 2.5, "x", True)] == ["", "5", "5", "2.5", "x", "true"]
    assert text(datetime(2026, 11, 27)) == "2026-11-27"
    assert text(time(9, 30)) == "09:30"
    book = Workbook()
    book.active.title = "Sheet1"  # the empty default sheet is passed over
    people = book.create_sheet("Participants ")
    for row in csv.reader(io.StringIO(fair_files()["participants.csv"].decode())):
        people.append(row)
    notes = book.create_sheet("notes")
    notes.append(["my own remarks"])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"fair.toml": fair_files()["fair.toml"], "mine.xlsx": buffer.getvalue()}
    with pytest.raises(ImportRejected) as info:
        parse_files(files)
    assert [str(p) for p in info.value.problems] == [
        "[mine.xlsx]notes: unknown sheet (expected: participants, requests, products, "
        "availability, locks, terms)"
    ]
    book.remove(notes)
    buffer = io.BytesIO()
    book.save(buffer)
    files["mine.xlsx"] = buffer.getvalue()
    assert parse_files(files).participants == parse_files(fair_files()).participants
    files["participants.csv"] = fair_files()["participants.csv"]
    with pytest.raises(ImportRejected) as info:
        parse_files(files)
    assert [p.message for p in info.value.problems] == [
        "participants.csv is given twice (also in [mine.xlsx]Participants )"
    ]


def test_semicolon_separated_csv_reads_the_same() -> None:
    files = fair_files()
    text = files["participants.csv"].decode()
    rows = list(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    files["participants.csv"] = buffer.getvalue().encode("utf-8")
    assert parse_files(files).participants == parse_files(fair_files()).participants


@pytest.mark.integration
def test_an_expired_preview_cannot_be_confirmed(engine: Engine) -> None:
    files = fair_files()
    token = keep_upload(engine, files, "auto", preview_files(engine, files).digest)
    with Session(engine) as session:
        upload = session.exec(select(ImportUpload)).one()
        upload.expires_at = upload.created_at - timedelta(seconds=1)
        session.add(upload)
        session.commit()
    with pytest.raises(NotFound):
        confirm_upload(engine, token)
    keep_upload(engine, files, "auto", "")  # keeping another drops the expired one
    with Session(engine) as session:
        assert len(session.exec(select(ImportUpload)).all()) == 1
        assert session.exec(select(Fair)).first() is None


def test_exported_workbook_keeps_every_text_as_written() -> None:
    from fair.export import shared_strings_workbook
    from fair.importer.rows import Collector
    from fair.importer.workbook import xlsx_sheets

    tricky = ["=A1+1", " leading and trailing ", "a\r\nb\nc", "<&>'\"", "001", "1e5", "株式会社"]
    book = shared_strings_workbook(
        {"products": [["id", "name"], *[[str(i), t] for i, t in enumerate(tricky)]]}
    )
    [sheet] = xlsx_sheets("x.xlsx", book, Collector())
    assert [row[1] for row in sheet.rows[1:]] == tricky
    with pytest.raises(ValueError, match="control characters"):
        shared_strings_workbook({"products": [["id"], ["\x07"]]})
