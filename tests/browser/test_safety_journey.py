"""In Debian's chromium: an enterprise in scope declares its products, files its quality-safety
director, enters a week of daily records, the weekly report and the monthly minutes, and sees the
week complete on its calendar; the city bureau approves the director and sees another
enterprise's missing weekly reports and a CQO whose certificate lapsed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, shot

OFFICER = "he.safety@example.cn"
REGULATOR = "gz.safety@example.cn"
PASSWORD = "quality-2026x"
LETTER = b"%PDF-1.4 appointment of the quality-safety director\n%%EOF\n"


def _world(live_app) -> None:
    """Our enterprise and its officer; the Guangzhou bureau; another Guangzhou enterprise in
    scope with an approved director but no weekly report, whose CQO's certificate lapsed."""
    from cqo_portal.accounts.services import create_user
    from cqo_portal.cqo import person
    from cqo_portal.extensions import db
    from cqo_portal.models import Role, User
    from cqo_portal.safety import services
    from cqo_portal.web import local_today
    from tests.factories import Actors
    from tests.safety.helpers import filing

    with live_app.test_request_context():
        if db.session.query(User).filter_by(email=OFFICER).first():
            return
        actors = Actors(db.session)
        ours = actors.enterprise(city="440100", name="广州质安测试电缆有限公司")
        officer = create_user(email=OFFICER, name="何质安", password=PASSWORD, role=Role.OFFICER)
        officer.enterprise_id = ours.id
        regulator = create_user(
            email=REGULATOR,
            name="广州市局质安科",
            password=PASSWORD,
            role=Role.REGULATOR,
            jurisdiction_code="440100",
        )
        other = actors.enterprise(city="440100", name="广州缺周报测试家电有限公司")
        other_officer = actors.officer(other)
        f = filing(other, other_officer, name="周缺报")
        services.approve_filing(f, regulator)
        cqo = actors.approved_cqo(other, name="吴过期")
        person.add_certificate(
            cqo, "首席质量官培训合格证书", None, None, local_today() - timedelta(days=10)
        )
        db.session.commit()


def test_an_enterprise_keeps_its_quality_safety_records_and_the_bureau_checks(
    page: Page, live_app, live_server, tmp_path
):
    from cqo_portal.core import safety as calc
    from cqo_portal.web import local_today

    _world(live_app)
    with live_app.test_request_context():
        today = local_today()
    monday = calc.week_start(today) - timedelta(weeks=1)
    base = live_server

    log_in(page, base, OFFICER, PASSWORD, lang="en")
    page.goto(base + "/safety/scope")
    page.check("#in_scope")
    page.fill("#products-0-category", "电线电缆")
    page.select_option("#products-0-basis", "licence")
    page.fill("#products-0-number", "XK06-001-01234")
    page.fill("#products-0-valid_until", (today + timedelta(days=800)).isoformat())
    page.click("#save")
    expect(page.locator("#scope-state")).to_contain_text("电线电缆")

    letter = tmp_path / "任命书.pdf"
    letter.write_bytes(LETTER)
    page.goto(base + "/safety/director")
    page.fill("#director_name", "何总监")
    page.fill("#director_post", "分管质量副总经理")
    page.fill("#director_duties", "组织每周排查，每月向主要负责人汇报。")
    page.fill("#officers-0-person", "邓安全")
    page.fill("#officers-0-post", "质量安全员")
    page.set_input_files("#document", str(letter))
    page.click("#submit_filing")
    expect(page.locator("#director-state")).to_contain_text("何总监")

    for k in range(5):
        page.fill("#daily-day", (monday + timedelta(days=k)).isoformat())
        page.fill("#daily-officer_name", "邓安全")
        page.fill("#daily-checked", "巡检生产线，核对首件")
        page.click("#daily-add_daily")
        expect(page.locator(".alert-success")).to_be_visible()
    page.fill("#weekly-day", monday.isoformat())
    page.fill("#weekly-director_name", "何总监")
    page.fill("#weekly-summary", "发现隐患一项，已整改。")
    page.fill("#weekly-hazards-0-hazard", "成品区标识不清")
    page.fill("#weekly-hazards-0-found_on", (monday + timedelta(days=1)).isoformat())
    page.fill("#weekly-hazards-0-closed_on", (monday + timedelta(days=2)).isoformat())
    page.click("#weekly-add_weekly")
    expect(page.locator(".alert-success")).to_be_visible()
    page.fill("#monthly-held_on", today.isoformat())
    page.fill("#monthly-chair_name", "何董事长")
    page.check("#monthly-heard_report")
    page.fill("#monthly-measures", "增加成品标识检查。")
    page.click("#monthly-add_monthly")
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto(base + f"/safety/?month={monday:%Y-%m}")
    week = page.locator(f'tr[data-week="{monday.isoformat()}"]')
    expect(week).to_have_attribute("data-complete", "yes")
    expect(week).to_contain_text("Week complete")
    page.goto(base + "/safety/")
    expect(page.locator("#month-state")).to_have_attribute("data-state", "done")
    shot(page, "safety-calendar")

    log_in(page, base, REGULATOR, PASSWORD)
    page.goto(base + "/regulator/safety")
    page.locator("#safety-waiting tr", has_text="何总监").get_by_role("link").click()
    page.click("#approve")
    expect(page.locator(".alert-success")).to_be_visible()
    page.goto(base + "/regulator/safety?weeks=4&days=30")
    other = page.locator("#safety-enterprises tr", has_text="广州缺周报测试家电有限公司")
    expect(other.locator("[data-missing-weeks]")).to_have_attribute("data-missing-weeks", "4")
    ours = page.locator("#safety-enterprises tr", has_text="广州质安测试电缆有限公司")
    expect(ours).to_be_visible()
    shot(page, "safety-bureau")
    page.goto(base + "/regulator/cqo/lapses")
    expect(page.locator("#cqo-lapses")).to_contain_text("吴过期")
    assert not page.console_errors
