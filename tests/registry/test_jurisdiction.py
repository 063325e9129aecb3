"""A regulator sees and acts only within the jurisdiction, also when guessing URLs."""

from __future__ import annotations

import pytest

from cqo_portal.cqo import services
from cqo_portal.models import CQOStatus
from tests.factories import login
from tests.registry.conftest import PDF


@pytest.fixture
def guangzhou_filing(actors, db_session, app):
    """A Guangzhou enterprise with a submitted CQO registration carrying a letter."""
    from cqo_portal.uploads import CheckedUpload

    ent = actors.enterprise(city="440100", name="广州粤华精密制造有限公司")
    officer = actors.officer(ent)
    with app.test_request_context():
        reg = services.create_registration(
            ent,
            officer,
            {
                "name": "陈广州",
                "position": "质量总监",
                "appointed_on": __import__("datetime").date(2026, 1, 5),
                "phone": "020-1",
                "email": "c@example.cn",
                "cert_number": "N1",
                "cert_issuer": "协会",
                "cert_date": __import__("datetime").date(2025, 1, 5),
                "duties_declaration": "职责",
            },
            CheckedUpload(PDF, "application/pdf", ".pdf", "letter.pdf"),
        )
        services.submit_registration(reg)
    return reg


def test_shenzhen_regulator_cannot_see_or_act_on_a_guangzhou_registration(
    client, actors, db_session, guangzhou_filing
):
    reg = guangzhou_filing
    login(client, actors.regulator("440300"))
    assert "广州粤华精密制造有限公司" not in client.get("/regulator/cqo?status=all").get_data(
        as_text=True
    )
    # Filtering on the other city does not widen the scope.
    assert "广州粤华" not in client.get("/regulator/cqo?status=all&city=440100").get_data(
        as_text=True
    )
    assert client.get(f"/regulator/cqo/{reg.id}").status_code == 404
    assert client.get(f"/cqo/{reg.id}").status_code == 404
    assert client.get(f"/cqo/{reg.id}/letter").status_code == 404
    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 404
    assert (
        client.post(
            f"/regulator/cqo/{reg.id}/decide", data={"send_back": "1", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/enterprise/{reg.enterprise_id}").status_code == 404
    db_session.refresh(reg)
    assert reg.status == CQOStatus.SUBMITTED


@pytest.mark.parametrize("jurisdiction", ["440100", "440000"])
def test_city_and_province_regulators_see_and_decide(
    client, actors, db_session, guangzhou_filing, jurisdiction
):
    reg = guangzhou_filing
    login(client, actors.regulator(jurisdiction))
    assert "广州粤华精密制造有限公司" in client.get("/regulator/cqo").get_data(as_text=True)
    assert "陈广州" in client.get(f"/regulator/cqo/{reg.id}").get_data(as_text=True)
    resp = client.get(f"/cqo/{reg.id}/letter")
    assert resp.status_code == 200 and resp.data == PDF
    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 302
    db_session.refresh(reg)
    assert reg.status == CQOStatus.APPROVED


def test_drafts_stay_with_the_enterprise(client, actors, db_session, app):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    with app.test_request_context():
        draft = services.create_registration(ent, officer, {"name": "草稿", "position": "总监"})
    login(client, actors.regulator("440000"))
    assert "草稿" not in client.get("/regulator/cqo?status=all").get_data(as_text=True)
    assert client.get(f"/regulator/cqo/{draft.id}").status_code == 404
    assert (
        client.post(f"/regulator/cqo/{draft.id}/decide", data={"approve": "1"}).status_code == 404
    )
    assert "草稿" not in client.get(f"/enterprise/{ent.id}").get_data(as_text=True)


def test_officers_of_other_enterprises_and_anonymous_visitors_see_nothing(
    client, actors, guangzhou_filing
):
    reg = guangzhou_filing
    assert client.get(f"/cqo/{reg.id}/letter").status_code == 302  # to the login page
    login(client, actors.officer(actors.enterprise(city="440100")))
    for url in (f"/cqo/{reg.id}", f"/cqo/{reg.id}/letter", f"/cqo/{reg.id}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cqo/{reg.id}/submit").status_code == 404
    assert client.get("/regulator/cqo").status_code == 403
