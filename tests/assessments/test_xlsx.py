"""Offline filling in Excel: template download, round trip of every answer, and precise reports
of the rows that cannot be read (nothing saved when the file itself is unusable)."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select

from cqo_portal.assessments import services, xlsx
from cqo_portal.models import Assessment, AuditEvent
from tests.assessments.helpers import fill_everything, section_form, stored
from tests.factories import login, logout


def _start(client, actors, key):
    qv = actors.questionnaire(key)
    resp = client.post("/assessments/start", data={"questionnaire_version_id": qv.id})
    assessment = actors.session.get(Assessment, int(resp.headers["Location"].split("/")[-1]))
    return assessment, services.questionnaire_of(qv)


def _upload(client, data: bytes, name: str = "filled.xlsx"):
    return client.post(
        "/assessments/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def _count_assessments(db_session, enterprise_id):
    return db_session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.enterprise_id == enterprise_id)
    )


@pytest.mark.parametrize("key", ["cqo-qms", "gbt19580"])
def test_xlsx_round_trip_keeps_every_answer(app, client, actors, db_session, key):
    # One enterprise fills everything on the web (incl. N/A with reasons and evidence notes)...
    officer = actors.officer()
    login(client, officer)
    source, q = _start(client, actors, key)
    fill_everything(client, source, q)
    expected = stored(db_session, source)
    assert len(expected) == len(q.questions)
    assert any(a.na for a in expected.values()) == any(x.allow_na for x in q.questions)
    resp = client.get(f"/assessments/{source.id}/answers.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = resp.data
    logout(client)

    # ...and a colleague of another enterprise uploads that workbook: a draft with the same answers.
    other = actors.officer()
    other_client = app.test_client()
    login(other_client, other)
    resp = _upload(other_client, workbook)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    draft = db_session.scalar(
        select(Assessment).where(Assessment.enterprise_id == other.enterprise_id)
    )
    assert draft.questionnaire.key == key and draft.status.value == "draft"
    assert stored(db_session, draft) == expected

    # Uploading the unchanged workbook again changes nothing.
    revision = draft.revision
    assert _upload(other_client, workbook).status_code == 302
    db_session.refresh(draft)
    assert draft.revision == revision


def test_template_layout_instructions_validation_and_frozen_header(client, actors):
    login(client, actors.officer())
    qv = actors.questionnaire("cqo-qms")
    q = services.questionnaire_of(qv)
    resp = client.get(f"/assessments/questionnaires/{qv.id}/template.xlsx")
    assert resp.status_code == 200
    assert "cqo-qms-2027.1-template.xlsx" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    # The workbook reads in both languages whatever the page's language.
    assert wb.sheetnames[0] == xlsx.instructions_sheet() == "说明 Instructions"
    assert wb[xlsx.META_SHEET].sheet_state == "veryHidden"
    info = wb[xlsx.instructions_sheet()]
    assert [info["A1"].value, info["B1"].value] == ["中文", "English"]
    assert info["A2"].value == f"{q.title.zh}（版本 {q.version}）"
    assert info["B2"].value == f"{q.title.en} (version {q.version})"
    text = " ".join(str(c.value) for row in info.iter_rows() for c in row)
    assert "“不适用理由”列写明理由" in text and "in the N/A reason column" in text
    sections = [n for n in wb.sheetnames if n not in (xlsx.instructions_sheet(), xlsx.META_SHEET)]
    assert len(sections) == len(q.sections)
    ws = wb[sections[0]]
    assert ws.freeze_panes == "C2"
    assert ws["A1"].value == "题目编号（勿改）\nQuestion id (do not change)"
    assert ws["G1"].value == "答案\nAnswer"
    allowed = ws["F2"].value
    assert allowed.startswith("填 0–5 级：\n0 ") and "\n\nEnter a level 0–5:\n0 " in allowed
    assert [ws.cell(row=i + 2, column=1).value for i in range(len(q.sections[0].questions))] == [
        x.id for x in q.sections[0].questions
    ]
    assert ws.protection.sheet and not ws["G2"].protection.locked and ws["C2"].protection.locked
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"0,1,2,3,4,5"' in lists
    [error] = {dv.error for dv in ws.data_validations.dataValidation}
    zh, en = error.split(" / ")
    assert (zh, en) == (
        "请从下拉列表选择或按“可填写的值”填写",
        "Choose from the list or see Allowed values",
    )
    # A blank template creates nothing when uploaded empty except the draft itself.
    resp = _upload(client, resp.data)
    assert resp.status_code == 302


def _sheet_for(wb, q, question_id):
    for name in wb.sheetnames:
        if name in (xlsx.instructions_sheet(), xlsx.META_SHEET):
            continue
        for row in wb[name].iter_rows(min_row=2):
            if row[0].value == question_id:
                return name, row[0].row
    raise AssertionError(question_id)


def test_unreadable_rows_are_reported_by_sheet_row_and_reason(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    qv = actors.questionnaire("cqo-qms")
    q = services.questionnaire_of(qv)
    wb = load_workbook(
        io.BytesIO(client.get(f"/assessments/questionnaires/{qv.id}/template.xlsx").data)
    )
    sec1 = q.sections[0].questions
    na_q = next(x for x in q.questions if x.allow_na)
    plan = {
        sec1[0].id: {"G": 3, "J": "管理评审记录"},  # good
        sec1[1].id: {"G": 7},  # level out of range
        sec1[2].id: {"G": "4", "H": "maybe"},  # bad N/A marker
        na_q.id: {"H": "是/yes"},  # N/A without a reason
    }
    for qid, cells in plan.items():
        name, row = _sheet_for(wb, q, qid)
        for col, value in cells.items():
            wb[name][f"{col}{row}"] = value
    first = wb.sheetnames[1]
    ws = wb[first]
    extra = ws.max_row + 1
    ws[f"A{extra}"] = "no-such-question"
    ws[f"G{extra}"] = 2
    ws[f"A{extra + 1}"] = sec1[0].id  # the same question twice
    ws[f"G{extra + 1}"] = 1
    ws[f"A{extra + 2}"] = None
    ws[f"G{extra + 2}"] = 5  # an answer without a question id
    out = io.BytesIO()
    wb.save(out)

    resp = _upload(client, out.getvalue())
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    name1, _r = _sheet_for(wb, q, sec1[1].id)
    expect = [
        (name1, _sheet_for(wb, q, sec1[1].id)[1], "Choose a level from 0 to 5", "请选择 0–5 级"),
        (name1, _sheet_for(wb, q, sec1[2].id)[1], "the N/A column takes", "“不适用”列只能填"),
        (*_sheet_for(wb, q, na_q.id), "N/A needs a reason", "不适用需要说明理由"),
        (first, extra, "the questionnaire has no question no-such-question", "问卷中没有题目编号"),
        (first, extra + 1, f"question {sec1[0].id} appears twice", "重复出现"),
        (first, extra + 2, "the question id (first column) is missing", "缺少题目编号"),
    ]
    for sheet, row, en, zh in expect:
        assert (f"sheet {sheet}, row {row}: {en}" in page) or (
            f"工作表“{sheet}”第 {row} 行：{zh}" in page
        ), (sheet, row, en)
    draft = db_session.scalar(
        select(Assessment).where(Assessment.enterprise_id == officer.enterprise_id)
    )
    answers = stored(db_session, draft)
    assert answers[sec1[0].id].value == 3 and answers[sec1[0].id].evidence == "管理评审记录"
    assert set(answers) == {sec1[0].id}


def test_the_problem_messages_are_in_the_request_language(app, actors, db_session):
    officer = actors.officer()
    qv = actors.questionnaire("cqo-qms")
    q = services.questionnaire_of(qv)
    with app.test_request_context():
        wb = load_workbook(io.BytesIO(xlsx.build_workbook(q)))
    name, row = _sheet_for(wb, q, q.questions[0].id)
    wb[name][f"G{row}"] = "L9"
    out = io.BytesIO()
    wb.save(out)
    expected = {
        "en": f"sheet {name}, row {row}: Choose a level from 0 to 5",
        "zh": f"工作表“{name}”第 {row} 行：请选择 0–5 级",
    }
    for lang, message in expected.items():
        with app.test_request_context(), force_locale(lang):
            result = xlsx.import_workbook(
                officer.enterprise, out.getvalue(), officer, max_bytes=10**7
            )
            [problem] = result.problems
            assert problem.message == message


def test_a_workbook_reads_back_whatever_language_its_headers_are_in(app, actors, db_session):
    """Headers are found by their label in either language, even in a single-language header;
    the instructions sheet is known by the name it was written with, not by today's wording."""
    officer = actors.officer()
    qv = actors.questionnaire("cqo-qms")
    q = services.questionnaire_of(qv)
    with app.test_request_context():
        wb = load_workbook(io.BytesIO(xlsx.build_workbook(q)))
    first, second = q.sections[0].questions[:2]
    name, row = _sheet_for(wb, q, first.id)
    ws = wb[name]
    for cell in ws[1]:
        zh, en = cell.value.split("\n")
        cell.value = en.upper() if cell.column % 2 else zh
    ws[f"G{row}"] = 4
    ws[f"G{_sheet_for(wb, q, second.id)[1]}"] = 2
    wb.worksheets[0].title = "填写说明 Instructions"
    meta = {r[0].value: r[1] for r in wb[xlsx.META_SHEET].iter_rows()}
    assert meta["instructions"].value == xlsx.instructions_sheet()
    meta["instructions"].value = "填写说明 Instructions"
    out = io.BytesIO()
    wb.save(out)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        result = xlsx.import_workbook(officer.enterprise, out.getvalue(), officer, max_bytes=10**7)
    assert result.problems == [] and result.saved == 2
    answers = stored(db_session, result.assessment)
    assert answers[first.id].value == 4 and answers[second.id].value == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a spreadsheet at all", "answers.xlsx", xlsx.ERR_NOT_XLSX),
        (b"PK\x03\x04broken zip", "answers.xlsx", xlsx.ERR_NOT_XLSX),
        (None, "plain.xlsx", xlsx.ERR_NOT_TEMPLATE),
        (b"x" * 64, "answers.csv", None),
    ],
)
def test_an_unreadable_file_saves_nothing(app, client, actors, db_session, content, name, message):
    officer = actors.officer()
    login(client, officer)
    if content is None:
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(["id", "value"])
        buf = io.BytesIO()
        wb.save(buf)
        content = buf.getvalue()
    events = db_session.scalar(select(func.count()).select_from(AuditEvent))
    resp = _upload(client, content, name)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    if message is not None:
        with app.test_request_context():
            in_each = []
            for lang in ("zh", "en"):
                with force_locale(lang):
                    in_each.append(str(message))
        assert in_each[0] != in_each[1] and any(m in page for m in in_each)
    else:
        assert "Upload the .xlsx workbook downloaded from the portal." in page
    assert _count_assessments(db_session, officer.enterprise_id) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_file_over_the_size_cap_is_refused(app, client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    qv = actors.questionnaire("cqo-qms")
    data = xlsx.build_workbook(services.questionnaire_of(qv))
    cap = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = len(data) - 1
    try:
        resp = _upload(client, data)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = cap
    assert resp.status_code == 422
    assert _count_assessments(db_session, officer.enterprise_id) == 0


def test_a_stale_workbook_does_not_overwrite_newer_web_answers(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors, "cqo-qms")
    sec = q.sections[0]
    q1, q2, q3 = sec.questions[:3]
    client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(
            sec, {q1.id: {"value": "1"}, q2.id: {"value": "1"}, q3.id: {"value": "1"}}
        ),
    )
    wb = load_workbook(io.BytesIO(client.get(f"/assessments/{assessment.id}/answers.xlsx").data))
    # Meanwhile a colleague changes q1 on the web.
    client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(
            sec, {q1.id: {"value": "4"}, q2.id: {"value": "1"}, q3.id: {"value": "1"}}
        ),
    )
    # The workbook changes q1 too (conflict), q2 (saved) and clears q3 (cleared on purpose).
    name, r1 = _sheet_for(wb, q, q1.id)
    wb[name][f"G{r1}"] = 2
    wb[name][f"G{_sheet_for(wb, q, q2.id)[1]}"] = 5
    wb[name][f"G{_sheet_for(wb, q, q3.id)[1]}"] = None
    out = io.BytesIO()
    wb.save(out)
    resp = _upload(client, out.getvalue())
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert (f"sheet {name}, row {r1}: the answer was changed in the portal" in page) or (
        f"工作表“{name}”第 {r1} 行：下载后门户中的答案已被修改" in page
    )
    answers = stored(db_session, assessment)
    assert answers[q1.id].value == 4  # the newer web answer is kept and the clash reported
    assert answers[q2.id].value == 5
    assert q3.id not in answers or answers[q3.id].value is None


def test_a_blank_row_does_not_erase_a_saved_answer(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors, "cqo-qms")
    sec = q.sections[0]
    client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {sec.questions[0].id: {"value": "3", "evidence": "记录"}}),
    )
    blank = client.get(f"/assessments/questionnaires/{assessment.questionnaire.id}/template.xlsx")
    wb = load_workbook(io.BytesIO(blank.data))
    name, row = _sheet_for(wb, q, sec.questions[1].id)
    wb[name][f"G{row}"] = 2
    out = io.BytesIO()
    wb.save(out)
    assert _upload(client, out.getvalue()).status_code == 302
    answers = stored(db_session, assessment)
    assert answers[sec.questions[0].id].value == 3 and answers[sec.questions[1].id].value == 2
