"""Only an enterprise's own officers see and change its actions; regulators get figures only."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from cqo_portal.models import ActionStatus
from tests.actions.helpers import action, maturity_ids, submitted
from tests.factories import login


def test_another_enterprises_officer_can_neither_see_nor_change_an_action(
    client, actors, db_session
):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    assessment = submitted(actors, ent, officer)
    a = action(assessment, maturity_ids(assessment)[0], officer, title="本企业的行动")
    db_session.flush()
    stranger = actors.officer(actors.enterprise())
    login(client, stranger)
    assert client.get(f"/actions/{a.id}").status_code == 404
    assert (
        client.post(f"/actions/{a.id}/status", data={"status": "done", "note": "x"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/actions/{a.id}", data={"title": "x", "owner_name": "x", "due_on": "2030-01-01"}
        ).status_code
        == 404
    )
    qid = maturity_ids(assessment)[1]
    assert client.get(f"/actions/new/{assessment.id}/{qid}").status_code == 404
    assert "本企业的行动" not in client.get("/actions/").get_data(as_text=True)
    ws = load_workbook(io.BytesIO(client.get("/actions/actions.xlsx").data)).active
    assert len(list(ws.values)) == 1  # the header alone
    db_session.refresh(a)
    assert a.status == ActionStatus.PLANNED


def test_a_regulator_cannot_change_an_action(client, actors, db_session):
    ent = actors.enterprise(city="440300")
    officer = actors.officer(ent)
    assessment = submitted(actors, ent, officer)
    a = action(assessment, maturity_ids(assessment)[0], officer)
    db_session.flush()
    login(client, actors.regulator("440300"))
    assert (
        client.post(f"/actions/{a.id}/status", data={"status": "done", "note": "x"}).status_code
        == 403
    )
    assert client.get("/actions/").status_code == 403
