"""The post-fair report as a PDF (issue 22 item 4): `fair.summary.report_content` laid out
by a Jinja2 template (`templates/report.html`, `static/report.css`) with the charts as
SVG (`web.pictures`), turned into PDF by WeasyPrint.

WeasyPrint lays out HTML and CSS itself (Pango for text) and needs no browser; it embeds
the subset of each font it uses, so the Noto CJK fonts (Debian fonts-noto-cjk) carry
Chinese, Korean and Japanese names into the file, as text a reader can search and copy.
The report is in the language of whoever asks for it (`web.i18n.using`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_compact_decimal
from sqlmodel import Session

from fair.models import DealType
from fair.summary import Scope, report_content
from web import i18n, pictures

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "report.css"
# Per language the CJK face whose glyph shapes that language expects (the same
# characters are drawn differently in Chinese, Japanese and Korean).
FONTS = {
    "zh": "Noto Sans CJK SC",
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
    "en": "Noto Sans CJK SC",
}
TYPES = [str(t) for t in DealType]


def type_names() -> dict[str, str]:
    _ = i18n.template_gettext
    return {
        "intent": _("Cooperation intent"),
        "purchase": _("Purchase contract"),
        "agency": _("Agency contract"),
        "project": _("Project"),
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env.globals["_"] = i18n.template_gettext
    env.filters["amount"] = i18n.amount
    env.filters["country"] = i18n.country
    env.filters["local_time"] = i18n.local_time
    env.filters["day"] = i18n.day
    return env


def charts(content: Mapping[str, Any]) -> dict[str, str]:
    """The report's charts as SVG, labelled in the current language."""
    _ = i18n.template_gettext
    locale = i18n.FORMAT_LOCALES.get(i18n.current(), i18n.current())

    def short(x: float) -> str:
        return str(format_compact_decimal(x, locale=locale, fraction_digits=1))

    names = type_names()
    colours = dict(zip(TYPES, pictures.TYPE_COLOURS, strict=True))
    days = content["by_day"]
    out = {
        "by_day": pictures.columns_svg(
            _("Deal value per day, by type"),
            [i18n.day(datetime.fromisoformat(d["day"]).date()) for d in days],
            [
                pictures.Series(names[t], colours[t], [float(d["by_type"][t]) for d in days])
                for t in TYPES
            ],
            short,
        ),
        "by_pavilion": pictures.bars_svg(
            _("Deal value by pavilion"),
            [
                (r["name"], float(r["value"]), short(float(r["value"])))
                for r in content["by_pavilion"]
            ],
        ),
    }
    flows = content["flows"]
    sellers = list(dict.fromkeys(f["from"] for f in flows))
    buyers = list(dict.fromkeys(f["to"] for f in flows))
    out["flows"] = pictures.matrix_svg(
        _("Deals between countries"),
        [i18n.country(c) for c in sellers],
        [i18n.country(c) for c in buyers],
        {(sellers.index(f["from"]), buyers.index(f["to"])): float(f["value"]) for f in flows},
        short,
    )
    meetings = content["meetings_by_day"]
    out["meetings"] = pictures.columns_svg(
        _("Meetings held and no-shows per day"),
        [_("Day %(n)s", n=m["day"]) for m in meetings],
        [
            pictures.Series(_("Held"), "#059669", [m["held"] for m in meetings]),
            pictures.Series(_("No-shows"), "#dc2626", [m["no_shows"] for m in meetings]),
            pictures.Series(
                _("Not held"),
                "#cbd5e1",
                [m["meetings"] - m["held"] - m["no_shows"] for m in meetings],
            ),
        ],
        lambda x: f"{x:.0f}",
    )
    return out


def report_html(content: Mapping[str, Any], language: str) -> str:
    """The report as an HTML document in `language`."""
    with i18n.using(language):
        template = _environment().get_template("report.html")
        return template.render(
            **content,
            lang=language,
            font=FONTS.get(language, FONTS["en"]),
            charts=charts(content),
            types=type_names(),
            made=datetime.now(UTC),
            decimal=Decimal,
        )


def render_pdf(html: str) -> bytes:
    """`html` (from `report_html`) as a PDF."""
    # Imported here: WeasyPrint loads Pango when imported, and the server starts (with
    # every page but this download) on a machine without it.
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(HERE))
    pdf: bytes = document.write_pdf(stylesheets=[weasyprint.CSS(filename=str(STYLESHEET))])
    return pdf


def report_pdf(
    session: Session,
    fair_id: int,
    rates: Mapping[str, Decimal],
    language: str,
    scope: Scope | None = None,
) -> bytes:
    """The post-fair report of the fair (or of `scope`: one pavilion, one company) as a
    PDF in `language`."""
    return render_pdf(report_html(report_content(session, fair_id, rates, scope), language))
