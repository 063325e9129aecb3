"""The board-ready PDF report: content, structure, fonts, safety, and the SVG charts in it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

from cqo_portal import charts  # noqa: E402
from cqo_portal.reports import pdf as report_pdf  # noqa: E402
from tests.reports.conftest import SECTIONS, page_images, page_texts  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"


def squash(text: str) -> str:
    """Text without whitespace: CJK extraction may split runs at arbitrary spaces/newlines."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def zh_ctx(zh_report_ctx):
    return zh_report_ctx


@pytest.fixture(scope="module")
def zh_pdf(pdf_app, zh_ctx):
    with pdf_app.app_context():
        return report_pdf.render_report_pdf(zh_ctx)


@pytest.fixture(scope="module")
def en_pdf(pdf_app, en_report_ctx):
    with pdf_app.app_context():
        return report_pdf.render_report_pdf(en_report_ctx)


@pytest.fixture(scope="module")
def zh_texts(zh_pdf):
    return page_texts(zh_pdf)


@pytest.fixture(scope="module")
def en_texts(en_pdf):
    return page_texts(en_pdf)


@pytest.fixture(scope="module")
def sparse_ctx(sparse_report_ctx):
    return sparse_report_ctx


@pytest.fixture(scope="module")
def sparse_pdf(pdf_app, sparse_ctx):
    with pdf_app.app_context():
        return report_pdf.render_report_pdf(sparse_ctx)


# --- the Chinese report a CQO hands to the board ----------------------------------------------


def test_chinese_report_is_a_multi_page_pdf(zh_pdf, zh_texts):
    assert zh_pdf.startswith(b"%PDF-")
    assert len(zh_texts) >= 8


def test_chinese_report_shows_score_enterprise_and_headings(zh_texts, zh_ctx):
    text = squash("".join(zh_texts))
    summary = zh_ctx["summary"]
    assert squash(zh_ctx["enterprise"]["name"]) in text
    assert zh_ctx["enterprise"]["uscc"] in text
    assert zh_ctx["report_number"] in text
    for heading in ("目录", "执行摘要", "评价结果总览", "改进计划", "附录：答卷明细"):
        assert heading in text
    assert f"{summary['total_points']:g}/{summary['max_points']:g}" in text
    assert f"{summary['percent']:.1f}%" in text
    assert "/verify" in text


def test_chinese_report_has_every_section_item_plan_suggestion_and_answer(zh_texts, zh_ctx):
    text = squash("".join(zh_texts))
    for section in zh_ctx["sections"]:
        assert squash(section["title"]) in text
        for item in section["items"]:
            assert squash(item["title"]) in text
    for step in zh_ctx["plan"]:
        assert squash(step["suggestion"]) in text
    questions = [q for group in zh_ctx["answers"] for q in group["questions"]]
    assert len(questions) == 60
    for q in questions:
        assert squash(q["text"]) in text
        if q["na"]:
            assert squash(q["na_reason"]) in text


def test_footer_numbers_pages_and_header_names_enterprise(zh_texts, zh_ctx):
    pages = [squash(t) for t in zh_texts]
    total = len(pages)
    assert "第" not in pages[0].split(zh_ctx["report_number"])[0][-3:]  # cover has no footer
    for number, text in enumerate(pages[1:], start=2):
        assert f"第{number}页/共{total}页" in text
        assert squash(zh_ctx["enterprise"]["name"]) in text


def test_each_section_starts_on_its_own_page_and_toc_page_numbers_match(zh_texts, zh_ctx):
    texts = zh_texts
    toc = texts[1]
    assert "目录" in toc
    pages = [squash(t) for t in texts]

    def toc_page(label: str) -> int:
        match = re.search(rf"^{label}[ .]+(\d+)\s*$", toc, re.MULTILINE)
        assert match, f"TOC entry {label!r} not found in:\n{toc}"
        return int(match.group(1))

    seen = set()
    for index, section in enumerate(zh_ctx["sections"], start=1):
        title = squash(section["title"])
        page_number = toc_page(rf"{index}\s*{re.escape(section['title'])}")
        assert page_number not in seen  # one section per page
        seen.add(page_number)
        assert f"分项评价·{index}/{len(zh_ctx['sections'])}{title}" in pages[page_number - 1]
    assert "以下改进事项按可提升分值" in pages[toc_page("改进计划") - 1]
    assert "下表逐题列出" in pages[toc_page("附录：答卷明细") - 1]
    assert "总得分" in pages[toc_page("执行摘要") - 1]


def test_cjk_font_is_embedded(zh_pdf, tmp_path):
    if shutil.which("pdffonts") is None:
        pytest.skip("LOUD: pdffonts (poppler-utils) is not installed; cannot check font embedding")
    path = tmp_path / "report.pdf"
    path.write_bytes(zh_pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    cjk = [
        line
        for line in out.stdout.splitlines()
        if re.search(r"WenQuanYi|Noto-?Sans-?CJK|NotoSansCJK", line, re.IGNORECASE)
    ]
    assert cjk, out.stdout
    assert all(line.split()[-5] == "yes" for line in cjk), out.stdout  # the "emb" column
    # One face only: the report uses no bold, so no emboldened second copy of the CJK font is
    # subset and embedded (it cost a twentieth of the render and a fifth of the file).
    fonts = out.stdout.splitlines()[2:]
    assert len(fonts) == 1, out.stdout


def test_pdf_streams_are_deflated_at_zlibs_default_level():
    """pydyf's level-9 deflate is swapped for zlib's default level (a third faster here)."""
    import pydyf

    assert pydyf.zlib is report_pdf._DefaultLevelZlib
    stream = pydyf.Stream([b"BT /F1 12 Tf (hello) Tj ET"] * 50, compress=True)
    data = stream.data
    raw = data[data.index(b"stream\n") + 7 : data.rindex(b"\nendstream")]
    assert zlib.decompress(raw) == b"\n".join([b"BT /F1 12 Tf (hello) Tj ET"] * 50)
    assert raw[:2] == zlib.compress(b"x", 6)[:2]  # the zlib header records the level class


def test_pdf_has_outline_bookmarks_for_sections(zh_pdf, zh_ctx):
    reader = pypdf.PdfReader(io.BytesIO(zh_pdf))

    def titles(outline):
        for entry in outline:
            if isinstance(entry, list):
                yield from titles(entry)
            else:
                yield entry.title

    found = set(titles(reader.outline))
    assert {s["title"] for s in zh_ctx["sections"]} <= found


# --- English -------------------------------------------------------------------------------------


def test_english_report_has_english_headings(en_texts):
    text = " ".join(en_texts)
    for heading in (
        "Contents",
        "Executive summary",
        "Results at a glance",
        "Improvement plan",
        "Appendix: all answers",
        "Chief quality officer",
        "Guangzhou Yuehua",
    ):
        assert heading in text
    assert re.search(r"Page 2 of \d+", text)
    assert "执行摘要" not in text
    assert len(en_texts) >= 8


# --- missing optional values and hostile text ----------------------------------------------------


def test_sparse_report_explains_what_is_missing(sparse_pdf, sparse_ctx):
    text = squash("".join(page_texts(sparse_pdf)))
    assert "本企业尚未登记首席质量官" in text
    assert squash(sparse_ctx["summary"]["percentile_hidden_reason"]) in text
    assert "首次提交该问卷" in text
    assert "本次评价没有生成改进事项" in text
    assert "暂无需要优先改进的事项" in text


def test_user_text_is_escaped_not_interpreted(pdf_app, sparse_ctx, sparse_pdf):
    with pdf_app.app_context():
        html = report_pdf.render_html(sparse_ctx)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/style&gt;" in html
    assert "&lt;/style&gt;&lt;b&gt;" in html
    assert html.count("</style>") == 1  # only the template's own style block
    text = squash("".join(page_texts(sparse_pdf)))
    assert "测试<script>alert(1)</script></style>企业" in text
    assert "</style><b>粗体</b>" in text


def test_css_string_cannot_break_out_of_the_style_block():
    literal = report_pdf.css_string('a"b\\c</style><script>')
    assert literal.startswith('"') and literal.endswith('"')
    assert "</style>" not in literal and "<" not in literal
    assert '"' not in literal[1:-1]


# --- the safe URL fetcher ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "file://evil.example.com/share/x.css",
    ],
)
def test_fetcher_refuses_everything_outside_the_report_assets(pdf_app, url):
    with pdf_app.app_context():
        fetcher = report_pdf.SafeURLFetcher(report_pdf._asset_roots())
        with pytest.raises(report_pdf.UnsafeURLError):
            fetcher.fetch(url)


def test_fetcher_refuses_path_traversal_and_serves_report_files(pdf_app):
    with pdf_app.app_context():
        reports_dir = report_pdf._reports_dir()
        fetcher = report_pdf.SafeURLFetcher(report_pdf._asset_roots())
        response = fetcher.fetch((reports_dir / "report.css").as_uri())
        assert b"@page" in response.read()
        assert response.content_type == "text/css"
        with pytest.raises(report_pdf.UnsafeURLError):
            fetcher.fetch(reports_dir.as_uri() + "/../../pyproject.toml")


def test_html_referencing_a_local_file_does_not_leak_it(pdf_app):
    """An <img>/<link> to file:///etc/passwd in the HTML is refused, not embedded."""
    import weasyprint

    with pdf_app.app_context():
        fetcher = report_pdf.SafeURLFetcher(report_pdf._asset_roots())
        html = (
            '<link rel="stylesheet" href="file:///etc/passwd">'
            '<p>ok</p><img src="file:///etc/passwd"><iframe src="http://example.com"></iframe>'
        )
        data = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert b"root:" not in data


def test_minimal_pdf_and_digest():
    data = report_pdf.render_minimal_pdf("质量是企业的生命。")
    assert data.startswith(b"%PDF-")
    assert "质量是企业的生命" in squash("".join(page_texts(data)))
    assert report_pdf.sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# --- charts ----------------------------------------------------------------------------------------

HOSTILE = ['<script>alert("x")</script>', "质量 & 文化", "领导作用"]


def parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.find(f"{SVG_NS}title") is not None
    assert "<script" not in svg and "style=" not in svg
    return root


def numbers(root: ET.Element, tag: str, *attrs: str) -> list[float]:
    return [float(el.get(a)) for el in root.iter(f"{SVG_NS}{tag}") for a in attrs if el.get(a)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.radar_chart(
            HOSTILE,
            [50, 120, -5],
            compare=[40, None, 70],
            title="雷达 <b>",
            series_label="本企业",
            compare_label="中位数",
        ),
        lambda: charts.bar_chart(
            HOSTILE,
            [50, 120, None],
            reference=[40, None, 150],
            title="Bars & <i>",
            series_label="A",
            reference_label="B",
        ),
        lambda: charts.histogram([(HOSTILE[0], 3), ("60–70", 0), ("70–80", 12)], title="Hist"),
        lambda: charts.line_chart(
            ["2024", "2025", "2026"], {HOSTILE[0]: [50, None, 70], "B": [10, 20, 30]}, title="Lines"
        ),
    ],
    ids=["radar", "bar", "histogram", "line"],
)
def test_charts_are_valid_escaped_deterministic_svg(make):
    svg = make()
    assert svg == make()
    root = parse_svg(svg)
    texts = "".join("".join(el.itertext()) for el in root.iter(f"{SVG_NS}text"))
    assert '<script>alert("x")</script>' in texts or "<script>" in texts  # shown as text
    view = [float(v) for v in root.get("viewBox").split()]
    width, height = view[2], view[3]
    for x in (
        numbers(root, "rect", "x")
        + numbers(root, "line", "x1", "x2")
        + numbers(root, "circle", "cx")
    ):
        assert -0.01 <= x <= width + 0.01
    for y in (
        numbers(root, "rect", "y")
        + numbers(root, "line", "y1", "y2")
        + numbers(root, "circle", "cy")
    ):
        assert -0.01 <= y <= height + 0.01


def test_bar_chart_maps_values_to_bar_lengths_and_clamps():
    svg = charts.bar_chart(["a", "b", "c"], [0, 50, 250], max_value=100, width=600)
    root = parse_svg(svg)
    bars = [r for r in root.iter(f"{SVG_NS}rect") if r.get("fill") == charts.PALETTE[0]]
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] == 0
    assert widths[2] == pytest.approx(2 * widths[1], rel=0.01)  # 250 is clamped to 100
    assert "100.0%" in svg and "250" not in "".join(root.itertext())


def test_radar_points_stay_inside_the_outer_ring():
    svg = charts.radar_chart(["a", "b", "c", "d"], [100, 0, 250, -40], size=400)
    root = parse_svg(svg)
    polygons = list(root.iter(f"{SVG_NS}polygon"))
    outer_ring, data = polygons[4], polygons[-1]

    def radius(points: str) -> list[float]:
        pairs = [tuple(map(float, p.split(","))) for p in points.split()]
        return [((x - 200) ** 2 + (y - 200) ** 2) ** 0.5 for x, y in pairs]

    limit = max(radius(outer_ring.get("points")))
    assert max(radius(data.get("points"))) == pytest.approx(limit)
    assert min(radius(data.get("points"))) == pytest.approx(0)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("count", [8, 12])
def test_the_report_radar_prints_every_label_whole_and_legible(lang, count):
    """The report draws the radar wide (620 units across, 140 mm in report.css) with 11-unit
    labels: 7 pt on paper, where the square web chart shrunk to 66 mm gave 4.5 pt labels cut
    with an ellipsis. Every label of the test questionnaire's twelve sections fits on at most two
    lines."""
    labels = [zh if lang == "zh" else en for zh, en, _items in SECTIONS][:count]
    svg = charts.radar_chart(
        labels,
        [60] * count,
        compare=[50] * count,
        size=report_pdf.RADAR_SIZE,
        width=report_pdf.RADAR_WIDTH,
        font_size=report_pdf.RADAR_FONT,
        series_label="Us",
        compare_label="Peers",
    )
    root = parse_svg(svg)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert width == report_pdf.RADAR_WIDTH
    css = (Path(report_pdf.__file__).parents[2] / "templates/reports/report.css").read_text()
    drawn = re.search(r"\.chart-figure\.radar svg \{ width: ([\d.]+)mm; height: ([\d.]+)mm", css)
    assert drawn, "report.css sizes the radar"
    mm_per_unit = float(drawn[1]) / width
    assert float(drawn[2]) == pytest.approx(height * mm_per_unit, abs=0.1)  # aspect kept
    assert report_pdf.RADAR_FONT * mm_per_unit / 0.3528 >= 6.5  # points on paper
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    assert "…" not in "".join(texts)
    for label in labels:  # whole, on one or two lines (tspans join without the break's space)
        assert any("".join(t.split()) == "".join(label.split()) for t in texts), (label, texts)


def test_charts_handle_empty_input():
    for svg in (
        charts.radar_chart([], [], empty_message="暂无数据"),
        charts.bar_chart([], [], empty_message="暂无数据"),
        charts.histogram([], empty_message="暂无数据"),
        charts.line_chart([], {}, empty_message="暂无数据"),
    ):
        assert "暂无数据" in "".join(parse_svg(svg).itertext())


# --- each question's text printed once (issue #6: render time grows with the boxes laid out) ------


def _questions_ctx(ctx: dict) -> dict:
    """``ctx`` turned into a maturity questionnaire: each section page lists its questions."""
    import copy

    ctx = copy.deepcopy(ctx)
    by_title = {g["section_title"]: g["questions"] for g in ctx["answers"]}
    for sec in ctx["sections"]:
        sec["items"] = []
        sec["questions"] = by_title.get(sec["title"], [])
    return ctx


def test_questions_on_section_pages_are_referenced_by_number_elsewhere(pdf_app, zh_ctx):
    ctx = _questions_ctx(zh_ctx)
    questions = [q for g in ctx["answers"] for q in g["questions"]]
    ctx["plan"] = [
        {
            **ctx["plan"][0],
            "question_id": ctx["answers"][1]["questions"][0]["id"],
            "section_title": ctx["answers"][1]["section_title"],
            "question": ctx["answers"][1]["questions"][0]["text"],
        }
    ]
    with pdf_app.app_context():
        html = report_pdf.render_html(ctx)
    # once on its section page (the fixture repeats some texts; the summary names its top three)
    expected = Counter(q["text"] for q in questions)
    summary = Counter(p["title"] for p in ctx["priorities"])
    for text, count in expected.items():
        count += summary[text]
        assert html.count(text) == count, text
    number = ctx["answers"][1]["questions"][0]["number"]
    assert f"{ctx['answers'][1]['section_title']} · 第 {number} 题" in html  # the plan step
    assert ctx["plan"][0]["suggestion"] in html
    assert "题目全文见各分项评价页" in html
    assert "listed" not in questions[0] and "number" not in ctx["plan"][0]  # ctx left untouched


def test_plan_step_is_numbered_by_its_question_id_even_when_texts_repeat(pdf_app, zh_ctx):
    """Two questions of one section with the same wording: the step names the one it is for."""
    ctx = _questions_ctx(zh_ctx)
    group = ctx["answers"][2]
    first, second = group["questions"][0], group["questions"][1]
    second["text"] = first["text"]
    ctx["plan"] = [
        {
            **ctx["plan"][0],
            "question_id": first["id"],
            "section_title": group["section_title"],
            "question": first["text"],
        }
    ]
    with pdf_app.app_context():
        html = report_pdf.render_html(ctx)
    assert f"{group['section_title']} · 第 {first['number']} 题" in html
    assert f"{group['section_title']} · 第 {second['number']} 题" not in html


def test_band_questionnaire_keeps_question_text_in_appendix_and_plan(pdf_app, zh_ctx):
    with pdf_app.app_context():
        html = report_pdf.render_html(zh_ctx)  # sections list items, not questions
    for q in (q for g in zh_ctx["answers"] for q in g["questions"]):
        assert q["text"] in html
    assert zh_ctx["plan"][0]["question"] in html
    assert "题目全文见各分项评价页" not in html


def test_section_pages_show_each_answer_and_the_plan_is_ranked_with_gains(pdf_app, zh_ctx):
    """Section pages list every question with the level chosen and its points; the plan gives
    rank, gain and suggestion for every step, highest gain first (one paragraph per row)."""
    ctx = _questions_ctx(zh_ctx)
    with pdf_app.app_context():
        data = report_pdf.render_report_pdf(ctx)
    pages = [squash(t) for t in page_texts(data)]
    count = len(ctx["sections"])
    for index, section in enumerate(ctx["sections"], start=1):
        page = next(p for p in pages if f"分项评价·{index}/{count}{squash(section['title'])}" in p)
        for q in section["questions"]:
            assert f"{q['number']}{squash(q['text'])}" in page
            if q["na"]:
                assert f"{squash(q['text'])}不适用·—" in page
            else:
                points = f"{q['points']:g}/{q['max_points']:g}分"
                assert f"{squash(q['text'])}{squash(q['answer'])}·{points}" in page
    text = "".join(pages)
    plan = text[text.index("以下改进事项按可提升分值") : text.index("下表逐题列出")]
    steps = re.findall(r"(?<![\d.])(\d+)\+([\d.]+)分", plan)
    assert [int(rank) for rank, _ in steps] == list(range(1, len(ctx["plan"]) + 1))
    gains = [float(gain) for _, gain in steps]
    assert gains == [p["recoverable_points"] for p in ctx["plan"]] == sorted(gains, reverse=True)
    for step in ctx["plan"]:
        assert squash(step["suggestion"]) in plan
    total = sum(p["recoverable_points"] for p in ctx["plan"])
    assert f"合计可提升分值+{total:g}分" in plan


def test_warm_up_loads_fonts_stylesheet_and_template(pdf_app, zh_ctx):
    with pdf_app.app_context():
        report_pdf.warm_up()
        assert report_pdf._font_config is not None
        assert report_pdf._stylesheets
        assert report_pdf._report_template() is report_pdf._report_template()  # compiled once
        html = report_pdf.render_html(zh_ctx)
    assert squash(zh_ctx["enterprise"]["name"]) in squash(html)


WARMED_FORK = """
import os, sys, cffi.api
sys.path.insert(0, sys.argv[1])
import flask, flask_babel
from pathlib import Path
from tests.reports.conftest import build_report_ctx
from cqo_portal.reports import pdf
root = Path(sys.argv[1])
app = flask.Flask("cqo_portal", template_folder=str(root / "templates"),
                  static_folder=str(root / "static"))
flask_babel.Babel(app)
with app.app_context():
    pdf.warm_up()
parsed = []
original = cffi.api.FFI._typeof_locked
cffi.api.FFI._typeof_locked = lambda ffi, cdecl: parsed.append(cdecl) or original(ffi, cdecl)
pid = os.fork()
if pid == 0:  # a work horse, forked from the warmed parent as RQ forks one per job
    with app.app_context():
        data = pdf.render_report_pdf(build_report_ctx(sys.argv[2]))
    print(len(data), [c for c in parsed if not c.startswith("hb_codepoint_t[")])
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warm_up_leaves_a_forked_render_nothing_to_load(lang):
    """After warm_up() in the parent (RQ worker, gunicorn master), a forked process renders a
    report without first declaring any of WeasyPrint's C types (each costs it 2-10 ms); only
    the font subset's glyph arrays, whose sizes differ per report, are new."""
    import sys

    out = subprocess.run(
        [sys.executable, "-c", WARMED_FORK, str(Path(__file__).resolve().parents[2]), lang],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    size, parsed = out.stdout.split(" ", 1)
    assert int(size) > 50_000
    assert parsed.strip() == "[]", out.stdout


def test_gunicorn_master_loads_the_renderer_before_forking_workers(pdf_app, monkeypatch):
    """gunicorn.conf.py's when_ready hook warms the renderer once in the master (preload_app),
    so every forked worker's first report renders warm; CQO_WARM_REPORTS=0 skips it."""
    import importlib.util
    import sys
    import types
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    calls = []
    monkeypatch.setattr(report_pdf, "warm_up", lambda: calls.append("warm"))
    monkeypatch.setitem(sys.modules, "wsgi", types.SimpleNamespace(app=pdf_app))
    messages = []
    server = types.SimpleNamespace(log=types.SimpleNamespace(info=messages.append))

    monkeypatch.setenv("CQO_WARM_REPORTS", "0")
    conf.when_ready(server)
    assert calls == []
    monkeypatch.delenv("CQO_WARM_REPORTS")
    conf.when_ready(server)
    assert calls == ["warm"] and messages


# --- how WeasyPrint reads the report (issue #6: a quarter of the render) -------------------------


def _tree(element) -> tuple:
    """An element tree as nested tuples, runs of whitespace collapsed. The HTML5 parser lists the
    xmlns declaration of inline SVG as an attribute; XML keeps it in the tag's namespace."""

    def text(value: str | None) -> str:
        return re.sub(r"\s+", " ", value or "")

    attributes = tuple(sorted((k, v) for k, v in element.attrib.items() if "xmlns" not in k))
    children = tuple((_tree(child), text(child.tail)) for child in element)
    return element.tag, attributes, text(element.text), children


@pytest.mark.parametrize("which", ["zh", "en", "sparse", "questions"])
def test_report_html_is_xhtml_that_xml_and_html5_parsers_read_alike(
    pdf_app, which, zh_ctx, en_report_ctx, sparse_ctx
):
    """report.html is well-formed XHTML, so the C XML parser reads it (~70 ms less than the
    HTML5 parser) and gets the very tree WeasyPrint's own HTML5 parser builds."""
    import tinyhtml5

    ctx = {
        "zh": zh_ctx,
        "en": en_report_ctx,
        "sparse": sparse_ctx,  # no CQO, no peers, hostile text
        "questions": _questions_ctx(zh_ctx),
    }[which]
    with pdf_app.app_context():
        html = report_pdf.render_html(ctx)
        document = report_pdf.report_document(html)
    assert document.parsed_as_xml
    html5 = tinyhtml5.parse(html, namespace_html_elements=False)
    body = html5.find("body")
    body.tail = None  # the whitespace after </body> is kept by XML, dropped by HTML5
    xml_root = ET.fromstring(html)
    xml_root.find("body").tail = None
    html5.text = xml_root.text = None  # likewise the line break between <html> and <head>
    assert _tree(xml_root) == _tree(html5)
    assert len(list(xml_root.iter())) > 200  # the whole report, not a stub


def test_characters_xml_forbids_are_dropped_and_other_html_falls_back(pdf_app, sparse_ctx):
    """Control characters in user text (pasted from elsewhere) cannot break the XML reading;
    HTML that is not XML at all is read by WeasyPrint's HTML5 parser and still renders."""
    import copy

    ctx = copy.deepcopy(sparse_ctx)
    ctx["enterprise"]["name"] = "控制\x01字符\x0b\ufffe企业"
    with pdf_app.app_context():
        html = report_pdf.render_html(ctx)
        assert "控制字符企业" in html and "\x01" not in html
        assert report_pdf.report_document(html).parsed_as_xml
        not_xml = html.replace("<body>", "<body><p>unclosed<br>line</p>", 1)
        document = report_pdf.report_document(not_xml)
        assert not document.parsed_as_xml
        data = document.write_pdf(
            stylesheets=[report_pdf._stylesheet(document.url_fetcher)],
            font_config=report_pdf._fonts(),
        )
    text = squash("".join(page_texts(data)))
    assert "控制字符企业" in text and "unclosedline" in text


def test_loading_the_renderer_logs_no_warning():
    """Importing the renderer (every worker does) builds the slim user-agent sheet without
    redefining WeasyPrint's counter styles, which logged two "Invalid counter style name"
    warnings per process, and leaves WeasyPrint's own registry as it was."""
    import sys

    code = (
        "import logging, sys; logging.basicConfig(stream=sys.stdout, format='%(message)s');"
        "import weasyprint.html as h; before = dict(h.UA_COUNTER_STYLE);"
        "import cqo_portal.reports.pdf;"
        "print('unchanged' if dict(h.UA_COUNTER_STYLE) == before else 'changed')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["unchanged"], out.stdout + out.stderr


def test_slim_user_agent_styles_render_the_very_same_pages(pdf_app, zh_ctx, zh_pdf, tmp_path):
    """The report's copy of WeasyPrint's user-agent stylesheet drops the rules that gave every
    element six unused pseudo-element styles (footnote and note calls, markers outside <li>);
    the pages come out pixel for pixel as with WeasyPrint's own HTML5 parser and stylesheet."""
    import weasyprint

    assert report_pdf._REPORT_UA is not None  # the slim sheet was built from this WeasyPrint
    with pdf_app.app_context():
        html = report_pdf.render_html(zh_ctx)
        document = report_pdf.report_document(html)
        assert document._ua_stylesheets() == [report_pdf._REPORT_UA]
        plain = weasyprint.HTML(
            string=html, base_url=document.base_url, url_fetcher=document.url_fetcher
        ).write_pdf(
            stylesheets=[report_pdf._stylesheet(document.url_fetcher)],
            font_config=report_pdf._fonts(),
        )
    assert page_texts(plain) == page_texts(zh_pdf)
    images = {
        name: page_images(data, tmp_path, name, dpi=30)
        for name, data in (("plain", plain), ("report", zh_pdf))
    }
    assert len(images["report"]) == len(page_texts(zh_pdf)) > 8
    assert images["plain"] == images["report"]
