"""The post-fair report as a PDF (issue 22 item 4) on the factory fair: the organiser's
download from the dashboard, an exhibitor's own company's report, the refusals, and
`fair export report --format pdf`. The expo fair's report is tests/web/test_report_expo.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import Site
from tests.web.test_cli import write_fair
from web.cli import main

pytestmark = pytest.mark.integration


def pdf_text(pdf: bytes) -> str:
    """The PDF's text layer, as `pdftotext` (poppler-utils) reads it."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Without white space: a name wrapped inside a table cell reads as one."""
    return "".join(text.split())


async def test_organiser_downloads_the_fair_report_in_their_language(site: Site) -> None:
    await site.sign_in_organiser()
    dashboard = await (await site.client.get("/organiser/dashboard")).text()
    assert 'action="/organiser/reports/report.pdf"' in dashboard
    response = await site.client.get("/organiser/reports/report.pdf?lang=ko")
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = await response.read()
    assert pdf.startswith(b"%PDF")
    text = flat(pdf_text(pdf))
    for name in ("부산해양식품주식회사", "青岛海润食品有限公司", "박람회보고서"):
        assert name in text
    kr = await site.client.get("/organiser/reports/report.pdf?pavilion=KR")
    assert kr.status == 200
    wrong = await site.client.get("/organiser/reports/report.pdf?pavilion=XX")
    assert wrong.status == 400 and "pavilion" in await wrong.text()


async def test_exhibitor_downloads_only_their_own_company_report(site: Site) -> None:
    await site.sign_in_participant("kr1")  # an exhibitor of 부산해양식품 주식회사
    response = await site.client.get("/me/report.pdf?company=Hanse%20Feinkost%20GmbH")
    assert response.status == 200
    text = flat(pdf_text(await response.read()))
    assert "부산해양식품주식회사" in text
    assert "HanseFeinkostGmbH" not in text  # the address cannot choose another company
    organiser_only = await site.client.get("/organiser/reports/report.pdf")
    assert organiser_only.status == 403


async def test_buyer_and_anonymous_get_no_report(site: Site) -> None:
    anonymous = await site.client.get("/organiser/reports/report.pdf", allow_redirects=False)
    assert anonymous.status in (302, 401)
    mine = await site.client.get("/me/report.pdf", allow_redirects=False)
    assert mine.status in (302, 401)
    await site.sign_in_participant("cn1")  # a buyer
    refused = await site.client.get("/me/report.pdf")
    assert refused.status == 403


def test_cli_exports_the_report_as_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'f.sqlite'}"]
    assert main(["import", str(write_fair(tmp_path / "in")), *db]) == 0
    assert main(["schedule", "--method", "greedy", *db]) == 0
    assert main(["publish", *db]) == 0
    out = tmp_path / "report.pdf"
    assert main(["export", "report", "--format", "pdf", "--lang", "ja", "-o", str(out), *db]) == 0
    text = flat(pdf_text(out.read_bytes()))
    assert "見本市レポート" in text and "김민준" not in text  # no meeting was held yet
    company = tmp_path / "company.pdf"
    args = ["export", "report", "--format", "pdf", "--company", "Hanse Feinkost GmbH"]
    assert main([*args, "-o", str(company), *db]) == 0
    text = flat(pdf_text(company.read_bytes()))
    assert "HanseFeinkostGmbH" in text and "青岛海润食品有限公司" not in text
    capsys.readouterr()
    nobody = ["export", "report", "--format", "pdf", "--company", "Nobody Ltd"]
    assert main([*nobody, "-o", str(company), *db]) != 0
    assert "company: no company named 'Nobody Ltd'" in capsys.readouterr().err
    assert main(["export", "report", "-o", str(company), *db]) != 0  # csv is no report format
    assert main(["export", "deals", "--format", "pdf", *db]) != 0
