"""Reports of real submissions: helpers that fill in and submit a built-in questionnaire through
the app's services, and the report contexts built from such submissions.

``fill_and_submit`` and ``page_count`` are plain functions so benchmarks/bench_pdf.py can use them;
tests use the ``report_contexts`` fixture for the PDF tests that need no database of their own.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import holistic_answer

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
    holistic = holistic_answer(question, (2, 3, 4, 5)[index % 4], EVIDENCE_NOTE)
    if holistic is not None:
        return holistic
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(value=("yes", "partly", "no")[index % 3])
    if t is AnswerType.CHOICE:
        return Answer(value=question.options[index % len(question.options)].id)
    if t is AnswerType.NUMBER:
        lo = question.min if question.min is not None else 0
        hi = question.max if question.max is not None else 100
        return Answer(value=round((lo + hi) / 2))
    return Answer(value="每季度召开质量例会，形成会议纪要")


def top_answer(question, index: int):
    """The best answer a question allows (a submission of these leaves no improvement step)."""
    from cqo_portal.core.answers import Answer
    from cqo_portal.core.questionnaire import AnswerType

    t = question.answer_type
    if t is AnswerType.MATURITY:
        return Answer(value=5, evidence="</style><b>粗体</b>" if index == 0 else "")
    if t is AnswerType.BAND:
        return Answer(value=100)
    if t is AnswerType.FACTOR:
        return Answer(value=6, evidence="行业标杆，经第三方评价")
    holistic = holistic_answer(question, 6)
    if holistic is not None:
        return holistic
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(value="yes")
    if t is AnswerType.CHOICE:
        return Answer(value=max(question.options, key=lambda o: o.score).id)
    if t is AnswerType.NUMBER:
        top = max((step.min for step in question.thresholds), default=question.max or 0)
        return Answer(value=top)
    return Answer(value="每季度召开质量例会，形成会议纪要")


def fill_and_submit(
    actors,
    key: str = "cqo-qms",
    *,
    submit: bool = True,
    enterprise=None,
    cqo: str | None = "陈质量",
    answer=answer_for,
):
    """A complete assessment of ``enterprise`` (a new one with an approved CQO unless given),
    each question answered by ``answer(question, index)``, submitted unless told."""
    from cqo_portal.assessments import services

    ent = enterprise or actors.enterprise(
        name="粤华精密制造有限公司", name_en="Yuehua Precision Co., Ltd."
    )
    officer = actors.officer(ent)
    if enterprise is None and cqo:
        actors.approved_cqo(ent, name=cqo)
    assessment = services.start_assessment(ent, actors.questionnaire(key), officer)
    q = services.questionnaire_of(assessment.questionnaire)
    for i, question in enumerate(q.questions):
        assessment.answers.append(services._new_row(question, answer(question, i), officer))
    actors.session.flush()
    if submit:
        services.submit_assessment(assessment, officer)
        actors.session.flush()
    return assessment, officer


#: The enterprise name of the sparse report: markup a report must print, never interpret.
HOSTILE_NAME = "测试<script>alert(1)</script></style>企业"


@pytest.fixture(scope="session")
def report_contexts(app):
    """Report contexts built from real submissions, in a transaction that is rolled back.

    "zh"/"en": a cqo-qms submission whose enterprise submitted once before (a trend) and has
    five peers in its city and industry (percentiles shown); "band_zh"/"band_en": a GB/T 19580
    submission; "sparse": a first submission with a hostile name, no CQO, no peers and only top
    answers (no plan). The contexts are frozen dataclasses of plain values, usable after the
    rollback.
    """
    from cqo_portal.extensions import db
    from cqo_portal.reports.services import ensure_report_row, report_context
    from tests.conftest import rolled_back_session
    from tests.factories import Actors

    def contexts(assessment, langs):
        out = {}
        for lang in langs:
            report = ensure_report_row(assessment, lang)
            db.session.flush()
            out[lang] = report_context(assessment, report)
        return out

    built = {}
    with rolled_back_session(app) as session, app.test_request_context():
        actors = Actors(session)
        sparse, _ = fill_and_submit(
            actors,
            enterprise=actors.enterprise(name=HOSTILE_NAME),
            answer=top_answer,
        )
        built["sparse"] = contexts(sparse, ["zh"])["zh"]
        band, _ = fill_and_submit(actors, "gbt19580")
        built.update({f"band_{k}": v for k, v in contexts(band, ["zh", "en"]).items()})
        for n in range(5):
            peer = actors.enterprise(name=f"同行{n + 1}号制造有限公司")
            fill_and_submit(actors, enterprise=peer, answer=lambda q, i, n=n: answer_for(q, i + n))
        earlier, _ = fill_and_submit(actors, answer=lambda q, i: answer_for(q, i + 1))
        earlier.submitted_at -= timedelta(days=365)
        session.flush()
        current, _ = fill_and_submit(actors, enterprise=earlier.enterprise)
        built.update(contexts(current, ["zh", "en"]))
    return built


def page_count(data: bytes) -> int:
    """How many pages a PDF has, as pypdf reads it."""
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    import pypdf

    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


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
