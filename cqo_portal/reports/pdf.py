"""Render the self-assessment report as HTML and PDF (WeasyPrint).

The renderer takes a *safe context* of plain values (see ``render_html``), never ORM objects, and
every string in it is already in the report's language. WeasyPrint only sees files under the
app's ``static/`` and ``templates/reports/`` folders: the URL fetcher refuses everything else
(other ``file:`` paths, http(s), data: …), so user text can never make the renderer read the
disk or the network. The font configuration and the print stylesheet are parsed once per
process and reused, which keeps repeated renders fast.

WeasyPrint is used through its public API only (``HTML``, ``CSS``, ``FontConfiguration``,
``URLFetcher``); the report stays cheap to lay out through its own markup and stylesheet: few
boxes (paragraphs rather than table rows), fixed table layout, one font face, the compact CJK font.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import mimetypes
import re
import threading
import weakref
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import weasyprint
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from cqo_portal import charts

if TYPE_CHECKING:
    from cqo_portal.assessments.presenters import ResultView
    from cqo_portal.reports.services import ReportContext

__all__ = [
    "SafeURLFetcher",
    "UnsafeURLError",
    "render_document_pdf",
    "render_html",
    "render_minimal_pdf",
    "render_report_pdf",
    "sha256_hex",
    "warm_up",
]

REPORT_TEMPLATE = "reports/report.html"
REPORT_STYLESHEET = "report.css"

_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_stylesheets: dict[tuple[str, int], weasyprint.CSS] = {}
_environments: weakref.WeakKeyDictionary[Flask, jinja2.Environment] = weakref.WeakKeyDictionary()
# Indentation between tags: collapsing it is invisible (no <pre> in the report, white-space is
# normal everywhere) and makes the document WeasyPrint reads smaller.
_INDENT = re.compile(r"\n[ \t]+")
# C0 controls other than tab and line breaks, and U+FFFE/U+FFFF: they print as nothing or as a
# box, so the report drops them from user text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class UnsafeURLError(ValueError):
    """A resource URL outside the report's allowed folders; WeasyPrint logs it and skips it."""


class SafeURLFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``roots`` only; refuse every other URL and scheme."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=1)
        self.roots = [Path(root).resolve() for root in roots]

    def resolve(self, url: str) -> Path:
        """The local file ``url`` names, or raise UnsafeURLError."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise UnsafeURLError(f"refused URL {url[:200]!r}: only report assets are served")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise UnsafeURLError(f"refused URL {url[:200]!r}: outside the report asset folders")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path2url(str(path)), body=path.read_bytes(), headers={"Content-Type": mime_type}
        )


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of the PDF bytes, stored with the report so /verify can prove integrity."""
    return hashlib.sha256(data).hexdigest()


def _reports_dir() -> Path:
    app = current_app
    return Path(app.root_path, app.template_folder or "templates", "reports").resolve()


def _asset_roots() -> list[Path]:
    roots = [_reports_dir()]
    if current_app.static_folder:
        roots.append(Path(current_app.static_folder).resolve())
    return roots


def _fonts() -> FontConfiguration:
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def _stylesheet(fetcher: SafeURLFetcher) -> weasyprint.CSS:
    """The parsed print stylesheet, cached per file version (edits are picked up)."""
    path = _reports_dir() / REPORT_STYLESHEET
    key = (str(path), path.stat().st_mtime_ns)
    css = _stylesheets.get(key)
    if css is None:
        css = weasyprint.CSS(
            filename=str(path), font_config=_fonts(), url_fetcher=fetcher, base_url=str(path)
        )
        _stylesheets.clear()
        _stylesheets[key] = css
    return css


# --- template helpers ---------------------------------------------------------------------------


def fmt_number(value: float | None, digits: int = 1) -> str:
    """Scores for print: at most ``digits`` decimals, no trailing zeros; None is a dash."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_percent(value: float | None) -> str:
    return "—" if value is None else f"{float(value):.1f}%"


def fmt_signed(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = fmt_number(abs(value), digits)
    if text == "0":
        return "±0"
    return ("+" if value > 0 else "−") + text


def css_string(text: str) -> Markup:
    """A quoted CSS string literal that cannot end the string or the surrounding <style>."""
    out = []
    for char in str(text):
        if char in '"\\<>&' or ord(char) < 0x20:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return Markup('"' + "".join(out) + '"')  # noqa: S704 - every special character is escaped


# The radar's viewBox: 620 × (300 + legend) units, drawn 140 mm wide by report.css.
RADAR_SIZE, RADAR_WIDTH, RADAR_FONT = 300, 620, 11


def _charts(result: ResultView) -> dict[str, Markup]:
    """The radar and bar charts of the report, labelled in the current locale."""
    labels = [s.title for s in result.sections]
    percents = [s.percent for s in result.sections]
    medians = [s.peer_median_percent for s in result.sections] if result.has_peer_medians else None
    radar = charts.radar_chart(
        labels,
        percents,
        compare=medians,
        # Drawn 140 mm wide (report.css): labels at 7 pt, the rings 40 mm across, and room at
        # the sides for labels on two lines.
        size=RADAR_SIZE,
        width=RADAR_WIDTH,
        font_size=RADAR_FONT,
        title=_("Section score rates (radar)"),
        series_label=_("This enterprise"),
        compare_label=_("Peer median"),
        empty_message=_("No data"),
    )
    bars = charts.bar_chart(
        labels,
        percents,
        reference=medians,
        max_value=100,
        unit="%",
        width=640,
        title=_("Section score rates against the peer median"),
        series_label=_("This enterprise"),
        reference_label=_("Peer median"),
        empty_message=_("No data"),
        value_weight=None,  # the report has no bold: see report.css
    )
    # The chart functions escape all text, so their output is safe markup.
    return {"radar": Markup(radar), "bars": Markup(bars)}  # noqa: S704


def _report_template(name: str = REPORT_TEMPLATE) -> jinja2.Template:
    """The report template, compiled through a bytecode cache shared by the app's processes.

    Compiling report.html is a noticeable part of a fresh process's first render (a new web
    worker, each RQ job's forked work horse); Jinja's file cache (a private per-user folder in the
    temp directory, keyed by the template's source checksum) saves it. The template is
    self-contained: it needs none of Flask's context processors.
    """
    app = current_app._get_current_object()
    env = _environments.get(app)
    if env is None:
        try:
            cache: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache()
        except (OSError, RuntimeError):  # no usable private temp folder: compile as before
            cache = None
        env = _environments[app] = app.jinja_env.overlay(bytecode_cache=cache)
    return env.get_template(name)


def render_html(ctx: ReportContext) -> str:
    """The report as an HTML string in its own language; needs a Flask app context."""
    lang = "zh" if ctx.result.lang == "zh" else "en"
    with force_locale(lang):
        html = _report_template().render(
            r=ctx,
            lang=lang,
            num=fmt_number,
            pct=fmt_percent,
            signed=fmt_signed,
            css_string=css_string,
            chart=_charts(ctx.result),
        )
    return _CONTROL.sub("", _INDENT.sub("\n", html))


def render_document_pdf(template: str, lang: str, **context: object) -> bytes:
    """Another document in the report's stylesheet, fonts and safe fetcher (the award's reports):
    ``template`` is rendered in ``lang`` from a context of plain, typed values."""
    lang = "zh" if lang == "zh" else "en"
    with force_locale(lang):
        html = _report_template(template).render(lang=lang, num=fmt_number, **context)
    return _write_report_pdf(_CONTROL.sub("", _INDENT.sub("\n", html)))


# WeasyPrint allocates hundreds of thousands of short-lived objects per report (boxes, styles,
# Pango wrappers); with the default gen-0 threshold of 700 the cyclic collector runs thousands of
# times during one render and each full pass rescans the whole app. The render raises the
# threshold of this process's collector for its duration (it does not disable it).
_RENDER_GC_THRESHOLD = 50_000


@contextlib.contextmanager
def _fewer_collections():
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], _RENDER_GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


# --- the document WeasyPrint renders --------------------------------------------------------------


def _write_report_pdf(html: str) -> bytes:
    """HTML in the report's markup as PDF bytes, with the report's stylesheet and fonts."""
    fetcher = SafeURLFetcher(_asset_roots())
    base_url = path2url(str(_reports_dir())) + "/"
    with _lock, _fewer_collections():  # shared FontConfiguration and CSS: one at a time
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[_stylesheet(fetcher)], font_config=_fonts())


def render_report_pdf(ctx: ReportContext) -> bytes:
    """The report as PDF bytes (A4, CJK font embedded); needs a Flask app context."""
    return _write_report_pdf(render_html(ctx))


# A page in the report's own markup with one of each kind of box the report has: its font sizes,
# a collapsed-border table, an SVG chart with Chinese and Latin labels, spans inside a line,
# a float, absolutely positioned counters and a contents link. Rendering it once loads what a
# report's first render in a process would otherwise load: the font at each size, the C types
# WeasyPrint declares lazily, and WeasyPrint's code for each kind of box.
_WARM_UP_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>warm-up</title></head><body>
<section class="cover"><div class="cover-band"><p class="cover-kicker">首席质量官 CQO</p></div>
<div class="cover-body"><p class="cover-type">自评报告 Report</p>
<h1 class="cover-title"><span class="enterprise-name">示例企业 Sample Co.</span></h1>
<table class="cover-meta"><tbody><tr><th>统一社会信用代码</th><td class="mono">91440101MA5XXXXXXX</td></tr>
</tbody></table></div></section>
<nav class="toc chapter" id="toc"><h1>目录 Contents</h1><table class="toc-table">
<colgroup><col class="n" /><col /><col class="p" /></colgroup><tbody><tr class="top">
<td colspan="2"><a href="#overview">总览 Overview</a></td><td class="pg"><a href="#overview"></a></td>
</tr></tbody></table></nav>
<section class="chapter" id="overview"><h1>总览 Overview</h1>
<table class="scorecard"><tbody><tr><td><span class="figure-label">总得分</span>
<span class="figure">52.7<small> / 100</small></span></td><td class="level">
<span class="figure level-label">3 级 Level 3</span></td></tr></tbody></table>
<ol class="ranked"><li><span class="ranked-title">策划 Planning</span>
<span class="ranked-value">+6.7 分</span><span class="ranked-text">改进建议 Suggestion</span></li></ol>
<figure class="chart-figure bars">{chart}<figcaption>图 Figure</figcaption></figure>
<h2>分项 Sections</h2><table class="data overview"><thead><tr><th class="idx">#</th><th>类目</th>
<th class="num c-rate">得分率</th></tr></thead><tbody><tr><td class="idx">1</td><td>组织环境 Context</td>
<td class="num strong">50.0%</td></tr></tbody></table>
<p class="figs">得分<b>50 / 100</b>得分率<b>50.0%</b></p>
<div class="bar" style="background-image: linear-gradient(to right, #1f4e79 50%, #d9e0e7 50%)"></div>
<div class="level-box"><h3>3 级 Level 3</h3><p>描述 Description</p></div>
<p class="kicker">分项评价 · 1 / 8</p>
<p class="q">1　问题 Question?<span class="qa">3 级 · 15&#160;/&#160;25&#160;分</span></p>
<p class="step"><b>1　+6.7&#160;分</b>　<span class="where">策划 · Q1</span> 建议 Advice</p>
<p class="answer na">1　ISO 9001:2015 4.1 · 不适用 N/A</p></section>
</body></html>"""


def warm_up() -> None:
    """Load what every render needs (fonts, stylesheet, compiled template); needs an app context.

    For a long-lived process that forks per job (RQ's worker forks a work horse for each job)
    or per worker (gunicorn with preload_app): called once in the parent, it renders a page in
    the report's own markup and stylesheet, so that each forked process's first report renders
    about as fast as a later one instead of loading the font configuration, the CJK font at each
    size, the stylesheet, the template and WeasyPrint's code for each kind of box first.
    """
    _report_template()
    chart = charts.bar_chart(
        ["组织环境", "Leadership"], [50.0, 44.0], title="warm-up", series_label="本企业 Us"
    )
    _write_report_pdf(_WARM_UP_PAGE.replace("{chart}", chart))


def render_minimal_pdf(text: str) -> bytes:
    """A one-paragraph PDF with the same fonts: the benchmark baseline. No app context needed."""
    html = (
        "<html><body style=\"font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', "
        f"'DejaVu Sans', sans-serif\"><p>{escape(text)}</p></body></html>"
    )
    with _lock, _fewer_collections():  # the same renderer settings as the report
        return weasyprint.HTML(string=html, url_fetcher=SafeURLFetcher([])).write_pdf(
            font_config=_fonts()
        )
