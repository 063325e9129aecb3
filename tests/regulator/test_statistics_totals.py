"""The dashboard's running totals (cqo_portal.rollups) follow every write, through the real pages.

Every test of the suite also checks, when it ends, that the totals equal a recomputation (see
tests/conftest.py); these stories walk the writes that move figures between cells on purpose.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from cqo_portal import rollups
from cqo_portal.enterprises.services import PROFILE_FIELDS, update_enterprise
from cqo_portal.models import Assessment, EnterpriseStat, SubmissionStat
from tests.factories import login, logout
from tests.regulator.test_dashboard import table


def status_total(client, jurisdiction_page="/regulator/?year=all") -> str:
    html = client.get(jurisdiction_page).get_data(as_text=True)
    return table(html, "table-status")[-1][1]


def consistent(db_session) -> None:
    assert rollups.discrepancies(db_session.connection()) == []


def test_review_return_resubmit_and_accept_move_the_counts(client, actors, subs, db_session):
    ent = actors.enterprise(city="440600", industry="C")
    officer = actors.officer(ent)
    a = subs.make(ent, percent=64.0)
    regulator = actors.regulator("440600")
    login(client, regulator)
    page = client.get("/regulator/?year=all").get_data(as_text=True)
    assert re.search(r'id="awaiting-review">1<', page)
    client.post(
        f"/regulator/submissions/{a.id}/review",
        data={"decision": "return", "comment": "请补充证据"},
    )
    consistent(db_session)
    page = client.get("/regulator/?year=all").get_data(as_text=True)
    assert re.search(r'id="awaiting-review">0<', page)
    assert ["Returned", "1"] in table(page, "table-status")
    logout(client)

    login(client, officer)
    assert client.post(f"/assessments/{a.id}/submit").status_code == 302
    consistent(db_session)
    logout(client)
    login(client, regulator)
    client.post(f"/regulator/submissions/{a.id}/review", data={"decision": "accept"})
    consistent(db_session)
    rows = table(client.get("/regulator/?year=all").get_data(as_text=True), "table-status")
    assert ["Accepted", "1"] in rows and ["Returned", "0"] in rows


def test_an_enterprise_that_moves_city_takes_its_figures_and_list_rows_along(
    client, actors, subs, db_session
):
    ent = actors.enterprise(city="440100", industry="C")
    made = [subs.make(ent, percent=80.0), subs.make(ent, percent=60.0, year=2025)]
    gz, fs = actors.regulator("440100"), actors.regulator("440600")
    login(client, gz)
    assert status_total(client) == "2"
    logout(client)

    profile = {name: getattr(ent, name) for name in PROFILE_FIELDS}
    update_enterprise(ent, profile | {"city_code": "440600", "industry_section": "F"})
    db_session.flush()
    consistent(db_session)
    copies = db_session.execute(
        select(Assessment.city_code, Assessment.industry_section).where(
            Assessment.enterprise_id == ent.id
        )
    ).all()
    assert set(copies) == {("440600", "F")}

    login(client, gz)
    assert status_total(client) == "0"
    assert ent.name not in client.get("/regulator/submissions").get_data(as_text=True)
    logout(client)
    login(client, fs)
    assert status_total(client) == "2"
    listed = client.get("/regulator/submissions?industry=F").get_data(as_text=True)
    assert all(f"/regulator/submissions/{a.id}" in listed for a in made)


def test_rebuild_statistics_restores_lost_totals(app, client, actors, subs, db_session, runner):
    ent = actors.enterprise(city="441900")
    subs.make(ent, percent=55.0)
    db_session.execute(delete(SubmissionStat))
    db_session.execute(delete(EnterpriseStat))
    db_session.commit()  # as another process would find it (the command rolls back its check)
    check = runner.invoke(args=["rebuild-statistics", "--check"])
    assert check.exit_code == 1 and "difference(s)" in check.output
    result = runner.invoke(args=["rebuild-statistics"])
    assert result.exit_code == 0, result.output
    assert "statistics rebuilt" in result.output
    consistent(db_session)
    assert runner.invoke(args=["rebuild-statistics", "--check"]).exit_code == 0
    login(client, actors.regulator("441900"))
    assert status_total(client) == "1"


def test_band_edges_agree_between_python_and_sql(db_session):
    for value, band in [(None, -1), (0.0, 0), (9.999, 0), (10.0, 1), (59.99, 5), (99.9, 9)]:
        assert rollups.band_of(value) == band
    assert rollups.band_of(100.0) == 9
    got = db_session.execute(
        select(*(rollups.band_sql(select(v).scalar_subquery()) for v in (0.0, 10.0, 100.0)))
    ).one()
    assert tuple(got) == (0, 1, 9)
