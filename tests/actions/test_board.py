"""Officers plan actions from a result's plan step, keep them on a board and record progress."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from cqo_portal.actions import services as action_services
from cqo_portal.models import ActionNote, ActionStatus, AuditEvent, ImprovementAction
from tests.actions.helpers import action, maturity_ids, submitted
from tests.factories import login


def _setup(actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    assessment = submitted(actors, ent, officer, level=1)
    return ent, officer, assessment


def test_result_page_offers_an_action_per_plan_step_and_prefills_the_suggestion(client, actors):
    _ent, officer, assessment = _setup(actors)
    login(client, officer)
    html = client.get(f"/assessments/{assessment.id}/result").get_data(as_text=True)
    links = re.findall(r'href="(/actions/new/\d+/[^"]+)"', html)
    assert links
    form = client.get(links[0]).get_data(as_text=True)
    assert 'name="title"' in form and re.search(r'name="title"[^>]*value="[^"]+"', form)


def test_create_edit_and_status_changes_are_one_audited_write_each(client, actors, db_session):
    _ent, officer, assessment = _setup(actors)
    qid = maturity_ids(assessment)[0]
    login(client, officer)
    resp = client.post(
        f"/actions/new/{assessment.id}/{qid}",
        data={
            "title": "建立供应商质量月度评审",
            "owner_name": "采购部",
            "due_on": "2030-01-31",
            "expected_effect": "来料不良率下降",
        },
    )
    assert resp.status_code == 302
    a = db_session.scalar(select(ImprovementAction).where(ImprovementAction.question_id == qid))
    assert a.status == ActionStatus.PLANNED and a.enterprise_id == assessment.enterprise_id
    resp = client.post(
        f"/actions/{a.id}/status", data={"status": "in_progress", "note": "已召开启动会"}
    )
    assert resp.status_code == 302
    resp = client.post(f"/actions/{a.id}/status", data={"status": "done", "note": "评审制度已发布"})
    assert resp.status_code == 302
    db_session.refresh(a)
    assert a.status == ActionStatus.DONE and a.completed_on == action_services.local_today()
    notes = db_session.scalars(select(ActionNote).where(ActionNote.action_id == a.id)).all()
    assert [(n.status_after, n.note) for n in notes] == [
        (ActionStatus.IN_PROGRESS, "已召开启动会"),
        (ActionStatus.DONE, "评审制度已发布"),
    ]
    # Reopening clears the completion day.
    client.post(f"/actions/{a.id}/status", data={"status": "in_progress", "note": "复查发现遗漏"})
    db_session.refresh(a)
    assert a.status == ActionStatus.IN_PROGRESS and a.completed_on is None
    kinds = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "ImprovementAction", AuditEvent.object_id == a.id)
        .order_by(AuditEvent.id)
    ).all()
    assert kinds == ["action.create", "action.status", "action.status", "action.status"]
    page = client.get(f"/actions/{a.id}").get_data(as_text=True)
    assert "评审制度已发布" in page and "复查发现遗漏" in page


def test_bad_input_gives_field_messages_and_keeps_what_was_typed(client, actors, db_session):
    _ent, officer, assessment = _setup(actors)
    qid = maturity_ids(assessment)[0]
    login(
        client,
        officer,
    )
    client.post("/lang/en")
    resp = client.post(
        f"/actions/new/{assessment.id}/{qid}",
        data={"title": "Keep this title", "owner_name": "", "due_on": "31/01/2030"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'value="Keep this title"' in html and 'value="31/01/2030"' in html
    assert "Give the due date as YYYY-MM-DD." in html
    assert "Name the person or department accountable." in html
    assert db_session.scalar(select(ImprovementAction.id)) is None
    # A question that is not a step of this result's plan, and a non-number: 404, never a 500.
    assert client.get(f"/actions/new/{assessment.id}/nope").status_code == 404
    assert client.get("/actions/new/abc/x").status_code == 404
    a = action(assessment, qid, officer)
    db_session.flush()
    resp = client.post(f"/actions/{a.id}/status", data={"status": "done", "note": "  "})
    assert resp.status_code == 422
    assert "Write what was done or why the status changes." in resp.get_data(as_text=True)
    # A transition that is not allowed from "planned" (a forged or stale form).
    client.post(f"/actions/{a.id}/status", data={"status": "dropped", "note": "不做了"})
    resp = client.post(f"/actions/{a.id}/status", data={"status": "done", "note": "做完了"})
    assert resp.status_code == 422
    db_session.refresh(a)
    assert a.status == ActionStatus.DROPPED
    resp = client.post(
        f"/actions/{a.id}", data={"title": "", "owner_name": "x", "due_on": "2030-01-01"}
    )
    assert resp.status_code == 422 and "Say what will be done." in resp.get_data(as_text=True)


def test_notes_alone_keep_the_status(actors, db_session):
    _ent, officer, assessment = _setup(actors)
    a = action(assessment, maturity_ids(assessment)[0], officer)
    action_services.change_status(a, ActionStatus.PLANNED, "等待预算批准", officer)
    db_session.flush()
    assert a.status == ActionStatus.PLANNED and a.notes[-1].note == "等待预算批准"


def test_board_sorts_by_due_date_filters_and_highlights_overdue(client, actors, db_session):
    _ent, officer, assessment = _setup(actors)
    ids = maturity_ids(assessment)
    today = action_services.local_today()
    late = action(assessment, ids[0], officer, due=today - timedelta(days=3), title="逾期行动")
    due_today = action(assessment, ids[1], officer, due=today, title="今日到期")
    later = action(assessment, ids[2], officer, due=today + timedelta(days=9), title="下月行动")
    done = action(assessment, ids[3], officer, due=today - timedelta(days=9), title="已完成行动")
    action_services.change_status(done, ActionStatus.DONE, "完成", officer)
    db_session.flush()
    login(client, officer)
    html = client.get("/actions/").get_data(as_text=True)
    order = [html.index(t) for t in ("已完成行动", "逾期行动", "今日到期", "下月行动")]
    assert order == sorted(order)
    assert html.count("action-overdue") == 1
    assert 'id="nav-overdue"' in html and re.search(r'id="nav-overdue"[^>]*>1<', html)
    only = client.get("/actions/?status=overdue").get_data(as_text=True)
    assert "逾期行动" in only and "今日到期" not in only
    assert "下月行动" in client.get("/actions/?status=planned").get_data(as_text=True)
    assert client.get("/actions/?status=bogus").status_code == 200
    assert late.id and due_today.id and later.id


def test_xlsx_export_in_both_languages(client, actors, db_session):
    _ent, officer, assessment = _setup(actors)
    today = action_services.local_today()
    action(
        assessment,
        maturity_ids(assessment)[0],
        officer,
        due=today - timedelta(days=1),
        title="=SUM(A1)",
    )
    db_session.flush()
    login(client, officer)
    client.post("/lang/en")
    resp = client.get("/actions/actions.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.values)
    assert rows[0][:5] == ("Improvement action", "Question", "Owner", "Due date", "Status")
    assert rows[1][0] == "'=SUM(A1)" and rows[1][4] == "Planned" and rows[1][5] == "Yes"


def test_xlsx_export_in_chinese(client, actors, db_session):
    """Needs the new msgids in the catalogue."""
    _ent, officer, assessment = _setup(actors)
    action(assessment, maturity_ids(assessment)[0], officer)
    db_session.flush()
    login(client, officer)
    client.post("/lang/zh")
    ws = load_workbook(io.BytesIO(client.get("/actions/actions.xlsx").data)).active
    rows = list(ws.values)
    assert rows[0][:3] == ("改进措施", "题目", "负责人")
    assert rows[1][4] == "计划中"
