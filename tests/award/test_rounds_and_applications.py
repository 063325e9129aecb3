"""A provincial administrator opens a round; officers of the eligible cities see it on their
dashboard and apply with the eligibility declaration, the profile and a self-assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cqo_portal.award import services
from cqo_portal.models import ApplicationStatus, AuditEvent, AwardApplication, AwardRound
from tests.award.helpers import CHECKLIST, PROFILE, applicant, login_en, open_award_round
from tests.factories import logout
from tests.reports.conftest import fill_and_submit


def test_the_administrator_opens_a_round_through_the_form(client, actors):
    admin = actors.admin()
    login_en(client, admin)
    gbt = actors.questionnaire("gbt19580")
    today = services.today()
    form = {
        "kind": "award",
        "title": "2027 年度省政府质量奖",
        "questionnaire_version_id": str(gbt.id),
        "opens_on": today.isoformat(),
        "closes_on": (today - timedelta(days=1)).isoformat(),
        "city_codes": ["440100"],
        "checklist": "\n".join(CHECKLIST),
    }
    page = client.post("/award/rounds/new", data=form)
    assert page.status_code == 200
    assert "The round must close on or after the day it opens." in page.get_data(True)
    assert "2027 年度省政府质量奖" in page.get_data(True)  # what was typed is kept

    form["closes_on"] = (today + timedelta(days=20)).isoformat()
    resp = client.post("/award/rounds/new", data=form)
    assert resp.status_code == 302
    rnd = actors.session.scalar(select(AwardRound).order_by(AwardRound.id.desc()))
    assert rnd.city_codes == ["440100"] and rnd.checklist == CHECKLIST
    assert actors.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.round.open"))


def test_an_award_round_needs_a_gbt19580_questionnaire(client, actors):
    login_en(client, actors.admin())
    today = services.today()
    page = client.post(
        "/award/rounds/new",
        data={
            "kind": "award",
            "title": "质量奖",
            "questionnaire_version_id": str(actors.questionnaire("cqo-qms").id),
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
            "checklist": "无重大事故",
        },
    )
    assert "An award round needs a GB/T 19580 questionnaire" in page.get_data(True)


def test_officers_of_eligible_cities_see_the_round_with_its_deadline(client, actors):
    rnd = open_award_round(actors)
    inside = actors.officer(actors.enterprise(city="440300"))
    outside = actors.officer(actors.enterprise(city="440600"))
    login_en(client, inside)
    page = client.get("/dashboard", follow_redirects=True).get_data(True)
    assert rnd.title in page and rnd.closes_on.isoformat() in page
    logout(client)
    login_en(client, outside)
    assert rnd.title not in client.get("/dashboard", follow_redirects=True).get_data(True)
    assert client.get(f"/award/rounds/{rnd.id}/apply").status_code == 404


def test_the_officer_applies_and_hands_in(client, actors):
    rnd = open_award_round(actors)
    ent = actors.enterprise(city="440100")
    assessment, officer = fill_and_submit(actors, "gbt19580", enterprise=ent)
    login_en(client, officer)
    form = {"assessment_id": str(assessment.id), "hand_in": "1", **PROFILE}
    form["products"] = ""
    page = client.post(f"/award/rounds/{rnd.id}/apply", data={**form, "eligibility": ["0"]})
    text = page.get_data(True)
    assert "Confirm every eligibility statement before handing in." in text
    assert PROFILE["customers"] in text  # the typed profile is kept

    page = client.post(f"/award/rounds/{rnd.id}/apply", data={**form, "eligibility": ["0", "1"]})
    assert "Complete every part of the organisational profile." in page.get_data(True)

    form["products"] = PROFILE["products"]
    resp = client.post(f"/award/rounds/{rnd.id}/apply", data={**form, "eligibility": ["0", "1"]})
    assert resp.status_code == 302
    app = actors.session.scalar(select(AwardApplication).where(AwardApplication.round_id == rnd.id))
    assert app.status == ApplicationStatus.SUBMITTED
    assert assessment.round_id == rnd.id  # the submission belongs to the round
    page = client.get(f"/award/applications/{app.id}").get_data(True)
    assert PROFILE["challenges"] in page


def test_a_draft_is_saved_and_another_enterprises_submission_is_refused(client, actors):
    rnd = open_award_round(actors)
    other, _ = fill_and_submit(actors, "gbt19580", enterprise=actors.enterprise(city="440100"))
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    login_en(client, officer)
    page = client.post(
        f"/award/rounds/{rnd.id}/apply",
        data={"assessment_id": str(other.id), "save": "1", **PROFILE},
    )
    assert page.status_code == 200  # not a choice this officer has
    resp = client.post(f"/award/rounds/{rnd.id}/apply", data={"save": "1", **PROFILE})
    assert resp.status_code == 302
    app = services.application_of(rnd, ent)
    assert app.status == ApplicationStatus.DRAFT and app.profile["products"] == PROFILE["products"]


def test_the_bureau_sees_its_cities_counts_and_exports_them(client, actors):
    rnd = open_award_round(actors)
    applicant(actors, rnd, city="440100", name="广州甲制造有限公司")
    applicant(actors, rnd, city="440300", name="深圳乙电子有限公司")
    late = applicant(actors, rnd, city="440300", name="深圳丙迟交有限公司")[0]
    late.submitted_at = late.submitted_at + timedelta(days=60)
    actors.session.flush()
    login_en(client, actors.regulator("440000"))
    page = client.get(f"/award/rounds/{rnd.id}").get_data(True)
    assert "广州甲制造有限公司" in page and "深圳乙电子有限公司" in page
    csv = client.get(f"/award/rounds/{rnd.id}/export.csv").get_data(True)
    assert csv.startswith("\ufeff") and csv.count("\n") == 4
    xlsx = client.get(f"/award/rounds/{rnd.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    rows = services.city_rows(services.round_applications(rnd, actors.regulator("440000")))
    assert {r.city_code: (r.counts["applied"], r.counts["late"]) for r in rows} == {
        "440100": (1, 0),
        "440300": (2, 1),
    }

    logout(client)
    login_en(client, actors.regulator("440100"))  # a city bureau sees its own city only
    page = client.get(f"/award/rounds/{rnd.id}").get_data(True)
    assert "广州甲制造有限公司" in page and "深圳乙电子有限公司" not in page
    assert "深圳乙电子有限公司" not in client.get(f"/award/rounds/{rnd.id}/export.csv").get_data(
        True
    )


def test_a_cqo_self_assessment_round_needs_only_the_submission(actors):
    from cqo_portal.models import RoundKind

    rnd = open_award_round(
        actors, kind=RoundKind.CQO_SELF, questionnaire=actors.questionnaire("cqo-qms"), checklist=[]
    )
    ent = actors.enterprise(city="440100")
    assessment, officer = fill_and_submit(actors, "cqo-qms", enterprise=ent)
    app = services.save_application(
        rnd, ent, officer, eligibility=[], profile={}, assessment_id=assessment.id
    )
    services.submit_application(app, officer)
    assert services.stage_of(app) == "applied"


def test_a_round_takes_applications_from_its_first_day_and_counts_late_ones(app, actors):
    today = services.today()
    rnd = open_award_round(actors, opens_on=today + timedelta(days=3))
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    with app.test_request_context(), pytest.raises(services.AwardError, match=str(rnd.opens_on)):
        services.save_application(rnd, ent, officer, eligibility=[], profile={}, assessment_id=None)
    closed = open_award_round(
        actors, opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1)
    )
    late = services.save_application(
        closed, ent, officer, eligibility=[], profile={}, assessment_id=None
    )
    assert services.is_late(late) and services.stage_of(late) == "draft"
