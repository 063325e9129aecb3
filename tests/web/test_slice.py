"""The vertical slice as users live it: officer registers, fills, submits, downloads; regulator reviews."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from cqo_portal import rollups
from cqo_portal.models import Assessment, Enterprise, Report, User
from tests.factories import login


def _valid_uscc() -> str:
    from stdnum.cn import uscc

    body = "91440101MA59XYD00"
    return body + uscc.calc_check_digit(body)


def _fill_all(client, assessment_id: int, q, level: str = "top") -> None:
    from cqo_portal.core.questionnaire import AnswerType

    for index, sec in enumerate(q.sections, start=1):
        data = {"revision": "", "go": "next"}
        for question in sec.questions:
            p = f"q-{question.id}-"
            data[p + "present"] = "1"
            t = question.answer_type
            if t is AnswerType.MATURITY:
                value = "5" if level == "top" else "2"
            elif t is AnswerType.BAND:
                value = "100" if level == "top" else "40"
            elif t is AnswerType.YES_PARTLY_NO:
                value = "yes" if level == "top" else "partly"
            elif t is AnswerType.CHOICE:
                value = max(question.options, key=lambda o: o.score).id
            elif t is AnswerType.NUMBER:
                value = str(question.max if question.max is not None else 10)
            else:
                value = "我们每季度召开质量例会。"
            data[p + "value"] = value
            data[p + "evidence"] = f"证据 {question.id}"
        resp = client.post(f"/assessments/{assessment_id}/section/{index}", data=data)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def test_officer_registers_fills_submits_and_regulator_downloads(app, client, runner, db_session):
    # Register an account.
    resp = client.post(
        "/register",
        data={
            "name": "陈质量",
            "email": "Chen@Example.cn",
            "password": "quality-2026",
            "confirm": "quality-2026",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/enterprise/register")

    # A wrong check character is refused with a precise message; the values stay in the form.
    bad = _valid_uscc()[:-1] + ("0" if _valid_uscc()[-1] != "0" else "1")
    form = {
        "name": "广州粤华精密制造有限公司",
        "uscc": bad,
        "city_code": "440100",
        "industry_section": "C",
        "industry_division": "C34",
        "size_class": "medium",
        "address": "广州市黄埔区科学城1号",
    }
    resp = client.post("/enterprise/register", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "广州粤华精密制造有限公司" in page and "广州市黄埔区科学城1号" in page
    assert "check character" in page or "校验码" in page

    # The real code, typed in lower case with spaces, is accepted and stored normalised.
    form["uscc"] = " ".join(re.findall(".{1,6}", _valid_uscc().lower()))
    resp = client.post("/enterprise/register", data=form)
    assert resp.status_code == 302
    ent = db_session.scalar(select(Enterprise).where(Enterprise.uscc == _valid_uscc()))
    assert ent is not None and ent.name == "广州粤华精密制造有限公司"
    officer = db_session.scalar(select(User).where(User.email == "chen@example.cn"))
    assert officer.enterprise_id == ent.id

    # Start the built-in questionnaire, fill every section, submit.
    from cqo_portal.assessments.services import questionnaire_of
    from tests.factories import Actors

    qv = Actors(db_session).questionnaire("cqo-qms")
    resp = client.post("/assessments/start", data={"questionnaire_version_id": qv.id})
    assert resp.status_code == 302
    assessment = db_session.scalar(select(Assessment).where(Assessment.enterprise_id == ent.id))
    q = questionnaire_of(qv)
    assert "1" in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    _fill_all(client, assessment.id, q, level="mid")
    resp = client.post(f"/assessments/{assessment.id}/submit")
    assert resp.status_code == 302
    db_session.refresh(assessment)
    assert assessment.status.value == "submitted"
    assert 0 < assessment.total_points < assessment.max_points

    # The result page shows the score and the plan.
    resp = client.get(f"/assessments/{assessment.id}/result", headers={"Accept-Language": "zh-CN"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"{assessment.total_points:,.1f}" in page

    # Download the Chinese PDF and read it.
    resp = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    officer_pdf = resp.data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(officer_pdf)).pages)
    assert "广州粤华精密制造有限公司" in text
    assert f"{assessment.total_points:.1f}" in text
    client.post("/logout")

    # A regulator created on the command line sees it, opens it, downloads the same PDF.
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "gz@bureau.gov.cn",
            "--name",
            "广州市局",
            "--role",
            "regulator",
            "--jurisdiction",
            "440100",
            "--password",
            "bureau-2026-x",
        ]
    )
    assert result.exit_code == 0, result.output
    login(client, "gz@bureau.gov.cn", "bureau-2026-x")
    page = client.get("/regulator/submissions").get_data(as_text=True)
    assert "广州粤华精密制造有限公司" in page
    page = client.get(f"/regulator/submissions/{assessment.id}").get_data(as_text=True)
    assert _valid_uscc() in page
    resp = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert resp.status_code == 200 and resp.data == officer_pdf
    assert db_session.scalar(select(Report).where(Report.assessment_id == assessment.id)).sha256


def test_shenzhen_regulator_cannot_see_guangzhou_submission(client, actors, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    sz = actors.regulator("440300")
    from cqo_portal.assessments.services import start_assessment

    a = start_assessment(ent, actors.questionnaire(), officer)
    a.status = a.status.__class__("submitted")
    rollups.refresh_enterprises(db_session, [ent.id])  # written directly, counted here
    login(client, sz)
    assert client.get(f"/regulator/submissions/{a.id}").status_code == 404
    assert client.get(f"/reports/{a.id}.pdf").status_code == 404
    assert ent.name not in client.get("/regulator/submissions").get_data(as_text=True)
