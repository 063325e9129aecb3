"""CQO registration as the officer and the bureau live it: draft, submit, return, resubmit, approve."""

from __future__ import annotations

from sqlalchemy import select

from cqo_portal import rollups
from cqo_portal.models import AuditEvent, CQORegistration, CQOStatus
from tests.factories import login, logout
from tests.registry.conftest import cqo_form


def _registrations(db_session, ent):
    return list(
        db_session.scalars(
            select(CQORegistration)
            .where(CQORegistration.enterprise_id == ent.id)
            .order_by(CQORegistration.id)
        )
    )


def test_officer_submits_bureau_returns_officer_resubmits_bureau_approves(
    client, actors, db_session
):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    gz = actors.regulator("440100")

    # The officer saves a draft with only the name and position.
    login(client, officer)
    resp = client.post(
        "/cqo/new",
        data={"name": "李质量", "position": "质量总监", "save": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    (reg,) = _registrations(db_session, ent)
    assert reg.status == CQOStatus.DRAFT and reg.letter_path is None

    # Submitting the incomplete draft is refused; the page says what is missing.
    resp = client.post(f"/cqo/{reg.id}/submit", data={})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "incomplete" in page and "Appointment letter" in page and "Date of appointment" in page
    db_session.refresh(reg)
    assert reg.status == CQOStatus.DRAFT

    # Completing it and submitting in one go.
    resp = client.post(
        f"/cqo/{reg.id}/edit",
        data=cqo_form(submit_now="1"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db_session.refresh(reg)
    assert reg.status == CQOStatus.SUBMITTED and reg.submitted_at is not None
    assert reg.letter_mime == "application/pdf"

    # A submitted registration can no longer be edited or submitted again: 409, unchanged.
    assert client.get(f"/cqo/{reg.id}/edit").status_code == 409
    resp = client.post(
        f"/cqo/{reg.id}/edit", data=cqo_form(name="别人"), content_type="multipart/form-data"
    )
    assert resp.status_code == 409
    assert client.post(f"/cqo/{reg.id}/submit", data={}).status_code == 409
    db_session.refresh(reg)
    assert reg.name == "李质量"
    # The officer cannot decide on their own registration.
    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code in (
        403,
        404,
    )
    logout(client)

    # The Guangzhou bureau returns it; a return without a reason is refused in the form.
    login(client, gz)
    resp = client.post(f"/regulator/cqo/{reg.id}/decide", data={"send_back": "1", "reason": " "})
    assert resp.status_code == 200 and "Say why" in resp.get_data(as_text=True)
    db_session.refresh(reg)
    assert reg.status == CQOStatus.SUBMITTED
    resp = client.post(
        f"/regulator/cqo/{reg.id}/decide",
        data={"send_back": "1", "reason": "任命书缺少公章，请补充盖章版本。"},
    )
    assert resp.status_code == 302
    db_session.refresh(reg)
    assert reg.status == CQOStatus.RETURNED and reg.return_reason.startswith("任命书缺少公章")
    # Deciding twice is a forbidden transition.
    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 409
    logout(client)

    # The officer sees the reason, corrects, and resubmits with a note.
    login(client, officer)
    page = client.get(f"/cqo/{reg.id}").get_data(as_text=True)
    assert "任命书缺少公章" in page
    assert "任命书缺少公章" in client.get("/dashboard").get_data(as_text=True) or "Returned" in (
        client.get("/dashboard").get_data(as_text=True)
    )
    resp = client.post(
        f"/cqo/{reg.id}/edit",
        data=cqo_form(save="1", filename="任命书-盖章.pdf"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    resp = client.post(f"/cqo/{reg.id}/submit", data={"note": "已上传盖章版本。"})
    assert resp.status_code == 302
    db_session.refresh(reg)
    assert reg.status == CQOStatus.SUBMITTED and reg.letter_filename == "任命书-盖章.pdf"
    logout(client)

    # The bureau sees the whole exchange and approves.
    login(client, gz)
    page = client.get(f"/regulator/cqo/{reg.id}").get_data(as_text=True)
    assert "任命书缺少公章" in page and "已上传盖章版本。" in page
    assert client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 302
    db_session.refresh(reg)
    assert reg.status == CQOStatus.APPROVED and reg.decided_by_id == gz.id
    assert reg.effective_from is not None and reg.effective_to is None

    # Every transition is in the audit trail with the enterprise's city.
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "CQORegistration", AuditEvent.object_id == reg.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "cqo.create",
        "cqo.update",
        "cqo.submit",
        "cqo.return",
        "cqo.update",
        "cqo.resubmit",
        "cqo.approve",
    ]
    cities = set(
        db_session.scalars(
            select(AuditEvent.city_code).where(
                AuditEvent.object_type == "CQORegistration", AuditEvent.object_id == reg.id
            )
        )
    )
    assert cities == {"440100"}


def test_new_cqo_replaces_the_old_one_and_history_stays(client, actors, db_session):
    ent = actors.enterprise(city="440300")
    officer = actors.officer(ent)
    sz = actors.regulator("440300")

    def register_and_approve(name: str) -> CQORegistration:
        login(client, officer)
        resp = client.post(
            "/cqo/new",
            data=cqo_form(name=name, submit_now="1"),
            content_type="multipart/form-data",
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
        logout(client)
        reg = _registrations(db_session, ent)[-1]
        login(client, sz)
        assert (
            client.post(f"/regulator/cqo/{reg.id}/decide", data={"approve": "1"}).status_code == 302
        )
        logout(client)
        db_session.refresh(reg)
        return reg

    first = register_and_approve("王一")
    second = register_and_approve("张二")
    db_session.refresh(first)
    assert first.status == CQOStatus.SUPERSEDED
    assert first.effective_to == second.effective_from
    assert second.status == CQOStatus.APPROVED and second.effective_to is None
    supersede = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "cqo.supersede", AuditEvent.object_id == first.id
        )
    )
    assert supersede.after["superseded_by"] == second.id and supersede.city_code == "440300"

    # The officer's page shows who held the post, from when, to when.
    login(client, officer)
    page = client.get("/cqo/").get_data(as_text=True)
    assert page.index("张二") < page.index("王一")
    assert "History of the post" in page
    # Only one current CQO on the dashboard.
    dash = client.get("/dashboard").get_data(as_text=True)
    assert "张二" in dash


def test_one_registration_in_progress_at_a_time_and_drafts_can_be_discarded(
    client, actors, db_session
):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    login(client, officer)
    client.post("/cqo/new", data={"name": "甲", "position": "质量总监", "save": "1"})
    (reg,) = _registrations(db_session, ent)
    resp = client.get("/cqo/new")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cqo/{reg.id}")

    assert client.post(f"/cqo/{reg.id}/delete").status_code == 302
    assert _registrations(db_session, ent) == []

    # A submitted registration cannot be discarded.
    client.post("/cqo/new", data=cqo_form(submit_now="1"), content_type="multipart/form-data")
    (reg,) = _registrations(db_session, ent)
    assert reg.status == CQOStatus.SUBMITTED
    assert client.post(f"/cqo/{reg.id}/delete").status_code == 409
    assert _registrations(db_session, ent) == [reg]


def test_services_refuse_forbidden_transitions(actors, db_session, app):
    import pytest

    from cqo_portal.cqo import services

    ent = actors.enterprise()
    officer = actors.officer(ent)
    regulator = actors.regulator("440000")
    with app.test_request_context():
        reg = services.create_registration(ent, officer, {"name": "甲", "position": "总监"})
        with pytest.raises(services.CQOTransitionError):
            services.approve_registration(reg, regulator)  # draft
        with pytest.raises(services.CQOTransitionError):
            services.return_registration(reg, regulator, "原因")  # draft
        with pytest.raises(services.CQOIncomplete) as info:
            services.submit_registration(reg)
        assert "letter" in info.value.missing and "phone" in info.value.missing
        assert reg.status == CQOStatus.DRAFT

        reg.status = CQOStatus.APPROVED
        rollups.refresh_enterprises(db_session, [reg.enterprise_id])  # written directly
        with pytest.raises(services.CQOTransitionError):
            services.update_registration(reg, {"name": "乙", "position": "总监"})
        with pytest.raises(services.CQOTransitionError):
            services.return_registration(reg, regulator, "原因")
        with pytest.raises(services.CQOTransitionError):
            services.approve_registration(reg, regulator)
        with pytest.raises(services.CQOTransitionError):
            services.delete_draft(reg)
        assert reg.status == CQOStatus.APPROVED


def test_officer_pages_before_any_registration(client, actors):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    page = client.get("/cqo/").get_data(as_text=True)
    assert "No approved CQO registration yet." in page and "/cqo/new" in page
    assert "/cqo/new" in client.get("/dashboard").get_data(as_text=True)
    page = client.get(f"/enterprise/{ent.id}").get_data(as_text=True)
    assert f"/enterprise/{ent.id}/members" in page
