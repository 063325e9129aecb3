"""Evidence files per answer, the bureau's review of them, and high claims without evidence.

An officer attaches files on the section pages (checked by content, capped in size, each with
the date it applies to), submits, a regulator of the city asks for more on one answer and the
officer responds; other cities and other enterprises see nothing of it.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from cqo_portal.assessments import review, services
from cqo_portal.core.answers import parse_answer
from cqo_portal.core.questionnaire import AnswerType
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    EvidenceFile,
    EvidenceReview,
)
from tests.assessments.helpers import raw_value, section_form
from tests.evidence import helpers as files
from tests.factories import login, logout

EN = {"Accept-Language": "en"}


def _draft(actors, officer, *, high_without_note: int = 0):
    """A draft with every question answered with a note; the first `high_without_note`
    maturity questions answered 5 with no note (unsupported claims until a file comes)."""
    qv = actors.questionnaire("cqo-qms")
    assessment = services.start_assessment(officer.enterprise, qv, officer)
    q = services.questionnaire_of(qv)
    high = [qq.id for qq in q.questions if qq.answer_type is AnswerType.MATURITY][
        :high_without_note
    ]
    for n, question in enumerate(q.questions):
        raw = "5" if question.id in high else raw_value(question, n)
        if question.answer_type is AnswerType.MATURITY and question.id not in high:
            raw = "2"
        answer, error = parse_answer(
            question, raw, False, "", "" if question.id in high else "记录"
        )
        assert error is None
        assessment.answers.append(services._new_row(question, answer, officer))
    actors.session.flush()
    return assessment, q, high


def _post_section(client, assessment, q, index, uploads: dict, extra=None, headers=None):
    """Post a section page as the browser does (multipart), with files per question id:
    {qid: (bytes, filename, date)}."""
    sec = q.sections[index - 1]
    stored = services.answers_of(assessment, q)
    answers = {}
    for question in sec.questions:
        a = stored.get(question.id)
        answers[question.id] = {
            "value": "" if a is None or a.value is None else str(a.value),
            "evidence": a.evidence if a else "",
        }
    data = section_form(sec, answers)
    for qid, (content, name, day) in uploads.items():
        data[f"q-{qid}-file"] = (io.BytesIO(content), name)
        data[f"q-{qid}-file_date"] = day
    data.update(extra or {})
    return client.post(
        f"/assessments/{assessment.id}/section/{index}",
        data=data,
        content_type="multipart/form-data",
        headers=headers or EN,
    )


def _files(db_session, assessment):
    db_session.expire_all()
    return list(
        db_session.scalars(select(EvidenceFile).where(EvidenceFile.assessment_id == assessment.id))
    )


def _on_disk(app, row: EvidenceFile) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]) / row.stored_path


def test_officer_attaches_files_while_filling_and_removes_one_from_the_draft(
    app, client, actors, db_session
):
    officer = actors.officer()
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    first, second = q.sections[0].questions[:2]
    resp = _post_section(
        client,
        assessment,
        q,
        1,
        {
            first.id: (files.PDF, "内审报告.pdf", "2026-03-31"),
            second.id: (files.docx(), "管理评审记录.docx", "2026-06-30"),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    rows = sorted(_files(db_session, assessment), key=lambda r: r.question_id != first.id)
    assert [r.original_name for r in rows] == ["内审报告.pdf", "管理评审记录.docx"]
    assert rows[0].mime == "application/pdf"
    assert rows[1].mime.endswith("wordprocessingml.document")
    assert rows[0].sha256 == hashlib.sha256(files.PDF).hexdigest()
    assert rows[0].applies_on.isoformat() == "2026-03-31"
    assert rows[0].stored_path.startswith("evidence/") and "内审" not in rows[0].stored_path
    assert _on_disk(app, rows[0]).read_bytes() == files.PDF

    page = client.get(f"/assessments/{assessment.id}/section/1", headers=EN).get_data(True)
    assert 'enctype="multipart/form-data"' in page
    assert "内审报告.pdf" in page and "applies on 2026-03-31" in page
    assert f'name="remove_file" value="{rows[0].id}"' in page

    resp = _post_section(client, assessment, q, 1, {}, extra={"remove_file": str(rows[0].id)})
    assert resp.status_code == 302
    left = _files(db_session, assessment)
    assert [r.original_name for r in left] == ["管理评审记录.docx"]
    assert not _on_disk(app, rows[0]).exists()
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"evidence.attach", "evidence.remove"} <= actions


def test_files_are_checked_by_content_and_size_never_by_name(app, client, actors, db_session):
    officer = actors.officer()
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    qid = q.sections[0].questions[0].id
    cap = app.config["MAX_UPLOAD_BYTES"]
    cases = [
        (b"just some text, not a document", "记录.pdf", "2026-01-01", "Only PDF, JPEG, PNG"),
        (files.EXE, "report.pdf", "2026-01-01", "Only PDF, JPEG, PNG"),  # a renamed program
        (files.plain_zip(), "records.docx", "2026-01-01", "Only PDF, JPEG, PNG"),
        (files.docx_bomb(), "bomb.docx", "2026-01-01", "Only PDF, JPEG, PNG"),
        (files.corrupt_docx(), "damaged.docx", "2026-01-01", "Only PDF, JPEG, PNG"),
        (b"%PDF-1.4" + b"0" * cap, "big.pdf", "2026-01-01", "larger than"),
        (files.PDF, "nodate.pdf", "", "Give the date the evidence applies to."),
        (files.PDF, "baddate.pdf", "31/12/2026", "YYYY-MM-DD"),
        (files.PDF, "future.pdf", "2999-01-01", "cannot be in the future"),
    ]
    for content, name, day, message in cases:
        resp = _post_section(client, assessment, q, 1, {qid: (content, name, day)})
        assert resp.status_code == 422, name
        page = resp.get_data(as_text=True)
        assert message in page, name
        assert 'class="invalid-feedback"' in page and "Choose the file again." in page
    assert _files(db_session, assessment) == []
    folder = Path(app.config["UPLOAD_FOLDER"]) / "evidence"
    before = set(folder.iterdir()) if folder.exists() else set()

    # The real office kinds, named anything, are accepted by what they contain.
    resp = _post_section(client, assessment, q, 1, {qid: (files.xlsx(), "台账", "2026-02-01")})
    assert resp.status_code == 302
    (row,) = _files(db_session, assessment)
    assert row.mime.endswith("spreadsheetml.sheet") and row.stored_path.endswith(".xlsx")
    assert len(set(folder.iterdir()) - before) == 1  # nothing of the refused files was kept


def test_a_png_renamed_as_docx_is_kept_as_the_png_it_is(client, actors, db_session):
    officer = actors.officer()
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    qid = q.sections[0].questions[0].id
    resp = _post_section(client, assessment, q, 1, {qid: (files.PNG, "照片.docx", "2026-02-01")})
    assert resp.status_code == 302
    (row,) = _files(db_session, assessment)
    assert row.mime == "image/png" and row.stored_path.endswith(".png")


def _submit(client, assessment):
    resp = client.post(f"/assessments/{assessment.id}/submit", headers=EN)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]


def test_files_of_a_submission_are_read_only_and_stay_when_it_is_returned(
    client, actors, db_session
):
    officer = actors.officer()
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    qid = q.sections[0].questions[0].id
    _post_section(client, assessment, q, 1, {qid: (files.PDF, "a.pdf", "2026-01-01")})
    _submit(client, assessment)
    (row,) = _files(db_session, assessment)
    # Submitted: the section page is read-only, a removal is refused, the file stays.
    resp = _post_section(client, assessment, q, 1, {}, extra={"remove_file": str(row.id)})
    assert resp.status_code == 302 and "/result" in resp.headers["Location"]
    assert len(_files(db_session, assessment)) == 1
    # Returned by the bureau: editable again, the handed-in file stays, a new one may be added
    # and removed again.
    review.review_submission(assessment, actors.regulator("440000"), "return", "请补充")
    db_session.flush()
    assert assessment.status == AssessmentStatus.RETURNED
    resp = _post_section(client, assessment, q, 1, {}, extra={"remove_file": str(row.id)})
    assert resp.status_code == 422
    assert "handed in with the submission and stays" in resp.get_data(as_text=True)
    resp = _post_section(client, assessment, q, 1, {qid: (files.PDF, "b.pdf", "2026-02-01")})
    assert resp.status_code == 302
    new = next(r for r in _files(db_session, assessment) if r.original_name == "b.pdf")
    resp = _post_section(client, assessment, q, 1, {}, extra={"remove_file": str(new.id)})
    assert resp.status_code == 302
    assert [r.original_name for r in _files(db_session, assessment)] == ["a.pdf"]


def test_regulator_questions_an_answer_and_the_officer_responds_with_a_file(
    client, actors, db_session
):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    regulator = actors.regulator("440100")
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    qid = q.sections[0].questions[0].id
    _post_section(client, assessment, q, 1, {qid: (files.PDF, "内审.pdf", "2026-01-01")})
    _submit(client, assessment)
    logout(client)

    login(client, regulator)
    url = f"/regulator/submissions/{assessment.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Review the evidence of an answer" in page and "内审.pdf" in page
    # Field-level messages, never a 500.
    for data, message in [
        (
            {"question_id": qid, "verdict": "needs_more", "comment": ""},
            "Say what evidence is missing.",
        ),
        ({"question_id": qid, "verdict": "maybe"}, "Choose whether the evidence is sufficient"),
        ({"question_id": "no-such", "verdict": "sufficient"}, "Choose a question of this"),
        ({"question_id": qid, "verdict": "needs_more", "comment": "长" * 2001}, "too long"),
    ]:
        resp = client.post(f"{url}/evidence-review", data=data, headers=EN)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), data
    resp = client.post(
        f"{url}/evidence-review",
        data={
            "question_id": qid,
            "verdict": "needs_more",
            "comment": "请补充最近一次内审的不符合项关闭记录",
        },
        headers=EN,
    )
    assert resp.status_code == 302
    row = db_session.scalar(
        select(EvidenceReview).where(EvidenceReview.assessment_id == assessment.id)
    )
    assert row.author_role == "regulator" and row.verdict.value == "needs_more"
    logout(client)

    login(client, officer)
    page = client.get(f"/assessments/{assessment.id}/result", headers=EN).get_data(as_text=True)
    assert 'id="evidence-questioned"' in page and "请补充最近一次内审的不符合项关闭记录" in page
    assert "awaiting the enterprise" in page
    resp = client.post(
        f"/assessments/{assessment.id}/evidence/respond",
        data={"question_id": qid, "comment": ""},
        headers=EN,
    )
    assert resp.status_code == 422 and "Say what you add" in resp.get_data(as_text=True)
    resp = client.post(
        f"/assessments/{assessment.id}/evidence/respond",
        data={
            "question_id": qid,
            "comment": "已上传关闭记录",
            "file": (io.BytesIO(files.xlsx()), "关闭记录.xlsx"),
            "file_date": "2026-04-01",
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert resp.status_code == 302
    # A second response to the same request is refused: nothing is open any more.
    resp = client.post(
        f"/assessments/{assessment.id}/evidence/respond",
        data={"question_id": qid, "comment": "再来一次"},
        headers=EN,
    )
    assert resp.status_code == 422 and "No request for more evidence is open" in resp.get_data(True)
    names = sorted(r.original_name for r in _files(db_session, assessment))
    assert names == ["关闭记录.xlsx", "内审.pdf"]
    page = client.get(f"/assessments/{assessment.id}/result", headers=EN).get_data(as_text=True)
    assert 'id="evidence-questioned"' not in page
    assert "已上传关闭记录" in page and "More evidence needed" in page  # the history stays
    logout(client)

    login(client, regulator)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "已上传关闭记录" in page and "关闭记录.xlsx" in page and "(Enterprise)" in page
    actions = list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("evidence.review") == 1 and actions.count("evidence.respond") == 1


def test_other_cities_and_other_enterprises_get_nothing(client, actors, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    other_officer = actors.officer(actors.enterprise(city="440100"))
    other_city = actors.regulator("440300")
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    qid = q.sections[0].questions[0].id
    _post_section(client, assessment, q, 1, {qid: (files.PDF, "内审.pdf", "2026-01-01")})
    (row,) = _files(db_session, assessment)
    own = client.get(f"/assessments/evidence/{row.id}")
    assert own.status_code == 200 and own.data == files.PDF
    assert own.headers["Content-Disposition"].startswith("attachment")
    assert own.headers["Cache-Control"] == "private, no-store"
    assert own.mimetype == "application/pdf"
    logout(client)

    # A draft's files are the enterprise's alone, even for its own city's regulator.
    login(client, actors.regulator("440100"))
    assert client.get(f"/assessments/evidence/{row.id}").status_code == 404
    logout(client)
    login(client, officer)
    _submit(client, assessment)
    logout(client)

    login(client, other_officer)
    assert client.get(f"/assessments/evidence/{row.id}").status_code == 404
    logout(client)
    login(client, other_city)
    assert client.get(f"/assessments/evidence/{row.id}").status_code == 404
    assert client.get(f"/regulator/submissions/{assessment.id}").status_code == 404
    resp = client.post(
        f"/regulator/submissions/{assessment.id}/evidence-review",
        data={"question_id": qid, "verdict": "sufficient"},
    )
    assert resp.status_code == 404
    logout(client)
    login(client, actors.regulator("440100"))
    assert client.get(f"/assessments/evidence/{row.id}").status_code == 200
    logout(client)
    login(client, actors.admin())
    assert client.get(f"/assessments/evidence/{row.id}").status_code == 200
    assert db_session.scalar(select(EvidenceReview.id)) is None


def test_high_claims_without_evidence_are_flagged_and_filterable(client, actors, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    regulator = actors.regulator("440100")
    flagged, q, high = _draft(actors, officer, high_without_note=2)
    login(client, officer)
    # A file supports the first high claim; the second stays unsupported.
    first = next(i for i, s in enumerate(q.sections, 1) if high[0] in {x.id for x in s.questions})
    _post_section(client, flagged, q, first, {high[0]: (files.PDF, "证据.pdf", "2026-01-01")})
    _submit(client, flagged)
    db_session.expire_all()
    assert db_session.get(Assessment, flagged.id).unsupported_claims == 1
    page = client.get(f"/assessments/{flagged.id}/result", headers=EN).get_data(as_text=True)
    assert 'id="unsupported-claims"' in page
    assert "1 answer claims a high level with neither an evidence note nor a file" in page
    assert f'data-question="{high[1]}"' in page and f'data-question="{high[0]}"' not in page

    # A second enterprise's submission with every answer supported.
    other = actors.officer(actors.enterprise(city="440100"))
    clean, _q, _ = _draft(actors, other)
    services.submit_assessment(clean, other)
    db_session.flush()
    logout(client)

    login(client, regulator)
    page = client.get(f"/regulator/submissions/{flagged.id}", headers=EN).get_data(as_text=True)
    assert 'id="unsupported-claims"' in page and "High claim without evidence" in page
    listed = client.get("/regulator/submissions?unsupported_claims=1", headers=EN).get_data(True)
    assert f'/regulator/submissions/{flagged.id}"' in listed
    assert f'/regulator/submissions/{clean.id}"' not in listed
    assert 'id="f-unsupported" name="unsupported_claims" value="1" checked' in listed
    everything = client.get("/regulator/submissions", headers=EN).get_data(True)
    assert f'/regulator/submissions/{clean.id}"' in everything


def test_the_pdf_lists_each_file_with_its_date_and_digest_and_the_flags(client, actors, db_session):
    officer = actors.officer()
    assessment, q, high = _draft(actors, officer, high_without_note=1)
    login(client, officer)
    qid = next(x.id for x in q.sections[0].questions if x.id not in high)
    _post_section(client, assessment, q, 1, {qid: (files.PDF, "internal-audit.pdf", "2026-03-31")})
    _submit(client, assessment)
    for lang in ("en", "zh"):
        resp = client.get(f"/reports/{assessment.id}.pdf?lang={lang}")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
        assert "internal-audit.pdf" in text and "2026-03-31" in text
        assert hashlib.sha256(files.PDF).hexdigest() in text.replace("\n", "")
    en = client.get(f"/reports/{assessment.id}.pdf?lang=en").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(en)).pages)
    assert "High claims without evidence" in text and "Evidence files" in text


def test_the_api_parses_the_unsupported_claims_filter(app):
    import pytest
    from werkzeug.datastructures import MultiDict

    from cqo_portal.api.services import ApiQueryError, submission_filter

    with app.test_request_context():
        assert submission_filter(MultiDict({"unsupported_claims": "true"})).unsupported_claims
        assert not submission_filter(MultiDict({"unsupported_claims": "false"})).unsupported_claims
        assert not submission_filter(MultiDict()).unsupported_claims
        with pytest.raises(ApiQueryError):
            submission_filter(MultiDict({"unsupported_claims": "yes"}))


def test_ids_too_large_for_the_database_are_no_such_file(client, actors, db_session):
    """A file id or a removal beyond what a row id can be is "not found", never a server error."""
    officer = actors.officer()
    assessment, q, _ = _draft(actors, officer)
    login(client, officer)
    huge = "99999999999999999999"
    assert client.get(f"/assessments/evidence/{huge}").status_code == 404
    resp = _post_section(client, assessment, q, 1, {}, extra={"remove_file": huge})
    assert resp.status_code in (200, 302)
    assert _files(db_session, assessment) == []
