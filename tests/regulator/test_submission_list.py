"""A regulator browses the submissions of the jurisdiction: every filter, search, sorts, pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.factories import login


def listed(client, query: str = "") -> list[int]:
    resp = client.get("/regulator/submissions" + query)
    assert resp.status_code == 200
    return [int(x) for x in re.findall(r'name="ids" value="(\d+)"', resp.get_data(as_text=True))]


def all_pages(client, query: str) -> list[int]:
    """Follow the "next page" links to the end, as a person clicking through would."""
    ids: list[int] = []
    url = "/regulator/submissions" + query
    for _ in range(50):
        html = client.get(url).get_data(as_text=True)
        ids += [int(x) for x in re.findall(r'name="ids" value="(\d+)"', html)]
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        if not nxt:
            return ids
        url = nxt.group(1).replace("&amp;", "&")
    raise AssertionError("pagination did not end")


@pytest.fixture
def world(actors, subs):
    gz_c = actors.enterprise(city="440100", industry="C", name="广州精工制造有限公司")
    gz_f = actors.enterprise(city="440100", industry="F", name="广州商贸有限公司")
    fs_c = actors.enterprise(city="440600", industry="C", name="佛山陶瓷有限公司")
    w = {
        "gz_low": subs.make(gz_c, percent=20.0, year=2024, status="accepted"),
        "gz_mid": subs.make(gz_c, percent=55.0, year=2025, status="returned"),
        "gz_f": subs.make(gz_f, percent=75.0, year=2026, questionnaire="gbt19580"),
        "fs": subs.make(fs_c, percent=92.0, year=2026),
    }
    w["gz_low"].level_code = "M1"
    w["gz_mid"].level_code = "M3"
    w["fs"].level_code = "M5"
    w["ents"] = (gz_c, gz_f, fs_c)
    return w


def test_each_filter_narrows_the_list(client, actors, world):
    login(client, actors.regulator("440000"))
    ids = {k: v.id for k, v in world.items() if k != "ents"}
    assert set(listed(client)) >= set(ids.values())
    assert set(listed(client, "?city=440600")) == {ids["fs"]}
    assert set(listed(client, "?industry=F")) == {ids["gz_f"]}
    assert set(listed(client, "?questionnaire=gbt19580")) == {ids["gz_f"]}
    assert set(listed(client, "?status=returned")) == {ids["gz_mid"]}
    assert set(listed(client, "?status=accepted")) == {ids["gz_low"]}
    assert set(listed(client, "?level=M5")) == {ids["fs"]}
    assert set(listed(client, "?score_min=50&score_max=80")) == {ids["gz_mid"], ids["gz_f"]}
    assert set(listed(client, "?score_min=92")) == {ids["fs"]}  # bounds are inclusive
    assert set(listed(client, "?score_max=20")) == {ids["gz_low"]}
    assert set(listed(client, "?date_from=2025-01-01&date_to=2025-12-31")) == {ids["gz_mid"]}
    assert set(listed(client, "?date_to=2024-06-01")) == {ids["gz_low"]}  # the end day counts
    assert set(listed(client, "?q=佛山陶瓷")) == {ids["fs"]}
    gz_c = world["ents"][0]
    assert set(listed(client, f"?q={gz_c.uscc}")) == {ids["gz_low"], ids["gz_mid"]}
    assert set(listed(client, f"?q={gz_c.uscc[:10].lower()}")) >= {ids["gz_low"], ids["gz_mid"]}
    # Filters combine.
    assert set(listed(client, "?city=440100&industry=C&score_min=50")) == {ids["gz_mid"]}


def test_search_treats_wildcards_literally(client, actors, subs):
    ent = actors.enterprise(name="百分之百_质量有限公司")
    a = subs.make(ent)
    other = subs.make(actors.enterprise(name="另一家公司"))
    login(client, actors.regulator())
    assert listed(client, "?q=%25") == []
    assert set(listed(client, "?q=_")) == {a.id}
    assert other.id not in listed(client, "?q=百分之百")


def test_bad_filter_values_are_ignored_with_a_visible_note(client, actors, world):
    login(client, actors.regulator("440000"))
    resp = client.get(
        "/regulator/submissions?city=999999&industry=ZZ&status=draft&level=nope&score_min=abc"
        "&score_max=500&date_from=2025-13-01&sort=evil&questionnaire=x&after=abc"
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for message in (
        "Unknown city ignored",
        "Unknown industry ignored",
        "Unknown status ignored",
        "Unknown level ignored",
        "Score limits are percentages",
        "Dates are written as YYYY-MM-DD",
        "Unknown sort order ignored",
        "Unknown questionnaire ignored",
    ):
        assert message in page
    # Nothing was filtered out by the bad values.
    ids = re.findall(r'name="ids" value="(\d+)"', page)
    assert {str(world[k].id) for k in ("gz_low", "gz_mid", "gz_f", "fs")} <= set(ids)
    inverted = client.get("/regulator/submissions?score_min=80&score_max=10").get_data(as_text=True)
    assert "score range ignored" in inverted
    dates = client.get("/regulator/submissions?date_from=2026-02-01&date_to=2025-01-01")
    assert "date range ignored" in dates.get_data(as_text=True)


def test_drafts_are_never_listed(client, actors, subs, db_session):
    ent = actors.enterprise()
    draft = subs.make(ent, status="draft")
    login(client, actors.regulator())
    assert draft.id not in listed(client)
    assert client.get(f"/regulator/submissions/{draft.id}").status_code == 404


def test_filters_live_in_the_url_and_survive_paging(client, actors, subs, small_pages):
    ent = actors.enterprise(city="440300", industry="C")
    made = [subs.make(ent, percent=10.0 * n) for n in range(1, 8)]
    login(client, actors.regulator())
    html = client.get("/regulator/submissions?city=440300&score_min=20&sort=-score").get_data(
        as_text=True
    )
    nxt = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "city=440300" in nxt and "score_min=20" in nxt and "sort=-score" in nxt
    assert "after=" in nxt
    assert all_pages(client, "?city=440300&score_min=20&sort=-score") == [
        a.id for a in sorted(made[1:], key=lambda a: -a.percent)
    ]


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("-submitted", lambda a: (a.submitted_at, a.id)),
        ("submitted", lambda a: (a.submitted_at, a.id)),
        ("-score", lambda a: (a.percent, a.id)),
        ("score", lambda a: (a.percent, a.id)),
        ("name", lambda a: (a.enterprise.name, a.id)),
        ("-name", lambda a: (a.enterprise.name, a.id)),
    ],
)
def test_every_sort_pages_through_all_rows_once_in_order(
    client, actors, subs, small_pages, sort, key
):
    # Ties on every sort key, so the id tie-breaker is exercised across page boundaries.
    ents = [actors.enterprise(city="441900", name=f"东莞{n % 3}号工厂有限公司") for n in range(3)]
    when = [datetime(2026, 3, d, 9, tzinfo=UTC) for d in (1, 1, 2)]
    made = [
        subs.make(ents[n % 3], percent=(40.0, 40.0, 65.5, 90.0)[n % 4], submitted_at=when[n % 3])
        for n in range(10)
    ]
    login(client, actors.regulator("441900"))
    got = all_pages(client, f"?sort={sort}")
    expected = sorted(made, key=key, reverse=sort.startswith("-"))
    assert got == [a.id for a in expected]


@pytest.mark.parametrize("sort", ["-score", "score"])
def test_score_sort_pages_over_unscored_rows_on_either_database(
    client, actors, subs, small_pages, sort
):
    """NULL sorts high on PostgreSQL and low on SQLite; the keyset must agree with the database."""
    ent = actors.enterprise(city="440500")
    made = [subs.make(ent, percent=None if n % 2 else 10.0 * n) for n in range(8)]
    login(client, actors.regulator("440500"))
    got = all_pages(client, f"?sort={sort}")
    assert sorted(got) == sorted(a.id for a in made)
    assert len(got) == len(set(got))


def test_a_vanished_cursor_starts_over_with_a_note(client, actors, subs, small_pages):
    ent = actors.enterprise(city="440100")
    for _ in range(4):
        subs.make(ent)
    login(client, actors.regulator("440100"))
    html = client.get("/regulator/submissions?after=999999999").get_data(as_text=True)
    assert "showing the first page" in html
    assert len(re.findall(r'name="ids" value="(\d+)"', html)) == 3
