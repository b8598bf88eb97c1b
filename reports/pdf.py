"""The 月通报 as a PDF made in Python (no browser on the server): :func:`to_bytes` lays out the
:class:`reports.sections.Notice` of a month — the same words and tables as the Word file — on A4 landscape pages,
with a static map beside 一、总体情况 (county outlines and names, the month's projects coloured by stage, drawn from our
own data like :func:`reports.printable.map_svg`: no tiles, no network).

Chinese text needs a CJK font embedded in the file (:func:`font`): the one named by ``PARKMAP_PDF_FONT``, else the
first TrueType CJK font found on the machine (WenQuanYi, Droid Sans Fallback, AR PL, Noto CJK where it has TrueType
outlines, the Windows fonts); reportlab cannot embed the CFF outlines of Debian's Noto Sans/Serif CJK ``.ttc``, which
are skipped. With none, the built-in CID font ``STSong-Light`` (not embedded: the reader's own Song face shows it) —
the PDF is always made. Text from data is escaped (it never becomes markup). Output is deterministic for a month.
"""

from __future__ import annotations

import functools
import glob
import io
import math
import os
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import shapely
from reportlab.graphics.shapes import Circle, Drawing, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from layers.vocab import STAGE_COLORS
from reports.monthly import APP_TITLE, MonthReport
from reports.sections import Notice, Place, Table, build, clean

ENV_FONT = "PARKMAP_PDF_FONT"
#: TrueType CJK fonts looked for, in order (a path that is missing or cannot be embedded is skipped)
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
#: other font files whose names suggest Chinese, searched when none of the above works
FONT_GLOBS = ("/usr/share/fonts/**/*[Cc][Jj][Kk]*.tt[cf]", "/usr/share/fonts/**/*[Ww][Qq][Yy]*.tt[cf]",
              "/usr/local/share/fonts/**/*.tt[cf]")
CID_FALLBACK = "STSong-Light"
PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
HEAD = colors.HexColor("#DCE6F1")
TOTAL = colors.HexColor("#F2F2F2")
LIGHT_FILLS = {"红灯": "#F8CBAD", "黄灯": "#FFE699", "绿灯": "#C6EFCE"}
#: the first page: 一、总体情况 on the left (this share of the width), the map on the right
TEXT_SHARE, MAP_HEIGHT = 0.55, 125 * mm


def _candidates() -> list[str]:
    named = os.environ.get(ENV_FONT, "").strip()
    found = [named] if named else []
    found += [p for p in FONT_PATHS if os.path.isfile(p)]
    for pattern in FONT_GLOBS:
        found += sorted(glob.glob(pattern, recursive=True))
    return list(dict.fromkeys(found))


def _embeddable(path: str) -> TTFont | None:
    """The font at ``path`` when reportlab can embed it and it has Chinese glyphs (else None)."""
    try:
        face = TTFont("ParkmapCJK", path, subfontIndex=0)
    except Exception:  # noqa: BLE001 — CFF outlines, a broken or unreadable file: try the next one
        return None
    return face if all(ord(ch) in face.face.charToGlyph for ch in "中国招商项目通报") else None


@functools.cache
def font() -> str:
    """The registered font name all text is set in: an embedded TrueType CJK font, else ``STSong-Light``."""
    for path in _candidates():
        face = _embeddable(path)
        if face is not None:
            pdfmetrics.registerFont(face)
            return face.fontName
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def _styles() -> dict[str, ParagraphStyle]:
    name = font()
    base = {"fontName": name, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", **base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4),
        "issue": ParagraphStyle("issue", **base, fontSize=11, leading=16, alignment=TA_CENTER),
        "note": ParagraphStyle("note", **base, fontSize=10, leading=14, alignment=TA_CENTER, textColor=colors.HexColor("#C00000")),
        "heading": ParagraphStyle("heading", **base, fontSize=14, leading=20, spaceBefore=8, spaceAfter=2,
                                  keepWithNext=1),
        "body": ParagraphStyle("body", **base, fontSize=11, leading=18, firstLineIndent=22, alignment=TA_LEFT),
        "caption": ParagraphStyle("caption", **base, fontSize=10.5, leading=15, alignment=TA_CENTER, spaceBefore=4,
                                  spaceAfter=2, keepWithNext=1),
        "cell": ParagraphStyle("cell", **base, fontSize=8, leading=10),
        "cell_c": ParagraphStyle("cell_c", **base, fontSize=8, leading=10, alignment=TA_CENTER),
        "dense": ParagraphStyle("dense", **base, fontSize=7, leading=8.5, alignment=TA_CENTER),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(clean(text)), style)


def _table(table: Table, styles: dict[str, ParagraphStyle]) -> list:
    dense = len(table.columns) > 10
    head_style = styles["dense"] if dense else styles["cell_c"]
    weights = [c.width for c in table.columns]
    widths = [WIDTH * w / sum(weights) for w in weights]
    data = [[_p(h, head_style) for h in table.headers]]
    for values in table.cells():
        data.append([_p(text, styles["cell"] if column.kind == "text" and column.width >= 1.5 and not dense else head_style)
                     for text, column in zip(values, table.columns, strict=True)])
    grid = PdfTable(data, colWidths=widths, repeatRows=1)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#808080")), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if table.totals:
        commands.append(("BACKGROUND", (0, len(data) - table.totals), (-1, -1), TOTAL))
    for c, column in enumerate(table.columns):
        if column.kind == "light":
            for r, values in enumerate(table.cells(), start=1):
                if values[c] in LIGHT_FILLS:
                    commands.append(("BACKGROUND", (c, r), (c, r), colors.HexColor(LIGHT_FILLS[values[c]])))
    grid.setStyle(TableStyle(commands))
    caption = _p(table.caption, styles["caption"])  # kept with the table's first rows (keepWithNext)
    return [caption, grid, Spacer(1, 4)]


def map_drawing(report: MonthReport, width: float = WIDTH, height: float = 120 * mm) -> Drawing:
    """County outlines and names and the month's located projects by stage, with a legend (lon/lat scaled by
    cos(lat), WGS-84)."""
    counties, name = report.regions, font()
    points = report.projects.dropna(subset=["lon", "lat"])
    drawing = Drawing(width, height)
    legend_h = 14
    if len(counties):
        minx, miny, maxx, maxy = counties.total_bounds
    elif len(points):
        minx, miny, maxx, maxy = points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()
    else:
        drawing.add(String(width / 2, height / 2, "暂无行政区边界和项目位置", fontName=name, fontSize=10, textAnchor="middle"))
        return drawing
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * kx, 1e-6), max(maxy - miny, 1e-6)
    scale = min((width - 20) / span_x, (height - legend_h - 20) / span_y)
    left = (width - span_x * scale) / 2

    def xy(lon, lat):
        return left + (lon - minx) * kx * scale, legend_h + 10 + (lat - miny) * scale

    drawing.add(Rect(0, 0, width, height, fillColor=None, strokeColor=colors.HexColor("#CCCCCC"), strokeWidth=0.5))
    labels = []
    for county, geom in zip(counties["name"], counties.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        simple = shapely.simplify(geom, 0.002, preserve_topology=True)
        for poly in getattr(simple, "geoms", [simple]):
            if poly.geom_type != "Polygon":
                continue
            ring = [v for x, y in poly.exterior.coords for v in xy(x, y)]
            drawing.add(Polygon(ring, fillColor=colors.HexColor("#F4F6F7"), strokeColor=colors.HexColor("#34495E"),
                                strokeWidth=0.8, strokeDashArray=[3, 2]))
        p = geom.representative_point()
        labels.append((*xy(p.x, p.y), clean(county)))
    for lon, lat, stage in zip(points["lon"], points["lat"], points["stage"], strict=True):
        x, y = xy(lon, lat)
        drawing.add(Circle(x, y, 2.2, fillColor=colors.HexColor(STAGE_COLORS.get(stage, "#7F8C8D")), strokeColor=colors.white,
                           strokeWidth=0.3))
    for x, y, text in labels:  # names above the points, on a pale ground
        text = text[:20]
        w = pdfmetrics.stringWidth(text, name, 9)
        drawing.add(Rect(x - w / 2 - 2, y - 2.5, w + 4, 12, fillColor=colors.white, fillOpacity=0.75, strokeColor=None))
        drawing.add(String(x, y, text, fontName=name, fontSize=9, textAnchor="middle", fillColor=colors.HexColor("#2C3E50")))
    x = 8
    for stage, colour in STAGE_COLORS.items():
        drawing.add(Circle(x + 3, 7, 3, fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(x + 9, 4, stage, fontName=name, fontSize=8))
        x += 14 + pdfmetrics.stringWidth(stage, name, 8)
    return drawing


def _map(report: MonthReport, styles, width: float) -> list:
    located = int(report.projects["lon"].notna().sum()) if "lon" in report.projects else 0
    month = pd.Period(report.month, freq="M")
    caption = _p(f"项目分布图（{month.year}年{month.month}月末，共{len(report.projects):,}个，已定位{located:,}个）", styles["caption"])
    return [caption, map_drawing(report, width, MAP_HEIGHT)]


def flowables(notice: Notice, report: MonthReport) -> list:
    """The PDF's content: the notice's text and tables; beside 一、总体情况, the map."""
    styles = _styles()
    story = [_p(notice.title, styles["title"]), _p(notice.issue, styles["issue"]), _p(notice.dates, styles["issue"])]
    if notice.note:
        story.append(_p(notice.note, styles["note"]))
    for i, part in enumerate(notice.sections):
        story.append(_p(part.heading, styles["heading"]))
        if i == 0 and all(isinstance(b, str) for b in part.blocks):  # the overview's sentences left, the map right
            text_w = WIDTH * TEXT_SHARE
            side = PdfTable([[[_p(b, styles["body"]) for b in part.blocks], _map(report, styles, WIDTH - text_w - 6 * mm)]],
                            colWidths=[text_w, WIDTH - text_w])
            side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                                      ("RIGHTPADDING", (0, 0), (0, 0), 4 * mm)]))
            story.append(side)
            continue
        for block in part.blocks:
            story += _table(block, styles) if isinstance(block, Table) else [_p(block, styles["body"])]
    return story


def _numbered(title: str):
    """A canvas class that writes 「title　第 N 页，共 M 页」 at the foot of every page (M known once all are laid out)."""

    class Numbered(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font(), 8)
                self.setFillColor(colors.HexColor("#666666"))
                self.drawString(MARGIN, 8 * mm, clean(title)[:60])
                self.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"第 {self._pageNumber} 页，共 {total} 页")
                super().showPage()
            super().save()

    return Numbered


def to_bytes(report: MonthReport, where: Place | None = None) -> bytes:
    """The month's 通报 as PDF bytes (``where``: :func:`reports.sections.place`)."""
    notice = build(report, where)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=notice.title, author=APP_TITLE, creator=APP_TITLE,
                            subject=f"{notice.issue}（{pd.Period(report.month, freq='M').strftime('%Y-%m')}）", invariant=True)
    doc.build(flowables(notice, report), canvasmaker=_numbered(notice.title))
    return out.getvalue()


def write(report: MonthReport, path: str | Path, where: Place | None = None) -> Path:
    path = Path(path)
    path.write_bytes(to_bytes(report, where))
    return path
