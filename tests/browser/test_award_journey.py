"""In Debian's chromium: the administrator opens an award round, an officer applies with the
eligibility declaration, the organisational profile and a GB/T 19580 self-assessment, two
examiners score independently (each blind to the other), the lead records the consensus, the
provincial bureau releases the round and the officer downloads the feedback report, whose text
has the self-score, the consensus score and the examiners' opportunities for improvement."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, log_in, shot

PASSWORD = "quality-2026x"
OFFICER = "he.award@example.cn"
ADMIN = "admin.award@example.cn"
PROVINCE = "province.award@example.cn"
EXAMINERS = ("lead.examiner@example.cn", "second.examiner@example.cn")
ENTERPRISE = "汕头卓越质量测试有限公司"
CITY = "440500"
OFI_LEAD = "供应商质量数据未做趋势分析"
OFI_SECOND = "创新成果的内部分享不足"
DOWNLOADS = ARTIFACTS.parent / "downloads"
RENDER_TIMEOUT = 90_000  # ms


def _people(live_app) -> dict[str, float]:
    """The accounts of the story and the officer's submitted GB/T 19580 self-assessment."""
    from cqo_portal.accounts.services import create_user
    from cqo_portal.award.services import today
    from cqo_portal.extensions import db
    from cqo_portal.models import Role
    from tests.factories import Actors
    from tests.reports.conftest import fill_and_submit

    with live_app.test_request_context():
        actors = Actors(db.session)
        ent = actors.enterprise(city=CITY, name=ENTERPRISE, name_en="Shantou Excellence Co.")
        create_user(email=ADMIN, name="管理员", password=PASSWORD, role=Role.ADMIN)
        create_user(
            email=PROVINCE,
            name="省局",
            password=PASSWORD,
            role=Role.REGULATOR,
            jurisdiction_code="440000",
        )
        for email, name in zip(EXAMINERS, ("周组长", "吴评审"), strict=True):
            create_user(email=email, name=name, password=PASSWORD, role=Role.EXAMINER)
        officer = create_user(email=OFFICER, name="何质量", password=PASSWORD, role=Role.OFFICER)
        officer.enterprise_id = ent.id
        db.session.flush()
        assessment, _ = fill_and_submit(actors, "gbt19580", enterprise=ent)
        # The story's officer hands the submission in (fill_and_submit made a second officer).
        db.session.commit()
        return {
            "self_total": assessment.total_points,
            "assessment": assessment.id,
            "questionnaire": assessment.questionnaire_version_id,
            "today": today(),
        }


def _score_all(page: Page, band: str, value: str, ofi: str) -> None:
    bands = page.locator("select[name^='band-']")
    for n in range(bands.count()):
        select = bands.nth(n)
        item = select.get_attribute("name").removeprefix("band-")
        select.select_option(band)
        page.fill(f"[name='percent-{item}']", value)
        if page.locator(f"[name='ofis-{item}']").count():
            page.fill(f"[name='ofis-{item}']", ofi)


def test_award_round_from_opening_to_feedback(live_app, live_server, page: Page):
    from cqo_portal.reports.pdf import fmt_number

    base = live_server
    facts = _people(live_app)

    # The administrator opens the round for Shantou.
    log_in(page, base, ADMIN, PASSWORD, lang="en")
    page.goto(base + "/award/rounds/new")
    page.check("input[name='kind'][value='award']")
    page.fill("#title", "汕头质量奖测试批次")
    page.select_option("#questionnaire_version_id", str(facts["questionnaire"]))
    page.fill("#opens_on", (facts["today"] - timedelta(days=1)).isoformat())
    page.fill("#closes_on", (facts["today"] + timedelta(days=30)).isoformat())
    page.select_option("#city_codes", CITY)
    page.fill("#checklist", "近三年未发生重大质量、安全、环境事故\n近三年无严重失信行为")
    page.click("#submit")
    expect(page.locator("h1")).to_have_text("汕头质量奖测试批次")
    shot(page, "award-01-round-opened")

    # The officer sees it on the dashboard and applies.
    log_in(page, base, OFFICER, PASSWORD, lang="zh")
    page.goto(base + "/dashboard")
    expect(page.locator("#open-rounds")).to_contain_text("汕头质量奖测试批次")
    page.locator("#open-rounds li", has_text="汕头质量奖测试批次").locator("a.take-part").click()
    page.check("#eligibility-0")
    page.check("#eligibility-1")
    for name, text in (
        ("activities", "精密注塑件的研发与制造"),
        ("products", "家电与汽车注塑件"),
        ("customers", "华南家电整机厂"),
        ("competitors", "三家本地注塑企业"),
        ("key_figures", "员工 420 人，年营收 5 亿元"),
        ("challenges", "原材料价格波动；自动化改造"),
    ):
        page.fill(f"#{name}", text)
    page.select_option("#assessment_id", str(facts["assessment"]))
    page.click("#hand_in")
    expect(page).to_have_url(re.compile(r"/award/applications/\d+$"))
    app_id = page.url.rsplit("/", 1)[1]
    shot(page, "award-02-applied")

    # Both examiners declare no conflict of interest.
    for email in EXAMINERS:
        log_in(page, base, email, PASSWORD, lang="en")
        page.goto(base + "/award/examiner")
        form = page.locator(f"form[action$='/award/applications/{app_id}/conflict']")
        form.locator("input[value='no']").check()
        form.locator("button[type='submit']").click()
        expect(page.locator(".alert-success")).to_be_visible()

    # The provincial bureau assigns both, the first as lead.
    log_in(page, base, PROVINCE, PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}/assign")
    boxes = page.locator("input[name='examiners']:not([disabled])")
    ids = []
    for n in range(boxes.count()):
        label = page.locator(f"label[for='{boxes.nth(n).get_attribute('id')}']").inner_text()
        if "周组长" in label or "吴评审" in label:
            boxes.nth(n).check()
            ids.append((label, boxes.nth(n).get_attribute("value")))
    lead = next(v for label, v in ids if "周组长" in label)
    page.select_option("#lead", lead)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_be_visible()

    # The lead scores and hands in; the second examiner does not see those scores.
    log_in(page, base, EXAMINERS[0], PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}/score")
    _score_all(page, "4", "60", OFI_LEAD)
    page.click("#hand_in")
    expect(page.locator("#handed-in")).to_be_visible()
    page.goto(base + f"/award/applications/{app_id}/consensus")
    expect(page.locator(".alert-info")).to_contain_text("吴评审")  # still waiting: nothing shown

    log_in(page, base, EXAMINERS[1], PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}/score")
    expect(page.locator("body")).not_to_contain_text(OFI_LEAD)
    assert page.locator("input[value='60']").count() == 0
    _score_all(page, "2", "20", OFI_SECOND)
    page.click("#hand_in")
    expect(page.locator("#handed-in")).to_be_visible()
    shot(page, "award-03-second-examiner")

    # The lead sees both side by side, the items two bands apart flagged, and agrees.
    log_in(page, base, EXAMINERS[0], PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}/consensus")
    expect(page.locator("body")).to_contain_text(OFI_SECOND)
    assert page.locator(".flagged").count() > 0
    bands = page.locator("select[name^='band-']")
    for n in range(bands.count()):
        item = bands.nth(n).get_attribute("name").removeprefix("band-")
        bands.nth(n).select_option("3")
        page.fill(f"[name='percent-{item}']", "40")
    page.click("#submit")
    expect(page.locator("#consensus-total")).to_be_visible()
    shot(page, "award-04-consensus")

    # Before the release the officer has no feedback; the province releases.
    log_in(page, base, OFFICER, PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}")
    assert page.locator("#feedback-en").count() == 0
    log_in(page, base, PROVINCE, PASSWORD, lang="en")
    page.goto(base + "/award/rounds")
    page.get_by_role("link", name="汕头质量奖测试批次").click()
    page.click("#release")
    expect(page.locator("#ranking")).to_contain_text(ENTERPRISE)

    # The officer downloads the feedback report.
    log_in(page, base, OFFICER, PASSWORD, lang="en")
    page.goto(base + f"/award/applications/{app_id}")
    consensus_total = page.locator("#consensus-total").inner_text()
    with page.expect_download(timeout=RENDER_TIMEOUT) as download_info:
        page.click("#feedback-en", timeout=RENDER_TIMEOUT)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    pdf_path = DOWNLOADS / "award-feedback-en.pdf"
    download_info.value.save_as(pdf_path)
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(pdf_path).pages))
    assert "Feedback report" in text
    assert f"Self-score {fmt_number(facts['self_total'])}" in text
    points = re.search(r"[\d.]+$", consensus_total).group(0)
    assert f"Consensus score {fmt_number(float(points))}" in text
    assert OFI_LEAD in text and OFI_SECOND in text
