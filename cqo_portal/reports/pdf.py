"""Render the self-assessment report as HTML and PDF (WeasyPrint).

The renderer takes a *safe context* of plain values (see ``render_html``), never ORM objects, and
every string in it is already in the report's language. WeasyPrint only sees files under the
app's ``static/`` and ``templates/reports/`` folders: the URL fetcher refuses everything else
(other ``file:`` paths, http(s), data: …), so user text can never make the renderer read the
disk or the network. The font configuration and the print stylesheet are parsed once per
process and reused, which keeps repeated renders fast.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import mimetypes
import re
import threading
import weakref
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import cssselect2
import jinja2
import pydyf
import weasyprint
import weasyprint.html
from flask import Flask, current_app
from flask_babel import force_locale
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from cqo_portal import charts
from cqo_portal.reports import weasyprint_fixes, weasyprint_hotpaths

__all__ = [
    "SafeURLFetcher",
    "UnsafeURLError",
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
# Characters XML 1.0 forbids (C0 controls other than tab and line breaks, and U+FFFE/U+FFFF).
# They print as nothing or as a box anyway, so the report drops them from user text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


class _DefaultLevelZlib:
    """zlib for pydyf with the default compression level instead of level 9.

    pydyf deflates every PDF stream (pages, the embedded CJK font subset) at level 9, which took
    about 5% of a report's render; level 6 is zlib's own default, a third faster here, and the
    report grows by less than 1%. pydyf only calls ``compressobj`` and ``compress``; when a pydyf
    release stops using its module-level ``zlib``, this swap simply has no effect.
    """

    level = 6
    compress = staticmethod(zlib.compress)

    @classmethod
    def compressobj(cls, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        """Like zlib.compressobj, with ``cls.level`` in place of the level asked for."""
        del level  # pydyf asks for 9
        return zlib.compressobj(cls.level, *args, **kwargs)


if getattr(pydyf, "zlib", None) is zlib:
    pydyf.zlib = _DefaultLevelZlib  # type: ignore[attr-defined]

# SVG chart labels drawn as whole runs; contents page laid out twice, not three times (see
# weasyprint_fixes). Faster paths through WeasyPrint's hottest functions, same output (see
# weasyprint_hotpaths).
weasyprint_fixes.install()
weasyprint_hotpaths.install()


# --- template helpers ---------------------------------------------------------------------------


def _is_chinese(lang: str) -> bool:
    return str(lang).lower().replace("-", "_").startswith("zh")


def _translator(lang: str) -> Callable[[str, str], str]:
    chinese = _is_chinese(lang)

    def t(zh: str, en: str) -> str:
        return zh if chinese else en

    return t


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


def _charts(ctx: dict[str, Any], t: Callable[[str, str], str]) -> dict[str, Markup]:
    sections = ctx.get("sections") or []
    labels = [s["title"] for s in sections]
    percents = [s.get("percent") for s in sections]
    medians = [s.get("peer_median_percent") for s in sections]
    has_peers = any(m is not None for m in medians)
    radar = charts.radar_chart(
        labels,
        percents,
        compare=medians if has_peers else None,
        # Drawn 140 mm wide (report.css): labels at 7 pt, the rings 40 mm across, and room at
        # the sides for labels on two lines, instead of 4.5 pt labels in a square 66 mm chart.
        size=RADAR_SIZE,
        width=RADAR_WIDTH,
        font_size=RADAR_FONT,
        title=t("各评价类目得分率雷达图", "Section score rates (radar)"),
        series_label=t("本企业得分率", "This enterprise"),
        compare_label=t("同行中位数", "Peer median"),
        empty_message=t("暂无数据", "No data"),
    )
    bars = charts.bar_chart(
        labels,
        percents,
        reference=medians if has_peers else None,
        max_value=100,
        unit="%",
        width=640,
        title=t("各评价类目得分率与同行中位数", "Section score rates against the peer median"),
        series_label=t("本企业得分率", "This enterprise"),
        reference_label=t("同行中位数", "Peer median"),
        empty_message=t("暂无数据", "No data"),
        value_weight=None,  # the report has no bold: see report.css
    )
    # The chart functions escape all text, so their output is safe markup.
    return {"radar": Markup(radar), "bars": Markup(bars)}  # noqa: S704


def _cross_referenced(ctx: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``ctx`` in which every question's full text is printed once.

    Questions listed on their section page are marked ``listed``: the appendix then shows them by
    number and clause, and a plan step on such a question (matched by ``question_id``) gives its
    number instead of repeating the text (``number``). Questions not on a section page (band
    questionnaires list items there) keep their text in the appendix and the plan. Repeating
    each question three times made the report a third longer and its render proportionally
    slower.
    """
    listed: set[str] = set()
    for sec in ctx.get("sections") or []:
        if not sec.get("items"):
            listed.update(str(q.get("id")) for q in sec.get("questions") or [] if q.get("id"))
    numbers: dict[str, str] = {}
    answers = []
    for group in ctx.get("answers") or []:
        questions = []
        for q in group.get("questions") or []:
            is_listed = str(q.get("id")) in listed
            if is_listed and q.get("number"):
                numbers[str(q["id"])] = str(q["number"])
            questions.append({**q, "listed": is_listed})
        answers.append({**group, "questions": questions})
    plan = [{**p, "number": numbers.get(str(p.get("question_id")))} for p in ctx.get("plan") or []]
    every = all(q["listed"] for group in answers for q in group["questions"])
    return {**ctx, "answers": answers, "plan": plan, "all_questions_listed": every}


def _report_template() -> jinja2.Template:
    """The report template, compiled through a bytecode cache shared by the app's processes.

    Compiling report.html costs a fresh process (a new web worker, each RQ job's forked work
    horse) 60-90 ms of its first render; Jinja's file cache (a private per-user folder in the
    temp directory, keyed by the template's source checksum) turns that into a few ms. The
    template is self-contained: it needs none of Flask's context processors.
    """
    app = current_app._get_current_object()
    env = _environments.get(app)
    if env is None:
        try:
            cache: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache()
        except (OSError, RuntimeError):  # no usable private temp folder: compile as before
            cache = None
        env = _environments[app] = app.jinja_env.overlay(bytecode_cache=cache)
    return env.get_template(REPORT_TEMPLATE)


def render_html(ctx: dict[str, Any]) -> str:
    """The report as an HTML string, in ``ctx["lang"]``; needs a Flask app context."""
    ctx = _cross_referenced(ctx)
    lang = ctx.get("lang") or "zh"
    t = _translator(lang)
    with force_locale(lang):
        html = _report_template().render(
            r=ctx,
            lang="zh" if _is_chinese(lang) else "en",
            t=t,
            num=fmt_number,
            pct=fmt_percent,
            signed=fmt_signed,
            css_string=css_string,
            chart=_charts(ctx, t),
        )
    return _NOT_XML.sub("", _INDENT.sub("\n", html))


# WeasyPrint allocates hundreds of thousands of short-lived objects per report (boxes, styles,
# Pango wrappers); with the default gen-0 threshold of 700 the cyclic collector runs thousands of
# times during one render and each full pass rescans the whole app. Raising the threshold for
# the render (not disabling the collector) saved ~15-20% of the render time here.
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
#
# Two changes to how WeasyPrint reads the report take a fifth off a fresh process's first render
# (counted in CPU instructions); neither changes a pixel (tests compare the trees and the pages):
#
# * WeasyPrint's user-agent stylesheet has six rules on bare pseudo-elements (``::marker``,
#   ``::footnote-call``, ``::footnote-marker``, ``::note-call``, ``::note-marker``,
#   ``::note-callback``). They match every element, so WeasyPrint computes six extra styles per
#   element: 4,380 of the report's 4,970 computed styles, most of its style step. The report has no
#   footnotes or notes, and only ``<li>`` elements are list items, so its copy of the stylesheet
#   drops the note rules and scopes ``::marker`` to ``li``.
# * report.html is well-formed XHTML, so the C XML parser of the standard library reads it in a
#   few ms instead of ~70 ms in WeasyPrint's pure-Python HTML5 parser, and gives the same tree.
#   Anything that does not parse as XML falls back to WeasyPrint's own parser.

_UNUSED_UA_RULE = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback)\s*\{[^}]*\}\s*$",
    re.MULTILINE,
)
_UA_MARKER_RULE = re.compile(r"^::marker(\s*\{)", re.MULTILINE)


def _report_ua_stylesheet() -> weasyprint.CSS | None:
    """WeasyPrint's user-agent stylesheet without the rules that style every element's
    pseudo-elements; None (WeasyPrint's own sheet is used) if its source is not where it was."""
    source = getattr(weasyprint.html, "UA", None)
    counter_style = getattr(weasyprint.html, "UA_COUNTER_STYLE", None)
    if not isinstance(source, str) or counter_style is None:
        return None
    slim = _UA_MARKER_RULE.sub(r"li::marker\1", _UNUSED_UA_RULE.sub("", source))
    # Documents take their counter styles from a copy of WeasyPrint's own registry, which its
    # import filled from this very source. Parsing into that registry again would redefine
    # every style and log "Invalid counter style name" for ``disc`` and ``decimal`` in every
    # process, so the slim sheet's @counter-style rules go into a throwaway registry.
    return weasyprint.CSS(string=slim, counter_style=type(counter_style)())


# Parsed at import, as WeasyPrint parses its own user-agent stylesheet when it is imported.
_REPORT_UA = _report_ua_stylesheet()


class ReportHTML(weasyprint.HTML):
    """The report for WeasyPrint: parsed as XML when it is well-formed, with the slim UA sheet."""

    parsed_as_xml = False

    @classmethod
    def from_string(cls, html: str, base_url: str, url_fetcher: URLFetcher) -> ReportHTML:
        try:
            # The report template's own output: every user string in it is escaped by Jinja, so
            # it can hold no DTD or entity declaration. Expat resolves no external entity.
            root = ElementTree.fromstring(html)  # noqa: S314
        except ElementTree.ParseError:
            return cls(string=html, base_url=base_url, url_fetcher=url_fetcher)
        # WeasyPrint's constructor sets the base URL, fetcher and media type from an empty
        # document; the parsed tree then replaces that document's tree.
        document = cls(string="<html></html>", base_url=base_url, url_fetcher=url_fetcher)
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            root, content_language=None
        )
        document.etree_element = document.wrapper_element.etree_element
        document.parsed_as_xml = True
        return document

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        if _REPORT_UA is None or forms:
            return super()._ua_stylesheets(forms)
        return [_REPORT_UA]


def report_document(html: str) -> ReportHTML:
    """The report's HTML as WeasyPrint's document, fetching assets from the report folders only."""
    fetcher = SafeURLFetcher(_asset_roots())
    base_url = path2url(str(_reports_dir())) + "/"
    return ReportHTML.from_string(html, base_url, fetcher)


def _write_report_pdf(html: str) -> bytes:
    """HTML in the report's markup as PDF bytes, with the report's stylesheet and fonts."""
    with _lock, _fewer_collections():  # shared FontConfiguration and CSS: one at a time
        document = report_document(html)
        stylesheet = _stylesheet(document.url_fetcher)
        return document.write_pdf(stylesheets=[stylesheet], font_config=_fonts())


def render_report_pdf(ctx: dict[str, Any]) -> bytes:
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
