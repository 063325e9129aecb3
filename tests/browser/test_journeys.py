"""End-to-end journeys in Debian's chromium, as the people who use the portal live them.

1. An enterprise officer, in Chinese, creates an account, registers the enterprise, files the CQO,
   fills and submits the built-in questionnaire and downloads the PDF report.
2. A bureau regulator approves a CQO registration, filters the submissions, exports them as CSV and
   Excel and downloads a submission's PDF report.

Screenshots of the main pages land in test-artifacts/screenshots/ (see conftest.shot).
"""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, shot

ENTERPRISE = "广州粤华精密制造有限公司"
OFFICER_EMAIL = "chen.journey@example.cn"
PASSWORD = "quality-2026x"
DOWNLOADS = ARTIFACTS.parent / "downloads"
RENDER_TIMEOUT = 90_000  # ms


def _valid_uscc(body: str = "91440101MA59XYD00") -> str:
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


def _no_csp_errors(page: Page) -> None:
    assert not [e for e in page.console_errors if "Content Security Policy" in e], (
        page.console_errors
    )


A11Y_CHECK = """() => {
  const problems = [];
  const name = (el) => (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || el.getAttribute('title') || el.textContent || el.value || '').trim();
  for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea')) {
    if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')
        && !el.getAttribute('aria-labelledby') && !el.getAttribute('title')) {
      problems.push('field without a label: ' + (el.name || el.id || el.outerHTML.slice(0, 80)));
    }
  }
  for (const el of document.querySelectorAll('img:not([alt])')) problems.push('img without alt: ' + el.src);
  for (const el of document.querySelectorAll('a[href], button, input[type=submit]')) {
    if (!name(el) && !el.querySelector('img[alt]:not([alt=""])')) problems.push('unnamed control: ' + el.outerHTML.slice(0, 80));
  }
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(h1 + ' h1 headings');
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (!document.querySelector('main#main')) problems.push('no main landmark');
  return problems;
}"""


def _a11y(page: Page) -> None:
    """The basics a screen-reader or keyboard user needs: labels, names, one h1, a language, main."""
    problems = page.evaluate(A11Y_CHECK)
    assert not problems, f"{page.url}: {problems}"


def _answer_section(page: Page) -> int:
    """Answer every question card on the current section page the way a person would."""
    cards = page.locator("fieldset.question-card")
    for i in range(cards.count()):
        card = cards.nth(i)
        radios = card.locator("input[type=radio]")
        if radios.count():
            values = [radios.nth(j).get_attribute("value") for j in range(radios.count())]
            pick = next((v for v in ("4", "yes") if v in values), values[-1])
            card.locator(f"input[type=radio][value='{pick}']").check()
        elif card.locator("select").count():
            card.locator("select").select_option(index=3)
        elif card.locator("input[inputmode=decimal]").count():
            card.locator("input[inputmode=decimal]").fill("3")
        else:
            card.locator("textarea[name$='-value']").fill(
                "质量例会每季度召开一次，由首席质量官主持。"
            )
        card.locator("textarea[name$='-evidence']").fill("质量手册、管理评审记录")
    return cards.count()


def test_officer_journey_in_chinese(page: Page, live_server: str):
    # The home page explains the system; the officer starts from there.
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("首席质量官服务平台")
    page.get_by_role("link", name="企业注册").first.click()

    # Create the account; a refused form keeps the values and says what is wrong, in Chinese.
    expect(page.get_by_role("heading", level=1)).to_have_text("创建账号")
    page.get_by_label("您的姓名").fill("陈质量")
    page.get_by_label("电子邮箱").fill(OFFICER_EMAIL)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill("something-else-1")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("alert")).to_contain_text("两次输入的密码不一致。")
    expect(page.get_by_label("您的姓名")).to_have_value("陈质量")
    expect(page.get_by_label("确认密码")).to_have_attribute("aria-invalid", "true")
    shot(page, "officer-01-register-error-zh")
    _a11y(page)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="创建账号").click()

    # Register the enterprise.
    expect(page.get_by_role("status").first).to_contain_text("欢迎！下一步，请登记您的企业信息。")
    expect(page.get_by_role("heading", level=1)).to_have_text("企业登记")
    page.get_by_label("企业名称（中文）").fill(ENTERPRISE)
    page.get_by_label("统一社会信用代码").fill(_valid_uscc())
    page.get_by_label("地市").select_option("440100")
    page.get_by_label("行业（GB/T 4754-2017 门类）").select_option("C")
    page.get_by_label("制造业大类").select_option("C34")
    page.get_by_label("企业规模").select_option("medium")
    page.get_by_label("地址").fill("广州市黄埔区科学城1号")
    shot(page, "officer-02-enterprise-form-zh")
    _a11y(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").first).to_contain_text("企业登记成功。")

    # The dashboard says what to do next: file the CQO.
    page.get_by_role("link", name="我的企业").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ENTERPRISE)
    expect(page.locator(".next-step")).to_contain_text("向市场监管局备案您的首席质量官。")
    shot(page, "officer-03-dashboard-zh")
    _a11y(page)
    page.locator(".next-step").get_by_role("link", name="备案首席质量官").click()

    # File the CQO with the appointment letter and submit it to the bureau.
    expect(page.get_by_role("heading", level=1)).to_contain_text("首席质量官备案")
    page.get_by_label("首席质量官姓名").fill("王质量")
    page.get_by_label("职务").fill("分管质量的副总经理")
    page.get_by_label("所在部门").fill("质量管理部")
    page.get_by_label("任命日期").fill("2025-01-15")
    page.get_by_label("电话").fill("020-12345678")
    page.get_by_label("电子邮箱").fill("wang@example.cn")
    page.get_by_label("资格或培训证书编号").fill("GDCQO-2025-0088")
    page.get_by_label("发证机构").fill("广东省质量协会")
    page.get_by_label("发证日期").fill("2025-03-01")
    page.get_by_label("首席质量官职责声明").fill(
        "组织质量管理体系运行，对产品放行行使质量否决权，按要求向市场监管局报告。"
    )
    page.get_by_label("任命文件").set_input_files(
        files=[
            {
                "name": "任命书.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            }
        ]
    )
    shot(page, "officer-04-cqo-form-zh")
    _a11y(page)
    page.get_by_role("button", name="保存并提交市场监管局").click()
    expect(page.get_by_role("status").first).to_contain_text("备案已提交，市场监管局将进行审核。")
    expect(page.locator(".badge").first).to_have_text("已提交")
    shot(page, "officer-05-cqo-submitted-zh")
    _a11y(page)

    # Start the built-in questionnaire and answer it section by section.
    page.get_by_role("link", name="质量自评", exact=True).click()
    shot(page, "officer-06a-assessments-zh")
    _a11y(page)
    card = page.locator(".card", has_text="质量管理体系、首席质量官履职与质量安全主体责任自评").first
    card.get_by_role("button", name="开始或继续").click()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    shot(page, "officer-06-assessment-overview-zh")
    _a11y(page)
    page.get_by_role("link", name="继续作答").click()
    answered = 0
    for n in range(1, 30):
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"第 {n} 部分")
        answered += _answer_section(page)
        if n == 1:
            shot(page, "officer-07-section-zh")
            _a11y(page)
        next_button = page.get_by_role("button", name=re.compile("保存并继续"))
        if next_button.count():
            next_button.click()
            expect(page.get_by_role("status").first).to_contain_text("已保存。")
        else:
            page.get_by_role("button", name="保存并检查").click()
            break
    assert answered >= 40
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    page.get_by_role("button", name="提交评分").click()

    # The result: score, plan, and the PDF report in Chinese.
    expect(page.get_by_role("status").first).to_contain_text("已提交。您的得分")
    expect(page.get_by_text("改进计划").first).to_be_visible()
    shot(page, "officer-08-result-zh")
    _a11y(page)
    # The first render of a report takes a while (WeasyPrint, CJK fonts): allow for it.
    with page.expect_download(timeout=RENDER_TIMEOUT) as download_info:
        page.get_by_role("link", name="PDF 报告（中文）").click(timeout=RENDER_TIMEOUT)
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    pdf_path = DOWNLOADS / download.suggested_filename
    download.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert ENTERPRISE in text
    number = download.suggested_filename.removesuffix(".pdf")
    assert number in text  # the report number is printed in the report

    # Anyone can check the report's number on the verification page (a link carries the number).
    # (Posting the form with the file is refused by CSRF protection: reported as a defect.)
    page.goto(live_server + "/verify?number=" + number)
    expect(page.locator("#verify-result")).to_contain_text("报告真实有效")
    expect(page.locator("#verify-result")).to_contain_text(ENTERPRISE)
    shot(page, "officer-08b-verify-zh")
    _a11y(page)

    # Back on the dashboard: the CQO filing waits for the bureau; the report is one click away.
    page.get_by_role("link", name="我的企业").click()
    expect(page.locator(".next-step")).to_contain_text("您的首席质量官备案正在市场监管局审核中。")
    expect(page.locator(".next-step").get_by_role("link", name="下载 PDF 报告")).to_be_visible()
    shot(page, "officer-09-dashboard-after-zh")
    _a11y(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("button", name="菜单")).to_be_visible()
    shot(page, "officer-10-dashboard-mobile-zh")
    _no_csp_errors(page)


def test_the_interface_works_from_the_keyboard(page: Page, live_server: str, live_app):
    """Skip link first, then log in without touching the mouse."""
    from cqo_portal.accounts.services import create_user
    from cqo_portal.extensions import db
    from cqo_portal.models import Role

    with live_app.app_context():
        create_user(email="keys@example.cn", name="键盘用户", password=PASSWORD, role=Role.OFFICER)
        db.session.commit()

    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    shot(page, "keyboard-01-skip-link-zh")
    _a11y(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.get_by_label("电子邮箱").focus()
    page.keyboard.type("keys@example.cn")
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("在此电脑上保持登录")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("在此电脑上保持登录")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="登录")).to_be_focused()
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2, ring  # a visible focus ring
    shot(page, "keyboard-02-focus-ring-zh")
    _a11y(page)
    page.keyboard.press("Enter")
    # No enterprise yet: the portal leads straight on to registering it.
    expect(page.get_by_role("heading", level=1)).to_have_text("企业登记")


def test_language_switcher_and_small_screens(page: Page, live_server: str):
    page.goto(live_server + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chief Quality Officer Portal")
    shot(page, "home-en")
    _a11y(page)
    page.goto(live_server + "/verify")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # remembered
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/")
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    shot(page, "home-en-mobile")
    _a11y(page)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.goto(live_server + "/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到")
    shot(page, "error-404-zh-mobile")
    _a11y(page)


def test_regulator_journey(page: Page, live_server: str, demo_data):
    from openpyxl import load_workbook

    # The provincial bureau's regulator logs in and lands on the dashboard.
    page.goto(live_server + "/login")
    page.get_by_label("电子邮箱").fill("province@demo.cqo.gd.cn")
    page.get_by_label("密码").fill("demo-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="工作台").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    shot(page, "regulator-01-dashboard-zh")
    _a11y(page)

    # Approve a CQO registration that awaits a decision.
    page.get_by_role("link", name="首席质量官备案", exact=True).click()
    page.locator("#f-st").select_option("submitted")
    page.get_by_role("button", name="筛选").click()
    waiting = page.locator("table tbody tr")
    assert waiting.count() >= 1, "the demo data has CQO registrations awaiting a decision"
    shot(page, "regulator-02-cqo-list-zh")
    _a11y(page)
    waiting.first.get_by_role("link", name="打开").click()
    cqo_name = page.get_by_role("heading", level=1).inner_text().split()[0]
    expect(page.get_by_role("heading", level=1)).to_contain_text("已提交")
    shot(page, "regulator-03-cqo-review-zh")
    _a11y(page)
    page.get_by_role("button", name="通过").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"已通过：{cqo_name} 现为该企业的首席质量官。"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("已通过")

    # Filter the submissions: Guangzhou, scores from 50 %, highest first.
    page.get_by_role("link", name="自评提交", exact=True).click()
    page.get_by_label("地市").select_option("440100")
    page.locator("#f-smin").fill("50")
    page.get_by_label("排序方式").select_option("-score")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"city=440100.*score_min=50|score_min=50.*city=440100"))
    rows = page.locator("table tbody tr")
    shown = rows.count()
    assert shown >= 1
    for i in range(shown):
        expect(rows.nth(i).locator("td").nth(2)).to_have_text("广州市")
    shot(page, "regulator-04-submissions-filtered-zh")
    _a11y(page)

    # Export what the filters select, as CSV and as Excel: the same rows, all in Guangzhou, >= 50 %.
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 CSV").click()
    csv_path = DOWNLOADS / info.value.suggested_filename
    info.value.save_as(csv_path)
    records = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert len(records) >= shown
    assert {r["地市"] for r in records} == {"广州市"}
    assert all(float(r["得分率（%）"]) >= 50 for r in records)
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    xlsx_path = DOWNLOADS / info.value.suggested_filename
    info.value.save_as(xlsx_path)
    sheet = load_workbook(xlsx_path).worksheets[0]
    data_rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(data_rows) == len(records)

    # Open the best submission and download its Chinese PDF report.
    rows.first.get_by_role("link", name="打开").click()
    enterprise = page.get_by_role("heading", level=1).inner_text()
    shot(page, "regulator-05-submission-zh")
    _a11y(page)
    with page.expect_download(timeout=RENDER_TIMEOUT) as info:
        page.get_by_role("link", name="PDF 报告（中文）").click(timeout=RENDER_TIMEOUT)
    pdf_path = DOWNLOADS / ("regulator-" + info.value.suggested_filename)
    info.value.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert enterprise.split()[0] in text
    _no_csp_errors(page)


def test_administrator_overview(page: Page, live_server: str, demo_data):
    page.goto(live_server + "/login")
    page.get_by_label("电子邮箱").fill("admin@demo.cqo.gd.cn")
    page.get_by_label("密码").fill("demo-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="概览").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("系统管理")
    expect(page.locator(".next-step")).to_contain_text("下一步")
    expect(page.locator(".stat-card")).to_have_count(6)
    shot(page, "admin-01-overview-zh")
    _a11y(page)
    _no_csp_errors(page)
