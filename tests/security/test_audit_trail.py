"""Audit: an append-only trail of every state change that admins browse whole and
regulators browse for their jurisdiction."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select, update

from cqo_portal import audit
from cqo_portal.models import AuditEvent, Enterprise
from cqo_portal.models.audit import AuditTrailIsAppendOnly
from tests.factories import login


def _event(db_session, action: str, city: str | None, **kw) -> AuditEvent:
    ev = audit.record(action, Enterprise(id=None), city_code=city, **kw)
    db_session.flush()
    return ev


def test_audit_events_cannot_be_changed_or_deleted(db_session, actors):
    actors.officer()  # user.create is audited
    ev = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    ev.action = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.flush()
    db_session.rollback()
    ev = db_session.scalars(select(AuditEvent)).first()
    db_session.delete(ev)
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.flush()
    db_session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.execute(update(AuditEvent).values(action="x"))
    with pytest.raises(AuditTrailIsAppendOnly):
        db_session.execute(delete(AuditEvent))


def test_a_submission_is_audited_with_who_when_before_and_after(app, client, actors, db_session):
    from cqo_portal.assessments.services import start_assessment
    from tests.security.world import fill

    officer = actors.officer(actors.enterprise(city="440300"))
    draft = start_assessment(officer.enterprise, actors.questionnaire(), officer)
    fill(draft, officer)
    db_session.flush()
    login(client, officer)
    assert client.post(f"/assessments/{draft.id}/submit").status_code == 302
    ev = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "assessment.submit", AuditEvent.object_id == draft.id
        )
    )
    assert ev.actor_id == officer.id and ev.ip == "127.0.0.1"
    assert ev.at is not None and ev.city_code == "440300"
    assert ev.before == {"status": "draft"} and ev.after["status"] == "submitted"


def test_admin_browses_filters_and_pages_the_whole_trail(client, actors, db_session):
    admin = actors.admin()
    for n in range(audit.PAGE_SIZE + 5):
        _event(db_session, "test.bulk", "440100", after={"n": n})
    _event(db_session, "test.other", None)
    login(client, admin)
    page = client.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<code>test.other</code>" in page and "<code>test.bulk</code>" in page
    assert "Older events" in page
    filtered = client.get(
        "/admin/audit?action=test.bulk", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "<code>test.other</code>" not in filtered
    link = re.search(r'href="([^"]*before=\d+[^"]*)"', filtered).group(1).replace("&amp;", "&")
    older = client.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert older.count("<code>test.bulk</code>") == 5  # the rest, after one full page
    assert "Older events" not in older
    by_actor = client.get(f"/admin/audit?actor={admin.email}").get_data(as_text=True)
    assert "user.create" not in by_actor or admin.email in by_actor


def test_regulators_see_only_their_jurisdiction(client, actors, db_session):
    _event(db_session, "test.gz", "440100")
    _event(db_session, "test.sz", "440300")
    _event(db_session, "test.account", None)
    gz, prov = actors.regulator("440100"), actors.regulator("440000")
    login(client, gz)
    page = client.get("/regulator/audit").get_data(as_text=True)
    assert "test.gz" in page and "test.sz" not in page and "test.account" not in page
    # Asking for another city through the filter does not widen the view.
    page = client.get("/regulator/audit?city=440300&action=test.sz").get_data(as_text=True)
    assert "<code>test.sz</code>" not in page
    client.post("/logout")
    login(client, prov)
    page = client.get("/regulator/audit").get_data(as_text=True)
    assert "<code>test.gz</code>" in page and "<code>test.sz</code>" in page
    assert "test.account" not in page


def test_bad_filter_values_are_ignored_not_fatal(client, actors):
    login(client, actors.admin())
    for qs in ("object_id=abc", "since=2026-13-45", "before=-3", "city=<b>", "until=x&since=y"):
        assert client.get(f"/admin/audit?{qs}").status_code == 200
