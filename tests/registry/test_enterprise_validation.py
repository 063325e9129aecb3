"""Registering an enterprise: the credit code is checked (real and mutated codes), stored normalised, unique."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from stdnum.cn import uscc

from cqo_portal.enterprises.forms import uscc_problem
from cqo_portal.models import Enterprise
from tests.factories import login

# Published codes of well-known Shenzhen companies (from their business licences).
REAL_CODES = ["914403001922038216", "9144030071526726XG"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _form(code: str, **changes) -> dict:
    data = {
        "name": "深圳市测试科技有限公司",
        "name_en": "Shenzhen Test Technology Co., Ltd.",
        "uscc": code,
        "city_code": "440300",
        "industry_section": "C",
        "industry_division": "C39",
        "size_class": "large",
        "address": "深圳市南山区科技园",
        "main_products": "通信设备",
        "contact_name": "周联系",
        "contact_phone": "0755-1234567",
        "contact_email": "zhou@example.cn",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    assert uscc_problem(code) is None
    assert uscc_problem(code.lower()) is None
    assert uscc_problem(f"{code[:6]} {code[6:12]} {code[12:]}") is None


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_mutation_is_caught(app, code):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for position in range(18):
            for replacement in ALPHABET:
                if replacement == code[position]:
                    continue
                mutated = code[:position] + replacement + code[position + 1 :]
                if uscc.is_valid(mutated):  # stdnum agrees a mutation cannot pass…
                    pytest.fail(f"{mutated} accepted")
                assert uscc_problem(mutated) is not None, mutated  # …and so does the form
        # A wrong last character is named as a wrong check character, i.e. an invalid code.
        wrong_check = code[:-1] + ("0" if code[-1] != "0" else "1")
        assert "check character" in uscc_problem(wrong_check)
        assert "invalid" in uscc_problem(wrong_check)
        assert "18 characters" in uscc_problem(code[:-1])
        assert uscc_problem(code[:-2] + "I" + code[-1]) is not None  # I is not in GB 32100


def test_officer_registers_with_lower_case_and_spaces_and_a_second_registration_is_refused(
    client, actors, db_session
):
    first = actors.user(actors.officer().role)  # an officer without an enterprise
    first.enterprise_id = None
    db_session.flush()
    login(client, first)
    typed = "9144 0300 7152 6726 xg"
    # A mutated code first: refused with the precise message, values kept.
    resp = client.post("/enterprise/register", data=_form("9144030071526726XH"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "check character" in page and "invalid" in page
    assert "深圳市南山区科技园" in page and "Shenzhen Test Technology" in page
    assert (
        db_session.scalar(select(Enterprise).where(Enterprise.name_en.like("Shenzhen Test%")))
        is None
    )

    resp = client.post("/enterprise/register", data=_form(typed))
    assert resp.status_code == 302
    ent = db_session.scalar(select(Enterprise).where(Enterprise.uscc == "9144030071526726XG"))
    assert ent is not None and ent.industry_division == "C39"
    client.post("/logout")

    second = actors.user(first.role)
    login(client, second)
    resp = client.post("/enterprise/register", data=_form("9144030071526726XG", name="另一个名字"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "already registered" in page and "invite" in page
    assert "另一个名字" in page
    db_session.refresh(second)
    assert second.enterprise_id is None
    assert len(db_session.scalars(select(Enterprise).where(Enterprise.uscc == ent.uscc)).all()) == 1


def test_bad_profile_input_re_renders_with_field_messages(client, actors, db_session):
    officer = actors.user(actors.officer().role)
    login(client, officer)
    resp = client.post(
        "/enterprise/register",
        data=_form(REAL_CODES[0], city_code="110000", industry_division="", contact_email="nope"),
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Choose the manufacturing division." in page
    assert "Enter a valid e-mail address." in page
    assert "Not a valid choice" in page or "invalid-feedback" in page
    assert "深圳市南山区科技园" in page


def test_a_concurrent_registration_of_the_same_code_is_refused_not_crashed(
    app, actors, db_session, monkeypatch
):
    from cqo_portal.enterprises import services

    existing = actors.enterprise(city="440300")
    officer = actors.user(actors.officer().role)
    real_find = services.find_by_uscc
    calls = []

    def find_late(code):  # the other registration commits between our check and our insert
        calls.append(code)
        return None if len(calls) == 1 else real_find(code)

    monkeypatch.setattr(services, "find_by_uscc", find_late)
    with app.test_request_context(), pytest.raises(services.EnterpriseExists) as info:
        services.register_enterprise(officer, _form(existing.uscc.lower()))
    assert info.value.enterprise.id == existing.id
    assert officer.enterprise_id is None
    # The session is still usable: the savepoint alone was rolled back.
    assert db_session.get(Enterprise, existing.id) is not None
