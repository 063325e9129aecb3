"""Each role's landing page says what to do next; lists say so when they are empty."""

from __future__ import annotations

import pytest

from cqo_portal.models import CQORegistration, CQOStatus
from tests.factories import login

EN = {"Accept-Language": "en"}


def _dashboard(client) -> str:
    resp = client.get("/dashboard", headers=EN)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_a_new_enterprise_is_told_to_file_its_cqo_first(client, actors):
    officer = actors.officer()
    login(client, officer)
    page = _dashboard(client)
    assert "What to do next" in page
    assert "Register your chief quality officer with the bureau." in page
    assert 'href="/cqo/new"' in page
    # The empty list explains itself and offers the action that fills it.
    assert "No self-assessment yet. Start one to receive your first score and report." in page
    assert "Start a self-assessment" in page


def test_a_returned_cqo_filing_comes_first_with_the_bureaus_reason(client, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    reg = CQORegistration(
        enterprise_id=ent.id,
        status=CQOStatus.RETURNED,
        name="李质量",
        position="质量总监",
        return_reason="任命文件缺少公章。",
    )
    db_session.add(reg)
    db_session.flush()
    login(client, officer)
    page = _dashboard(client)
    assert "The bureau returned your CQO registration." in page
    assert "任命文件缺少公章。" in page
    assert f'href="/cqo/{reg.id}"' in page


def test_with_an_approved_cqo_the_next_step_is_the_self_assessment(client, actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    actors.approved_cqo(ent, name="王质量")
    login(client, officer)
    page = _dashboard(client)
    assert "Start a quality self-assessment." in page
    assert "王质量" in page


def test_a_draft_assessment_shows_how_far_it_has_got(client, actors):
    from cqo_portal.assessments.services import start_assessment

    ent = actors.enterprise()
    officer = actors.officer(ent)
    actors.approved_cqo(ent)
    a = start_assessment(ent, actors.questionnaire(), officer)
    login(client, officer)
    page = _dashboard(client)
    assert "Continue your self-assessment." in page
    assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page
    assert f'href="/assessments/{a.id}"' in page


def test_chinese_dashboard(client, actors):
    login(client, actors.officer())
    page = client.get("/dashboard", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "下一步" in page and "向市场监管局备案您的首席质量官。" in page


def test_the_administrator_lands_on_an_overview_with_counts(client, actors):
    admin = actors.admin()
    actors.regulator("440100")
    login(client, admin)
    page = _dashboard(client)
    assert "Administration" in page and "Active regulator accounts" in page
    assert 'aria-current="page"' in page  # the Overview link in the navbar is marked current
    assert "Create the first regulator account" not in page


def test_a_regulator_goes_to_the_bureau_dashboard(client, actors):
    login(client, actors.regulator("440300"))
    resp = client.get("/dashboard")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/regulator/")


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_forms_show_a_summary_of_errors_linked_to_the_fields(client, path):
    page = client.post(path, data={}, headers=EN).get_data(as_text=True)
    assert "Please correct the following:" in page
    assert 'href="#email"' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="email-error"' in page


def test_every_page_has_a_skip_link_and_a_labelled_main_landmark(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert '<a class="skip-link visually-hidden-focusable" href="#main">Skip to content</a>' in page
    assert '<main id="main"' in page and 'aria-label="Main"' in page


def test_error_pages_are_translated_and_offer_a_way_on(client):
    resp = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "未找到" in page and "返回首页" in page
