"""A questionnaire section filled and saved with the keyboard alone, with a visible focus on every
control on the way: Tab and Shift+Tab to move, arrow keys for radios and selects, typing for text
and numbers, Enter on the save button. The answers are then read back from the database."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot

PASSWORD = "keyboard-pass-2026"
_n = itertools.count(1)

FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const card = el.closest('fieldset.question-card');
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
          value: el.value || '', text: (el.textContent || '').trim().slice(0, 40),
          card: card ? card.id : '', checked: !!el.checked,
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none'};
}"""


def _officer_with_draft(live_app, key: str):
    from cqo_portal.accounts.services import create_user
    from cqo_portal.assessments import services
    from cqo_portal.demo import make_uscc
    from cqo_portal.extensions import db
    from cqo_portal.models import Enterprise, Role
    from tests.factories import _rng

    n = next(_n)
    email = f"keyboard{n}@example.cn"
    with live_app.test_request_context():
        ent = Enterprise(
            name=f"东莞键盘测试{n}有限公司",
            uscc=make_uscc(_rng, "441900"),
            city_code="441900",
            industry_section="C",
            industry_division="C38",
            size_class="small",
        )
        db.session.add(ent)
        db.session.flush()
        user = create_user(email=email, name="键盘用户", password=PASSWORD, role=Role.OFFICER)
        user.enterprise_id = ent.id
        qv = next(v for v in services.published_versions() if v.key == key)
        draft = services.start_assessment(ent, qv, user)
        db.session.commit()
        return email, draft.id


def _stored(live_app, assessment_id: int) -> dict:
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment

    with live_app.app_context():
        a = db.session.get(Assessment, assessment_id)
        return services.answers_of(a, services.questionnaire_of(a.questionnaire))


@pytest.mark.parametrize(("key", "index"), [("cqo-qms", 8), ("gbt19580", 1)])
def test_a_section_is_filled_and_saved_with_the_keyboard(page, live_server, live_app, key, index):
    email, assessment_id = _officer_with_draft(live_app, key)
    log_in(page, live_server, email, PASSWORD, "zh")
    page.goto(f"{live_server}/assessments/{assessment_id}/section/{index}")
    cards = page.locator("fieldset.question-card")
    questions = [cards.nth(i).get_attribute("id").removeprefix("q-") for i in range(cards.count())]

    # The skip link leads past the navigation; then Tab through the page's controls.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    chosen: dict[str, str] = {}
    evidence: dict[str, str] = {}
    no_ring: list[str] = []
    went_back = False
    for _ in range(400):
        page.keyboard.press("Tab")
        el = page.evaluate(FOCUSED)
        label = el["name"] or el["text"] or el["tag"]
        if not (el["outline"] or el["shadow"]):
            no_ring.append(label)
        name = el["name"]
        if name.startswith("q-") and name.endswith("-value"):
            qid = name[2:-6]
            if el["type"] == "radio":
                page.keyboard.press("Space")  # the first option of the group
                page.keyboard.press("ArrowDown")  # and on to the next one
            elif el["tag"] == "select" and name.endswith("-adj-value"):
                pass  # an item's score: keep the proposal the factors chosen above give
            elif el["tag"] == "select":
                for _ in range(3):
                    page.keyboard.press("ArrowDown")
            else:
                page.keyboard.type("12" if el["tag"] == "input" else "每季度召开质量分析会。")
            chosen[qid] = page.evaluate("() => document.activeElement.value")
            if not went_back:
                # Shift+Tab goes back to where it came from, and Tab returns.
                page.keyboard.press("Shift+Tab")
                assert page.evaluate("() => document.activeElement.name") != name
                page.keyboard.press("Tab")
                assert page.evaluate("() => document.activeElement.name") == name
                went_back = True
        elif name.startswith("q-") and name.endswith("-evidence"):
            qid = name[2:-9]
            evidence[qid] = "质量手册、管理评审记录"
            page.keyboard.type(evidence[qid])
        elif el["tag"] == "button" and name == "go" and el["value"] == "stay":
            shot(page, f"keyboard-section-{key}-{index}")
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"the Save draft button was not reached by Tab; answered {sorted(chosen)}")

    assert not no_ring, f"focused without a visible focus indicator: {no_ring}"
    assert sorted(chosen) == sorted(questions), "every question was reached by the keyboard"
    expect(page.locator("h1")).to_contain_text(f"第 {index} 部分")
    stored = _stored(live_app, assessment_id)
    for qid in questions:
        answer = stored.get(qid)
        assert answer is not None, f"{qid} was not saved"
        value = "" if answer.value is None else str(answer.value)
        assert value == chosen[qid], (qid, answer.value, chosen[qid])
        assert answer.evidence == evidence[qid]
