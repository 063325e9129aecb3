"""Reports of real submissions: an enterprise fills in a built-in questionnaire, submits, and the
portal renders, stores and serves the PDF a CQO would hand to the board."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest

from cqo_portal.assessments.presenters import result_view
from cqo_portal.models import ReportStatus
from cqo_portal.reports import pdf as report_pdf
from cqo_portal.reports import services
from tests.factories import login
from tests.reports.conftest import EVIDENCE_NOTE, NA_REASON, fill_and_submit, page_texts

pypdf = pytest.importorskip("pypdf")


def squash(text: str) -> str:
    """CJK extraction splits runs at arbitrary spaces and line ends; compare without them."""
    return re.sub(r"\s+", "", text)


def toc_page(toc: str, label: str) -> int:
    match = re.search(rf"^{label}[ .]+(\d+)\s*$", toc, re.MULTILINE)
    assert match, f"TOC entry {label!r} not found in:\n{toc}"
    return int(match.group(1))


def pdffonts(data: bytes, tmp_path) -> str:
    if shutil.which("pdffonts") is None:
        pytest.skip("LOUD: pdffonts (poppler-utils) is not installed; cannot check font embedding")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_maturity_submission_gives_a_stored_chinese_report_with_score_plan_and_answers(
    app, db_session, actors, tmp_path
):
    assessment, _ = fill_and_submit(actors, "cqo-qms")
    with app.test_request_context():
        report = services.ready_report(assessment, "zh")
        ctx = result_view(assessment, "zh")
    data = report.pdf
    assert report.status == ReportStatus.READY
    assert report.sha256 == hashlib.sha256(data).hexdigest() and report.size == len(data)
    assert report.render_ms is not None and "-ZH-" in report.number

    texts = page_texts(data)
    pages = [squash(t) for t in texts]
    whole = "".join(pages)
    total = len(pages)
    assert total >= 10
    for number, text in enumerate(pages[1:], start=2):  # running footer "page x of y"
        assert f"第{number}页/共{total}页" in text
    # cover and summary: enterprise, report number, CQO, score and level
    assert "粤华精密制造有限公司" in pages[0] and report.number in pages[0] and "陈质量" in pages[0]
    summary = pages[toc_page(texts[1], "执行摘要") - 1]
    s = ctx.summary
    assert (
        f"{report_pdf.fmt_number(s.total_points)}/{report_pdf.fmt_number(s.max_points)}" in summary
    )
    assert squash(s.level_label) in summary
    # each section page starts where the table of contents says, and lists its questions
    for index, section in enumerate(ctx.sections, start=1):
        page = pages[toc_page(texts[1], rf"{index}\s*{re.escape(section.title)}") - 1]
        assert squash(section.title) in page
        first = section.questions[0]
        assert squash(first.text)[:12] in page
        assert "本类目没有可评分的条目" not in page
    # the ranked plan and the appendix with N/A reasons and evidence notes
    plan_page = toc_page(texts[1], "改进计划")
    assert squash(ctx.plan[0].suggestion)[:15] in pages[plan_page - 1]
    appendix = "".join(pages[toc_page(texts[1], "附录：答卷明细") - 1 :])
    assert squash(NA_REASON) in appendix and squash(EVIDENCE_NOTE) in appendix
    assert "报告结束" in whole

    fonts = pdffonts(data, tmp_path)
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line]
    assert cjk and all(line.split()[-5:-3] == ["yes", "yes"] for line in cjk), fonts  # emb, sub
    assert "DejaVu-Sans-Mono" not in fonts  # one font family for the whole report


def test_band_submission_gives_an_english_report_with_items_and_bands(app, db_session, actors):
    assessment, _ = fill_and_submit(actors, "gbt19580")
    with app.test_request_context():
        report = services.ready_report(assessment, "en")
        ctx = result_view(assessment, "en")
    texts = page_texts(report.pdf)
    toc = texts[1]
    assert "Table of contents" in toc
    total = len(texts)
    assert f"page {total} of {total}" in texts[-1]
    whole = " ".join(" ".join(t.split()) for t in texts)
    assert "Yuehua Precision Co., Ltd." in texts[0]
    assert f"{report_pdf.fmt_number(ctx.summary.total_points)} /" in whole
    section = ctx.sections[0]
    page = " ".join(texts[toc_page(toc, rf"1\s*{re.escape(section.title)}") - 1].split())
    assert "Items" in page
    for item in section.scoring_items:
        assert item.title[:20] in page and item.level_label in page
    assert " ".join(ctx.plan[0].suggestion.split())[:30] in whole
    assert "Improvement plan" in texts[toc_page(toc, "Improvement plan") - 1]


def test_download_serves_the_stored_pdf_without_rendering_again(
    app, client, db_session, actors, monkeypatch
):
    assessment, officer = fill_and_submit(actors, "cqo-qms")
    login(client, officer)
    first = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")

    def no_render(ctx):
        raise AssertionError("a stored report was rendered again")

    monkeypatch.setattr(report_pdf, "render_report_pdf", no_render)
    again = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["X-Report-Number"] in again.headers["Content-Disposition"]
    status = client.get(f"/reports/{assessment.id}/status.json").get_json()
    assert status["reports"]["zh"]["status"] == "ready"
    assert status["reports"]["en"]["status"] == "missing" and status["waiting"] is False


def test_a_browser_holding_the_report_gets_304_and_another_user_still_gets_404(
    app, client, db_session, actors
):
    assessment, officer = fill_and_submit(actors, "cqo-qms")
    login(client, officer)
    url = f"/reports/{assessment.id}.pdf?lang=zh"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag == f'"{hashlib.sha256(first.data).hexdigest()}"'
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    stale = client.get(url, headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.data == first.data
    # the conditional request is answered only after the access check
    stranger = app.test_client()
    login(stranger, actors.officer())
    assert stranger.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_another_enterprise_cannot_download_or_poll_the_report(app, client, db_session, actors):
    assessment, _ = fill_and_submit(actors, "cqo-qms")
    stranger = actors.officer()
    login(client, stranger)
    assert client.get(f"/reports/{assessment.id}.pdf?lang=zh").status_code == 404
    assert client.get(f"/reports/{assessment.id}/status.json").status_code == 404


def test_a_draft_has_no_report(app, client, db_session, actors):
    assessment, officer = fill_and_submit(actors, "cqo-qms", submit=False)
    login(client, officer)
    assert client.get(f"/reports/{assessment.id}.pdf?lang=zh").status_code == 404
