"""`flask seed-demo` makes the demo accounts and N enterprises with consistent, scored submissions."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from cqo_portal.assessments import services
from cqo_portal.core.scoring import score_assessment
from cqo_portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from cqo_portal.models import Assessment, AssessmentAnswer, Enterprise, SectionScore, User
from tests.factories import login


def test_seed_demo_makes_accounts_and_n_enterprises_with_1_to_3_submissions(app, db_session):
    counts = seed_demo(enterprises=40, seed=11)
    assert counts["enterprises"] == 40
    emails = set(db_session.scalars(select(User.email)))
    assert {email for email, *_ in DEMO_ACCOUNTS} <= emails

    per_enterprise = Counter(db_session.scalars(select(Assessment.enterprise_id)))
    assert sum(per_enterprise.values()) == counts["submissions"]
    officer = db_session.scalar(select(User).where(User.email == "officer@demo.cqo.gd.cn"))
    showcase = db_session.get(Enterprise, officer.enterprise_id)
    assert showcase.name == "广州粤华精密制造有限公司"
    assert per_enterprise[showcase.id] == 6  # both questionnaires, 2024-2026
    others = [n for ent_id, n in per_enterprise.items() if ent_id != showcase.id]
    assert len(others) == 39 and all(1 <= n <= 3 for n in others)
    # Every city of the province gets enterprises.
    assert db_session.scalar(select(func.count(func.distinct(Enterprise.city_code)))) == 21


def test_stored_scores_are_what_the_core_computes_from_the_stored_answers(app, db_session):
    seed_demo(enterprises=15, seed=5)
    for a in db_session.scalars(select(Assessment).order_by(Assessment.id).limit(12)):
        q = services.questionnaire_of(a.questionnaire)
        result = score_assessment(q, services.answers_of(a, q))
        assert result.to_data() == a.result
        assert (a.percent, a.level_code) == (result.percent, result.level.code)
        assert len(a.answers) == len(q.questions)
        stored = {s.section_id: s.percent for s in a.section_scores}
        assert stored == {s.section_id: s.percent for s in result.sections}
    assert db_session.scalar(select(func.count(SectionScore.id))) > 0
    assert db_session.scalar(select(func.count(AssessmentAnswer.id))) > 0


def test_a_second_run_adds_different_enterprises(app, db_session):
    seed_demo(enterprises=5, seed=3)
    seed_demo(enterprises=5, seed=3)
    assert db_session.scalar(select(func.count(Enterprise.id))) == 10
    assert db_session.scalar(select(func.count(func.distinct(Enterprise.uscc)))) == 10


def test_demo_regulator_logs_in_with_the_published_password(client, db_session):
    seed_demo(enterprises=3)
    resp = login(client, "province@demo.cqo.gd.cn", DEMO_PASSWORD)
    assert resp.status_code == 302
