"""The evidence pages and the PDF in Chinese (the words come from the one catalogue)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.evidence import helpers as files
from tests.evidence.test_evidence import _draft, _post_section, _submit
from tests.factories import login

ZH = {"Accept-Language": "zh-CN"}


def test_the_flags_files_and_review_read_in_chinese(client, actors, db_session):
    officer = actors.officer()
    assessment, q, high = _draft(actors, officer, high_without_note=1)
    login(client, officer)
    qid = next(x.id for x in q.sections[0].questions if x.id not in high)
    page = client.get(f"/assessments/{assessment.id}/section/1", headers=ZH).get_data(True)
    assert "证据所属日期" in page and "附加证据文件" in page
    resp = _post_section(
        client, assessment, q, 1, {qid: (files.EXE, "a.pdf", "2026-01-01")}, headers=ZH
    )
    assert "仅接受 PDF、JPEG、PNG、XLSX 或 DOCX 文件" in resp.get_data(as_text=True)
    _post_section(
        client, assessment, q, 1, {qid: (files.PDF, "内审.pdf", "2026-01-01")}, headers=ZH
    )
    _submit(client, assessment)
    page = client.get(f"/assessments/{assessment.id}/result", headers=ZH).get_data(True)
    assert "个答案自评为高水平，但既无证据说明也无证据文件" in page
    pdf = client.get(f"/reports/{assessment.id}.pdf?lang=zh").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "无证据支撑的高分自评" in text and "内审.pdf" in text
    assert "证据日期 2026-01-01" in text  # the file's row, translated
