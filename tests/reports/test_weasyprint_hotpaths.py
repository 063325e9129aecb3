"""WeasyPrint's hot paths as the report renders them: the same bytes, faster (weasyprint_hotpaths).

Every test renders with the replacements and with WeasyPrint's own functions and compares: the
reports themselves, and a document built to take each replacement's fallbacks.
"""

from __future__ import annotations

import re

import pytest

weasyprint = pytest.importorskip("weasyprint")

from weasyprint.css.properties import INITIAL_VALUES  # noqa: E402

from cqo_portal.reports import pdf as report_pdf  # noqa: E402
from cqo_portal.reports import services, weasyprint_hotpaths  # noqa: E402
from tests.reports.conftest import (  # noqa: E402
    FONT,
    fill_and_submit,
    page_count,
    replaced_by_weasyprints_own,
)
from tests.reports.conftest import render_with_report_fonts as render  # noqa: E402

# One of each thing the replacements hand back to WeasyPrint, or must get exactly right: page
# margins in percentages (of the page's height for top and bottom), custom properties and
# var(), inherit and initial, logical properties, calc() with percentages (text-indent inherits
# one), box-sizing, min/max sizes, heights in an auto-height block, text decorations,
# pre-formatted text with newlines and tabs, a line separator, justification, ellipsis, letter
# and word spacing, combining marks (glyph offsets), characters no font has (.notdef),
# right-to-left text, languages and a font language override, font features, hyphenation,
# floats, absolute, relative and running elements, footnotes, ::first-line, line heights, rounded corners, shadows, hidden
# boxes, collapsed and separate tables, lists, flex, grid, inline-blocks, SVG text and page
# margin boxes, over several pages, whose @page rules differ (first, left and right, the third
# page, a named page, a blank page) and hold strings, counters and a leader.
FALLBACKS = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>
:root {{ --accent: #1f4e79; --gap: 3mm; }}
@page {{ size: A5; margin: 9% 8%;
  @top-center {{ content: element(header) }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 7pt }} }}
@page :first {{ @top-center {{ content: none }} }}
@page :left {{ margin-left: 10%; @bottom-left {{ content: string(title) " " leader(".") " "
  counter(page); font-size: 7pt; width: 60% }} }}
@page :right {{ @bottom-left {{ content: "right " counter(page, upper-roman) }} }}
@page :nth(3) {{ margin-top: 12%; @top-right {{ content: "third"; color: var(--accent) }} }}
@page wide {{ size: A5 landscape; color: #52606d; font-size: 8pt; @top-left {{ content: "Wide " string(title) }} }}
@page :blank {{ @top-center {{ content: "blank page 空白页" }} }}
h1, h2 {{ string-set: title content() }}
.wide {{ page: wide }} .verso {{ break-before: left }} .recto {{ break-before: right }}
html {{ {FONT}; font-size: 9pt; line-height: 1.5 }}
header {{ position: running(header); color: var(--accent) }}
h1 {{ color: var(--accent); margin-block-end: var(--gap); border-block-end: 1pt solid }}
.logical {{ margin-inline-start: 5mm; padding-inline-end: 2mm; padding-block: 1mm;
  border-inline-start: 2pt solid var(--accent); min-height: 12mm }}
.calc {{ width: calc(100% - 20mm); text-indent: calc(5% + 2mm);
  padding-left: calc(2% + 1mm) }}
.calc p {{ margin: calc(var(--gap) / 2) 0 }}
.keywords {{ color: initial; font-size: inherit; margin: initial; padding: inherit }}
.sized {{ box-sizing: border-box; width: 60%; padding: 2mm 5%; min-width: 30mm;
  max-width: 80%; border: 1pt dashed #888 }}
.bb-px {{ box-sizing: border-box; width: 50mm; height: 12mm; padding: 2mm; border: 1pt solid }}
.fixed-height {{ height: 12mm; min-height: 5%; max-height: 40mm; background: #eef }}
.pct-height {{ height: 50% }}
.capped {{ height: 30mm; max-height: 10mm; min-width: 20%; background: #efe }}
.decorated {{ text-decoration: underline wavy #9b2c2c; }}
.decorated s {{ text-decoration: line-through }}
.decorated span {{ text-decoration: overline; text-decoration-thickness: 2px;
  text-underline-offset: 3px }}
pre {{ white-space: pre; tab-size: 4; font-size: 8pt }}
.pre-wrap {{ white-space: pre-wrap }} .pre-line {{ white-space: pre-line }}
.justified {{ text-align: justify; text-align-last: justify }}
.ellipsis {{ width: 40mm; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }}
.clamped {{ line-clamp: 2; width: 50mm }}
.spaced {{ letter-spacing: 0.1em; word-spacing: 3pt }}
.rtl {{ direction: rtl; text-align: start }}
.override {{ font-language-override: "TRK" }}
.features {{ font-variant: small-caps; font-feature-settings: "liga" 0; font-kerning: none;
  font-variant-numeric: tabular-nums }}
.hyphens {{ hyphens: auto; width: 30mm; overflow-wrap: anywhere }}
.float {{ float: right; width: 25mm; margin: 0 0 2mm 2mm; background: #fde }}
.abs {{ position: relative; height: 10mm }}
.abs span {{ position: absolute; right: 0; top: 10%; width: 20% }}
.rel {{ position: relative; left: 2mm; top: -1mm }}
.fn {{ float: footnote }}
table.collapse {{ border-collapse: collapse; width: 100% }}
table.collapse td, table.collapse th {{ border: 1pt solid #999; padding: 1mm }}
table.separate {{ border-spacing: 2mm; width: 80% }}
table.separate td {{ border: 0.5pt solid #333; width: 30% }}
.flex {{ display: flex; gap: 2mm }} .flex > div {{ flex: 1 1 0; border: 1pt solid }}
.grid {{ display: grid; grid-template-columns: 1fr 2fr; gap: 1mm }}
.ib {{ display: inline-block; width: 20mm; border: 1pt solid; vertical-align: middle }}
ol.rank {{ list-style: decimal-leading-zero }} ul {{ list-style: square inside }}
.big {{ break-before: page }}
.rounded {{ border-radius: 3mm 0 / 2mm; background-color: currentcolor; color: #c0392b }}
.half-round {{ border: 1pt solid; padding: 1mm; border-top-left-radius: 2mm;
  border-top-right-radius: 0 4mm }}
.gradient {{ background-image: linear-gradient(to right, #1f4e79 30%, transparent 30%) }}
.border-image {{ border: 3pt solid; border-image: linear-gradient(#1f4e79, #b7791f) 1 }}
.shadow {{ box-shadow: 1mm 1mm 2mm #999 }} .hidden {{ visibility: hidden }}
.translucent {{ background-color: rgb(0 0 0 / 0) }}
.first-line::first-line {{ font-size: 11pt; line-height: 2; color: var(--accent) }}
.tall {{ line-height: 24pt }} .pct-lh {{ line-height: 150% }} .normal-lh {{ line-height: normal }}
</style></head><body>
<header>Running header · 页眉</header>
<h1>Fallbacks · 备用路径</h1>
<div class="logical">Logical margins and paddings, 逻辑属性.</div>
<div class="calc"><p>Calculated width and an inherited calc() text indent that keeps its
percentage until layout; 计算宽度与继承的首行缩进。</p></div>
<div class="keywords">Keywords initial and inherit.</div>
<div class="sized">Border-box sizing with percentages 百分比宽度。</div>
<div class="bb-px">Border-box sizing in mm 毫米</div>
<div class="fixed-height">Fixed height <div class="pct-height">half of it</div></div>
<div class="capped">Height capped by max-height 高度上限</div>
<p class="decorated">Underlined <s>struck</s> <span>overlined</span> 下划线。</p>
<pre>pre-formatted
	tab	separated
  indented 预格式化</pre>
<p class="pre-wrap">pre-wrap   keeps   spaces
and newlines, 保留换行。</p>
<p class="pre-line">pre-line collapses   spaces
but keeps newlines.</p>
<p>A line separator&#x2028;inside a paragraph, and a paragraph separator&#x2029;too.</p>
<p class="justified">Justified text spreads the spaces of every line but the last, which
text-align-last stretches too; it needs justification spacing when drawn, so its layouts are
made again. 两端对齐的文字需要在绘制时重新排版。</p>
<p class="ellipsis">An ellipsis cuts this line that is much too long for its box.</p>
<p class="clamped">Line clamp cuts this paragraph after two lines with an ellipsis at the end
of the second, however long the text that follows it goes on for.</p>
<p class="spaced">Letter and word spacing, 字距与词距.</p>
<p>Combining marks e\u0301 a\u0308 o\u0323\u0302, harakat مَرْحَبًا, a private-use
character &#xE000; and an emoji 😀 no font here draws.</p>
<p class="rtl" lang="ar">مرحبا بالعالم — שלום עולם 123</p>
<p class="rtl" lang="he">שלום עולם, hello</p>
<p lang="zh-CN">简体中文段落，语言不同的上下文。</p>
<p class="override">Font language override.</p>
<p class="features">Small caps, no ligatures fi fl, tabular 1234567890.</p>
<p class="hyphens" lang="en">Hyphenation of extraordinarily incomprehensible
characteristically supercalifragilistic words.</p>
<div class="float">A float 浮动</div>
<p class="first-line">A first line styled bigger and looser than the lines after it, which
keep the paragraph's own font size and line height all the way down. 首行样式。</p>
<p>Line heights: <span class="tall">tall</span>, <span class="pct-lh">a percentage</span>,
<span class="normal-lh">normal 常规</span> and <small>smaller</small> text.</p>
<p>Text flows around the float beside it for a few lines, which makes the line boxes avoid
it and then take the full width again below it. 文字环绕浮动元素。</p>
<div class="abs">Positioned <span>absolute</span> and <span class="rel">relative</span></div>
<p>A footnote call<span class="fn">The footnote itself. 脚注。</span> in a sentence.</p>
<table class="collapse"><thead><tr><th>#</th><th>Collapsed</th><th>表格</th></tr></thead>
<tbody><tr><td>1</td><td>one</td><td>一</td></tr><tr><td>2</td><td>two</td><td>二</td></tr>
</tbody></table>
<table class="separate"><tr><td>separate</td><td>borders</td><td>分离</td></tr></table>
<div class="flex"><div>flex one</div><div>flex two 弹性</div></div>
<div class="grid"><div>grid</div><div>网格 grid</div></div>
<p>Inline <span class="ib">block 内联块</span> in a line.</p>
<div class="rounded">Rounded corners on a background of currentcolor 圆角</div>
<div class="half-round">A rounded corner, and one with a radius of zero</div>
<div class="gradient">A gradient on a transparent background</div>
<div class="border-image">A border image 边框图像</div>
<p class="shadow">A box shadow <span class="hidden">hidden</span> <span class="translucent">and
a transparent background</span>.</p>
<ol class="rank"><li>first</li><li>second 第二</li></ol><ul><li>square</li></ul>
<svg width="60mm" height="12mm" viewBox="0 0 200 40"><text x="4" y="24" font-size="14"
fill="#1f4e79">SVG 文字 text</text><text x="120" y="24" dx="2 4 6">dx list</text></svg>
<section class="wide"><h2>Wide pages 横向页</h2><p>A named page in landscape.</p></section>
<section class="verso"><h2>Verso</h2></section><section class="verso"><h2>Verso again,
after a blank page</h2></section><section class="recto"><h2>Recto</h2></section>
<section class="big">{"".join(f"<p>Paragraph {n}: 第{n}段，足够长以便分页。" * 2 + "</p>" for n in range(60))}</section>
</body></html>"""


def weasyprints_own_code():
    return replaced_by_weasyprints_own(weasyprint_hotpaths)


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _property(style, key: str) -> str:
    try:
        value = style[key]
    except Exception as error:  # WeasyPrint 70 cannot compute some logical properties of
        return f"error {type(error).__name__}"  # anonymous boxes; both must fail alike
    return _ADDRESS.sub("", repr(value))


def computed_styles(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every property of every box on every page, as text (object addresses removed)."""
    document = weasyprint.HTML(string=html).render(font_config=report_pdf._fonts())
    found = []
    for page in document.pages:
        for box in page._page_box.descendants(placeholders=True):
            style = box.style
            found.append(
                (
                    type(box).__name__,
                    {key: _property(style, key) for key in sorted(INITIAL_VALUES)},
                )
            )
    return found


def test_installed_for_this_weasyprint():
    """The release pyproject.toml pins is one they were written for, and they are in place; a
    new WeasyPrint fails here until the replacements are checked against it."""
    assert weasyprint_hotpaths.supported(), weasyprint.__version__
    assert weasyprint_hotpaths.installed()


def test_uninstall_and_install_again():
    with weasyprints_own_code():
        assert not weasyprint_hotpaths.installed()
        import weasyprint.css

        assert weasyprint.css.ComputedStyle.__missing__ is weasyprint_hotpaths._original_missing
    assert weasyprint_hotpaths.installed()
    assert weasyprint_hotpaths.install()  # twice is harmless


def test_an_unknown_release_keeps_weasyprints_own_code(monkeypatch):
    with weasyprints_own_code():
        monkeypatch.setattr(weasyprint, "__version__", "99.0")
        assert not weasyprint_hotpaths.install()
        assert not weasyprint_hotpaths.installed()
        monkeypatch.undo()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reports_come_out_byte_for_byte_the_same(pdf_app, zh_report_ctx, en_report_ctx, lang):
    ctx = zh_report_ctx if lang == "zh" else en_report_ctx
    with pdf_app.app_context():
        html = report_pdf.render_html(ctx)
        fast = report_pdf._write_report_pdf(html)
        with weasyprints_own_code():
            own = report_pdf._write_report_pdf(html)
    assert len(fast) > 50_000
    assert fast == own


@pytest.mark.parametrize("key", ["cqo-qms", "gbt19580"])
def test_real_submissions_reports_come_out_byte_for_byte_the_same(app, db_session, actors, key):
    """Both built-in questionnaires answered through the app, in both languages: the reports the
    benchmark measures (plan steps with spans, band items, real question and suggestion text)."""
    assessment, _ = fill_and_submit(actors, key)
    with app.test_request_context():
        for lang in ("zh", "en"):
            report = services.ensure_report_row(assessment, lang)
            html = report_pdf.render_html(services.report_context(assessment, report))
            fast = report_pdf._write_report_pdf(html)
            with weasyprints_own_code():
                own = report_pdf._write_report_pdf(html)
            assert page_count(fast) >= 16
            assert fast == own, (key, lang)


def test_every_fallback_renders_the_same_bytes():
    fast = render(FALLBACKS)
    with weasyprints_own_code():
        own = render(FALLBACKS)
    assert page_count(fast) >= 10
    assert fast == own


def test_every_computed_property_of_every_box_is_the_same():
    fast = computed_styles(FALLBACKS)
    with weasyprints_own_code():
        own = computed_styles(FALLBACKS)
    assert len(fast) > 300
    assert [kind for kind, _ in fast] == [kind for kind, _ in own]
    for (kind, fast_style), (_, own_style) in zip(fast, own, strict=True):
        differing = {
            k: (fast_style[k], own_style[k]) for k in fast_style if fast_style[k] != own_style[k]
        }
        assert not differing, (kind, differing)


def test_a_drawn_line_reuses_the_layout_that_broke_it():
    """What the second replacement is for: WeasyPrint made a Pango layout again for every line
    it drew; now only the layouts that break lines are made."""
    import weasyprint.text.line_break as line_break
    from weasyprint.formatting_structure.boxes import TextBox

    html = f'<p style="{FONT}">' + "首席质量官 quality officer. " * 80 + "</p>"

    def layouts_made() -> int:
        made = []
        setup = line_break.Layout.setup

        def counting(layout, style):
            made.append(1)
            return setup(layout, style)

        line_break.Layout.setup = counting
        try:
            render(html)
        finally:
            line_break.Layout.setup = setup
        return len(made)

    document = weasyprint.HTML(string=html).render(font_config=report_pdf._fonts())
    drawn = sum(
        isinstance(box, TextBox) for page in document.pages for box in page._page_box.descendants()
    )
    with weasyprints_own_code():
        own = layouts_made()
    fast = layouts_made()
    assert drawn > 20
    assert own - fast == drawn


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"lang": "zh-CN"},
        {"lang": "en"},
        {"lang": "ar", "direction": "rtl"},
        {"lang": "tr", "font_language_override": "TRK"},
        {"lang": "en", "text_decoration_line": ("underline",)},
    ],
)
def test_a_shared_pango_context_has_the_layouts_language(values):
    """Layouts share a Pango context per direction and language: each still gets its own
    language (and text decoration metrics) exactly as from a context of its own."""
    from weasyprint.svg.text import Style
    from weasyprint.text.line_break import Layout

    def style():
        made = Style()
        made.update(INITIAL_VALUES)
        made.font_config = report_pdf._fonts()
        made["font_family"] = ["WenQuanYi Micro Hei", "DejaVu Sans"]
        made.update(values)
        return made

    for _ in range(2):  # a new context, then the shared one
        fast = Layout(style())
        with weasyprints_own_code():
            own = Layout(style())
        assert fast.language == own.language
        assert (fast.ascent, fast.underline_position) == (own.ascent, own.underline_position)
