"""The bureau accepts or returns a submission; the officer reads the comment, edits, resubmits."""

from __future__ import annotations

from sqlalchemy import select

from cqo_portal.models import AuditEvent
from tests.factories import login, logout


def review(client, a, decision, comment=""):
    return client.post(
        f"/regulator/submissions/{a.id}/review", data={"decision": decision, "comment": comment}
    )


def test_return_with_comment_then_officer_resubmits_then_accept(client, actors, subs, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    a = subs.make(ent)
    regulator = actors.regulator("440100")

    login(client, regulator)
    page = client.get(f"/regulator/submissions/{a.id}").get_data(as_text=True)
    assert "Record decision" in page
    # Returning needs a comment; the form comes back with the message, nothing changes.
    resp = review(client, a, "return", "   ")
    assert resp.status_code == 422
    assert "Say what the enterprise should change" in resp.get_data(as_text=True)
    assert a.status.value == "submitted"
    resp = review(client, a, "return", "请补充第7章的内审记录证据。")
    assert resp.status_code == 302
    db_session.refresh(a)
    assert a.status.value == "returned" and a.reviewed_by_id == regulator.id
    assert a.review_comment == "请补充第7章的内审记录证据。" and a.reviewed_at is not None
    page = client.get(f"/regulator/submissions/{a.id}").get_data(as_text=True)
    assert "请补充第7章的内审记录证据。" in page and "Record decision" not in page
    logout(client)

    # The officer sees the status and the comment, and can edit again.
    login(client, officer)
    result = client.get(f"/assessments/{a.id}/result").get_data(as_text=True)
    assert "请补充第7章的内审记录证据。" in result
    overview = client.get(f"/assessments/{a.id}")
    assert overview.status_code == 200
    assert "请补充第7章的内审记录证据。" in overview.get_data(as_text=True)
    resp = client.post(f"/assessments/{a.id}/submit")
    assert resp.status_code == 302
    db_session.refresh(a)
    assert a.status.value == "submitted"
    logout(client)

    # Reviewable again; accepting is final.
    login(client, regulator)
    assert review(client, a, "accept", "").status_code == 302
    db_session.refresh(a)
    assert a.status.value == "accepted" and a.review_comment is None
    resp = review(client, a, "return", "too late")
    assert resp.status_code == 422
    assert "Only a submission awaiting review" in resp.get_data(as_text=True)
    db_session.refresh(a)
    assert a.status.value == "accepted"

    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "Assessment", AuditEvent.object_id == a.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["assessment.return", "assessment.submit", "assessment.accept"]


def test_accept_with_a_note_is_shown_to_the_officer(client, actors, subs, db_session):
    ent = actors.enterprise(city="440600")
    officer = actors.officer(ent)
    a = subs.make(ent)
    login(client, actors.regulator("440000"))
    assert review(client, a, "accept", "资料齐全。").status_code == 302
    logout(client)
    login(client, officer)
    page = client.get(f"/assessments/{a.id}/result").get_data(as_text=True)
    assert "资料齐全。" in page


def test_a_decision_must_be_chosen_and_comments_are_bounded(client, actors, subs):
    ent = actors.enterprise(city="440100")
    a = subs.make(ent)
    login(client, actors.regulator("440100"))
    resp = review(client, a, "", "x")
    assert resp.status_code == 422 and "Choose to accept or to return" in resp.get_data(
        as_text=True
    )
    resp = review(client, a, "delete", "x")
    assert resp.status_code == 422
    resp = review(client, a, "return", "长" * 2001)
    assert resp.status_code == 422
    assert "长" * 50 in resp.get_data(as_text=True)  # the typed comment is kept
    assert a.status.value == "submitted"


def test_returned_and_accepted_submissions_have_no_review_form(client, actors, subs):
    ent = actors.enterprise(city="440100")
    returned = subs.make(ent, status="returned")
    accepted = subs.make(ent, status="accepted")
    login(client, actors.regulator("440100"))
    for a in (returned, accepted):
        page = client.get(f"/regulator/submissions/{a.id}").get_data(as_text=True)
        assert "Record decision" not in page
        assert review(client, a, "accept").status_code == 422
