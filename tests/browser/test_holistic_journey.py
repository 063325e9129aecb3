"""In Debian's chromium: an officer rates a GB/T 19580 item on its four factors, sees the proposed
band, moves the score with a reason, pastes three key measures for a results item from a
spreadsheet and sees them read and charted, then submits and finds them on the result page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot
from tests.factories import MEASURES_ROWS

EMAIL = "he.holistic@example.cn"
PASSWORD = "quality-2026x"


def _officer_with_draft(live_app) -> tuple[int, int, int]:
    """An officer, and a draft of GB/T 19580 2027.1 with every question answered but 4.1.2 and
    4.7.2 (the journey fills those); returns the draft id and the two sections' page numbers."""
    from cqo_portal.accounts.services import create_user
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Role
    from tests.factories import Actors, holistic_answer

    with live_app.test_request_context():
        actors = Actors(db.session)
        ent = actors.enterprise(
            city="440300", name="深圳卓越测试有限公司", name_en="Shenzhen Excel"
        )
        officer = create_user(email=EMAIL, name="何质量", password=PASSWORD, role=Role.OFFICER)
        officer.enterprise_id = ent.id
        db.session.flush()
        draft = services.start_assessment(ent, actors.questionnaire("gbt19580"), officer)
        q = services.questionnaire_of(draft.questionnaire)
        for question in q.questions:
            if question.item_id in ("4.1.2", "4.7.2"):
                continue
            answer = holistic_answer(question, 3, "月度经营分析会纪要")
            draft.answers.append(services._new_row(question, answer, officer))
        db.session.commit()
        ids = [s.id for s in q.sections]
        return draft.id, ids.index("4.1") + 1, ids.index("4.7") + 1


def test_officer_rates_an_item_and_enters_measured_results(page, live_server, live_app):
    draft, leadership, results = _officer_with_draft(live_app)
    log_in(page, live_server, EMAIL, PASSWORD)
    page.goto(f"{live_server}/assessments/{draft}/section/{leadership}")

    # four factors, each against its own descriptors: an approach nobody uses yet
    page.check("input[name='q-4.1.2-A-value'][value='6']")
    for factor in ("D", "L", "I"):
        page.check(f"input[name='q-4.1.2-{factor}-value'][value='1']")
    page.fill("#q-4\\.1\\.2-A-evidence", "《质量安全责任清单》已发布")
    page.click("button[name=go][value=stay]")
    head = page.locator("#item-4\\.1\\.2")
    expect(head).to_contain_text("第2档，15%")
    expect(head).to_contain_text("要达到第3档，需要提升")
    shot(page, "holistic-01-item-proposal")

    # move the score within the tolerance: without a reason it is refused and kept on the page
    page.select_option("select[name='q-4.1.2-adj-value']", "25")
    page.click("button[name=go][value=stay]")
    expect(page.locator("#q-4\\.1\\.2-adj")).to_contain_text("写明理由")
    page.fill("#q-4\\.1\\.2-adj-evidence", "三个分厂已开始试行，下季度全面推行")
    page.click("button[name=go][value=stay]")
    expect(page.locator("#item-4\\.1\\.2")).to_contain_text("您的得分：25%")

    # results: paste three measures as copied from a spreadsheet
    page.goto(f"{live_server}/assessments/{draft}/section/{results}")
    page.fill("textarea[name='q-4.7.2-M-value']", MEASURES_ROWS)
    page.click("button[name=go][value=stay]")
    item = page.locator("#item-4\\.7\\.2")
    expect(item.locator("table.measures tbody tr")).to_have_count(3)
    expect(item).to_contain_text("持续改善")
    expect(item).to_contain_text("未优于最佳竞争对手")
    expect(item.locator("svg")).to_have_count(3)
    expect(item).to_contain_text("第2档，25%")
    shot(page, "holistic-02-measures")

    # submit and read it back
    page.goto(f"{live_server}/assessments/{draft}")
    page.click("form[action$='/submit'] button[type=submit]")
    page.wait_for_url(re.compile(r"/result$"))
    expect(page.locator("#items-title")).to_be_visible()
    expect(page.locator("body")).to_contain_text("自评得分")
    expect(page.locator("body")).to_contain_text("三个分厂已开始试行")
    expect(page.locator("table.measures").first).to_contain_text("产品一次交验合格率")
    shot(page, "holistic-03-result")
