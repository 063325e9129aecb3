"""Examiners: conflicts of interest, assignment by the bureau, independent (blind) scoring,
the lead examiner's consensus, the release and the feedback the applicant then receives."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cqo_portal.award import services
from cqo_portal.award.services import AwardError
from cqo_portal.models import AuditEvent, Role
from cqo_portal.reports.pdf import fmt_number
from tests.award.helpers import (
    OFI,
    agree,
    applicant,
    declared,
    examiner,
    hand_in,
    login_en,
    open_award_round,
)
from tests.factories import logout
from tests.reports.conftest import page_texts


@pytest.fixture
def story(actors):
    rnd = open_award_round(actors)
    app, officer = applicant(actors, rnd)
    first, second = declared(actors, app)
    bureau = actors.regulator("440100")
    return rnd, app, officer, first, second, bureau


def test_the_administrator_creates_an_examiner_account(client, actors):
    login_en(client, actors.admin())
    page = client.post(
        "/admin/users/new-examiner", data={"name": "周评审", "email": "zhou.examiner@example.cn"}
    )
    assert page.status_code == 200 and "zhou.examiner@example.cn" in page.get_data(True)
    from cqo_portal.models import User

    user = actors.session.scalar(select(User).where(User.email == "zhou.examiner@example.cn"))
    assert user.role == Role.EXAMINER and user.must_change_password


def test_a_conflicted_examiner_cannot_be_assigned(client, actors, story):
    _rnd, app, _officer, first, second, bureau = story
    conflicted = examiner(actors)
    login_en(client, conflicted)
    client.post(
        f"/award/applications/{app.id}/conflict", data={"conflicted": "yes", "note": "前雇主"}
    )
    decl = services.declaration_of(app, conflicted)
    assert decl is not None and decl.conflicted
    logout(client)

    login_en(client, bureau)
    page = client.get(f"/award/applications/{app.id}/assign").get_data(True)
    assert "Conflict of interest declared" in page
    resp = client.post(
        f"/award/applications/{app.id}/assign",
        data={"examiners": [first.id, conflicted.id], "lead": first.id},
    )
    assert resp.status_code == 422
    assert "declared a conflict of interest and cannot be assigned" in resp.get_data(True)
    with pytest.raises(AwardError):
        services.assign_examiners(app, [first.id, conflicted.id], first.id, bureau)
    with pytest.raises(AwardError):  # fewer than two
        services.assign_examiners(app, [first.id], first.id, bureau)
    undeclared = examiner(actors)
    with pytest.raises(AwardError):
        services.assign_examiners(app, [first.id, undeclared.id], first.id, bureau)

    resp = client.post(
        f"/award/applications/{app.id}/assign",
        data={"examiners": [first.id, second.id], "lead": first.id},
    )
    assert resp.status_code == 302
    assert sorted(a.examiner_id for a in app.assignments) == sorted([first.id, second.id])
    assert actors.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.assign"))


def test_examiners_see_only_the_applications_assigned_to_them(client, actors, story):
    _rnd, app, _officer, first, second, bureau = story
    services.assign_examiners(app, [first.id, second.id], first.id, bureau)
    outsider = examiner(actors)
    login_en(client, outsider)
    for path in ("", "/score", "/consensus", "/self-report.pdf"):
        assert client.get(f"/award/applications/{app.id}{path}").status_code == 404
    logout(client)
    login_en(client, second)
    assert client.get(f"/award/applications/{app.id}/score").status_code == 200
    assert client.get(f"/award/applications/{app.id}/consensus").status_code == 403  # not lead


def test_each_examiner_scores_blind_to_the_others(client, actors, story):
    _rnd, app, _officer, first, second, bureau = story
    services.assign_examiners(app, [first.id, second.id], first.id, bureau)
    hand_in(app, first, band=5, percent=77, ofis="第一位评审的改进机会")
    login_en(client, second)
    page = client.get(f"/award/applications/{app.id}/score").get_data(True)
    assert "第一位评审的改进机会" not in page and 'value="77"' not in page
    logout(client)

    login_en(client, first)  # the lead: nothing side by side before everyone has handed in
    page = client.get(f"/award/applications/{app.id}/consensus").get_data(True)
    assert second.name in page and "第一位评审的改进机会" not in page
    logout(client)

    login_en(client, second)
    items = [r.item.id for r in services.items_of(app.round)]
    data = {"hand_in": "1"}
    for i in items:
        data |= {f"band-{i}": "2", f"percent-{i}": "30", f"ofis-{i}": "第二位评审的改进机会"}
    page = client.post(f"/award/applications/{app.id}/score", data=data)
    assert page.status_code == 422  # 30 lies in band 3, not band 2
    assert "Enter a value from 10 to 25 for band 2." in page.get_data(True)
    data |= {f"percent-{i}": "20" for i in items}
    assert client.post(f"/award/applications/{app.id}/score", data=data).status_code == 302
    logout(client)

    login_en(client, first)
    page = client.get(f"/award/applications/{app.id}/consensus").get_data(True)
    assert "第一位评审的改进机会" in page and "第二位评审的改进机会" in page
    assert "More than one band apart" in page  # band 5 against band 2


def test_the_self_score_is_shown_to_examiners_only_when_the_round_says_so(client, actors):
    for see in (False, True):
        rnd = open_award_round(actors, examiners_see_self_score=see, title=f"轮次{see}")
        app, _officer = applicant(actors, rnd, name=f"自评可见{see}有限公司")
        first, second = declared(actors, app)
        services.assign_examiners(app, [first.id, second.id], first.id, actors.regulator())
        login_en(client, first)
        page = client.get(f"/award/applications/{app.id}/score").get_data(True)
        assert ("Self-score" in page) is see
        report = client.get(f"/award/applications/{app.id}/self-report.pdf")
        assert report.status_code == (200 if see else 403)  # the report shows the self-scores
        logout(client)


def test_consensus_release_and_feedback(client, actors, story):
    rnd, app, officer, first, second, bureau = story
    services.assign_examiners(app, [first.id, second.id], first.id, bureau)
    hand_in(app, first, band=4, percent=60)
    hand_in(app, second, band=4, percent=50)
    board = services.consensus_board(app)
    assert all(b.spread == 10 and not b.flagged for b in board)
    agree(app, first, band=4, percent=55)
    total = round(sum(r.item.points * 0.55 for r in services.items_of(rnd)), 1)
    assert app.consensus_points == pytest.approx(total, abs=0.2)

    login_en(client, officer)  # before the release the enterprise sees nothing from the examiners
    assert client.get(f"/award/applications/{app.id}/feedback.pdf").status_code == 403
    page = client.get(f"/award/applications/{app.id}").get_data(True)
    assert OFI not in page and "Feedback report" not in page
    logout(client)

    login_en(client, bureau)  # a city bureau may not release: the province does
    assert client.post(f"/award/rounds/{rnd.id}/release").status_code == 403
    logout(client)
    province = actors.regulator("440000")
    login_en(client, province)
    assert client.post(f"/award/rounds/{rnd.id}/release").status_code == 302
    assert rnd.released_at is not None
    page = client.get(f"/award/rounds/{rnd.id}").get_data(True)
    assert "Ranking by consensus score" in page
    logout(client)
    reopened = next(a for a in app.assignments if a.examiner_id == second.id)
    reopened.submitted_at = None
    with pytest.raises(AwardError, match="released"):  # released: the scores are final
        hand_in(app, second)

    login_en(client, officer)
    dashboard = client.get("/dashboard").get_data(True)
    assert f"/award/applications/{app.id}" in dashboard and "Feedback report available" in dashboard
    for lang, words in (
        ("en", ("Self-score", "Consensus", "Opportunities for improvement")),
        ("zh", ("自评得分", "共识", "改进机会")),
    ):
        resp = client.get(f"/award/applications/{app.id}/feedback.pdf?lang={lang}")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        text = "\n".join(page_texts(resp.data))
        assert OFI in text
        assert fmt_number(app.consensus_points) in text
        assert fmt_number(app.assessment.total_points) in text
        for word in words:
            assert word in text, (lang, word)
    actions = set(actors.session.scalars(select(AuditEvent.action)))
    assert {
        "award.assign",
        "award.score.submit",
        "award.consensus",
        "award.round.release",
    } <= actions


def test_the_self_assessment_report_in_both_languages(client, actors, story):
    _rnd, app, officer, *_ = story
    from tests.award.helpers import EVIDENCE_NOTE, PROFILE

    login_en(client, officer)
    for lang, heading in (("zh", "组织概述"), ("en", "Organisational profile")):
        resp = client.get(f"/award/applications/{app.id}/self-report.pdf?lang={lang}")
        assert resp.status_code == 200
        text = "\n".join(page_texts(resp.data))
        assert heading in text, lang
        assert PROFILE["challenges"] in text
        assert EVIDENCE_NOTE.split("；")[0] in text  # the items' descriptions
        assert "4.1.2" in text


def test_the_pages_in_chinese(client, actors, story):
    _rnd, app, officer, first, second, bureau = story
    services.assign_examiners(app, [first.id, second.id], first.id, bureau)
    from tests.factories import login

    login(client, officer)
    client.post("/lang/zh")
    page = client.get(f"/award/applications/{app.id}").get_data(True)
    assert "组织概述" in page and "自评报告（中文 PDF）" in page
    logout(client)
    login(client, first)
    client.post("/lang/zh")
    assert "条款评分" in client.get(f"/award/applications/{app.id}/score").get_data(True)
    assert "指派给我的" in client.get("/award/examiner").get_data(True)


def test_the_lead_sees_the_self_score_only_when_the_round_says_so(client, actors):
    for see in (False, True):
        rnd = open_award_round(actors, examiners_see_self_score=see, title=f"共识轮次{see}")
        app, _officer = applicant(actors, rnd, name=f"共识自评{see}有限公司")
        first, second = declared(actors, app)
        services.assign_examiners(app, [first.id, second.id], first.id, actors.regulator())
        hand_in(app, first)
        hand_in(app, second)
        login_en(client, first)
        page = client.get(f"/award/applications/{app.id}/consensus").get_data(True)
        assert ("Self-score" in page) is see
        logout(client)
