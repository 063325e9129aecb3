"""The board-ready PDF report: content, structure, fonts, safety, and the SVG charts in it.

The reports are rendered from contexts built from real submissions (``report_contexts`` in
this folder's conftest), through WeasyPrint's public API only.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

from cqo_portal import charts  # noqa: E402
from cqo_portal.reports import pdf as report_pdf  # noqa: E402
from tests.reports.conftest import HOSTILE_NAME, page_texts  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"
PACKAGE = Path(report_pdf.__file__).resolve().parents[1]


def squash(text: str) -> str:
    """Text without whitespace: CJK extraction may split runs at arbitrary spaces/newlines."""
    return re.sub(r"\s+", "", text)


def render(app, ctx) -> bytes:
    with app.app_context():
        return report_pdf.render_report_pdf(ctx)


def html_of(app, ctx) -> str:
    with app.app_context():
        return report_pdf.render_html(ctx)


def replace_result(ctx, **changes):
    """``ctx`` with fields of its result view replaced (the views are frozen)."""
    return dataclasses.replace(ctx, result=dataclasses.replace(ctx.result, **changes))


@pytest.fixture(scope="module")
def zh_ctx(report_contexts):
    return report_contexts["zh"]


@pytest.fixture(scope="module")
def sparse_ctx(report_contexts):
    return report_contexts["sparse"]


@pytest.fixture(scope="module")
def band_ctx(report_contexts):
    return report_contexts["band_zh"]


@pytest.fixture(scope="module")
def zh_pdf(app, zh_ctx):
    return render(app, zh_ctx)


@pytest.fixture(scope="module")
def en_pdf(app, report_contexts):
    return render(app, report_contexts["en"])


@pytest.fixture(scope="module")
def zh_texts(zh_pdf):
    return page_texts(zh_pdf)


@pytest.fixture(scope="module")
def en_texts(en_pdf):
    return page_texts(en_pdf)


@pytest.fixture(scope="module")
def sparse_pdf(app, sparse_ctx):
    return render(app, sparse_ctx)


def toc_page(toc: str, label: str) -> int:
    match = re.search(rf"^{label}[ .]+(\d+)\s*$", toc, re.MULTILINE)
    assert match, f"TOC entry {label!r} not found in:\n{toc}"
    return int(match.group(1))


# --- WeasyPrint as published ---------------------------------------------------------------------

LIBRARIES = ("weasyprint", "pydyf", "cssselect2")


def _library(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in LIBRARIES


def test_no_module_replaces_or_imports_private_parts_of_weasyprint_pydyf_or_cssselect2():
    """The package uses these libraries through their public API only: it imports no private
    name (``_x``) from them and assigns no attribute of theirs (``weasyprint.x = ...``)."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if _library(a.name):
                        aliases.add(a.asname or a.name.split(".")[0])
                        if any(part.startswith("_") for part in a.name.split(".")):
                            problems.append(f"{path.name}: import {a.name}")
            elif isinstance(node, ast.ImportFrom) and _library(node.module):
                for a in node.names:
                    aliases.add(a.asname or a.name)
                    if a.name.startswith("_") or any(
                        part.startswith("_") for part in node.module.split(".")
                    ):
                        problems.append(f"{path.name}: from {node.module} import {a.name}")
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute | ast.Subscript):
                    root = root.value
                if target is not root and isinstance(root, ast.Name) and root.id in aliases:
                    problems.append(f"{path.name}:{node.lineno}: assigns {ast.unparse(target)}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"setattr", "delattr"}
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in aliases
            ):
                problems.append(f"{path.name}:{node.lineno}: {node.func.id} on {node.args[0].id}")
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in aliases:
                    problems.append(f"{path.name}:{node.lineno}: uses {ast.unparse(node)}")
    assert problems == []


def test_weasyprint_is_not_pinned_below_its_next_release():
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    (spec,) = re.findall(r'"WeasyPrint([^"]*)"', pyproject)
    assert "<" not in spec and "==" not in spec, spec


# --- the Chinese report a CQO hands to the board ----------------------------------------------


def test_chinese_report_is_a_multi_page_pdf(zh_pdf, zh_texts):
    assert zh_pdf.startswith(b"%PDF-")
    assert len(zh_texts) >= 8


def test_chinese_report_shows_score_enterprise_trend_peers_and_headings(zh_texts, zh_ctx):
    text = squash("".join(zh_texts))
    v = zh_ctx.result
    assert squash(v.enterprise.name) in text
    assert v.enterprise.uscc in text
    assert zh_ctx.report_number in text
    for heading in ("目录", "执行摘要", "评价结果总览", "改进计划", "附录：答卷明细"):
        assert heading in text
    assert f"{report_pdf.fmt_number(v.summary.total_points)}/" in text
    assert f"{v.summary.percent:.1f}%" in text
    assert "/verify" in text
    # the earlier submission gives a trend, the five peers a percentile
    assert v.summary.previous_submitted_at and v.summary.trend_delta_points is not None
    assert squash(v.summary.previous_submitted_at[:10]) in text
    assert v.summary.percentiles and v.has_peer_medians
    assert "同行中位数" in text


def unpaged(texts: list[str]) -> str:
    """The pages' text squashed into one, without the running header and footer a page break
    puts inside a paragraph that runs on to the next page."""
    running = r"粤华精密制造有限公司[^报]{0,30}报告编号[A-Z0-9-]+第\d+页/共\d+页"
    return re.sub(running, "", squash("".join(texts)))


def test_chinese_report_has_every_section_plan_suggestion_and_answer(zh_texts, zh_ctx):
    text = unpaged(zh_texts)
    v = zh_ctx.result
    for section in v.sections:
        assert squash(section.title) in text
    assert v.plan
    for step in v.plan:
        assert squash(step.suggestion) in text
    questions = [q for group in v.answers for q in group.questions]
    assert len(questions) >= 40
    for q in questions:
        assert squash(q.text) in text
        if q.na:
            assert squash(q.na_reason) in text


def test_footer_numbers_pages_and_header_names_enterprise(zh_texts, zh_ctx):
    pages = [squash(t) for t in zh_texts]
    total = len(pages)
    assert "第" not in pages[0].split(zh_ctx.report_number)[0][-3:]  # cover has no footer
    for number, text in enumerate(pages[1:], start=2):
        assert f"第{number}页/共{total}页" in text
        assert squash(zh_ctx.result.enterprise.name) in text


def test_each_section_starts_on_its_own_page_and_toc_page_numbers_match(zh_texts, zh_ctx):
    toc = zh_texts[1]
    assert "目录" in toc
    pages = [squash(t) for t in zh_texts]
    sections = zh_ctx.result.sections
    seen = set()
    for index, section in enumerate(sections, start=1):
        title = squash(section.title)
        page_number = toc_page(toc, rf"{index}\s*{re.escape(section.title)}")
        assert page_number not in seen  # one section per page
        seen.add(page_number)
        assert f"分项评价·{index}/{len(sections)}{title}" in pages[page_number - 1]
    assert "以下改进项先列差距最大的评分项" in pages[toc_page(toc, "改进计划") - 1]
    assert "下表逐题列出" in pages[toc_page(toc, "附录：答卷明细") - 1]
    assert "总得分" in pages[toc_page(toc, "执行摘要") - 1]


def test_cjk_font_is_embedded_once(zh_pdf, tmp_path):
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
    # subset and embedded.
    fonts = out.stdout.splitlines()[2:]
    assert len(fonts) == 1, out.stdout


def test_pdf_has_outline_bookmarks_for_sections(zh_pdf, zh_ctx):
    reader = pypdf.PdfReader(io.BytesIO(zh_pdf))

    def titles(outline):
        for entry in outline:
            if isinstance(entry, list):
                yield from titles(entry)
            else:
                yield entry.title

    found = set(titles(reader.outline))
    assert {s.title for s in zh_ctx.result.sections} <= found


# --- English -------------------------------------------------------------------------------------


def test_english_report_has_english_headings_and_footer(en_texts):
    text = " ".join(en_texts)
    for heading in (
        "Table of contents",
        "Executive summary",
        "Results at a glance",
        "Improvement plan",
        "Appendix: all answers",
        "Chief quality officer",
        "Yuehua Precision Co., Ltd.",
    ):
        assert heading in text
    total = len(en_texts)
    assert re.search(rf"page 2 of {total}", text)
    assert "执行摘要" not in text and "目录" not in text
    assert total >= 8


# --- missing optional values and hostile text ----------------------------------------------------


def test_sparse_report_explains_what_is_missing(sparse_pdf, sparse_ctx):
    text = squash("".join(page_texts(sparse_pdf)))
    v = sparse_ctx.result
    assert v.cqo is None and not v.plan and v.summary.previous_submitted_at is None
    assert "本企业尚未登记首席质量官" in text
    assert squash(v.summary.percentile_hidden_reason) in text
    assert "首次提交该问卷" in text
    assert "本次评价没有生成改进事项" in text
    assert "暂无需要优先改进的事项" in text


def test_user_text_is_escaped_not_interpreted(app, sparse_ctx, sparse_pdf):
    html = html_of(app, sparse_ctx)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/style&gt;" in html
    assert "&lt;/style&gt;&lt;b&gt;" in html
    assert html.count("</style>") == 1  # only the template's own style block
    text = squash("".join(page_texts(sparse_pdf)))
    assert squash(HOSTILE_NAME) in text
    assert "</style><b>粗体</b>" in text


def test_control_characters_in_user_text_are_dropped(app, sparse_ctx):
    """Control characters pasted into a name from elsewhere never reach the document."""
    ent = dataclasses.replace(sparse_ctx.result.enterprise, name="控制\x01字符\x0b\ufffe企业")
    ctx = replace_result(sparse_ctx, enterprise=ent)
    html = html_of(app, ctx)
    assert "控制字符企业" in html and "\x01" not in html
    assert "控制字符企业" in squash("".join(page_texts(render(app, ctx))))


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
def test_fetcher_refuses_everything_outside_the_report_assets(app, url):
    with app.app_context():
        fetcher = report_pdf.SafeURLFetcher(report_pdf._asset_roots())
        with pytest.raises(report_pdf.UnsafeURLError):
            fetcher.fetch(url)


def test_fetcher_refuses_path_traversal_and_serves_report_files(app):
    with app.app_context():
        reports_dir = report_pdf._reports_dir()
        fetcher = report_pdf.SafeURLFetcher(report_pdf._asset_roots())
        response = fetcher.fetch((reports_dir / "report.css").as_uri())
        assert b"@page" in response.read()
        assert response.content_type == "text/css"
        with pytest.raises(report_pdf.UnsafeURLError):
            fetcher.fetch(reports_dir.as_uri() + "/../../pyproject.toml")


def test_html_referencing_a_local_file_does_not_leak_it(app):
    """An <img>/<link> to file:///etc/passwd in the HTML is refused, not embedded."""
    import weasyprint

    with app.app_context():
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


@pytest.mark.parametrize("which", ["zh", "en", "band_zh", "band_en"])
def test_the_report_radar_prints_every_label_whole_and_legible(report_contexts, which):
    """The report draws the radar wide (RADAR_WIDTH units across, sized in mm by report.css)
    with labels that print at a legible size; every section title of both built-in
    questionnaires, in both languages, prints whole, on at most two lines."""
    labels = [s.title for s in report_contexts[which].result.sections]
    count = len(labels)
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


# --- each question's text printed once -----------------------------------------------------------


def test_questions_on_section_pages_are_referenced_by_number_elsewhere(app, zh_ctx):
    """A maturity questionnaire lists its questions on their section pages; the plan and the
    appendix refer to them by number instead of printing their text again."""
    v = zh_ctx.result
    assert v.all_questions_listed
    html = html_of(app, zh_ctx)
    questions = [q for g in v.answers for q in g.questions]
    expected = Counter(q.text for q in questions)
    summary = Counter(p.title for p in v.priorities)
    for text, count in expected.items():
        assert html.count(text) == count + summary[text], text
    step = v.plan[0]
    section = next(
        g.section_title for g in v.answers if any(q.id == step.question_id for q in g.questions)
    )
    assert f"{section} · 第 {step.number} 题" in html
    assert step.suggestion in html
    assert "题目全文见各分项评价页" in html


def test_plan_step_is_numbered_by_its_question_id_even_when_texts_repeat(app, zh_ctx):
    """Two questions of one section with the same wording: the step names the one it is for."""
    v = zh_ctx.result
    step = v.plan[0]
    g_index, group = next(
        (i, g)
        for i, g in enumerate(v.answers)
        if any(q.id == step.question_id for q in g.questions)
    )
    first = next(q for q in group.questions if q.id == step.question_id)
    other = next(q for q in group.questions if q.id != step.question_id)
    twin = dataclasses.replace(other, text=first.text)
    questions = tuple(twin if q.id == other.id else q for q in group.questions)
    answers = list(v.answers)
    answers[g_index] = dataclasses.replace(group, questions=questions)
    sections = tuple(
        dataclasses.replace(
            s, questions=tuple(twin if q.id == other.id else q for q in s.questions)
        )
        for s in v.sections
    )
    html = html_of(
        app, replace_result(zh_ctx, answers=tuple(answers), sections=sections, plan=(step,))
    )
    assert f"{group.section_title} · 第 {first.number} 题" in html
    assert f"{group.section_title} · 第 {other.number} 题" not in html


def test_band_questionnaire_lists_items_and_keeps_question_text_in_appendix_and_plan(app, band_ctx):
    v = band_ctx.result
    assert all(s.scoring_items and not s.questions for s in v.sections if not s.excluded)
    html = html_of(app, band_ctx)
    for q in (q for g in v.answers for q in g.questions):
        assert q.text in html
    assert v.plan[0].question in html
    assert "题目全文见各分项评价页" not in html
    for item in v.sections[0].scoring_items:
        assert item.title in html and item.level_label in html


def test_section_pages_show_each_answer_and_the_plan_is_ranked_with_gains(zh_texts, zh_ctx):
    """Section pages list every question with the level chosen and its points; the plan gives
    rank, gain and suggestion for every step, highest gain first (one paragraph per row)."""
    v = zh_ctx.result
    pages = [squash(t) for t in zh_texts]
    count = len(v.sections)
    for index, section in enumerate(v.sections, start=1):
        page = next(p for p in pages if f"分项评价·{index}/{count}{squash(section.title)}" in p)
        for q in section.questions:
            assert f"{q.number}{squash(q.text)}" in page
            if q.na:
                assert f"{squash(q.text)}不适用·—" in page
            elif q.points is not None:
                points = (
                    f"{report_pdf.fmt_number(q.points)}/{report_pdf.fmt_number(q.max_points)}分"
                )
                assert f"{squash(q.text)}{squash(q.answer)}·{points}" in page
    text = unpaged(pages)
    plan = text[text.index("以下改进项先列差距最大的评分项") : text.index("下表逐题列出")]
    steps = re.findall(r"(?<![\d.])(\d+)\+([\d.]+)分", plan)
    assert [int(rank) for rank, _ in steps] == list(range(1, len(v.plan) + 1))
    gains = [float(gain) for _, gain in steps]
    assert gains == [p.recoverable_points for p in v.plan] == sorted(gains, reverse=True)
    for step in v.plan:
        assert squash(step.suggestion) in plan
    assert f"合计可提升分值+{report_pdf.fmt_number(v.recoverable_points)}分" in plan


def test_warm_up_loads_fonts_stylesheet_and_template(app, zh_ctx):
    with app.app_context():
        report_pdf.warm_up()
        assert report_pdf._font_config is not None
        assert report_pdf._stylesheets
        assert report_pdf._report_template() is report_pdf._report_template()  # compiled once
        html = report_pdf.render_html(zh_ctx)
    assert squash(zh_ctx.result.enterprise.name) in squash(html)


def test_gunicorn_master_loads_the_renderer_before_forking_workers(app, monkeypatch):
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
    monkeypatch.setitem(sys.modules, "wsgi", types.SimpleNamespace(app=app))
    messages = []
    server = types.SimpleNamespace(log=types.SimpleNamespace(info=messages.append))

    monkeypatch.setenv("CQO_WARM_REPORTS", "0")
    conf.when_ready(server)
    assert calls == []
    monkeypatch.delenv("CQO_WARM_REPORTS")
    conf.when_ready(server)
    assert calls == ["warm"] and messages


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

