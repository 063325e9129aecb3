"""From a score to a change, in Debian's chromium, in one story: an officer attaches two evidence
files and submits; the city's regulator questions one answer; the officer responds; the officer
plans two actions from the plan and completes one; the next cycle's result compares the scores
before and after, and the PDFs list the evidence files and the actions."""

from __future__ import annotations

import hashlib
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import log_in, shot
from tests.browser.test_actions_journey import _plan_action
from tests.evidence import helpers as files
from tests.factories import PASSWORD

OFFICER = "story.officer@example.cn"
REGULATOR = "story.guangzhou@example.cn"


def _world(live_app):
    """An enterprise in Guangzhou with a draft answered everywhere but its first question."""
    from cqo_portal.extensions import db
    from tests.evidence.test_evidence import _draft
    from tests.factories import Actors

    with live_app.test_request_context():
        actors = Actors(db.session)
        ent = actors.enterprise(city="440100", name="广州改进闭环示范有限公司")
        officer = actors.officer(ent, email=OFFICER)
        actors.regulator("440100", email=REGULATOR)
        assessment, q, _ = _draft(actors, officer)
        db.session.commit()
        return assessment.id, [x.id for x in q.sections[0].questions[:2]]


def _next_cycle_submitted(live_app, first_id: int, improved_question: str) -> int:
    """The next cycle: a draft prefilled from the first submission, the improved question
    answered better, submitted."""
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, User
    from tests.actions.helpers import better

    with live_app.test_request_context():
        first = db.session.get(Assessment, first_id)
        officer = db.session.query(User).filter_by(email=OFFICER).one()
        draft = services.start_assessment(
            first.enterprise, first.questionnaire, officer, prefill=True
        )
        q = services.questionnaire_of(draft.questionnaire)
        question = next(x for x in q.questions if x.id == improved_question)
        new = services._new_row(question, better(question), officer)
        row = next((r for r in draft.answers if r.question_id == improved_question), None)
        if row is None:
            draft.answers.append(new)
        else:
            row.value, row.na = new.value, new.na
        db.session.flush()
        services.submit_assessment(draft, officer)
        db.session.commit()
        return draft.id


def _pdf_text(page, url: str) -> str:
    response = page.request.get(url, timeout=90_000)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def test_evidence_questioned_answered_then_actions_planned_done_and_effective(
    browser, live_app, live_server, tmp_path, demo_data
):
    assessment_id, (q1, q2) = _world(live_app)
    pdf = tmp_path / "internal-audit-2026.pdf"
    pdf.write_bytes(files.PDF)
    docx = tmp_path / "management-review.docx"
    docx.write_bytes(files.docx())

    officer = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = officer.new_page()
    log_in(page, live_server, OFFICER, PASSWORD, lang="en")
    page.goto(f"{live_server}/assessments/{assessment_id}/section/1")
    page.set_input_files(f"#q-{q1}-file", str(pdf))
    page.fill(f"#q-{q1}-file_date", "2026-03-31")
    page.set_input_files(f"#q-{q2}-file", str(docx))
    page.fill(f"#q-{q2}-file_date", "2026-06-30")
    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.locator(f"#q-{q1}-files")).to_contain_text("internal-audit-2026.pdf")
    expect(page.locator(f"#q-{q2}-files")).to_contain_text("management-review.docx")
    expect(page.locator(f"#q-{q1}-files")).to_contain_text("applies on 2026-03-31")
    shot(page, "evidence-section")
    page.goto(f"{live_server}/assessments/{assessment_id}")
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.locator("#evidence-files")).to_contain_text("internal-audit-2026.pdf")

    # The bureau questions one answer; the officer responds.
    bureau = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    reg = bureau.new_page()
    log_in(reg, live_server, REGULATOR, PASSWORD, lang="en")
    reg.goto(f"{live_server}/regulator/submissions/{assessment_id}")
    reg.select_option("#ev-question", q1)
    reg.check("#ev-verdict-needs_more")
    reg.fill("#ev-comment", "Please add the closure records of the audit findings.")
    reg.get_by_role("button", name="Record the verdict").click()
    expect(reg.locator(f"#thread-{q1}")).to_contain_text("More evidence needed")
    expect(reg.locator(f"#thread-{q1}")).to_contain_text("awaiting the enterprise")
    shot(reg, "evidence-regulator")
    page.goto(f"{live_server}/assessments/{assessment_id}/result")
    expect(page.locator("#evidence-questioned")).to_be_visible()
    page.fill(f"#respond-{q1}-comment", "The closure records are in the audit report, page 4.")
    page.get_by_role("button", name="Send the response").click()
    expect(page.locator("#evidence-questioned")).to_have_count(0)
    thread = page.locator(f"#thread-{q1}")
    expect(thread).to_contain_text("Please add the closure records of the audit findings.")
    expect(thread).to_contain_text("The closure records are in the audit report, page 4.")
    shot(page, "evidence-response")
    reg.reload()
    expect(reg.locator(f"#thread-{q1}")).to_contain_text("page 4")
    expect(reg.locator(f"#thread-{q1}")).not_to_contain_text("awaiting the enterprise")

    # The first submission's PDF lists the files by name, date and SHA-256.
    text = _pdf_text(page, f"{live_server}/reports/{assessment_id}.pdf?lang=en")
    for path, day in [(pdf, "2026-03-31"), (docx, "2026-06-30")]:
        assert path.name in text and day in text
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text.replace("\n", "")

    # Two actions from the plan; one is completed with a progress note.
    page.goto(f"{live_server}/assessments/{assessment_id}/result")
    links = page.locator("a.plan-action-new")
    assert links.count() >= 2
    first_href, second_href = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    _plan_action(
        page,
        page.locator(f'a[href="{first_href}"]'),
        "Close audit findings in 30 days",
        "Quality department",
        "2030-06-30",
    )
    page.goto(f"{live_server}/assessments/{assessment_id}/result")
    _plan_action(
        page,
        page.locator(f'a[href="{second_href}"]'),
        "Quarterly management review",
        "General manager",
        "2030-03-31",
    )
    page.goto(f"{live_server}/actions/")
    page.get_by_role("link", name="Close audit findings in 30 days").click()
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Progress note").fill("All findings of the 2026 audit closed and verified.")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#action-status")).to_have_text("Done")
    shot(page, "story-action-done-en")

    # The next cycle: the result compares before and after; its PDF lists the actions.
    improved = first_href.rstrip("/").rsplit("/", 1)[1]
    next_id = _next_cycle_submitted(live_app, assessment_id, improved)
    page.goto(f"{live_server}/assessments/{next_id}/result")
    effects = page.locator("#action-effects")
    expect(effects.locator("tr", has_text="Close audit findings in 30 days")).to_contain_text(
        "Improved"
    )
    expect(effects.locator("tr", has_text="Quarterly management review")).to_be_visible()
    shot(page, "story-next-result-en")
    flat = re.sub(r"\s+", " ", _pdf_text(page, f"{live_server}/reports/{next_id}.pdf?lang=en"))
    assert "Actions since the last assessment" in flat
    assert "Close audit findings in 30 days" in flat and "Quarterly management review" in flat
    officer.close()
    bureau.close()
