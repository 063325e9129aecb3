"""The next cycle: each action beside its question, and its question's score before and after."""

from __future__ import annotations

from datetime import date

from cqo_portal.actions import services as action_services
from cqo_portal.assessments import services
from cqo_portal.assessments.presenters import result_view
from cqo_portal.core import actions as core
from cqo_portal.core.answers import Answer
from cqo_portal.core.scoring import QuestionScore, Result
from cqo_portal.models import ActionStatus
from tests.actions.helpers import action, maturity_ids, submitted
from tests.factories import login


def _result(**fractions) -> Result:
    qs = {
        qid: QuestionScore(qid, (f or 0) * 10, 10.0, f, f is None) for qid, f in fractions.items()
    }
    return Result("x", "1", "maturity", 0, 0, 0, None, (), qs)


def test_verdicts_compare_the_score_rate():
    before = _result(a=0.2, b=0.6, c=0.6, d=None)
    after = _result(a=0.6, b=0.6, c=0.4, d=0.8)
    acts = [core.ActionInput(i, q, "done") for i, q in enumerate("abcde")]
    got = {e.question_id: e.verdict for e in core.effectiveness(before, after, acts)}
    assert got == {
        "a": core.IMPROVED,
        "b": core.UNCHANGED,
        "c": core.WORSE,
        "d": core.NOT_COMPARABLE,  # N/A before
        "e": core.NOT_COMPARABLE,  # not in either result
    }
    assert core.effectiveness(None, after, acts[:1])[0].verdict == core.NOT_COMPARABLE


def test_overdue_is_by_local_day_and_never_for_done_or_dropped():
    today = date(2026, 6, 1)
    assert not core.is_overdue("planned", today, today)  # due today: not yet
    assert core.is_overdue("planned", date(2026, 5, 31), today)
    assert core.is_overdue("in_progress", date(2026, 5, 31), today)
    assert not core.is_overdue("done", date(2020, 1, 1), today)
    assert not core.is_overdue("dropped", date(2020, 1, 1), today)
    counts = core.count_actions(
        [("planned", True, 2), ("in_progress", False, 1), ("done", True, 3), ("dropped", True, 4)]
    )
    assert (counts.total, counts.done, counts.dropped, counts.overdue, counts.kept) == (
        10,
        3,
        4,
        2,
        6,
    )
    assert counts.completion_rate == 0.5 and counts.overdue_rate == 2 / 6
    assert core.ActionCounts().completion_rate is None


def test_local_today_is_the_shanghai_day(app, monkeypatch):
    """At 17:30 UTC it is already the next day in Shanghai (UTC+8)."""
    from datetime import UTC, datetime

    import cqo_portal.web as svc

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 3, 1, 17, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(svc, "datetime", Clock)
    with app.test_request_context():
        assert svc.local_today() == date(2026, 3, 2)


def _two_cycles(actors, db_session):
    ent = actors.enterprise(name_en="Pearl Co.")
    officer = actors.officer(ent)
    first = submitted(actors, ent, officer, level=1)
    ids = maturity_ids(first)
    better = action(first, ids[0], officer, title="建立质量目标分解")
    same = action(first, ids[1], officer, title="开展内审培训")
    action_services.change_status(better, ActionStatus.DONE, "目标已分解到部门", officer)
    db_session.flush()
    return ent, officer, first, ids, better, same


def test_next_draft_shows_each_action_beside_its_question(client, actors, db_session):
    ent, officer, first, ids, better, same = _two_cycles(actors, db_session)
    draft = services.start_assessment(ent, first.questionnaire, officer, prefill=True)
    db_session.flush()
    login(client, officer)
    q = services.questionnaire_of(draft.questionnaire)
    index = next(i for i, s in enumerate(q.sections, 1) if any(x.id == ids[0] for x in s.questions))
    html = client.get(f"/assessments/{draft.id}/section/{index}").get_data(as_text=True)
    assert "question-actions" in html and "建立质量目标分解" in html


def test_next_result_compares_before_and_after(client, actors, db_session, app):
    ent, officer, first, ids, better, same = _two_cycles(actors, db_session)
    second = submitted(actors, ent, officer, level=1, overrides={ids[0]: Answer(value=4)})
    with app.test_request_context():
        view = result_view(second, "en")
    effects = {e.title: e for e in view.actions}
    assert effects["建立质量目标分解"].verdict == core.IMPROVED
    assert effects["建立质量目标分解"].points_after > effects["建立质量目标分解"].points_before
    assert effects["开展内审培训"].verdict == core.UNCHANGED
    assert effects["建立质量目标分解"].status_label == "Done"
    # The first result has no earlier submission, so no comparison.
    with app.test_request_context():
        assert result_view(first, "en").actions == ()
    login(client, officer)
    client.post("/lang/en")
    html = client.get(f"/assessments/{second.id}/result").get_data(as_text=True)
    assert "Actions since the last assessment" in html and 'data-verdict="improved"' in html


def test_regulator_sees_the_comparison_on_the_submission_page(client, actors, db_session):
    ent, officer, first, ids, better, same = _two_cycles(actors, db_session)
    second = submitted(actors, ent, officer, level=1, overrides={ids[0]: Answer(value=4)})
    reg = actors.regulator(ent.city_code)
    login(client, reg)
    client.post("/lang/en")
    html = client.get(f"/regulator/submissions/{second.id}").get_data(as_text=True)
    assert 'data-verdict="improved"' in html
    assert "plan-action-new" not in html  # the bureau reads, it does not plan


def test_chinese_result_page_and_board(client, actors, db_session):
    """Needs the new msgids in the catalogue."""
    ent, officer, first, ids, better, same = _two_cycles(actors, db_session)
    second = submitted(actors, ent, officer, level=1, overrides={ids[0]: Answer(value=4)})
    login(client, officer)
    client.post("/lang/zh")
    html = client.get(f"/assessments/{second.id}/result").get_data(as_text=True)
    assert "上次评估以来的改进措施" in html and "有改善" in html
    board = client.get("/actions/").get_data(as_text=True)
    assert "计划中" in board and "改进措施" in board
