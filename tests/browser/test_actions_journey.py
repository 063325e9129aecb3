"""In Debian's chromium: an officer plans two improvement actions from the plan of a result,
completes one with a progress note, and the next cycle's result and PDF report say whether the
actions were effective."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, log_in, shot

EMAIL = "lin.actions@example.cn"
PASSWORD = "quality-2026x"
DOWNLOADS = ARTIFACTS.parent / "downloads"
RENDER_TIMEOUT = 90_000  # ms


def _first_submission(live_app) -> int:
    """An enterprise, its officer and a first submission with every maturity answer at level 1."""
    from cqo_portal.accounts.services import create_user
    from cqo_portal.extensions import db
    from cqo_portal.models import Role
    from tests.actions.helpers import submitted
    from tests.factories import Actors

    with live_app.test_request_context():
        actors = Actors(db.session)
        ent = actors.enterprise(
            city="440600", name="佛山改进行动测试有限公司", name_en="Foshan Actions Co."
        )
        officer = create_user(email=EMAIL, name="林质量", password=PASSWORD, role=Role.OFFICER)
        officer.enterprise_id = ent.id
        db.session.flush()
        assessment = submitted(actors, ent, officer, level=1)
        db.session.commit()
        return assessment.id


def _next_cycle(live_app, first_id: int) -> int:
    """The next cycle's draft (answered and submitted later by _submit)."""
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, User

    with live_app.test_request_context():
        first = db.session.get(Assessment, first_id)
        officer = db.session.query(User).filter_by(email=EMAIL).one()
        draft = services.start_assessment(
            first.enterprise, first.questionnaire, officer, prefill=True
        )
        db.session.commit()
        return draft.id


def _submit(live_app, draft_id: int, improved_question: str) -> None:
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, User
    from tests.actions.helpers import answer_at, better

    with live_app.test_request_context():
        draft = db.session.get(Assessment, draft_id)
        officer = db.session.query(User).filter_by(email=EMAIL).one()
        q = services.questionnaire_of(draft.questionnaire)
        answer = answer_at(1)
        stored = {row.question_id: row for row in draft.answers}  # the page may have autosaved
        for i, question in enumerate(q.questions):
            a = better(question) if question.id == improved_question else answer(question, i)
            new = services._new_row(question, a, officer)
            if question.id in stored:
                stored[question.id].value, stored[question.id].na = new.value, new.na
            else:
                draft.answers.append(new)
        db.session.flush()
        services.submit_assessment(draft, officer)
        db.session.commit()


def _plan_action(page: Page, link, title: str, owner: str, due: str) -> None:
    link.click()
    expect(page.locator("#plan-step")).to_be_visible()
    assert page.get_by_label("Improvement action").input_value()  # prefilled from the step
    page.get_by_label("Improvement action").fill(title)
    page.get_by_label("Owner").fill(owner)
    page.get_by_label("Due date").fill(due)
    page.get_by_label("Expected effect").fill("Fewer nonconformities at the next audit")
    page.get_by_role("button", name="Save the action").click()
    expect(page.locator("h1")).to_have_text(title)


def test_officer_plans_completes_and_sees_the_effect_next_cycle(
    page: Page, live_app, live_server: str, demo_data
):
    # demo_data first: the demo officer's enterprise stays the first one, as the other tests expect.
    first_id = _first_submission(live_app)
    log_in(page, live_server, EMAIL, PASSWORD, lang="en")
    page.goto(f"{live_server}/assessments/{first_id}/result")
    links = page.locator("a.plan-action-new")
    assert links.count() >= 2
    first_href, second_href = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    shot(page, "actions-01-result-plan-en")

    _plan_action(
        page,
        page.locator(f'a[href="{first_href}"]'),
        "Monthly supplier quality review",
        "Purchasing",
        "2030-06-30",
    )
    page.goto(f"{live_server}/assessments/{first_id}/result")
    _plan_action(
        page,
        page.locator(f'a[href="{second_href}"]'),
        "Train the internal auditors",
        "Quality department",
        "2030-03-31",
    )

    # Complete the first action with a progress note.
    page.goto(f"{live_server}/actions/")
    expect(page.locator("#action-board tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Monthly supplier quality review").click()
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Progress note").fill("Review held every month since March; minutes filed.")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#action-status")).to_have_text("Done")
    expect(page.locator("#action-notes")).to_contain_text("minutes filed")
    shot(page, "actions-02-action-done-en")
    page.goto(f"{live_server}/actions/?status=done")
    expect(page.locator("#action-board tbody tr")).to_have_count(1)
    shot(page, "actions-03-board-en")

    # The next cycle: the draft shows each action beside its question.
    improved = first_href.rstrip("/").rsplit("/", 1)[1]
    draft_id = _next_cycle(live_app, first_id)
    found = False
    for index in range(1, 12):
        resp = page.goto(f"{live_server}/assessments/{draft_id}/section/{index}")
        if resp.status == 404:
            break
        if page.locator(".question-actions", has_text="Monthly supplier quality review").count():
            found = True
            shot(page, "actions-04-draft-section-en")
            break
    assert found

    _submit(live_app, draft_id, improved)
    page.goto(f"{live_server}/assessments/{draft_id}/result")
    effects = page.locator("#action-effects")
    expect(effects).to_contain_text("Actions since the last assessment")
    expect(effects.locator("tr", has_text="Monthly supplier quality review")).to_contain_text(
        "Improved"
    )
    expect(effects.locator("tr", has_text="Train the internal auditors")).to_contain_text(
        "Unchanged"
    )
    shot(page, "actions-05-next-result-en")

    with page.expect_download(timeout=RENDER_TIMEOUT) as download_info:
        page.get_by_role("link", name="PDF report (English)").click(timeout=RENDER_TIMEOUT)
    download = download_info.value
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    pdf_path = DOWNLOADS / f"actions-{download.suggested_filename}"
    download.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Actions since the last assessment" in flat
    assert "Monthly supplier quality review" in flat and "Train the internal auditors" in flat
    assert "Improved" in flat and "Unchanged" in flat
