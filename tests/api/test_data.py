"""A bureau's system reads enterprises, CQOs, submissions and statistics of its jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cqo_portal import rollups
from cqo_portal.models import AssessmentStatus, CQORegistration, CQOStatus
from tests.api.helpers import bearer, submission, token_for


@pytest.fixture
def two_cities(actors):
    """A Guangzhou and a Shenzhen enterprise, each with a CQO and a submission."""
    gz = actors.enterprise(city="440100", industry="C")
    sz = actors.enterprise(city="440300", industry="I")
    return {
        "gz": gz,
        "sz": sz,
        "gz_cqo": actors.approved_cqo(gz),
        "sz_cqo": actors.approved_cqo(sz),
        "gz_sub": submission(actors, gz, percent=62.5),
        "sz_sub": submission(actors, sz, percent=80.0),
    }


def _ids(resp) -> set[int]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {item["id"] for item in resp.get_json()["items"]}


def test_shenzhen_token_sees_shenzhen_only(client, actors, two_cities):
    h = bearer(token_for(actors, actors.regulator("440300")))
    d = two_cities
    assert _ids(client.get("/api/v1/enterprises", headers=h)) == {d["sz"].id}
    assert _ids(client.get("/api/v1/cqos", headers=h)) == {d["sz_cqo"].id}
    assert _ids(client.get("/api/v1/submissions", headers=h)) == {d["sz_sub"].id}
    # Asking for Guangzhou explicitly finds nothing rather than leaking.
    assert _ids(client.get("/api/v1/submissions?city=440100", headers=h)) == set()

    assert client.get(f"/api/v1/enterprises/{d['sz'].id}", headers=h).status_code == 200
    for path in (f"/api/v1/enterprises/{d['gz'].id}", f"/api/v1/submissions/{d['gz_sub'].id}"):
        resp = client.get(path, headers=h)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    # Same answer as an id that does not exist at all.
    assert client.get("/api/v1/submissions/2147483647", headers=h).status_code == 404


def test_provincial_token_sees_every_city(client, actors, two_cities):
    h = bearer(token_for(actors, actors.regulator("440000")))
    d = two_cities
    assert _ids(client.get("/api/v1/enterprises", headers=h)) == {d["gz"].id, d["sz"].id}
    detail = client.get(f"/api/v1/enterprises/{d['gz'].id}", headers=h).get_json()
    assert detail["current_cqo"]["id"] == d["gz_cqo"].id
    assert [s["id"] for s in detail["submissions"]] == [d["gz_sub"].id]


def test_submission_detail_has_scores_per_section(client, actors, two_cities):
    h = bearer(token_for(actors, actors.regulator("440100")))
    sub = two_cities["gz_sub"]
    data = client.get(f"/api/v1/submissions/{sub.id}", headers=h).get_json()
    assert data["percent"] == 62.5 and data["status"] == "submitted"
    assert data["questionnaire"] == "cqo-qms"
    assert len(data["sections"]) == 1
    section = data["sections"][0]
    assert section["percent"] == 62.5 and section["title_zh"] and section["title_en"]


def test_drafts_and_draft_cqos_stay_private(client, actors, db_session):
    ent = actors.enterprise(city="440100")
    draft = submission(actors, ent, percent=10, status=AssessmentStatus.DRAFT)
    db_session.add(
        CQORegistration(enterprise_id=ent.id, status=CQOStatus.DRAFT, name="草稿", position="x")
    )
    db_session.flush()
    h = bearer(token_for(actors, actors.regulator("440100")))
    assert _ids(client.get("/api/v1/submissions", headers=h)) == set()
    assert _ids(client.get("/api/v1/cqos", headers=h)) == set()
    assert client.get(f"/api/v1/submissions/{draft.id}", headers=h).status_code == 404


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, actors):
    made = [actors.enterprise(city="441900").id for _ in range(7)]
    h = bearer(token_for(actors, actors.regulator("441900")))
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/enterprises?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=h).get_json()
        assert body["limit"] == 3 and len(body["items"]) <= 3
        seen += [e["id"] for e in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == sorted(made) and pages == 3


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bm9wZQ", "cursor"),
        ("city=999999", "city"),
        ("industry=Z", "industry"),
        ("status=draft", "status"),
        ("min_score=101", "min_score"),
        ("max_score=nan", "max_score"),
        ("submitted_after=yesterday", "submitted_after"),
        ("submitted_before=2026-02-30", "submitted_before"),
        ("questionnaire=%20", "questionnaire"),
    ],
)
def test_malformed_parameters_are_400_naming_the_parameter(client, actors, query, parameter):
    h = bearer(token_for(actors, actors.regulator()))
    resp = client.get(f"/api/v1/submissions?{query}", headers=h)
    assert resp.status_code == 400 and resp.is_json
    assert resp.get_json()["error"]["parameter"] == parameter


def test_submission_filters(client, actors):
    c_ent = actors.enterprise(city="440600", industry="C")
    i_ent = actors.enterprise(city="440600", industry="I")
    other_city = actors.enterprise(city="440700", industry="C")
    low = submission(actors, c_ent, percent=35.0, year=2024, status=AssessmentStatus.ACCEPTED)
    high = submission(
        actors,
        c_ent,
        percent=88.0,
        submitted=datetime(2026, 6, 1, 8, tzinfo=UTC),
    )
    returned = submission(actors, i_ent, percent=55.0, status=AssessmentStatus.RETURNED)
    gb = submission(actors, other_city, percent=70.0, key="gbt19580")
    h = bearer(token_for(actors, actors.regulator("440000")))

    def ids(query: str) -> set[int]:
        return _ids(client.get(f"/api/v1/submissions?{query}", headers=h))

    assert ids("city=440600") == {low.id, high.id, returned.id}
    assert ids("industry=I") == {returned.id}
    assert ids("questionnaire=gbt19580") == {gb.id}
    assert ids("status=returned") == {returned.id}
    assert ids("status=accepted") == {low.id}
    assert ids("min_score=55") == {high.id, returned.id, gb.id}
    assert ids("max_score=55") == {low.id, returned.id}
    assert ids("min_score=50&max_score=75&city=440600") == {returned.id}
    assert ids("submitted_after=2026-06-01") == {high.id}
    assert ids("submitted_after=2026-06-01T08:00:01%2B00:00") == set()
    assert ids("submitted_before=2025-01-01") == {low.id}
    assert ids("submitted_after=2026-01-01T00:00:00Z&submitted_before=2026-05-01") == {
        returned.id,
        gb.id,
    }


def test_statistics_of_a_hand_built_city(client, actors, db_session):
    a = actors.enterprise(city="441300", industry="C")
    b = actors.enterprise(city="441300", industry="C")
    c = actors.enterprise(city="441300", industry="F")
    actors.enterprise(city="441300", industry="F")  # no CQO, no submission
    actors.approved_cqo(a)
    actors.approved_cqo(b)
    db_session.add(  # a pending filing does not count as coverage
        CQORegistration(enterprise_id=c.id, status=CQOStatus.SUBMITTED, name="候选", position="x")
    )
    rollups.refresh_enterprises(db_session, [c.id])  # written directly, counted here
    submission(actors, a, percent=60.0, status=AssessmentStatus.ACCEPTED, year=2025)
    submission(actors, a, percent=70.0)
    submission(actors, b, percent=80.0, status=AssessmentStatus.RETURNED)
    submission(actors, c, percent=45.0, key="gbt19580")
    submission(actors, c, percent=99.0, status=AssessmentStatus.DRAFT)  # never counted
    actors.enterprise(city="441400")  # another city: outside the token's reach
    h = bearer(token_for(actors, actors.regulator("441300")))

    stats = client.get("/api/v1/statistics", headers=h).get_json()
    assert stats["jurisdiction_code"] == "441300"
    assert stats["submissions"] == {
        "total": 4,
        "by_status": {"submitted": 2, "accepted": 1, "returned": 1},
        "average_percent": 63.8,
    }
    assert stats["by_city"] == [{"city_code": "441300", "submissions": 4, "average_percent": 63.8}]
    assert stats["by_industry"] == [
        {"industry_section": "C", "submissions": 3, "average_percent": 70.0},
        {"industry_section": "F", "submissions": 1, "average_percent": 45.0},
    ]
    assert stats["cqo_coverage"] == {"enterprises": 4, "with_approved_cqo": 2, "ratio": 0.5}

    only = client.get("/api/v1/statistics?questionnaire=cqo-qms&cycle_year=2026", headers=h)
    body = only.get_json()
    assert body["filters"] == {"questionnaire": "cqo-qms", "cycle_year": 2026}
    assert body["submissions"]["by_status"] == {"submitted": 1, "accepted": 0, "returned": 1}
    assert body["submissions"]["average_percent"] == 75.0


def test_statistics_are_current_and_say_when_computed(client, actors):
    ent = actors.enterprise(city="441500")
    submission(actors, ent, percent=50.0)
    h = bearer(token_for(actors, actors.regulator("441500")))
    first = client.get("/api/v1/statistics", headers=h).get_json()
    assert first["submissions"]["total"] == 1 and first["computed_at"]
    submission(actors, ent, percent=90.0)
    fresh = client.get("/api/v1/statistics", headers=h).get_json()
    assert fresh["submissions"]["total"] == 2 and fresh["submissions"]["average_percent"] == 70.0
    empty = client.get("/api/v1/statistics?cycle_year=2001", headers=h).get_json()
    assert empty["submissions"]["total"] == 0 and empty["by_city"] == []
