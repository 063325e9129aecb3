"""An officer fills a questionnaire page by page: N/A reasons, evidence notes, resume, submit,
read-only after submission, new cycles, and two tabs editing the same draft."""

from __future__ import annotations

from sqlalchemy import func, select

from cqo_portal import rollups
from cqo_portal.assessments import services
from cqo_portal.models import Assessment, AssessmentAnswer, AssessmentStatus
from tests.assessments.helpers import (
    fill_everything,
    page_state,
    section_form,
    stored,
)
from tests.factories import login, logout


def _start(client, actors, key="cqo-qms", prefill=False):
    qv = actors.questionnaire(key)
    data = {"questionnaire_version_id": qv.id}
    if prefill:
        data["prefill"] = "1"
    resp = client.post("/assessments/start", data=data)
    assert resp.status_code == 302
    assessment_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    assessment = actors.session.get(Assessment, assessment_id)
    return assessment, services.questionnaire_of(qv)


def test_one_section_per_page_with_progress_and_next_previous(client, actors):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    overview = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'aria-valuenow="0"' in overview
    for i, sec in enumerate(q.sections, start=1):
        assert f"/assessments/{assessment.id}/section/{i}" in overview
    page = client.get(f"/assessments/{assessment.id}/section/1").get_data(as_text=True)
    first, second = q.sections[0], q.sections[1]
    assert first.questions[0].text.en in page or first.questions[0].text.zh in page
    assert second.questions[0].id not in page  # one section per page
    assert 'id="autosave-status"' in page and "js/autosave.js" in page

    answers = {first.questions[0].id: {"value": "3"}}
    resp = client.post(
        f"/assessments/{assessment.id}/section/1", data=section_form(first, answers, go="next")
    )
    assert resp.headers["Location"].endswith(f"/assessments/{assessment.id}/section/2")
    resp = client.post(
        f"/assessments/{assessment.id}/section/2", data=section_form(second, {}, go="prev")
    )
    assert resp.headers["Location"].endswith(f"/assessments/{assessment.id}/section/1")
    overview = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert f"1 / {len(first.questions)}" in overview  # the section overview shows what is answered
    assert client.get(f"/assessments/{assessment.id}/section/99").status_code == 404


def test_na_needs_a_reason_and_every_question_takes_an_evidence_note(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    index, sec = next(
        (i, s) for i, s in enumerate(q.sections, 1) if any(x.allow_na for x in s.questions)
    )
    na_q = next(x for x in sec.questions if x.allow_na)
    other = next(x for x in sec.questions if x.id != na_q.id)

    resp = client.post(
        f"/assessments/{assessment.id}/section/{index}",
        data=section_form(
            sec,
            {
                na_q.id: {"na": True, "reason": "  ", "evidence": "见经营范围"},
                other.id: {"evidence": "质量手册 第3版，尚未评级"},
            },
        ),
        headers={"Accept-Language": "en"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "N/A needs a reason" in page or "不适用需要说明理由" in page
    answers = stored(db_session, assessment)
    assert na_q.id not in answers or not answers[na_q.id].na  # refused, not stored as N/A
    assert (
        answers[other.id].evidence == "质量手册 第3版，尚未评级"
    )  # a note without a value is kept
    assert answers[other.id].value is None

    resp = client.post(
        f"/assessments/{assessment.id}/section/{index}",
        data=section_form(
            sec, {na_q.id: {"na": True, "reason": "无设计开发活动", "evidence": "见经营范围"}}
        ),
    )
    assert resp.status_code == 302
    a = stored(db_session, assessment)[na_q.id]
    assert (a.na, a.na_reason, a.evidence) == (True, "无设计开发活动", "见经营范围")


def test_leave_and_resume_later_from_another_machine(app, client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    sec = q.sections[2]
    question = sec.questions[0]
    client.post(
        f"/assessments/{assessment.id}/section/3",
        data=section_form(sec, {question.id: {"value": "4", "evidence": "内审报告 2026"}}),
    )
    logout(client)
    assert client.get(f"/assessments/{assessment.id}/section/3").status_code == 302  # to login

    other_machine = app.test_client()
    login(other_machine, officer)
    page = other_machine.get("/assessments/").get_data(as_text=True)
    assert f"/assessments/{assessment.id}" in page
    page = other_machine.get(f"/assessments/{assessment.id}/section/3").get_data(as_text=True)
    assert f'name="q-{question.id}-value" value="4" checked' in page
    assert "内审报告 2026" in page
    # "Start or continue" reopens the same draft instead of a new one.
    resumed, _q = _start(other_machine, actors)
    assert resumed.id == assessment.id


def test_submit_lists_the_open_required_questions_with_links(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    fill_everything(client, assessment, q)
    # Clear two required answers again.
    sec3 = q.sections[2]
    req = [x for x in sec3.questions if x.required][:2]
    client.post(
        f"/assessments/{assessment.id}/section/3",
        data=section_form(sec3, {x.id: {"value": "2"} for x in sec3.questions if x not in req}),
    )
    resp = client.post(f"/assessments/{assessment.id}/submit", headers={"Accept-Language": "en"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    for x in req:
        assert f'href="/assessments/{assessment.id}/section/3#q-{x.id}"' in page
        assert x.text.zh in page or x.text.en in page
    db_session.refresh(assessment)
    assert assessment.status == AssessmentStatus.DRAFT and assessment.submitted_at is None


def _submitted(client, actors):
    """An officer, logged in, who has answered and submitted the questionnaire."""
    login(client, actors.officer())
    assessment, q = _start(client, actors)
    fill_everything(client, assessment, q)
    assert client.post(f"/assessments/{assessment.id}/submit").status_code == 302
    return assessment, q


def test_a_submitted_assessment_is_read_only(client, actors, db_session):
    assessment, q = _submitted(client, actors)
    db_session.refresh(assessment)
    before = {k: v for k, v in stored(db_session, assessment).items()}
    revision = assessment.revision
    sec = q.sections[0]
    change = {x.id: {"value": "0", "evidence": "改了"} for x in sec.questions}

    resp = client.post(f"/assessments/{assessment.id}/section/1", data=section_form(sec, change))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/result")
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, change),
        headers={"X-Requested-With": "fetch"},
    )
    assert resp.status_code == 409
    resp = client.post(f"/assessments/{assessment.id}/submit")
    assert resp.status_code == 403
    db_session.refresh(assessment)
    assert assessment.revision == revision and assessment.status == AssessmentStatus.SUBMITTED
    assert stored(db_session, assessment) == before
    # The section page itself now leads to the result.
    assert (
        client.get(f"/assessments/{assessment.id}/section/1")
        .headers["Location"]
        .endswith("/result")
    )


def test_a_new_cycle_starts_empty_or_prefilled_on_request(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    first, q = _start(client, actors)
    filled = fill_everything(client, first, q)
    assert client.post(f"/assessments/{first.id}/submit").status_code == 302

    fresh, _q = _start(client, actors)
    assert fresh.id != first.id and fresh.status == AssessmentStatus.DRAFT
    assert stored(db_session, fresh) == {}
    # The portal has no "discard draft" action; remove the empty draft here so the same
    # enterprise can start the cycle again, this time prefilled.
    db_session.delete(fresh)
    db_session.flush()

    prefilled, _q = _start(client, actors, prefill=True)
    assert prefilled.id != first.id and prefilled.status == AssessmentStatus.DRAFT
    answers = stored(db_session, prefilled)
    assert answers == stored(db_session, first)
    assert len(answers) == len(filled)
    n = db_session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.enterprise_id == officer.enterprise_id)
    )
    assert n == 2


def test_two_tabs_never_lose_an_answer_silently(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    sec = q.sections[0]
    q1, q2, q3 = sec.questions[0], sec.questions[1], sec.questions[2]
    client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {q1.id: {"value": "1"}, q2.id: {"value": "1"}}),
    )
    tab_a = page_state(client, assessment.id, 1)
    tab_b = dict(tab_a)  # the second tab loaded the same page

    # Tab A changes q1 and q2.
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {q1.id: {"value": "3"}, q2.id: {"value": "2"}}, tab_a),
    )
    assert resp.status_code == 302
    # Tab B, still showing the old page, changes q1 differently and q3; q2 is left as loaded.
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(
            sec, {q1.id: {"value": "5"}, q2.id: {"value": "1"}, q3.id: {"value": "4"}}, tab_b
        ),
        headers={"Accept-Language": "en"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "has-conflict" in page and 'role="alert"' in page
    assert f'id="q-{q1.id}"' in page and "has-conflict" in page
    answers = stored(db_session, assessment)
    assert answers[q1.id].value == 3  # A's answer is not overwritten silently
    assert answers[q2.id].value == 2  # A's unrelated change survives B's stale copy
    assert answers[q3.id].value == 4  # B's unrelated change is saved
    assert page.count("has-conflict") == 1

    # Saving again from the conflict page keeps B's choice on purpose.
    tab_b = page_state(client, assessment.id, 1)
    html_state = page.split(f'name="q-{q1.id}-state" value="')[1].split('"')[0]
    tab_b[q1.id] = html_state
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(
            sec, {q1.id: {"value": "5"}, q2.id: {"value": "2"}, q3.id: {"value": "4"}}, tab_b
        ),
    )
    assert resp.status_code == 302
    assert stored(db_session, assessment)[q1.id].value == 5


def test_autosave_answers_json_and_reports_conflicts(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    sec = q.sections[0]
    q1 = sec.questions[0]
    state = page_state(client, assessment.id, 1)
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {q1.id: {"value": "2"}}, state),
        headers={"X-Requested-With": "fetch", "Accept": "application/json"},
    )
    body = resp.get_json()
    assert body["saved"] == 1 and body["conflicts"] == [] and body["errors"] == {}
    assert body["revision"] == int(state["revision"]) + 1
    assert body["states"][q1.id] == services.answer_state(stored(db_session, assessment)[q1.id])
    # A stale tab's autosave is told about the conflict instead of overwriting.
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {q1.id: {"value": "4"}}, state),
        headers={"X-Requested-With": "fetch"},
    )
    assert resp.get_json()["conflicts"] == [q1.id]
    assert stored(db_session, assessment)[q1.id].value == 2
    rows = db_session.scalar(
        select(func.count())
        .select_from(AssessmentAnswer)
        .where(AssessmentAnswer.assessment_id == assessment.id)
    )
    assert rows == 1


def test_officers_cannot_open_another_enterprises_draft(client, actors):
    owner = actors.officer()
    login(client, owner)
    assessment, _q = _start(client, actors)
    logout(client)
    login(client, actors.officer())
    assert client.get(f"/assessments/{assessment.id}/section/1").status_code == 404
    assert client.get(f"/assessments/{assessment.id}/answers.xlsx").status_code == 404


def test_a_long_free_text_answer_is_stored_whole(client, actors, db_session):
    from cqo_portal.core.questionnaire import AnswerType

    officer = actors.officer()
    login(client, officer)
    assessment, q = _start(client, actors)
    index, sec = next(
        (i, s)
        for i, s in enumerate(q.sections, 1)
        if any(x.answer_type is AnswerType.TEXT for x in s.questions)
    )
    question = next(x for x in sec.questions if x.answer_type is AnswerType.TEXT)
    text = "我们的质量改进经验：" + "每月召开质量分析会，跟踪纠正措施的关闭情况。" * 40
    resp = client.post(
        f"/assessments/{assessment.id}/section/{index}",
        data=section_form(sec, {question.id: {"value": text}}),
    )
    assert resp.status_code == 302
    assert stored(db_session, assessment)[question.id].value == text


def test_a_draft_can_be_discarded_after_a_ticked_confirmation(client, actors, db_session):
    from cqo_portal.models import AuditEvent

    officer = actors.officer()
    colleague = actors.officer(officer.enterprise)
    login(client, officer)
    assessment, q = _start(client, actors)
    sec = q.sections[0]
    client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(
            sec, {x.id: {"value": "3", "evidence": "月度质量例会纪要"} for x in sec.questions}
        ),
    )
    answered = len(stored(db_session, assessment))
    assert answered == len(sec.questions)
    overview = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert f"/assessments/{assessment.id}/discard" in overview

    # Without the tick: the page comes back with the reason, nothing is deleted.
    resp = client.post(f"/assessments/{assessment.id}/discard", data={})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "请勾选此项，确认要删除该草稿" in page and 'aria-invalid="true"' in page
    assert db_session.get(Assessment, assessment.id) is not None

    # A colleague of the same enterprise may delete it; everything goes in one transaction.
    logout(client)
    login(client, colleague)
    assessment_id = assessment.id
    resp = client.post(f"/assessments/{assessment_id}/discard", data={"confirm": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/assessments/")
    db_session.expire_all()
    assert db_session.get(Assessment, assessment_id) is None
    left = db_session.scalar(
        select(func.count())
        .select_from(AssessmentAnswer)
        .where(AssessmentAnswer.assessment_id == assessment_id)
    )
    assert left == 0
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.discard"))
    assert event.object_id == assessment_id and event.actor_id == colleague.id
    assert event.before["answers"] == answered and event.before["questionnaire"].startswith(
        "cqo-qms@"
    )
    assert "草稿及其回答已删除" in client.get("/assessments/").get_data(as_text=True)
    # The questionnaire can be started afresh.
    again, _q = _start(client, actors)
    assert again.status == AssessmentStatus.DRAFT and stored(db_session, again) == {}


def test_submissions_and_returned_ones_cannot_be_discarded(client, actors, db_session):
    assessment, _q = _submitted(client, actors)
    resp = client.post(f"/assessments/{assessment.id}/discard", data={"confirm": "y"})
    assert resp.status_code == 403
    assessment.status = AssessmentStatus.RETURNED  # sent back by the bureau: still a submission
    rollups.refresh_enterprises(db_session, [assessment.enterprise_id])
    db_session.commit()
    assert "/discard" not in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert (
        client.post(f"/assessments/{assessment.id}/discard", data={"confirm": "y"}).status_code
        == 403
    )
    db_session.expire_all()
    assert db_session.get(Assessment, assessment.id) is not None


def test_nobody_outside_the_enterprise_can_discard_its_draft(client, actors, db_session):
    owner = actors.officer()
    login(client, owner)
    assessment, _q = _start(client, actors)
    logout(client)
    for stranger in (actors.officer(), actors.regulator(), actors.admin()):
        login(client, stranger)
        resp = client.post(f"/assessments/{assessment.id}/discard", data={"confirm": "y"})
        assert resp.status_code == 404, stranger.role
        logout(client)
    db_session.expire_all()
    assert db_session.get(Assessment, assessment.id) is not None


def test_a_save_into_a_draft_deleted_meanwhile_is_refused_not_a_server_error(
    client, actors, monkeypatch
):
    """A colleague deletes the draft while this page saves into it: the database refuses the
    stale write (StaleDataError); the user gets 409 and a reason, not a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    login(client, actors.officer())
    assessment, q = _start(client, actors)

    def stale(*_a, **_k):
        raise StaleDataError("UPDATE statement on table 'assessments' expected 1 row; 0 matched")

    monkeypatch.setattr(services, "save_answers", stale)
    sec = q.sections[0]
    resp = client.post(
        f"/assessments/{assessment.id}/section/1",
        data=section_form(sec, {x.id: {"value": "2"} for x in sec.questions}),
    )
    assert resp.status_code == 409
    assert "有人在同一时间更改或删除了这条记录" in resp.get_data(as_text=True)


def test_a_draft_submitted_while_being_deleted_is_kept_with_a_message(
    client, actors, db_session, monkeypatch
):
    login(client, actors.officer())
    assessment, _q = _start(client, actors)

    def submitted_meanwhile(*_a, **_k):
        raise services.NotADraft("submitted")

    monkeypatch.setattr(services, "discard_draft", submitted_meanwhile)
    resp = client.post(f"/assessments/{assessment.id}/discard", data={"confirm": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{assessment.id}")
    assert "已作为提交保留" in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert db_session.get(Assessment, assessment.id) is not None
