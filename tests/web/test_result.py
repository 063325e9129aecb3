"""The result page: score, level, sections, plan, peer benchmark (or why hidden) and trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cqo_portal.assessments import services
from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import AnswerType
from cqo_portal.models import AssessmentStatus
from tests.factories import login


def _answers(q, level: int) -> dict[str, Answer]:
    """Every scored question at a maturity level 0..5 (bands and other types scaled alike)."""
    out = {}
    for question in q.questions:
        t = question.answer_type
        if t is AnswerType.MATURITY:
            out[question.id] = Answer(value=level)
        elif t is AnswerType.BAND:
            out[question.id] = Answer(value=level * 20)
        elif t is AnswerType.YES_PARTLY_NO:
            out[question.id] = Answer(value=["no", "no", "partly", "partly", "yes", "yes"][level])
        elif t is AnswerType.CHOICE:
            opts = sorted(question.options, key=lambda o: o.score)
            out[question.id] = Answer(value=opts[min(level, len(opts) - 1)].id)
        elif t is AnswerType.NUMBER:
            out[question.id] = Answer(value=1)
        else:
            out[question.id] = Answer(value="text")
    return out


def submitted(actors, db_session, ent, officer, level: int, when: datetime | None = None):
    qv = actors.questionnaire("cqo-qms")
    a = services.start_assessment(ent, qv, officer)
    q = services.questionnaire_of(qv)
    posted = {
        qid: services.PostedAnswer(
            value=None if ans.value is None else str(ans.value),
            na=ans.na,
            na_reason=ans.na_reason,
            evidence="",
        )
        for qid, ans in _answers(q, level).items()
    }
    services.save_answers(a, posted, officer, base_revision=None)
    services.submit_assessment(a, officer)
    if when is not None:
        a.submitted_at = when
    db_session.flush()
    return a


def test_benchmark_is_hidden_below_five_peers_and_says_why(client, actors, db_session):
    ent = actors.enterprise(city="441900", industry="F")
    officer = actors.officer(ent)
    a = submitted(actors, db_session, ent, officer, 3)
    login(client, officer)
    page = client.get(f"/assessments/{a.id}/result", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Hidden: only" in page and "at least 5" in page
    assert "better than" not in page


def test_percentile_shown_with_enough_peers_without_naming_them(client, actors, db_session):
    ent = actors.enterprise(city="445300", industry="B", name="本企业")
    officer = actors.officer(ent)
    peer_names = []
    for level in (1, 2, 2, 3, 4, 5):
        peer = actors.enterprise(city="445300", industry="B")
        peer_names.append(peer.name)
        submitted(actors, db_session, peer, actors.officer(peer), level)
    a = submitted(actors, db_session, ent, officer, 3)
    login(client, officer)
    page = client.get(f"/assessments/{a.id}/result", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    # Level 3 beats levels 1, 2, 2 and ties one 3 of 6 peers: (3 + 0.5) / 6 = 58%.
    assert "better than 58% of 6" in page
    assert "P58" in page  # each section ranks the same way against the same peers
    assert not any(name in page for name in peer_names)


def test_trend_against_the_previous_submission(client, actors, db_session):
    ent = actors.enterprise(city="440500")
    officer = actors.officer(ent)
    first = submitted(
        actors, db_session, ent, officer, 2, when=datetime.now(UTC) - timedelta(days=365)
    )
    second = submitted(actors, db_session, ent, officer, 4)
    assert first.status == AssessmentStatus.SUBMITTED
    delta = second.total_points - first.total_points
    login(client, officer)
    page = client.get(f"/assessments/{second.id}/result", headers={"Accept-Language": "en"})
    assert f"{delta:+.1f}" in page.get_data(as_text=True)
    # Scores are stored with the submission: one row per section.
    assert {s.section_id for s in second.section_scores} == {
        s.id for s in services.questionnaire_of(second.questionnaire).sections
    }


def test_recompute_scores_reports_and_repairs_a_stale_score(runner, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    a = submitted(actors, db_session, ent, officer, 3)
    right = a.total_points
    a.total_points = 1.0
    a.result = {**a.result, "total_points": 1.0}
    db_session.flush()
    out = runner.invoke(args=["recompute-scores"])
    assert out.exit_code == 0, out.output
    assert f"assessment {a.id}: 1.0 -> {right} points" in out.output
    db_session.refresh(a)
    assert a.total_points == right


def test_a_resubmission_reissues_the_report_and_verify_explains_the_old_number(
    app, client, actors, db_session
):
    from cqo_portal.assessments.review import review_submission
    from cqo_portal.reports.services import ready_report

    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    a = submitted(actors, db_session, ent, officer, 2)
    with app.test_request_context():
        first = ready_report(a, "en")
        old_number, old_sha = first.number, first.sha256
    review_submission(a, actors.regulator("440100"), "return", "请补充证据 / add evidence")
    q = services.questionnaire_of(a.questionnaire)
    posted = {
        qq.id: services.PostedAnswer(value="4", na=False, na_reason="", evidence="")
        for qq in q.questions
        if qq.answer_type is AnswerType.MATURITY
    }
    services.save_answers(a, posted, officer, base_revision=None)
    services.submit_assessment(a, officer)
    db_session.flush()
    report = next(r for r in a.reports if r.lang == "en")
    assert report.number.endswith("-R2") and report.number != old_number
    assert report.sha256 is None
    new_number = report.number

    login(client, officer)
    pdf = client.get(f"/reports/{a.id}.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.headers["X-Report-Number"] == new_number
    import hashlib

    assert hashlib.sha256(pdf.data).hexdigest() != old_sha
    page = client.get(f"/verify?number={old_number}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "no longer valid" in text and new_number in text
