"""An enterprise in scope declares it, files its director, keeps its records and sees its
calendar; the city bureau decides on the filing and sees the gaps of its enterprises only."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook, load_workbook

from cqo_portal.core import safety as calc
from cqo_portal.models import AuditEvent, DailyRecord, FilingStatus, RiskItem, WeeklyReport
from cqo_portal.safety import services
from tests.factories import login, logout
from tests.safety.helpers import LETTER, filing, in_scope


def _director_form(**overrides):
    data = {
        "director_name": "李安全",
        "director_post": "副总经理",
        "director_duties": "组织周排查",
        "officers-0-person": "赵员",
        "officers-0-post": "质检员",
        "officers-0-duties": "日管控",
        "document": (io.BytesIO(LETTER), "任命.pdf"),
        "submit_filing": "1",
    }
    data.update(overrides)
    return data


def test_the_officer_declares_the_scope_and_files_the_director(client, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    login(client, officer)
    assert "/safety/scope" in client.get("/safety/director").headers["Location"]
    resp = client.post(
        "/safety/scope",
        data={
            "in_scope": "y",
            "products-0-category": "家用电器",
            "products-0-basis": "ccc",
            "products-0-number": "2026010701000001",
            "products-0-valid_until": "2031-01-01",
        },
    )
    assert resp.status_code == 302
    page = client.get("/safety/").get_data(as_text=True)
    assert "家用电器" in page and "2031-01-01" in page
    form = client.get("/safety/scope").get_data(as_text=True)  # the declaration, to change
    assert 'value="家用电器"' in form and 'value="2031-01-01"' in form
    resp = client.post(
        "/safety/director", data=_director_form(), content_type="multipart/form-data"
    )
    assert resp.status_code == 302
    f = services.open_filing(ent)
    assert f.status == FilingStatus.SUBMITTED and [o.name for o in f.officers] == ["赵员"]
    assert client.get(f"/safety/filings/{f.id}/document").data == LETTER
    # While it waits, another is refused.
    assert client.get("/safety/director").status_code == 409


def test_bad_scope_and_director_forms_keep_the_values_and_say_why(client, actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    login(client, officer)
    client.post("/lang/en")
    resp = client.post("/safety/scope", data={"in_scope": "y", "products-0-valid_until": "明天"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Give the date as YYYY-MM-DD." in page or "YYYY-MM-DD" in page
    in_scope(ent, officer)
    resp = client.post(
        "/safety/director",
        data=_director_form(**{"officers-0-person": "", "document": (io.BytesIO(b"MZ"), "x.exe")}),
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "李安全" in page
    assert "Name at least one quality-safety officer." in page
    assert "Only PDF, JPEG or PNG" in page
    assert services.open_filing(ent) is None


def test_the_city_bureau_approves_or_returns_and_the_enterprise_resubmits(
    client, actors, db_session
):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    f = filing(ent, officer)
    gz = actors.regulator("440100")
    db_session.flush()
    login(client, gz)
    assert "李安全" in client.get("/regulator/safety").get_data(as_text=True)
    resp = client.post(f"/regulator/safety/filings/{f.id}/decide", data={"send_back": "1"})
    assert resp.status_code == 422  # a return needs its reason
    client.post(
        f"/regulator/safety/filings/{f.id}/decide", data={"send_back": "1", "reason": "缺少职责"}
    )
    db_session.refresh(f)
    assert f.status == FilingStatus.RETURNED and f.return_reason == "缺少职责"
    logout(client)
    login(client, officer)
    assert "缺少职责" in client.get("/safety/").get_data(as_text=True)
    form = _director_form(director_duties="组织周排查；每月报告")
    del form["document"]  # the document on file is kept
    assert client.post("/safety/director", data=form).status_code == 302
    db_session.refresh(f)
    assert f.status == FilingStatus.SUBMITTED
    logout(client)
    login(client, gz)
    client.post(f"/regulator/safety/filings/{f.id}/decide", data={"approve": "1"})
    db_session.refresh(f)
    assert f.status == FilingStatus.APPROVED
    assert services.current_filing(ent).id == f.id
    actions = [
        e.action
        for e in db_session.query(AuditEvent).filter_by(object_type="SafetyFiling", object_id=f.id)
    ]
    assert actions == ["safety.submit", "safety.return", "safety.resubmit", "safety.approve"]


def test_another_citys_bureau_and_another_enterprise_see_nothing(client, actors, db_session):
    ent = actors.enterprise(city="440100", name="广州安全企业")
    officer = actors.officer(ent)
    f = filing(ent, officer)
    sz = actors.regulator("440300")
    stranger = actors.officer(actors.enterprise(city="440100"))
    db_session.flush()
    login(client, sz)
    assert client.get(f"/regulator/safety/filings/{f.id}").status_code == 404
    assert (
        client.post(f"/regulator/safety/filings/{f.id}/decide", data={"approve": "1"}).status_code
        == 404
    )
    assert client.get(f"/safety/filings/{f.id}/document").status_code == 404
    page = client.get("/regulator/safety").get_data(as_text=True)
    assert "广州安全企业" not in page
    assert client.get(f"/regulator/safety/enterprises/{ent.id}").status_code == 404
    assert "广州安全企业" not in client.get("/regulator/safety.csv").get_data(as_text=True)
    logout(client)
    login(client, stranger)
    assert client.get(f"/safety/filings/{f.id}/document").status_code == 404
    assert client.get(f"/regulator/safety/filings/{f.id}").status_code == 404
    db_session.refresh(f)
    assert f.status == FilingStatus.SUBMITTED


def test_a_week_of_records_completes_the_week_on_the_calendar(client, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    db_session.flush()
    login(client, officer)
    today = services.local_today()
    monday = calc.week_start(today) - timedelta(weeks=1)
    for k in range(5):
        resp = client.post(
            "/safety/daily",
            data={
                "daily-day": (monday + timedelta(days=k)).isoformat(),
                "daily-officer_name": "赵员",
                "daily-checked": "原材料进货检验",
            },
        )
        assert resp.status_code == 302
    resp = client.post(
        "/safety/weekly",
        data={
            "weekly-day": monday.isoformat(),
            "weekly-director_name": "李安全",
            "weekly-summary": "发现隐患一项",
            "weekly-hazards-0-hazard": "仓库消防通道堵塞",
            "weekly-hazards-0-found_on": monday.isoformat(),
        },
    )
    assert resp.status_code == 302
    resp = client.post(
        "/safety/monthly",
        data={
            "monthly-held_on": today.isoformat(),
            "monthly-chair_name": "王总",
            "monthly-heard_report": "y",
            "monthly-measures": "增加巡检频次",
        },
    )
    assert resp.status_code == 302
    page = client.get(f"/safety/?month={monday:%Y-%m}").get_data(as_text=True)
    assert f'data-week="{monday.isoformat()}" data-complete="yes"' in page
    assert "仓库消防通道堵塞" in page
    # The same day twice for one officer is refused on the form, the values kept.
    resp = client.post(
        "/safety/daily",
        data={
            "daily-day": monday.isoformat(),
            "daily-officer_name": "赵员",
            "daily-checked": "再次",
        },
    )
    assert resp.status_code == 422
    assert "already on file" in resp.get_data(as_text=True)
    assert db_session.query(DailyRecord).filter_by(enterprise_id=ent.id).count() == 5


def test_bad_dates_on_quick_entry_are_field_errors(client, actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    login(client, officer)
    resp = client.post(
        "/safety/weekly",
        data={
            "weekly-day": "2026-13-01",
            "weekly-director_name": "李安全",
            "weekly-summary": "x",
            "weekly-hazards-0-hazard": "未写日期的隐患",
        },
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Give the date as YYYY-MM-DD." in page and "未写日期的隐患" in page


def test_the_calendar_arithmetic():
    today = date(2026, 12, 9)  # a Wednesday
    cal = calc.month_calendar(date(2026, 12, 1), {date(2026, 12, 1)}, set(), False, today)
    states = {c.day: c.state for w in cal.weeks for c in w.days if c.day}
    assert states[date(2026, 12, 1)] == calc.DONE
    assert states[date(2026, 12, 2)] == calc.MISSING
    assert states[date(2026, 12, 5)] == calc.FREE  # Saturday
    assert states[date(2026, 12, 9)] == calc.FUTURE  # today's record may still come
    assert cal.missing_days == 5 and cal.missing_weeks == 1  # Dec 1-4, 8; the week of Nov 30
    assert calc.due_weeks(today, 2) == [date(2026, 11, 23), date(2026, 11, 30)]
    assert calc.due_months(today, 4) == [date(2026, 11, 1)]
    assert calc.open_days(date(2026, 11, 1), None, today) == 38


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(["header"] * 4)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_import_template_has_a_sheet_per_kind_of_record(client, actors):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    wb = load_workbook(io.BytesIO(client.get("/safety/template.xlsx").data))
    assert wb.sheetnames == ["risks", "daily", "weekly", "hazards", "monthly"]
    assert "Day" in wb["daily"]["A1"].value


def test_an_import_with_a_bad_row_imports_nothing_and_lists_every_bad_row(
    client, actors, db_session
):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    login(client, officer)
    content = _workbook(
        {
            "risks": [["焊接虚焊", "首件检验", "质量部", "2027-01-31"]],
            "daily": [
                ["2026-11-02", "赵员", "进货检验", ""],
                ["2026-11-31", "赵员", "进货检验", ""],
                ["2026-11-03", "", "进货检验", ""],
            ],
            "weekly": [["2026-11-02", "李安全", "本周无新增隐患"]],
            "hazards": [["2026-11-16", "无对应周报", "2026-11-16", None]],
        }
    )
    resp = client.post(
        "/safety/import",
        data={"workbook": (io.BytesIO(content), "records.xlsx"), "upload": "1"},
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Nothing was imported" in page
    assert "<td>daily</td><td>3</td>" in page and "not a date" in page
    assert "<td>daily</td><td>4</td>" in page and "is required" in page
    assert "<td>hazards</td><td>2</td>" in page
    assert db_session.query(RiskItem).filter_by(enterprise_id=ent.id).count() == 0
    assert db_session.query(DailyRecord).filter_by(enterprise_id=ent.id).count() == 0


def test_a_good_import_writes_every_sheet(client, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    login(client, officer)
    content = _workbook(
        {
            "risks": [["焊接虚焊", "首件检验", "质量部", date(2027, 1, 31)]],
            "daily": [["2026-11-02", "赵员", "进货检验", ""], ["2026-11-03", "赵员", "巡检", ""]],
            "weekly": [["2026-11-04", "李安全", "发现一项"]],
            "hazards": [["2026-11-02", "标识不清", "2026-11-03", "2026-11-05"]],
            "monthly": [["2026-11-28", "王总", "是", "加强标识管理"]],
        }
    )
    resp = client.post(
        "/safety/import",
        data={"workbook": (io.BytesIO(content), "records.xlsx"), "upload": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert db_session.query(DailyRecord).filter_by(enterprise_id=ent.id).count() == 2
    report = db_session.query(WeeklyReport).filter_by(enterprise_id=ent.id).one()
    assert report.week_start == date(2026, 11, 2) and report.hazards[0].closed_on == date(
        2026, 11, 5
    )
    # The same workbook again: every row already on file, nothing doubled.
    resp = client.post(
        "/safety/import",
        data={"workbook": (io.BytesIO(content), "records.xlsx"), "upload": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "already on file" in resp.get_data(as_text=True)
    assert db_session.query(DailyRecord).filter_by(enterprise_id=ent.id).count() == 2


def test_a_file_that_is_no_workbook_is_refused(client, actors):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    resp = client.post(
        "/safety/import",
        data={"workbook": (io.BytesIO(b"not a zip"), "x.xlsx"), "upload": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "not a readable XLSX" in resp.get_data(as_text=True)


def test_the_bureau_sees_gaps_by_city_and_exports_them(client, actors, db_session):
    today = services.local_today()
    good = actors.enterprise(city="440100", name="记录齐全企业")
    lax = actors.enterprise(city="440100", name="缺周报企业")
    officer_good, officer_lax = actors.officer(good), actors.officer(lax)
    f = filing(good, officer_good)
    in_scope(lax, officer_lax)
    for monday in calc.due_weeks(today, 4):
        services.add_weekly(good, monday, "李安全", "无", [])
    for month in calc.due_months(today, 4):
        services.add_minute(good, month, "王总", True, "无")
    services.add_weekly(
        lax,
        calc.due_weeks(today, 4)[-1],
        "周某",
        "有隐患",
        [services.HazardData("老化线路", today - timedelta(days=45), None)],
    )
    gz = actors.regulator("440100")
    services.approve_filing(f, gz)
    db_session.flush()
    login(client, gz)
    view = services.oversight(gz, services.OversightFilter(weeks=4, days=30))
    rows = {r.name: r for r in view.rows}
    assert not rows["记录齐全企业"].has_gap
    lax_row = rows["缺周报企业"]
    assert not lax_row.has_director and lax_row.missing_weeks == 3
    assert lax_row.long_open_hazards == 1
    page = client.get("/regulator/safety?weeks=4&days=30").get_data(as_text=True)
    assert 'data-count="no_director">1<' in page and 'data-count="long_open">1<' in page
    records = client.get(f"/regulator/safety/enterprises/{lax.id}").get_data(as_text=True)
    assert "老化线路" in records and 'id="safety-calendar"' in records
    csv_text = client.get("/regulator/safety.csv?weeks=4").get_data(as_text=True)
    assert "缺周报企业" in csv_text and "记录齐全企业" in csv_text
    ws = load_workbook(io.BytesIO(client.get("/regulator/safety.xlsx").data)).active
    assert len(list(ws.values)) == 3


def test_the_pages_speak_both_languages(client, actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    login(client, officer)
    client.post("/lang/zh")
    zh = client.get("/safety/").get_data(as_text=True)
    client.post("/lang/en")
    en = client.get("/safety/").get_data(as_text=True)
    assert "Weekly screening report" in en and "My enterprise" in en
    assert "我的企业" in zh and "My enterprise" not in zh


def test_the_data_api_gives_the_same_figures_within_the_tokens_jurisdiction(client, actors):
    from tests.api.helpers import token_for

    gz_ent = actors.enterprise(city="440100")
    in_scope(gz_ent, actors.officer(gz_ent))
    sz_ent = actors.enterprise(city="440300")
    in_scope(sz_ent, actors.officer(sz_ent))
    token = token_for(actors, actors.regulator("440100"))
    resp = client.get(
        "/api/v1/quality-safety?weeks=2", headers={"Authorization": f"Bearer {token}"}
    )
    data = resp.get_json()
    assert resp.status_code == 200
    assert data["totals"]["in_scope"] == 1 and data["totals"]["no_director"] == 1
    assert data["totals"]["missing_weekly"] == 1 and data["filters"]["weeks"] == 2
    assert [g["code"] for g in data["by_city"]] == ["440100"]
    bad = client.get("/api/v1/quality-safety?weeks=0", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "weeks"


def test_the_demo_has_enterprises_in_scope_with_gaps(app, db_session):
    from sqlalchemy import select

    from cqo_portal.demo import seed_demo
    from cqo_portal.models import User

    counts = seed_demo(enterprises=15, seed=5)
    assert counts["in_scope"] >= 5
    province = db_session.scalar(select(User).where(User.email == "province@demo.cqo.gd.cn"))
    with app.test_request_context():
        view = services.oversight(province, services.OversightFilter(weeks=4, days=30))
    assert view.count("in_scope") == counts["in_scope"]
    assert any(r.has_gap for r in view.rows) and any(not r.has_gap for r in view.rows)
    officer = db_session.scalar(select(User).where(User.email == "officer@demo.cqo.gd.cn"))
    ent = officer.enterprise
    assert services.current_filing(ent) is not None and services.open_hazards(ent)
