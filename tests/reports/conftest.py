"""Fixtures for the PDF report tests: a bare Flask app and realistic report contexts.

``pdf_app`` is deliberately not called ``app`` so it never shadows the suite-wide fixture.
``build_report_ctx`` is a plain function so benchmarks/bench_pdf.py can load it by path; tests
use the ``*_report_ctx`` fixtures (importing "conftest" by name is ambiguous in a suite).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from cqo_portal.charts import FONT_FAMILY  # noqa: E402

#: The report's font stack, for documents the tests write by hand.
FONT = f"font-family: {FONT_FAMILY}"

# (zh title, en title, [(zh item, en item), ...])
SECTIONS = [
    (
        "组织环境",
        "Context of the organization",
        [
            ("内外部因素识别", "Internal and external issues"),
            ("相关方需求与期望", "Needs of interested parties"),
            ("质量管理体系范围与过程", "QMS scope and processes"),
        ],
    ),
    (
        "领导作用",
        "Leadership",
        [
            ("最高管理者的质量承诺", "Top management commitment"),
            ("质量方针", "Quality policy"),
            ("首席质量官的职责与授权", "CQO role and authority"),
        ],
    ),
    (
        "策划",
        "Planning",
        [
            ("风险和机遇的应对", "Risks and opportunities"),
            ("质量目标及其实现", "Quality objectives"),
            ("变更的策划", "Planning of changes"),
        ],
    ),
    (
        "支持",
        "Support",
        [
            ("资源与基础设施", "Resources and infrastructure"),
            ("计量与监视测量资源", "Metrology and measuring resources"),
            ("人员能力与质量意识", "Competence and awareness"),
            ("成文信息", "Documented information"),
        ],
    ),
    (
        "运行",
        "Operation",
        [
            ("产品和服务要求的确定", "Requirements for products and services"),
            ("设计和开发", "Design and development"),
            ("生产和服务提供", "Production and service provision"),
        ],
    ),
    (
        "产品放行与不合格控制",
        "Release and nonconforming outputs",
        [
            ("产品和服务的放行", "Release of products and services"),
            ("不合格输出的处置", "Control of nonconforming outputs"),
            ("标识与可追溯性", "Identification and traceability"),
        ],
    ),
    (
        "绩效评价",
        "Performance evaluation",
        [
            ("监视、测量、分析和评价", "Monitoring, measurement and analysis"),
            ("顾客满意", "Customer satisfaction"),
            ("内部审核", "Internal audit"),
            ("管理评审", "Management review"),
        ],
    ),
    (
        "改进",
        "Improvement",
        [
            ("不合格和纠正措施", "Nonconformity and corrective action"),
            ("持续改进", "Continual improvement"),
            ("质量工具与方法应用", "Use of quality tools and methods"),
        ],
    ),
    (
        "质量文化",
        "Quality culture",
        [
            ("质量诚信", "Quality integrity"),
            ("全员参与", "Engagement of people"),
            ("质量激励与表彰", "Recognition and incentives"),
        ],
    ),
    (
        "供应链质量管理",
        "Supply chain quality",
        [
            ("供方选择与评价", "Supplier selection and evaluation"),
            ("供方协同改进", "Joint improvement with suppliers"),
        ],
    ),
    (
        "标准与品牌",
        "Standards and brand",
        [
            ("标准的采用与制定", "Adopting and writing standards"),
            ("品牌建设", "Brand building"),
            ("质量信用", "Quality credit"),
        ],
    ),
    (
        "质量绩效结果",
        "Quality results",
        [
            ("产品质量水平", "Product quality level"),
            ("质量成本", "Cost of quality"),
            ("顾客投诉与处理", "Customer complaints"),
        ],
    ),
]

LEVELS = [
    ("0 级：尚未开展", "Level 0: not in place"),
    ("1 级：初步开展", "Level 1: initial"),
    ("2 级：部分规范", "Level 2: partly defined"),
    ("3 级：系统实施", "Level 3: systematic"),
    ("4 级：持续改进", "Level 4: continually improved"),
    ("5 级：行业标杆", "Level 5: best practice"),
]

BANDS = [
    (
        "起步",
        "Starting",
        "相关工作尚未形成制度，主要依靠个人经验开展。",
        "The work relies on individual experience and is not yet a defined practice.",
    ),
    (
        "基础",
        "Basic",
        "已有基本做法，但覆盖面和执行一致性不足，缺少记录。",
        "Basic practices exist, but coverage and consistency are limited and records are thin.",
    ),
    (
        "规范",
        "Defined",
        "已建立书面制度并在主要部门执行，开始用数据检查效果。",
        "A written procedure is followed in the main departments and results start to be checked.",
    ),
    (
        "成熟",
        "Mature",
        "制度系统运行，有量化目标和定期评审，问题能够闭环改进。",
        "The practice runs systematically with measurable targets, regular reviews and closed-loop fixes.",
    ),
    (
        "卓越",
        "Excellent",
        "形成可复制的最佳实践，指标处于行业领先水平并持续创新。",
        "A repeatable best practice with industry-leading indicators and continuing innovation.",
    ),
]

QUESTION_STEMS = [
    (
        "是否建立了书面制度，并明确了责任部门和责任人？",
        "Is there a written procedure naming the accountable department and owner?",
    ),
    (
        "相关要求是否已传达到一线员工，并有培训或考核记录？",
        "Have the requirements reached front-line staff, with training or assessment records?",
    ),
    (
        "是否设定了可测量的指标，并按月或按季度统计分析？",
        "Are there measurable indicators, analysed monthly or quarterly?",
    ),
    (
        "近一年是否开展过专项检查或内部审核，发现的问题是否闭环？",
        "Was there a specific check or internal audit in the last year, and were findings closed?",
    ),
]

EVIDENCE = [
    (
        "《质量手册》（A/3 版）第 {n} 节；2026 年第三季度管理评审记录。",
        "Quality manual (rev. A/3) section {n}; Q3 2026 management review minutes.",
    ),
    (
        "质量部月度质量分析报告（2026 年 1—10 月），含关键指标趋势图。",
        "Quality department monthly analysis reports (Jan–Oct 2026) with KPI trend charts.",
    ),
    (
        "培训签到表与考核成绩汇总，共 126 人次；抽查记录 12 份。",
        "Training attendance and test results for 126 attendances; 12 records sampled.",
    ),
    ("", ""),
    (
        "供应商年度评价表及整改通知单，覆盖 38 家主要供方。",
        "Annual supplier evaluations and corrective requests for 38 key suppliers.",
    ),
]


def build_report_ctx(lang: str = "zh", *, n_answers: int = 60) -> dict:
    """A realistic report context: 12 sections, 38 items, ``n_answers`` answers, a ranked plan."""
    zh = lang == "zh"

    def pick(pair):
        return pair[0] if zh else pair[1]

    sections = []
    answers = []
    plan = []
    total = total_max = 0.0
    qno = 0
    per_section = max(1, n_answers // len(SECTIONS))
    for s_index, (s_zh, s_en, items_def) in enumerate(SECTIONS, start=1):
        title = s_zh if zh else s_en
        items = []
        s_points = s_max = 0.0
        for i_index, item in enumerate(items_def, start=1):
            max_points = 20.0 + 5 * ((s_index + i_index) % 3)
            percent = 35 + (s_index * 17 + i_index * 23) % 60
            points = round(max_points * percent / 100, 1)
            band = BANDS[min(4, percent // 20)]
            items.append(
                {
                    "title": f"{s_index + 3}.{i_index} {pick(item)}",
                    "points": points,
                    "max_points": max_points,
                    "percent": round(points / max_points * 100, 1),
                    "level_label": band[0] if zh else band[1],
                    "level_description": band[2] if zh else band[3],
                }
            )
            s_points += points
            s_max += max_points
        s_percent = round(s_points / s_max * 100, 1)
        band = BANDS[min(4, int(s_percent // 20))]
        sections.append(
            {
                "id": f"s{s_index}",
                "title": title,
                "points": round(s_points, 1),
                "max_points": s_max,
                "percent": s_percent,
                "level_label": band[0] if zh else band[1],
                "level_description": band[2] if zh else band[3],
                "peer_median_percent": None if s_index == 11 else round(48 + (s_index * 7) % 25, 1),
                "trend_delta_percent": round(((s_index * 5) % 11) - 4.5, 1),
                "items": items,
            }
        )
        total += s_points
        total_max += s_max

        questions = []
        for q in range(per_section):
            qno += 1
            item = items_def[q % len(items_def)]
            stem = QUESTION_STEMS[q % len(QUESTION_STEMS)]
            level = (s_index + q * 2) % 6
            na = (s_index + q) % 13 == 0
            evidence = EVIDENCE[(s_index + q) % len(EVIDENCE)]
            questions.append(
                {
                    "id": f"s{s_index}q{q}",
                    "number": f"{s_index + 3}.{q + 1}",
                    "text": f"{pick(item)}：{stem[0]}" if zh else f"{pick(item)}: {stem[1]}",
                    "answer": "" if na else pick(LEVELS[level]),
                    "points": None if na else float(level * 2),
                    "max_points": None if na else 10.0,
                    "na": na,
                    "na_reason": (
                        "本企业不从事设计开发活动，产品按客户图纸生产。"
                        if zh
                        else "The enterprise does no design work; it builds to customer drawings."
                    )
                    if na
                    else "",
                    "evidence": pick(evidence).format(n=f"{s_index + 3}.{q + 1}"),
                }
            )
            if not na and level < 4 and len(plan) < 14:
                plan.append(
                    {
                        "question_id": questions[-1]["id"],
                        "section_title": title,
                        "clause": f"GB/T 19001-2016 {s_index + 3}.{q + 1}",
                        "question": questions[-1]["text"],
                        "current": pick(LEVELS[level]),
                        "next": pick(LEVELS[level + 1]),
                        "suggestion": (
                            f"由首席质量官牵头，针对“{pick(item)}”制定专项改进方案，明确责任部门、"
                            "完成时限和验收指标，并在下次管理评审中通报进展。"
                            if zh
                            else f"Have the CQO lead a focused plan for “{pick(item)}” with an owner, a "
                            "deadline and an acceptance measure, and report progress at the next "
                            "management review."
                        ),
                        "recoverable_points": float((4 - level) * 2 + (s_index % 3)),
                    }
                )
        answers.append({"section_title": title, "questions": questions})

    plan.sort(key=lambda p: -p["recoverable_points"])
    percent = round(total / total_max * 100, 1)
    by_percent = sorted(sections, key=lambda s: -s["percent"])
    return {
        "lang": lang,
        "report_number": "GD-CQO-2026-000123",
        "generated_at": "2026-11-25 15:04",
        "verify_url": "/verify",
        "enterprise": {
            "name": "广州市粤华精密机械制造有限公司"
            if zh
            else "Guangzhou Yuehua Precision Machinery Co., Ltd.",
            "uscc": "91440101MA5CXXK17Q",
            "city": "广州市" if zh else "Guangzhou",
            "industry": "制造业 — 通用设备制造业"
            if zh
            else "Manufacturing — general-purpose machinery",
            "size": "中型企业" if zh else "Medium-sized",
        },
        "cqo": {
            "name": "陈志远" if zh else "Chen Zhiyuan",
            "position": "副总经理兼质量总监"
            if zh
            else "Deputy general manager and quality director",
        },
        "questionnaire": {
            "title": "企业质量管理成熟度自评问卷"
            if zh
            else "Quality management maturity questionnaire",
            "version": "2026.1",
            "method": "依据 GB/T 19001-2016 与 GB/T 19004-2020 的成熟度分级（0—5 级）逐题评分"
            if zh
            else "Each question scored on the GB/T 19004-2020 maturity scale (levels 0–5)",
        },
        "submitted_at": "2026-11-20",
        "summary": {
            "total_points": round(total, 1),
            "max_points": total_max,
            "percent": percent,
            "level_label": "成熟" if zh else "Mature",
            "level_description": (
                "质量管理体系整体运行有效，大部分过程已有量化目标和定期评审；"
                "供应链和标准化方面与行业先进水平仍有差距。"
                if zh
                else "The quality management system works as a whole and most processes have "
                "measurable targets and regular reviews; supply chain and standards still lag "
                "the industry leaders."
            ),
            "percentiles": [
                {
                    "group": "广州市 · 通用设备制造业" if zh else "Guangzhou · general machinery",
                    "percentile": 72.0,
                },
                {
                    "group": "全省中型制造企业" if zh else "Medium-sized manufacturers, province",
                    "percentile": 64.0,
                },
            ],
            "percentile_hidden_reason": None,
            "trend_delta_points": 35.5,
            "previous_submitted_at": "2025-11-18",
        },
        "strengths": [{"title": s["title"], "percent": s["percent"]} for s in by_percent[:3]],
        "priorities": [
            {
                "title": p["section_title"],
                "suggestion": p["suggestion"],
                "recoverable_points": p["recoverable_points"],
            }
            for p in plan[:3]
        ],
        "sections": sections,
        "plan": plan,
        "answers": answers,
    }


def build_sparse_ctx(lang: str = "zh") -> dict:
    """A first submission: no CQO, no peers, no history, no plan, and hostile user text."""
    ctx = build_report_ctx(lang, n_answers=12)
    ctx["sections"] = ctx["sections"][:2]
    ctx["answers"] = ctx["answers"][:2]
    for section in ctx["sections"]:
        section["peer_median_percent"] = None
        section["trend_delta_percent"] = None
    ctx["enterprise"]["name"] = "测试<script>alert(1)</script></style>企业"
    ctx["answers"][0]["questions"][0]["evidence"] = "见附件 </style><b>粗体</b> & <img src=x>"
    ctx["cqo"] = None
    ctx["plan"] = []
    ctx["priorities"] = []
    ctx["summary"].update(
        percentiles=[],
        percentile_hidden_reason="同组企业不足 5 家，为保护企业信息不显示百分位。",
        trend_delta_points=None,
        previous_submitted_at=None,
    )
    return ctx


@pytest.fixture(scope="session")
def zh_report_ctx():
    return build_report_ctx("zh")


@pytest.fixture(scope="session")
def en_report_ctx():
    return build_report_ctx("en")


@pytest.fixture(scope="session")
def sparse_report_ctx():
    return build_sparse_ctx("zh")


@pytest.fixture(scope="session")
def pdf_app():
    flask = pytest.importorskip("flask")
    flask_babel = pytest.importorskip("flask_babel")
    app = flask.Flask(
        "cqo_portal",
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.update(TESTING=True)
    flask_babel.Babel(app)
    return app


# --- real submissions through the app's services ------------------------------------------------

NA_REASON = "本企业无设计开发活动，产品按客户图纸生产"
EVIDENCE_NOTE = "质量手册 QM-01 第 4.2 节；2025 年管理评审记录"


def answer_for(question, index: int):
    """A deterministic, valid answer; questions that allow N/A are N/A with a reason."""
    from cqo_portal.core.answers import Answer
    from cqo_portal.core.questionnaire import AnswerType

    if question.allow_na:
        return Answer(na=True, na_reason=NA_REASON)
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return Answer(value=1 + index % 4, evidence=EVIDENCE_NOTE if index % 2 == 0 else "")
    if t is AnswerType.BAND:
        return Answer(value=(30, 50, 60, 70)[index % 4], evidence=EVIDENCE_NOTE)
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(value=("yes", "partly", "no")[index % 3])
    if t is AnswerType.CHOICE:
        return Answer(value=question.options[index % len(question.options)].id)
    if t is AnswerType.NUMBER:
        lo = question.min if question.min is not None else 0
        hi = question.max if question.max is not None else 100
        return Answer(value=round((lo + hi) / 2))
    return Answer(value="每季度召开质量例会，形成会议纪要")


def fill_and_submit(actors, key: str = "cqo-qms", *, submit: bool = True):
    """An enterprise with an approved CQO and a complete assessment (submitted unless told)."""
    from cqo_portal.assessments import services

    ent = actors.enterprise(name="粤华精密制造有限公司", name_en="Yuehua Precision Co., Ltd.")
    officer = actors.officer(ent)
    actors.approved_cqo(ent, name="陈质量")
    assessment = services.start_assessment(ent, actors.questionnaire(key), officer)
    q = services.questionnaire_of(assessment.questionnaire)
    for i, question in enumerate(q.questions):
        assessment.answers.append(services._new_row(question.id, answer_for(question, i), officer))
    actors.session.flush()
    if submit:
        services.submit_assessment(assessment, officer)
        actors.session.flush()
    return assessment, officer


@contextlib.contextmanager
def replaced_by_weasyprints_own(module: Any):
    """WeasyPrint's own code instead of ``module``'s replacements (weasyprint_fixes,
    weasyprint_hotpaths) for the length of the block; they are put back after it."""
    module.uninstall()
    try:
        yield
    finally:
        assert module.install()


def page_count(data: bytes) -> int:
    """How many pages a PDF has, as pypdf reads it."""
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    import pypdf

    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def render_with_report_fonts(html: str) -> bytes:
    """A hand-written document as PDF, by plain WeasyPrint with the report's font configuration."""
    import weasyprint

    from cqo_portal.reports import pdf as report_pdf

    return weasyprint.HTML(string=html).write_pdf(font_config=report_pdf._fonts())


def page_images(data: bytes, tmp_path: Path, name: str, dpi: int = 60) -> list[bytes]:
    """Each page as a grey image (pdftoppm), to compare pixels; skips without poppler-utils."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; run `make system-deps`")
    (tmp_path / f"{name}.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
        check=True,
    )
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))]
