"""The post-fair report as a PDF download (`web.report_pdf`): the organiser's, for the
fair, a pavilion or a company, from the dashboard; and an exhibitor's, for their own
company only (the company comes from who is signed in, never from the address).

The content is read and laid out as HTML in a database thread; WeasyPrint turns it into
PDF in a worker process of its own, since laying out a large fair's report takes seconds
of pure Python that would hold up every other request of this process."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web
from sqlmodel import Session

from fair import queries
from fair.errors import Forbidden, NotFound
from fair.models import Company, Participant, Role
from fair.summary import Scope, report_content
from web import auth, i18n
from web.db import read
from web.keys import REPORT_TURN, SETTINGS
from web.report_pdf import render_pdf, report_html


async def _pdf(app: web.Application, html: str) -> bytes:
    loop = asyncio.get_running_loop()
    async with app[REPORT_TURN]:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await loop.run_in_executor(pool, render_pdf, html)
        finally:
            pool.shutdown(wait=False)


def _download(pdf: bytes, name: str) -> web.Response:
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


async def organiser_report(request: web.Request) -> web.StreamResponse:
    """GET /organiser/reports/report.pdf[?pavilion=KEY|company=NAME]."""
    await auth.organiser(request)
    rates = request.app[SETTINGS].rates
    scope = Scope(
        pavilion=request.query.get("pavilion", "").strip(),
        company=request.query.get("company", "").strip(),
    )
    language = i18n.current()

    def load(session: Session) -> str:
        fair = queries.first_fair(session)
        if fair is None or fair.id is None:
            raise NotFound("no fair has been imported yet")
        return report_html(report_content(session, fair.id, rates, scope), language)

    html = await read(request.app, load)
    name = "report" + (f"-{scope.pavilion}" if scope.pavilion else "")
    return _download(await _pdf(request.app, html), name)


async def exhibitor_report(request: web.Request) -> web.StreamResponse:
    """GET /me/report.pdf: the signed-in exhibitor's own company's report."""
    rates = request.app[SETTINGS].rates
    language = i18n.current()

    def load(session: Session, person: Participant) -> str:
        company = session.get(Company, person.company_id)
        if company is None or company.role != Role.EXHIBITOR:
            raise Forbidden("the company report is for exhibitors")
        scope = Scope(company=company.name)
        return report_html(report_content(session, person.fair_id, rates, scope), language)

    _, html = await auth.participant_with(request, load)
    return _download(await _pdf(request.app, html), "company-report")


def setup(app: web.Application) -> None:
    app[REPORT_TURN] = asyncio.Lock()
    r = app.router
    r.add_get("/organiser/reports/report.pdf", organiser_report, name="report_pdf")
    r.add_get("/me/report.pdf", exhibitor_report, name="my_report_pdf")
