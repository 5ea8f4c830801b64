"""Pictures drawn on the server as SVG: the grid's heat map, a participant's day, and the
post-fair report's charts.

Small SVG templates in Python rather than a charting library: the same drawing serves
a page (inline, no script, so the strict Content Security Policy holds and it shows
without JavaScript) and the PDF report (WeasyPrint draws SVG itself, with the page's
fonts, so Chinese, Korean and Japanese labels render; no browser and no Node at run
time). The live dashboard's charts, which update in the browser, stay ECharts
(web/static/charts.js); these use its colours.

Every function returns SVG markup as a string whose text is escaped here; a picture is
`role="img"` with a label, each mark has a `<title>` (a tooltip on screen), and the
pages put the same numbers in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from fair.grid_view import GridLoad
from fair.queries import AgendaItem
from fair.timeline import Span, Track, day_tracks
from web import i18n

# The dashboard's colours (web/static/charts.js).
TYPE_COLOURS = ("#2563eb", "#059669", "#d97706", "#7c3aed")
HEAT = ((0xDB, 0xEA, 0xFE), (0x1D, 0x4E, 0xD8))  # light to dark blue, as the flows chart
EMPTY = "#f1f5f9"
OVER = "#dc2626"
KIND_COLOURS = {
    "meeting": "#2563eb",
    "busy": "#94a3b8",
    "roadshow": "#7c3aed",
    "away": "#cbd5e1",
    "break": "#fde68a",
}
FONT = "font-family=\"'Noto Sans CJK SC', 'Noto Sans', sans-serif\""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float) -> float:
    """About how wide `text` is at font `size` (CJK glyphs are square, Latin ones about
    half as wide): enough to decide what fits."""
    return sum(size if ord(c) > 0x2E7F else size * 0.58 for c in text)


def fit(text: str, width: float, size: float) -> str:
    """`text` cut with an ellipsis to about `width`."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…", size) > width:
            break
        out += c
    return out + "…" if out else ""


def heat_colour(share: float | None) -> str:
    """A cell's colour for `share` of its capacity used (None: no limit, any use)."""
    if share is None:
        share = 0.5
    if share <= 0:
        return EMPTY
    if share > 1:
        return OVER
    low, high = HEAT
    mix = 0.15 + 0.85 * share
    r, g, b = (round(lo + (hi - lo) * mix) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class HeatLabels:
    title: str
    row_names: Sequence[str]  # one per row of the load, in the viewer's language
    cell: Callable[[str, str, int, int | None], str]  # (row, time, meetings, capacity) → tooltip


def heatmap_svg(load: GridLoad, labels: HeatLabels) -> str:
    """The grid's load as a heat map: a row per place (or pavilion), a column per slot,
    each cell's colour its meetings over its capacity and its number the meetings."""
    cell_w, cell_h, top, size = 46, 24, 26, 11
    left = min(170, 12 + max((text_width(n, size) for n in labels.row_names), default=40))
    width = left + cell_w * len(load.times) + 4
    height = top + cell_h * len(load.rows) + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
        f'aria-label="{_e(labels.title)}" width="{_num(width)}" height="{height}" '
        f'viewBox="0 0 {_num(width)} {height}" {FONT} font-size="{size}">'
    ]
    for t, time in enumerate(load.times):
        x = left + t * cell_w + cell_w / 2
        out.append(
            f'<text x="{_num(x)}" y="{top - 9}" text-anchor="middle" fill="#475569">'
            f"{_e(time)}</text>"
        )
    for r, row in enumerate(load.rows):
        y = top + r * cell_h
        name = labels.row_names[r]
        out.append(
            f'<text x="{_num(left - 6)}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end" '
            f'fill="#0f172a">'
            f"<title>{_e(name)}</title>{_e(fit(name, left - 10, size))}</text>"
        )
        for t, time in enumerate(load.times):
            n = load.cells[r][t]
            share = load.load(r, t) if n else 0.0
            x = left + t * cell_w
            colour = heat_colour(share)
            tip = labels.cell(name, time, n, row.capacity)
            out.append(
                f'<g><title>{_e(tip)}</title><rect x="{_num(x + 1)}" y="{y + 1}" '
                f'width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="{colour}"/>'
            )
            if n:
                ink = "#ffffff" if share is None or share > 0.45 else "#0f172a"
                out.append(
                    f'<text x="{_num(x + cell_w / 2)}" y="{y + cell_h / 2 + 4:.0f}" '
                    f'text-anchor="middle" fill="{ink}">{n}</text>'
                )
            out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class DayLabels:
    title: str  # the track's date and zone, read by screen readers
    kinds: dict[str, str]  # kind → its name in the viewer's language
    clock: Callable[[datetime, str], str]  # (instant, zone) → a short time of day


def timeline_svg(track: Track, labels: DayLabels, hour_width: float = 72) -> str:
    """One local date of a participant's day: an hour scale in the track's zone, the
    times they cannot meet as pale bands, their meetings as blocks on top."""
    left, top, lane, size = 8, 18, 34, 11
    width = left + hour_width * track.hours + 36  # room for the last hour's label
    height = top + lane + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'aria-label="{_e(labels.title)}" width="{_num(width)}" height="{height}" '
        f'viewBox="0 0 {_num(width)} {height}" {FONT} font-size="{size}">',
        f'<rect x="{left}" y="{top}" width="{_num(hour_width * track.hours)}" height="{lane}" '
        f'fill="#f8fafc" stroke="#e2e8f0"/>',
    ]
    for offset, moment in track.ticks:
        x = left + offset * hour_width
        out.append(
            f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{top + lane}" stroke="#e2e8f0"/>'
            f'<text x="{_num(x + 2)}" y="{top - 5}" fill="#64748b">'
            f"{_e(labels.clock(moment, track.zone))}</text>"
        )
    for background in (True, False):
        for block in track.blocks:
            span = block.span
            if (span.kind == "meeting") == background:
                continue
            x = left + block.offset * hour_width
            w = max(block.length * hour_width, 2)
            when = f"{labels.clock(block.start, track.zone)}–{labels.clock(block.end, track.zone)}"
            name = labels.kinds.get(span.kind, span.kind)
            tip = " · ".join(p for p in (when, name, span.label, span.detail) if p)
            y, h = (top + 3, lane - 6) if span.kind == "meeting" else (top, lane)
            colour = KIND_COLOURS.get(span.kind, "#94a3b8")
            opacity = "1" if span.kind == "meeting" else "0.7"
            out.append(
                f'<g class="span-{_e(span.kind)}"><title>{_e(tip)}</title>'
                f'<rect x="{_num(x)}" y="{y}" width="{_num(w)}" height="{h}" rx="3" '
                f'fill="{colour}" fill-opacity="{opacity}"/>'
            )
            text = fit(span.label or name, w - 6, size)
            if text:
                ink = "#ffffff" if span.kind in ("meeting", "roadshow") else "#334155"
                out.append(
                    f'<text x="{_num(x + 3)}" y="{top + lane / 2 + 4:.0f}" fill="{ink}">'
                    f"{_e(text)}</text>"
                )
            out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class DayPicture:
    """A participant's day in one zone: its name, and per local date the track (its
    spans, for the table) and the drawing."""

    zone: str
    tracks: tuple[tuple[Track, str], ...]

    @property
    def meetings(self) -> int:
        return sum(t.meetings for t, _ in self.tracks)


def day_pictures(
    items: Sequence[AgendaItem],
    unavailable: Sequence[Span],
    breaks: Sequence[Span],
    frame: Sequence[tuple[datetime, datetime]],
    zones: Sequence[str],
) -> tuple[DayPicture, ...]:
    """A participant's meetings (`items`), the times they cannot meet and the fair's
    breaks drawn per local date of each of `zones` (their own, then the fair's; one
    when both are the same), labelled in the current language."""
    _ = i18n.template_gettext
    kinds = {
        "meeting": _("Meeting"),
        "busy": _("Busy"),
        "roadshow": _("Roadshow"),
        "away": _("Away"),
        "break": _("Break"),
    }
    spans = [
        Span(
            "meeting",
            item.start,
            item.end,
            item.counterpart_company,
            " · ".join(p for p in (item.counterpart, item.place_pavilion, item.place_key) if p),
        )
        for item in items
    ]
    spans += [*unavailable, *breaks]
    out = []
    for zone in dict.fromkeys(zones):
        tracks = []
        for track in day_tracks(spans, frame, zone):
            title = _("%(date)s in %(zone)s", date=i18n.day(track.day, "full"), zone=zone)
            labels = DayLabels(title, kinds, i18n.local_time)
            tracks.append((track, timeline_svg(track, labels)))
        out.append(DayPicture(zone, tuple(tracks)))
    return tuple(out)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float]


def _nice_top(value: float) -> float:
    """A round number at or above `value` for an axis's top."""
    if value <= 0:
        return 1.0
    step = 10.0 ** (len(str(int(value))) - 1)
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * step >= value:
            return m * step
    return 10.0 * step


def columns_svg(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    short: Callable[[float], str],
    width: float = 680,
    height: float = 240,
) -> str:
    """Stacked columns, a column per category and a colour per series, with a legend."""
    left, top, bottom, size = 64, 30, 28, 10
    plot_w, plot_h = width - left - 8, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = _nice_top(max(totals, default=0))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-label="{_e(title)}" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" {FONT} font-size="{size}">'
    ]
    x: float = left
    for s in series:  # the legend
        out.append(
            f'<rect x="{_num(x)}" y="4" width="10" height="10" rx="2" fill="{s.colour}"/>'
            f'<text x="{_num(x + 14)}" y="13" fill="#334155">{_e(s.name)}</text>'
        )
        x += 26 + text_width(s.name, size)
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{_num(width - 8)}" y2="{_num(y)}" '
            f'stroke="#e2e8f0"/><text x="{left - 6}" y="{_num(y + 3)}" text-anchor="end" '
            f'fill="#64748b">{_e(short(value))}</text>'
        )
    band = plot_w / max(len(categories), 1)
    bar = min(48, band * 0.7)
    every = max(1, int(len(categories) / (plot_w / 60)) + 1) if categories else 1
    for i, name in enumerate(categories):
        cx = left + band * i + band / 2
        y = top + plot_h
        for s in series:
            h = plot_h * s.values[i] / peak
            if h > 0:
                y -= h
                out.append(
                    f'<rect x="{_num(cx - bar / 2)}" y="{_num(y)}" width="{_num(bar)}" '
                    f'height="{_num(h)}" fill="{s.colour}"><title>{_e(name)} · {_e(s.name)}: '
                    f"{_e(short(s.values[i]))}</title></rect>"
                )
        if i % every == 0:
            out.append(
                f'<text x="{_num(cx)}" y="{_num(top + plot_h + 16)}" text-anchor="middle" '
                f'fill="#475569">{_e(fit(name, band * every - 4, size))}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def bars_svg(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    colour: str = TYPE_COLOURS[1],
    width: float = 680,
) -> str:
    """Horizontal bars, largest first as given: (label, value, the value written)."""
    row_h, size = 24, 11
    left = min(220, 12 + max((text_width(r[0], size) for r in rows), default=40))
    right = 12 + max((text_width(r[2], size) for r in rows), default=40)
    plot = width - left - right
    peak = max((r[1] for r in rows), default=0) or 1
    height = row_h * len(rows) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-label="{_e(title)}" width="{_num(width)}" height="{height}" '
        f'viewBox="0 0 {_num(width)} {height}" {FONT} font-size="{size}">'
    ]
    for i, (name, value, text) in enumerate(rows):
        y = 3 + i * row_h
        w = plot * value / peak
        out.append(
            f'<text x="{_num(left - 6)}" y="{y + 15}" text-anchor="end" fill="#0f172a">'
            f"{_e(fit(name, left - 10, size))}</text>"
            f'<rect x="{_num(left)}" y="{y + 3}" width="{_num(max(w, 1))}" height="{row_h - 6}" '
            f'rx="3" fill="{colour}"/>'
            f'<text x="{_num(left + w + 5)}" y="{y + 15}" fill="#334155">{_e(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def matrix_svg(
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: dict[tuple[int, int], float],
    short: Callable[[float], str],
    width: float = 680,
) -> str:
    """A heat map of `values[(row, column)]` (darker is more), each cell written."""
    size = 10
    left = min(170, 12 + max((text_width(r, size) for r in rows), default=40))
    cell_w = max(34.0, min(80.0, (width - left) / max(len(columns), 1)))
    cell_h, top = 24, 34
    peak = max(values.values(), default=0) or 1
    w = left + cell_w * len(columns) + 4
    height = top + cell_h * len(rows) + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-label="{_e(title)}" width="{_num(w)}" height="{height}" '
        f'viewBox="0 0 {_num(w)} {height}" {FONT} font-size="{size}">'
    ]
    for c, name in enumerate(columns):
        x = left + c * cell_w + cell_w / 2
        out.append(
            f'<text x="{_num(x)}" y="{top - 8}" text-anchor="middle" fill="#475569">'
            f"{_e(fit(name, cell_w - 2, size))}</text>"
        )
    for r, name in enumerate(rows):
        y = top + r * cell_h
        out.append(
            f'<text x="{_num(left - 6)}" y="{y + 16}" text-anchor="end" fill="#0f172a">'
            f"{_e(fit(name, left - 10, size))}</text>"
        )
        for c in range(len(columns)):
            value = values.get((r, c), 0.0)
            share = value / peak
            x = left + c * cell_w
            out.append(
                f'<rect x="{_num(x + 1)}" y="{y + 1}" width="{_num(cell_w - 2)}" '
                f'height="{cell_h - 2}" rx="3" fill="{heat_colour(share)}"/>'
            )
            if value:
                ink = "#ffffff" if share > 0.45 else "#0f172a"
                out.append(
                    f'<text x="{_num(x + cell_w / 2)}" y="{y + 16}" text-anchor="middle" '
                    f'fill="{ink}">{_e(short(value))}</text>'
                )
    out.append("</svg>")
    return "".join(out)
