"""A city bureau works only inside its city: lists, pages, review, exports and ZIPs stop at the border."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from tests.factories import login


@pytest.fixture
def two_cities(actors, subs):
    gz = actors.enterprise(city="440100", name="广州边界测试有限公司")
    sz = actors.enterprise(city="440300", name="深圳边界测试有限公司")
    return {
        "gz": gz,
        "sz": sz,
        "gz_sub": subs.make(gz, percent=60.0),
        "sz_sub": subs.make(sz, percent=70.0),
    }


def test_city_regulator_lists_only_own_city(client, actors, two_cities):
    login(client, actors.regulator("440100"))
    page = client.get("/regulator/submissions").get_data(as_text=True)
    assert "广州边界测试有限公司" in page and "深圳边界测试有限公司" not in page
    # Asking for another city is refused with a note, never widens the scope.
    page = client.get("/regulator/submissions?city=440300").get_data(as_text=True)
    assert "outside your jurisdiction" in page and "深圳边界测试有限公司" not in page
    # Search by the other city's credit code finds nothing.
    page = client.get(f"/regulator/submissions?q={two_cities['sz'].uscc}").get_data(as_text=True)
    assert "深圳边界测试有限公司" not in page
    ents = client.get("/regulator/enterprises").get_data(as_text=True)
    assert "广州边界测试有限公司" in ents and "深圳边界测试有限公司" not in ents
    assert "深圳边界测试有限公司" not in client.get("/regulator/enterprises?city=440300").get_data(
        as_text=True
    )


def test_provincial_regulator_lists_every_city(client, actors, two_cities):
    login(client, actors.regulator("440000"))
    page = client.get("/regulator/submissions").get_data(as_text=True)
    assert "广州边界测试有限公司" in page and "深圳边界测试有限公司" in page


def test_other_city_submission_page_and_review_are_not_found(client, actors, two_cities):
    login(client, actors.regulator("440100"))
    sz_sub = two_cities["sz_sub"]
    assert client.get(f"/regulator/submissions/{sz_sub.id}").status_code == 404
    resp = client.post(
        f"/regulator/submissions/{sz_sub.id}/review", data={"decision": "accept", "comment": ""}
    )
    assert resp.status_code == 404
    assert sz_sub.status.value == "submitted"
    # A cursor from another city does not reveal or position anything.
    html = client.get(f"/regulator/submissions?after={sz_sub.id}").get_data(as_text=True)
    assert "showing the first page" in html


def test_exports_stop_at_the_border(client, actors, two_cities):
    login(client, actors.regulator("440100"))
    text = client.get("/regulator/submissions.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    ids = {r[0] for r in rows[1:]}
    assert str(two_cities["gz_sub"].id) in ids and str(two_cities["sz_sub"].id) not in ids
    # A city filter for another city is ignored, never widened.
    text = client.get("/regulator/submissions.csv?city=440300").get_data(as_text=True)
    assert "深圳边界测试有限公司" not in text
    wb = load_workbook(io.BytesIO(client.get("/regulator/submissions.xlsx").data), read_only=True)
    names = {row[1] for row in wb.active.iter_rows(min_row=2, values_only=True)}
    assert "广州边界测试有限公司" in names and "深圳边界测试有限公司" not in names


def test_bulk_download_ignores_ticked_ids_from_another_city(client, actors, two_cities, stored_pdf):
    stored_pdf(two_cities["gz_sub"], "en")
    stored_pdf(two_cities["sz_sub"], "en")
    login(client, actors.regulator("440100"))
    resp = client.post(
        "/regulator/submissions/reports.zip", data={"ids": [str(two_cities["sz_sub"].id)]}
    )
    assert resp.status_code == 302  # nothing of theirs matched
    resp = client.post(
        "/regulator/submissions/reports.zip",
        data={"ids": [str(two_cities["sz_sub"].id), str(two_cities["gz_sub"].id)], "lang": "en"},
    )
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert [re.sub(r"-[0-9A-Z]{6}\.pdf$", ".pdf", n) for n in pdfs] == [
        f"GD-CQO-2026-{two_cities['gz_sub'].id:06d}-EN.pdf"
    ]


def test_dashboard_counts_only_own_city(client, actors, two_cities):
    login(client, actors.regulator("440300"))
    html = client.get("/regulator/").get_data(as_text=True)
    assert re.search(r'id="awaiting-review">1<', html)
    table = re.search(r'id="table-city">.*?</table>', html, re.S).group(0)
    assert "Shenzhen" in table and "Guangzhou" not in table


def test_officers_and_admins_have_no_workspace(client, actors, two_cities):
    login(client, actors.officer(two_cities["gz"]))
    for url in (
        "/regulator/",
        "/regulator/submissions",
        "/regulator/submissions.csv",
        "/regulator/enterprises",
    ):
        assert client.get(url).status_code == 403, url
    resp = client.post(
        f"/regulator/submissions/{two_cities['gz_sub'].id}/review", data={"decision": "accept"}
    )
    assert resp.status_code in (403, 404)
    assert two_cities["gz_sub"].status.value == "submitted"
