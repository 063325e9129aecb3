"""The officer's filling journey in Debian chromium: register, register the enterprise, start the
cqo-qms questionnaire, answer by clicking (autosave), move between sections, see the overview
progress, fill the rest, submit and read the result page."""

from __future__ import annotations

import random
import re

from playwright.sync_api import expect

from cqo_portal.core.questionnaire import QUESTIONNAIRE_DIR, AnswerType, load_questionnaire_file
from tests.browser.conftest import shot

QMS = load_questionnaire_file(QUESTIONNAIRE_DIR / "cqo-qms-2027.yaml")


def _uscc() -> str:
    from stdnum.cn import uscc

    body = "91440101MA" + "".join(
        random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7)
    )
    return body + uscc.calc_check_digit(body)


def _answer_section(page, sec, variant: int) -> None:
    """Set every question of the section page through its form controls (as a user would)."""
    for n, q in enumerate(sec.questions):
        name = f"q-{q.id}-value"
        t = q.answer_type
        if t is AnswerType.MATURITY:
            page.check(f"input[name='{name}'][value='{(n + variant) % 6}']")
        elif t is AnswerType.BAND:
            page.select_option(f"select[name='{name}']", str(((n + variant) * 15) % 105))
        elif t is AnswerType.YES_PARTLY_NO:
            page.check(f"input[name='{name}'][value='partly']")
        elif t is AnswerType.CHOICE:
            page.check(f"input[name='{name}'][value='{q.options[-1].id}']")
        elif t is AnswerType.NUMBER:
            page.fill(f"input[name='{name}']", "12")
        else:
            page.fill(f"textarea[name='{name}']", "每季度召开质量分析会。")


def test_officer_fills_and_submits_in_chromium(page, live_server):
    base = live_server
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    # Register an account through the UI.
    page.goto(base + "/register")
    email = f"officer{random.randint(1, 10**9)}@example.cn"
    page.fill("#name", "林质量")
    page.fill("#email", email)
    page.fill("#password", "browser-pass-2026")
    page.fill("#confirm", "browser-pass-2026")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/enterprise/register"))

    # Register the enterprise.
    page.fill("#name", "东莞粤达电子有限公司")
    page.fill("#uscc", _uscc())
    page.select_option("#city_code", "441900")
    page.select_option("#industry_section", "C")
    page.select_option("#industry_division", "C39")
    page.click("#submit")
    page.wait_for_load_state()
    assert "/enterprise/register" not in page.url, page.content()[:2000]

    # Start the cqo-qms questionnaire from the list of published questionnaires.
    page.goto(base + "/assessments/")
    card = page.locator(".card", has_text=QMS.title.zh)
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assessment_url = page.url
    shot(page, "filling-01-overview-empty")
    page.click("a[href$='/section/1']")
    page.wait_for_url(re.compile(r"/section/1$"))

    # Answer the first section by clicking the level labels; autosave reports back.
    first = QMS.sections[0]
    for q in first.questions:
        page.locator(f"#q-{q.id} label.level-option").nth(3).click()
    status = page.locator("#autosave-status")
    expect(status).to_have_text("已自动保存", timeout=10000)  # from the catalogue, via data-saved
    shot(page, "filling-02-section-autosaved")
    assert status.text_content().strip()

    # Next, then previous: the answers of section 1 are still there (they were saved).
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/section/2$"))
    page.click("button[name=go][value=prev]")
    page.wait_for_url(re.compile(r"/section/1$"))
    for q in first.questions:
        assert page.is_checked(f"input[name='q-{q.id}-value'][value='3']")

    # The overview shows the progress of section 1.
    page.goto(assessment_url)
    bar = page.locator("[role=progressbar]").first
    assert int(bar.get_attribute("aria-valuenow")) > 0
    assert f"{len(first.questions)} / {len(first.questions)}" in page.content()
    shot(page, "filling-03-overview-progress")

    # Fill every other section through the form fields and the Save-and-next buttons.
    for index, sec in enumerate(QMS.sections[1:], start=2):
        page.goto(f"{assessment_url}/section/{index}")
        _answer_section(page, sec, index)
        last = index == len(QMS.sections)
        page.click(f"button[name=go][value={'overview' if last else 'next'}]")
        page.wait_for_load_state()
        assert "has-error" not in page.content(), (index, page.url)
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert page.locator("[role=progressbar]").first.get_attribute("aria-valuenow") == "100"

    # Submit and read the result.
    page.locator("form[action$='/submit'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/result$"))
    assert page.locator("#total-score").is_visible()
    shot(page, "filling-04-result")

    assert all(u.startswith(base) or u.startswith("data:") for u in requests)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_two_tabs_on_the_same_draft_are_told_about_the_clash(page, live_server, live_app):
    """Tab A saves an answer; tab B, opened before, changes the same question: B's autosave is
    told, the card is flagged, and A's answer is still stored."""
    from cqo_portal import rollups
    from cqo_portal.accounts.services import create_user
    from cqo_portal.demo import make_uscc
    from cqo_portal.extensions import db
    from cqo_portal.models import Enterprise, Role
    from tests.factories import _rng

    email = f"tabs{random.randint(1, 10**9)}@example.cn"
    with live_app.app_context():
        ent = Enterprise(
            name="佛山双页测试有限公司",
            uscc=make_uscc(_rng, "440600"),
            city_code="440600",
            industry_section="C",
            industry_division="C38",
            size_class="small",
        )
        db.session.add(ent)
        db.session.flush()
        rollups.refresh(db.session, [(ent.city_code, ent.id)])  # written directly, counted here
        user = create_user(
            email=email, name="双页", password="browser-pass-2026", role=Role.OFFICER
        )
        user.enterprise_id = ent.id
        db.session.commit()

    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", "browser-pass-2026")
    page.click("#submit")
    page.goto(live_server + "/assessments/")
    page.locator(".card", has_text=QMS.title.zh).locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    section_url = page.url + "/section/1"
    q1 = QMS.sections[0].questions[0]

    tab_a = page
    tab_a.goto(section_url)
    tab_b = page.context.new_page()
    tab_b.goto(section_url)

    tab_a.check(f"input[name='q-{q1.id}-value'][value='2']")
    expect(tab_a.locator("#autosave-status")).to_have_text(
        re.compile("已自动保存|Saved automatically"), timeout=10000
    )
    tab_b.check(f"input[name='q-{q1.id}-value'][value='5']")
    expect(tab_b.locator("#autosave-status")).to_have_text(
        re.compile("其他人修改|Someone else changed"), timeout=10000
    )
    expect(tab_b.locator(f"#q-{q1.id}")).to_have_class(re.compile("has-conflict"))
    shot(tab_b, "filling-05-second-tab-conflict")

    # Saving explicitly shows both answers side by side; A's answer is still the stored one.
    tab_b.click("button[name=go][value=stay]")
    tab_b.wait_for_load_state()
    card = tab_b.locator(f"#q-{q1.id}")
    expect(card.locator(".alert-warning")).to_be_visible()
    tab_a.reload()
    assert tab_a.is_checked(f"input[name='q-{q1.id}-value'][value='2']")
    shot(tab_b, "filling-06-second-tab-compare")


def test_admin_uploads_a_new_version_and_sees_the_changes(page, live_server, live_app, tmp_path):
    """The admin questionnaire pages in the browser: a broken file lists the problems, a valid
    one shows the diff against the previous version, and is imported as a draft."""
    import yaml

    from cqo_portal.accounts.services import create_user
    from cqo_portal.extensions import db
    from cqo_portal.models import Role

    email = f"admin{random.randint(1, 10**9)}@example.cn"
    with live_app.app_context():
        create_user(email=email, name="管理员", password="browser-pass-2026", role=Role.ADMIN)
        db.session.commit()
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", "browser-pass-2026")
    page.click("#submit")
    page.goto(live_server + "/admin/questionnaires")

    data = yaml.safe_load((QUESTIONNAIRE_DIR / "cqo-qms-2027.yaml").read_text(encoding="utf-8"))
    broken = dict(data, total_points=900)
    bad = tmp_path / "cqo-qms-broken.yaml"
    bad.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    page.set_input_files("#file", str(bad))
    page.click("#check")
    expect(page.locator("#validation-errors")).to_contain_text(
        "cqo-qms-broken.yaml: sections: section points sum to 1000 but total_points is 900"
    )
    shot(page, "admin-01-questionnaire-refused")

    # A questionnaire of its own (not published), so the other browser stories keep theirs.
    data["id"] = f"browser-check-{random.randint(1, 10**9)}"
    data["title"] = {"zh": "浏览器检查问卷", "en": "Browser check questionnaire"}

    def upload_and_confirm(version: str, name: str) -> None:
        data["version"] = version
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        page.goto(live_server + "/admin/questionnaires")
        page.set_input_files("#file", str(path))
        page.click("#check")
        expect(page.locator("#confirm")).to_be_visible()

    upload_and_confirm("1.0", "v1.yaml")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/admin/questionnaires/\d+$"))

    data["sections"][0]["questions"][0]["clause"] = "ISO 9001:2015 4.1 (rev.)"
    upload_and_confirm("1.1", "v2.yaml")
    expect(page.locator(".questionnaire-diff")).to_contain_text("questions.ctx-issues.clause")
    shot(page, "admin-02-questionnaire-diff")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/admin/questionnaires/\d+$"))
    expect(page.locator(".questionnaire-diff")).to_contain_text("questionnaire.version")
    expect(page.locator("#publish")).to_be_visible()
    shot(page, "admin-03-questionnaire-draft")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
