"""The CQO as a person: the enterprise records conditions, training and certificates on its CQO
filing; the bureau sees them on the filing and lists the CQOs whose training or certificate lapsed."""

from __future__ import annotations

from datetime import timedelta

from cqo_portal.cqo import person
from cqo_portal.web import local_today
from tests.factories import login, logout


def test_the_officer_records_conditions_training_and_a_certificate(client, actors, db_session, app):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    reg = actors.approved_cqo(ent, name="王质量")
    db_session.flush()
    login(client, officer)
    client.post("/lang/en")
    today = local_today()
    assert (
        client.post(
            f"/cqo/{reg.id}/profile",
            data={"years_in_quality": "6", "title_or_degree": "高级工程师"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/cqo/{reg.id}/trainings",
            data={"course": "质量法规", "hours": "10", "completed_on": today.isoformat()},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/cqo/{reg.id}/certificates",
            data={
                "cert_name": "首席质量官证书",
                "expires_on": (today - timedelta(days=3)).isoformat(),
            },
        ).status_code
        == 302
    )
    page = client.get(f"/cqo/{reg.id}").get_data(as_text=True)
    assert "高级工程师" in page and "质量法规" in page and "Lapsed" in page
    # A bad number is a field error, the other values kept.
    resp = client.post(
        f"/cqo/{reg.id}/trainings",
        data={"course": "内审员培训", "hours": "很多", "completed_on": today.isoformat()},
    )
    assert resp.status_code == 422 and "内审员培训" in resp.get_data(as_text=True)
    logout(client)
    login(client, actors.regulator("440100"))
    page = client.get(f"/regulator/cqo/{reg.id}").get_data(as_text=True)
    assert "高级工程师" in page and "首席质量官证书" in page
    lapses = client.get("/regulator/cqo/lapses").get_data(as_text=True)
    assert "王质量" in lapses


def test_the_lapse_list_is_scoped_and_honours_the_configured_hours(actors, db_session):
    today = local_today()
    gz_ent = actors.enterprise(city="440100", name="广州企业")
    sz_ent = actors.enterprise(city="440300", name="深圳企业")
    gz_reg = actors.approved_cqo(gz_ent, name="甲")
    sz_reg = actors.approved_cqo(sz_ent, name="乙")
    person.add_training(gz_reg, "年度培训", None, 20, today - timedelta(days=30))
    person.add_training(gz_reg, "旧培训", None, 40, today - timedelta(days=400))
    person.add_certificate(sz_reg, "证书", None, None, today - timedelta(days=1))
    gz = actors.regulator("440100")
    province = actors.regulator("440000")
    assert person.lapsed_cqos(gz, 16, today) == []  # 20 hours this year, no certificate
    assert [r.name for r in person.lapsed_cqos(gz, 24, today)] == ["甲"]  # the old one not counted
    rows = {r.name: r for r in person.lapsed_cqos(province, 16, today)}
    assert set(rows) == {"乙"} and rows["乙"].lapsed_certificates == 1


def test_another_enterprise_cannot_add_to_a_cqo_record(client, actors, db_session):
    ent = actors.enterprise()
    reg = actors.approved_cqo(ent)
    stranger = actors.officer(actors.enterprise())
    db_session.flush()
    login(client, stranger)
    resp = client.post(
        f"/cqo/{reg.id}/certificates", data={"cert_name": "伪造证书", "expires_on": ""}
    )
    assert resp.status_code == 404
    assert person.person_view(reg, 16, local_today()).certificates == []
