"""The demo data has improvement actions in every status, overdue ones, and a later cycle."""

from __future__ import annotations

from sqlalchemy import select

from cqo_portal.actions import services as action_services
from cqo_portal.assessments.presenters import result_view
from cqo_portal.demo import seed_demo
from cqo_portal.models import ActionStatus, Assessment, ImprovementAction, User


def test_demo_actions_cover_every_status_and_show_effectiveness(app, db_session):
    counts = seed_demo(enterprises=15, seed=5)
    assert counts["actions"] > 0
    officer = db_session.scalar(select(User).where(User.email == "officer@demo.cqo.gd.cn"))
    rows = action_services.board(officer.enterprise_id)
    assert {r.action.status for r in rows} == set(ActionStatus)
    assert any(r.overdue for r in rows)
    assert action_services.overdue_count(officer.enterprise_id) >= 1
    assert all(r.action.notes for r in rows if r.action.status != ActionStatus.PLANNED)
    source = db_session.get(Assessment, rows[0].action.assessment_id)
    later = db_session.scalars(
        select(Assessment).where(
            Assessment.enterprise_id == officer.enterprise_id,
            Assessment.questionnaire_key == source.questionnaire_key,
            Assessment.submitted_at > source.submitted_at,
        )
    ).first()
    with app.test_request_context():
        view = result_view(later, "zh")
    assert len(view.actions) == len(rows)
    assert "improved" in {e.verdict for e in view.actions}
    assert db_session.scalar(
        select(ImprovementAction.id).where(ImprovementAction.enterprise_id != officer.enterprise_id)
    )
