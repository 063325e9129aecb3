"""The two WeasyPrint fixes the report renders with: same pages, less work (weasyprint_fixes)."""

from __future__ import annotations

from collections import Counter

import pytest

pypdf = pytest.importorskip("pypdf")
weasyprint = pytest.importorskip("weasyprint")

import weasyprint.layout.page as layout_page  # noqa: E402
import weasyprint.text.line_break as line_break  # noqa: E402

from cqo_portal import charts  # noqa: E402
from cqo_portal.reports import pdf as report_pdf  # noqa: E402
from cqo_portal.reports import weasyprint_fixes  # noqa: E402
from tests.reports.conftest import (  # noqa: E402
    FONT,
    page_images,
    page_texts,
    replaced_by_weasyprints_own,
)
from tests.reports.conftest import render_with_report_fonts as render  # noqa: E402


def weasyprints_own_code():
    return replaced_by_weasyprints_own(weasyprint_fixes)


@pytest.fixture
def counted_layouts(monkeypatch):
    """Count Pango line layouts, in WeasyPrint's SVG text code and in the fixed one."""
    calls = Counter()
    original = line_break.split_first_line

    def counting(*args, **kwargs):
        calls["layouts"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(line_break, "split_first_line", counting)  # WeasyPrint imports it per call
    monkeypatch.setattr(weasyprint_fixes, "split_first_line", counting)
    return calls


def chinese_charts() -> str:
    labels = ["组织环境", "领导作用", "策划", "支持", "运行", "绩效评价", "改进", "首席质量官履职"]
    values = [50, 44, 60, 50, 54.3, 50, 60, 57.5]
    peers = [48, 50, 55, 52, 50, 47, 58, 51]
    radar = charts.radar_chart(
        labels, values, compare=peers, title="雷达图", series_label="本企业", compare_label="同行"
    )
    bars = charts.bar_chart(
        labels,
        values,
        reference=peers,
        title="条形图",
        series_label="本企业",
        reference_label="同行",
    )
    return f'<html><body style="{FONT}">{radar}{bars}</body></html>'


def test_the_fixes_fit_this_weasyprint():
    assert weasyprint_fixes.install()
    assert weasyprint_fixes.installed()


def test_chart_labels_are_laid_out_once_each_and_the_pages_are_the_same(counted_layouts, tmp_path):
    html = chinese_charts()
    fixed = render(html)
    fixed_layouts = counted_layouts["layouts"]
    counted_layouts.clear()
    with weasyprints_own_code():
        own = render(html)
    own_layouts = counted_layouts["layouts"]

    # WeasyPrint lays out each label, then each of its characters again.
    assert own_layouts > 3 * fixed_layouts > 0
    assert page_texts(fixed) == page_texts(own)
    assert "首席质量官履职" in page_texts(fixed)[0]
    # Chinese has no kerning: the same glyphs land on the same pixels.
    assert page_images(fixed, tmp_path, "fixed") == page_images(own, tmp_path, "own")


def test_latin_labels_keep_their_text_and_anchoring(tmp_path):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">'
        '<text x="150" y="20" font-size="12" text-anchor="middle">Performance evaluation</text>'
        '<text x="290" y="50" font-size="12" text-anchor="end">Leadership 44.0%</text>'
        '<text x="10" y="80" font-size="12">Context of the<tspan x="10" dy="1.25em">'
        "organization</tspan></text></svg>"
    )
    html = f'<html><body style="{FONT}">{svg}</body></html>'
    fixed = render(html)
    with weasyprints_own_code():
        own = render(html)
    assert page_texts(fixed) == page_texts(own)
    for text in ("Performance evaluation", "Leadership 44.0%", "organization"):
        assert text in page_texts(fixed)[0]
    # Kerning may move a glyph by a fraction of a pixel; nothing moves further.
    fixed_image, own_image = (
        page_images(fixed, tmp_path, "f", 40),
        page_images(own, tmp_path, "o", 40),
    )
    assert len(fixed_image[0]) == len(own_image[0])
    differing = sum(a != b for a, b in zip(fixed_image[0], own_image[0], strict=True))
    assert differing < len(fixed_image[0]) // 500


def test_characters_placed_one_by_one_keep_weasyprints_own_path(counted_layouts, tmp_path):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        '<text x="10 30 50" y="20" font-size="12">abc</text>'
        '<text x="10" y="50" rotate="15" font-size="12">tilted</text>'
        '<text x="10" y="80" letter-spacing="3" font-size="12">spaced</text></svg>'
    )
    html = f'<html><body style="{FONT}">{svg}</body></html>'
    fixed = render(html)
    fixed_layouts = counted_layouts["layouts"]
    counted_layouts.clear()
    with weasyprints_own_code():
        own = render(html)
    assert fixed_layouts == counted_layouts["layouts"]
    assert page_images(fixed, tmp_path, "fixed") == page_images(own, tmp_path, "own")


@pytest.fixture
def layouts_per_page(monkeypatch):
    made = Counter()
    original = layout_page.remake_page

    def counting(index, *args, **kwargs):
        made[index] += 1
        return original(index, *args, **kwargs)

    monkeypatch.setattr(layout_page, "remake_page", counting)
    return made


def test_contents_page_is_laid_out_twice_with_the_same_numbers(
    pdf_app, zh_report_ctx, layouts_per_page
):
    with pdf_app.app_context():
        fixed = report_pdf.render_report_pdf(zh_report_ctx)
        fixed_layouts = dict(layouts_per_page)
        layouts_per_page.clear()
        with weasyprints_own_code():
            own = report_pdf.render_report_pdf(zh_report_ctx)
    # Page 2 holds the contents: laid out, then again once its targets' pages are known.
    assert fixed_layouts[1] == 2
    assert layouts_per_page[1] == 3
    assert all(count == 1 for index, count in fixed_layouts.items() if index != 1)
    assert page_texts(fixed) == page_texts(own)


def test_attr_targets_and_boxes_with_their_own_counters_still_get_their_numbers():
    """The mend only applies where it is safe; WeasyPrint's own way fills the other cases."""
    html = (
        "<style>"
        "a.attr::after { content: ' p.' target-counter(attr(href), page) }"
        "a.own::after { content: ' p.' target-counter(url(#three), page) ' n.' counter(n) }"
        "a.named::after { content: ' p.' target-counter(url(#four), page) }"
        "body { counter-reset: n 7 } section { break-before: page }"
        "</style>"
        '<p><a class="attr" href="#three">attr</a></p>'
        '<p><a class="own" href="#three">own</a></p>'
        '<p><a class="named" href="#four">named</a></p>'
        '<section>two</section><section id="three">three</section><section id="four">four</section>'
    )
    first = page_texts(render(html))[0]
    assert "attr p.3" in first
    assert "own p.3 n.7" in first
    assert "named p.4" in first
