"""The regulator's home: what to do next, and the jurisdiction's figures as charts with tables."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cqo_portal import rollups
from cqo_portal.models import AssessmentStatus, CQORegistration, CQOStatus, SectionScore
from tests.factories import login


def table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'id="{table_id}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in rows]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells]


@pytest.fixture
def world(actors, subs):
    gz1 = actors.enterprise(city="440100", industry="C")
    gz2 = actors.enterprise(city="440100", industry="F")
    sz = actors.enterprise(city="440300", industry="C")
    actors.enterprise(city="440300", industry="C")  # registered, no CQO, no submission
    actors.approved_cqo(gz1)
    actors.approved_cqo(sz)
    pending = CQORegistration(
        enterprise_id=gz2.id, status=CQOStatus.SUBMITTED, name="李四", position="质量经理"
    )
    actors.session.add(pending)
    rollups.refresh_enterprises(actors.session, [gz2.id])  # written directly, counted here
    return {
        "gz1_2025": subs.make(gz1, percent=40.0, year=2025, status="accepted"),
        "gz1_2026": subs.make(gz1, percent=60.0, year=2026),
        "gz2_2026": subs.make(gz2, percent=100.0, year=2026, status="returned"),
        "sz_2026": subs.make(sz, percent=5.0, year=2026),
    }


def test_regulator_lands_on_the_dashboard_with_its_links(client, actors):
    login(client, actors.regulator())
    resp = client.get("/dashboard")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/regulator/")
    html = client.get("/regulator/").get_data(as_text=True)
    for href in (
        'href="/regulator/"',
        'href="/regulator/enterprises"',
        'href="/regulator/submissions"',
    ):
        assert href in html


def test_dashboard_numbers_for_the_province(client, actors, world, db_session):
    login(client, actors.regulator("440000"))
    html = client.get("/regulator/?year=2026").get_data(as_text=True)
    assert re.search(r'id="awaiting-review">2<', html)
    assert re.search(r'id="cqo-awaiting">1<', html)
    assert table(html, "table-status")[1:] == [
        ["Awaiting review", "2"],
        ["Accepted", "0"],
        ["Returned", "1"],
        ["Total", "3"],
    ]
    bands = dict(
        zip(table(html, "table-bands")[0][1:], table(html, "table-bands")[1][1:], strict=True)
    )
    assert bands["0–10"] == "1" and bands["60–70"] == "1" and bands["90–100"] == "1"  # 100% counts
    assert sum(int(v) for v in bands.values()) == 3
    city = {r[0]: r[1:] for r in table(html, "table-city")[1:]}
    assert city["Guangzhou"] == ["2", "80.0"] and city["Shenzhen"] == ["1", "5.0"]
    industry = {r[0][0]: r[1:] for r in table(html, "table-industry")[1:]}
    assert industry["C"] == ["2", "32.5"] and industry["F"] == ["1", "100.0"]
    coverage = {r[0]: r[1:] for r in table(html, "table-coverage")[1:]}
    assert coverage["Guangzhou"] == ["1", "2", "50.0"] and coverage["Shenzhen"] == [
        "1",
        "2",
        "50.0",
    ]
    trend = {r[0]: r[1:] for r in table(html, "table-trend")[1:]}
    assert trend["2025"] == ["1", "40.0"] and trend["2026"] == ["3", "55.0"]
    # Weakest sections: the lowest average section percent, titled from the questionnaire.
    ids = [a.id for k, a in world.items() if k.endswith("2026")]
    rows = db_session.execute(
        select(SectionScore.section_id, SectionScore.percent).where(
            SectionScore.assessment_id.in_(ids)
        )
    ).all()
    by_section: dict[str, list[float]] = {}
    for sid, pct in rows:
        by_section.setdefault(sid, []).append(pct)
    lowest = min(by_section, key=lambda s: sum(by_section[s]) / len(by_section[s]))
    weakest = table(html, "table-weakest")[1:]
    assert len(weakest) == 5
    from cqo_portal.assessments.services import questionnaire_of

    q = questionnaire_of(world["gz1_2026"].questionnaire)
    assert weakest[0][0] == q.section(lowest).title.en
    avg = sum(by_section[lowest]) / len(by_section[lowest])
    assert weakest[0][3] == f"{avg:,.1f}"
    # Every chart is server-made SVG with a title, and no inline script or style.
    assert html.count("<svg") >= 7 and 'role="img"' in html
    assert "<script>" not in html and "style=" not in html


def test_dashboard_all_years_and_city_scope(client, actors, world):
    login(client, actors.regulator("440100"))
    html = client.get("/regulator/?year=all").get_data(as_text=True)
    assert table(html, "table-status")[-1] == ["Total", "3"]
    assert [r[0] for r in table(html, "table-city")[1:]] == ["Guangzhou"]
    assert [r[0] for r in table(html, "table-coverage")[1:]] == ["Guangzhou"]
    assert re.search(r'id="awaiting-review">1<', html)
    assert re.search(r'id="cqo-awaiting">1<', html)
    # Default: the latest cycle year; unknown values fall back without an error.
    assert client.get("/regulator/?year=abcd&questionnaire=zzz").status_code == 200
    latest = client.get("/regulator/").get_data(as_text=True)
    assert table(latest, "table-status")[-1] == ["Total", "2"]


def test_empty_jurisdiction_shows_empty_charts(client, actors):
    login(client, actors.regulator("441800"))
    resp = client.get("/regulator/")
    assert resp.status_code == 200
    assert "No data" in resp.get_data(as_text=True)


def test_figures_follow_each_submission_and_review_at_once(client, actors, subs):
    ent = actors.enterprise(city="441200")
    subs.make(ent, percent=50.0)
    login(client, actors.regulator("441200"))
    first = client.get("/regulator/?year=all").get_data(as_text=True)
    assert table(first, "table-status")[-1] == ["Total", "1"]
    second = subs.make(ent, percent=70.0)
    again = client.get("/regulator/?year=all").get_data(as_text=True)
    assert table(again, "table-status")[-1] == ["Total", "2"]
    assert re.search(r'id="awaiting-review">2<', again)
    second.status = AssessmentStatus.ACCEPTED
    rollups.refresh_enterprises(actors.session, [ent.id])  # written directly, counted here
    after = client.get("/regulator/?year=all").get_data(as_text=True)
    assert re.search(r'id="awaiting-review">1<', after)
    assert table(after, "table-status")[-1] == ["Total", "2"]
