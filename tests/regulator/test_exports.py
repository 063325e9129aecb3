"""Exports of the filtered set: CSV and XLSX (a row per submission, a column per section score),
and the reports as one ZIP; they always hold exactly what the list shows."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.models import Report, SectionScore
from tests.factories import login


def read_csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def list_ids(client, query: str) -> list[str]:
    html = client.get("/regulator/submissions" + query).get_data(as_text=True)
    return re.findall(r'name="ids" value="(\d+)"', html)


@pytest.fixture
def data(actors, subs):
    a_ent = actors.enterprise(city="440100", industry="C", name='=HYPERLINK("x")有限公司')
    b_ent = actors.enterprise(city="440600", industry="F", name="佛山导出测试有限公司")
    return {
        "a1": subs.make(a_ent, percent=33.3, year=2025, status="accepted"),
        "a2": subs.make(a_ent, percent=66.6, year=2026),
        "b": subs.make(b_ent, percent=80.0, year=2026, questionnaire="gbt19580"),
    }


def test_csv_has_a_row_per_submission_and_a_column_per_section(client, actors, data, db_session):
    login(client, actors.regulator())
    rows = read_csv(client.get("/regulator/submissions.csv?questionnaire=cqo-qms&sort=score"))
    assert [r["Submission id"] for r in rows] == [str(data["a1"].id), str(data["a2"].id)]
    q = questionnaire_of(data["a1"].questionnaire)
    section_headers = [f"{s.title.en} (%)" for s in q.sections]
    assert list(rows[0])[-len(section_headers) :] == section_headers
    for row, a in zip(rows, (data["a1"], data["a2"]), strict=True):
        stored = {
            s.section_id: s.percent
            for s in db_session.scalars(
                select(SectionScore).where(SectionScore.assessment_id == a.id)
            )
        }
        for sec in q.sections:
            assert float(row[f"{sec.title.en} (%)"]) == pytest.approx(stored[sec.id])
        assert float(row["Score (%)"]) == pytest.approx(a.percent)
        assert row["Unified social credit code"] == a.enterprise.uscc
        assert row["City"] == "Guangzhou"
    assert rows[0]["Status"] == "Accepted" and rows[1]["Status"] == "Submitted"
    # A name that looks like a formula is neutralised for spreadsheet programs.
    assert rows[0]["Enterprise"].startswith("'=")


def test_mixed_questionnaires_get_prefixed_section_columns(client, actors, data):
    login(client, actors.regulator())
    rows = read_csv(client.get("/regulator/submissions.csv"))
    header = list(rows[0])
    assert any(h.startswith("cqo-qms · ") for h in header)
    assert any(h.startswith("gbt19580 · ") for h in header)
    b = next(r for r in rows if r["Submission id"] == str(data["b"].id))
    cqo_cols = [h for h in header if h.startswith("cqo-qms · ")]
    assert all(b[h] == "" for h in cqo_cols)  # no cqo-qms sections on a gbt19580 submission
    assert all(b[h] != "" for h in header if h.startswith("gbt19580 · "))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?city=440100",
        "?industry=F",
        "?questionnaire=gbt19580",
        "?status=accepted",
        "?score_min=50&score_max=70",
        "?date_from=2026-01-01",
        "?q=佛山导出",
        "?level=nope&sort=-score",
    ],
)
def test_csv_and_xlsx_hold_exactly_what_the_list_shows(client, actors, data, query):
    login(client, actors.regulator())
    shown = list_ids(client, query)
    rows = read_csv(client.get("/regulator/submissions.csv" + query))
    assert [r["Submission id"] for r in rows] == shown
    resp = client.get("/regulator/submissions.xlsx" + query)
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.data), read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "Submission id"
    assert [str(v[0]) for v in values[1:]] == shown


def test_xlsx_cells_are_typed_and_formulas_are_not_run(client, actors, data):
    login(client, actors.regulator())
    resp = client.get("/regulator/submissions.xlsx?city=440100&sort=score")
    ws = load_workbook(io.BytesIO(resp.data)).active
    header = [c.value for c in ws[1]]
    first = [c for c in ws[2]]
    assert first[header.index("Score (%)")].value == pytest.approx(33.3)
    assert first[header.index("Enterprise")].data_type == "s"
    assert first[header.index("Enterprise")].value.startswith("'=")


def test_zip_of_all_matching_reports(client, actors, data, db_session, stored_pdf):
    stored_pdf(data["a2"], "zh", b"%PDF-1.7 already rendered")  # a1 renders in the request
    login(client, actors.regulator())
    resp = client.get("/regulator/submissions/reports.zip?city=440100&lang=zh")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    pdfs = sorted(n for n in zf.namelist() if n.endswith(".pdf"))
    assert [re.sub(r"-[0-9A-Z]{6}\.pdf$", ".pdf", n) for n in pdfs] == sorted(
        f"GD-CQO-{a.submitted_at.year}-{a.id:06d}-ZH.pdf" for a in (data["a1"], data["a2"])
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(zf.read(pdfs[0]))).pages[:2])
    assert data["a1"].enterprise.uscc in text
    assert zf.read(pdfs[1]) == b"%PDF-1.7 already rendered"
    index = zf.read("index.csv").decode("utf-8-sig")
    assert data["a2"].enterprise.uscc in index
    # The rendered reports were kept, so the next download does not render again.
    stored = db_session.scalars(
        select(Report.status).where(Report.assessment_id.in_([data["a1"].id, data["a2"].id]))
    ).all()
    assert [s.value for s in stored] == ["ready", "ready"]


def test_zip_refuses_more_than_its_limit_and_empty_selections(client, actors, data, monkeypatch):
    from cqo_portal.regulator import routes

    login(client, actors.regulator())
    monkeypatch.setattr(routes, "ZIP_MAX_REPORTS", 2)
    resp = client.get("/regulator/submissions/reports.zip", follow_redirects=True)
    assert "More than 2 submissions match" in resp.get_data(as_text=True)
    resp = client.get("/regulator/submissions/reports.zip?q=nothing-like-this")
    assert resp.status_code == 302
    resp = client.post("/regulator/submissions/reports.zip", data={}, follow_redirects=True)
    assert "Tick the submissions" in resp.get_data(as_text=True)
    # Reports not generated yet render in the request, so only a few at a time.
    monkeypatch.setattr(routes, "ZIP_MAX_RENDERS", 1)
    resp = client.get("/regulator/submissions/reports.zip?city=440100", follow_redirects=True)
    assert "2 of these reports have not been generated yet" in resp.get_data(as_text=True)


def test_export_streams_rows_in_constant_memory(app, actors, subs, db_session, monkeypatch):
    """The CSV generator's peak memory does not grow with the number of rows: it holds one
    batch of database rows at a time (made small here, so both sizes span several batches)."""
    import tracemalloc

    from flask_login import login_user

    from cqo_portal.query import SubmissionFilter
    from cqo_portal.regulator import exports

    monkeypatch.setattr(exports, "BATCH", 40)
    regulator = actors.regulator()
    ent = actors.enterprise()
    made = [subs.make(ent, percent=float(n % 100)) for n in range(120)]
    db_session.flush()

    def peak(n_rows: int) -> int:
        flt = SubmissionFilter(score_max=float(n_rows - 1))
        with app.test_request_context(headers={"Accept-Language": "en"}):
            login_user(regulator)
            tracemalloc.start()
            count = sum(chunk.count("\n") for chunk in exports.csv_chunks(regulator, flt, "en"))
            size = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert count >= n_rows
        return size

    assert len(made) == 120
    peak(12)  # warm caches (parsed questionnaires, translations) before measuring
    small, large = peak(12), peak(100)
    assert large < small * 1.5, (small, large)
