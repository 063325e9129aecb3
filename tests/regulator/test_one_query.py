"""One submission query: the regulator's list, its count, the CSV, XLSX and ZIP exports and the
data API's list hold the same submissions for the same filter, page without gaps or repeats
across ties, and stop at the jurisdiction's border."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from cqo_portal.api.services import submission_filter
from cqo_portal.models import Assessment
from cqo_portal.query import (
    DEFAULT_SORT,
    SUBMISSION_SORTS,
    SubmissionFilter,
    ordered_submissions,
    submission_page,
    submissions_select,
)
from cqo_portal.regulator import services
from cqo_portal.regulator.services import SubmissionSearch
from tests.api.helpers import bearer, token_for
from tests.factories import login

IDS = re.compile(r'name="ids" value="(\d+)"')


def regulator_pages(client, query: str) -> list[int]:
    """Every page of the regulator's list, following its "next page" links."""
    ids: list[int] = []
    url = "/regulator/submissions" + query
    for _ in range(50):
        html = client.get(url).get_data(as_text=True)
        ids += [int(x) for x in IDS.findall(html)]
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        if not nxt:
            return ids
        url = nxt.group(1).replace("&amp;", "&")
    raise AssertionError("the regulator's pages did not end")


def api_pages(client, headers, query: str, limit: int = 2) -> list[int]:
    """Every page of the API's list, following its cursors."""
    ids: list[int] = []
    cursor = None
    for _ in range(50):
        url = f"/api/v1/submissions?limit={limit}" + (f"&{query}" if query else "")
        resp = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids
    raise AssertionError("the API's pages did not end")


def csv_ids(client, query: str) -> list[int]:
    text = client.get("/regulator/submissions.csv" + query).get_data(as_text=True)
    return [int(r[0]) for r in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]]


def xlsx_ids(client, query: str) -> list[int]:
    resp = client.get("/regulator/submissions.xlsx" + query)
    ws = load_workbook(io.BytesIO(resp.data), read_only=True).active
    return [int(row[0]) for row in ws.iter_rows(min_row=2, values_only=True)]


def zip_ids(client, query: str) -> list[int]:
    sep = "&" if query else "?"
    resp = client.get(f"/regulator/submissions/reports.zip{query}{sep}lang=en")
    if resp.status_code == 302:  # nothing matched: back to the list with a note
        return []
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    return [int(m.group(1)) for n in names if (m := re.search(r"-(\d{6,})-EN-", n))]


@pytest.fixture
def world(actors, subs, stored_pdf):
    """Guangzhou and Foshan submissions with ties on date and score, a NULL score, a draft."""
    gz_c = actors.enterprise(city="440100", industry="C", name="广州一致性制造有限公司")
    gz_f = actors.enterprise(city="440100", industry="F", name="广州一致性商贸有限公司")
    fs = actors.enterprise(city="440600", industry="C", name="佛山一致性陶瓷有限公司")
    day = [datetime(2025, 11, 3, 9, tzinfo=UTC), datetime(2026, 3, 1, 9, tzinfo=UTC)]
    made = []
    for n in range(9):
        ent = (gz_c, gz_f, fs)[n % 3]
        made.append(
            subs.make(
                ent,
                percent=(40.0, 40.0, 72.5, None)[n % 4],
                submitted_at=day[n % 2],
                status=("submitted", "accepted", "returned")[n // 3],
                questionnaire="gbt19580" if n == 4 else "cqo-qms",
            )
        )
    subs.make(gz_c, status="draft")
    for a in made:
        stored_pdf(a, "en")
    return made


AGREEING_FILTERS = [
    ("", ""),
    ("?city=440100", "city=440100"),
    ("?industry=F", "industry=F"),
    ("?questionnaire=gbt19580", "questionnaire=gbt19580"),
    ("?status=accepted", "status=accepted"),
    ("?score_min=40&score_max=40", "min_score=40&max_score=40"),
    ("?score_min=50", "min_score=50"),
    ("?date_from=2026-01-01", "submitted_after=2026-01-01"),
    ("?date_to=2025-11-03", "submitted_before=2025-11-04"),
    ("?city=440100&status=submitted&score_max=50", "city=440100&status=submitted&max_score=50"),
]


def _args(query: str) -> MultiDict:
    return MultiDict([tuple(p.split("=", 1)) for p in query.lstrip("?").split("&") if p])


@pytest.mark.parametrize("jurisdiction", ["440000", "440100"])
@pytest.mark.parametrize(("regulator_query", "api_query"), AGREEING_FILTERS)
def test_list_count_exports_zip_and_api_hold_the_same_submissions(
    client, actors, world, db_session, small_pages, jurisdiction, regulator_query, api_query
):
    regulator = actors.regulator(jurisdiction)
    headers = bearer(token_for(actors, regulator))
    login(client, regulator)
    # Each caller parses its own parameters into the same filter; only the order differs.
    search = SubmissionSearch.from_args(_args(regulator_query), regulator)
    assert not search.notes
    assert replace(submission_filter(_args(api_query)), sort=DEFAULT_SORT) == search.filter
    matching = set(db_session.scalars(submissions_select(regulator, search.filter, Assessment.id)))
    reachable = {a.id for a in world if jurisdiction == "440000" or a.city_code == jurisdiction}
    assert matching and matching <= reachable
    if not regulator_query:
        assert matching == reachable  # every submission in reach, never the draft

    shown = regulator_pages(client, regulator_query)  # pages of 3
    assert len(shown) == len(set(shown)) and set(shown) == matching
    assert services.count_submissions(regulator, search.filter) == len(shown)
    assert csv_ids(client, regulator_query) == shown
    assert xlsx_ids(client, regulator_query) == shown
    assert zip_ids(client, regulator_query) == shown
    api = api_pages(client, headers, api_query)  # pages of 2, by id
    assert api == sorted(shown)


def test_the_city_regulator_and_its_token_never_see_another_city(client, actors, world):
    regulator = actors.regulator("440100")
    headers = bearer(token_for(actors, regulator))
    login(client, regulator)
    foshan = {a.id for a in world if a.city_code == "440600"}
    guangzhou = {a.id for a in world if a.city_code == "440100"}
    assert foshan and guangzhou
    assert set(regulator_pages(client, "")) == guangzhou
    assert set(api_pages(client, headers, "")) == guangzhou
    assert set(csv_ids(client, "")) == guangzhou
    # Asking for the other city: the list ignores the filter with a note, the API finds nothing.
    html = client.get("/regulator/submissions?city=440600").get_data(as_text=True)
    assert "outside your jurisdiction" in html
    assert not foshan & {int(x) for x in IDS.findall(html)}
    assert api_pages(client, headers, "city=440600") == []
    # A cursor naming another city's submission positions nothing.
    html = client.get(f"/regulator/submissions?after={min(foshan)}").get_data(as_text=True)
    assert "showing the first page" in html


@pytest.mark.parametrize("sort", sorted(SUBMISSION_SORTS))
def test_pages_of_every_order_are_the_unpaged_order_cut_in_pieces(
    app, actors, world, db_session, sort
):
    """Ties on the date, the score and the name, and NULL scores (high on PostgreSQL, low on
    SQLite): page after page, each submission comes once, in the order of the unpaged query."""
    regulator = actors.regulator("440000")
    flt = SubmissionFilter(sort=sort)
    from cqo_portal.models import Assessment

    whole = list(db_session.scalars(ordered_submissions(regulator, flt, Assessment.id)))
    assert len(whole) == len(world)
    paged: list[int] = []
    after = None
    for _ in range(len(whole) + 1):
        stmt = submissions_select(regulator, flt, Assessment.id)
        page = submission_page(regulator, flt, stmt, 2, after, scalars=True, row_id=int)
        assert not page.restarted
        paged += page.items
        after = page.next_after
        if after is None:
            break
    assert paged == whole


def test_api_pages_by_id_across_identical_rows(client, actors, subs):
    ent = actors.enterprise(city="441900")
    same = datetime(2026, 4, 1, 9, tzinfo=UTC)
    made = [subs.make(ent, percent=50.0, submitted_at=same).id for _ in range(7)]
    headers = bearer(token_for(actors, actors.regulator("441900")))
    assert api_pages(client, headers, "", limit=3) == sorted(made)
    assert api_pages(client, headers, "min_score=50&max_score=50", limit=2) == sorted(made)
