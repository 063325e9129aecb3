"""Evidence in Debian's chromium: an officer attaches two files while filling a section and
submits; the city's regulator asks for more evidence on one answer; the officer responds; the
PDF lists the files by name, date and SHA-256."""

from __future__ import annotations

import hashlib
import io

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import log_in, shot
from tests.evidence import helpers as files
from tests.factories import PASSWORD

OFFICER = "evidence.officer@example.cn"
REGULATOR = "evidence.guangzhou@example.cn"


def _world(live_app):
    """An enterprise in Guangzhou with a draft answered everywhere but its first question."""
    from cqo_portal.extensions import db
    from tests.evidence.test_evidence import _draft
    from tests.factories import Actors

    with live_app.test_request_context():
        actors = Actors(db.session)
        ent = actors.enterprise(city="440100", name="广州证据示范有限公司")
        officer = actors.officer(ent, email=OFFICER)
        actors.regulator("440100", email=REGULATOR)
        assessment, q, _ = _draft(actors, officer)
        first = q.sections[0].questions
        db.session.commit()
        return assessment.id, [x.id for x in first[:2]]


def test_files_attached_questioned_answered_and_listed_in_the_pdf(
    browser, live_app, live_server, tmp_path
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

    response = page.request.get(f"{live_server}/reports/{assessment_id}.pdf?lang=en")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    flat = text.replace("\n", "")
    for path, day in [(pdf, "2026-03-31"), (docx, "2026-06-30")]:
        assert path.name in text and day in text
        assert hashlib.sha256(path.read_bytes()).hexdigest() in flat
    officer.close()
    bureau.close()
