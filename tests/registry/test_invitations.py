"""Joining an enterprise only by invitation: a one-time link, for one e-mail, that expires."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cqo_portal.models import EnterpriseInvitation, Role
from cqo_portal.models.base import utcnow
from tests.factories import login, logout


def _invite(client, ent, email: str) -> str:
    resp = client.post(f"/enterprise/{ent.id}/members", data={"email": email})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[:500]
    assert "sends no e-mail" in page
    match = re.search(r'value="(http://[^"]+/enterprise/join/[^"]+)"', page)
    assert match, "the one-time link is shown"
    return match.group(1).removeprefix("http://localhost")


def test_an_officer_invites_a_colleague_who_joins_once(client, actors, db_session):
    ent = actors.enterprise(city="440600")
    inviter = actors.officer(ent)
    newcomer = actors.user(Role.OFFICER, email="new.colleague@example.cn")

    login(client, inviter)
    link = _invite(client, ent, "New.Colleague@Example.cn")
    invitation = db_session.scalar(
        select(EnterpriseInvitation).where(EnterpriseInvitation.enterprise_id == ent.id)
    )
    assert invitation.email == "new.colleague@example.cn"
    assert link.rsplit("/", 1)[1] not in invitation.token_hash  # only the hash is kept
    page = client.get(f"/enterprise/{ent.id}/members").get_data(as_text=True)
    assert "new.colleague@example.cn" in page and link not in page  # shown once only
    logout(client)

    # Anonymous: asked to log in with the invited account.
    page = client.get(link).get_data(as_text=True)
    assert "new.colleague@example.cn" in page and "Log in" in page

    login(client, newcomer)
    assert ent.name in client.get(link).get_data(as_text=True)
    resp = client.post(link)
    assert resp.status_code == 302
    db_session.refresh(newcomer)
    assert newcomer.enterprise_id == ent.id
    db_session.refresh(invitation)
    assert invitation.accepted_by_id == newcomer.id and invitation.accepted_at is not None

    # The members list shows both; the link is used up.
    page = client.get(f"/enterprise/{ent.id}/members").get_data(as_text=True)
    assert inviter.email in page and newcomer.email in page
    logout(client)
    other = actors.user(Role.OFFICER, email="someone.else@example.cn")
    login(client, other)
    resp = client.post(link)
    assert resp.status_code == 409 and "already been used" in resp.get_data(as_text=True)
    db_session.refresh(other)
    assert other.enterprise_id is None


def test_the_link_works_only_for_the_invited_email(client, actors, db_session):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    link = _invite(client, ent, "invited@example.cn")
    logout(client)
    intruder = actors.user(Role.OFFICER, email="intruder@example.cn")
    login(client, intruder)
    resp = client.post(link)
    assert resp.status_code == 409 and "invited@example.cn" in resp.get_data(as_text=True)
    db_session.refresh(intruder)
    assert intruder.enterprise_id is None


def test_expired_withdrawn_and_forged_links_are_refused(client, actors, db_session):
    ent = actors.enterprise()
    inviter = actors.officer(ent)
    invitee = actors.user(Role.OFFICER, email="late@example.cn")
    login(client, inviter)
    link = _invite(client, ent, "late@example.cn")
    invitation = db_session.scalar(
        select(EnterpriseInvitation).where(EnterpriseInvitation.enterprise_id == ent.id)
    )
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    logout(client)
    login(client, invitee)
    resp = client.post(link)
    assert resp.status_code == 409 and "expired" in resp.get_data(as_text=True)
    assert client.post("/enterprise/join/forged-token").status_code == 409
    logout(client)

    # A fresh invitation, withdrawn before use.
    login(client, inviter)
    link = _invite(client, ent, "late@example.cn")
    fresh = db_session.scalars(
        select(EnterpriseInvitation).order_by(EnterpriseInvitation.id.desc())
    ).first()
    client.post(f"/enterprise/{ent.id}/invitations/{fresh.id}/withdraw")
    logout(client)
    login(client, invitee)
    assert client.post(link).status_code == 409
    db_session.refresh(invitee)
    assert invitee.enterprise_id is None


def test_members_of_another_enterprise_cannot_invite_or_withdraw(client, actors, db_session):
    ent = actors.enterprise()
    login(client, actors.officer(ent))
    _invite(client, ent, "x@example.cn")
    inv = db_session.scalar(
        select(EnterpriseInvitation).where(EnterpriseInvitation.enterprise_id == ent.id)
    )
    logout(client)
    login(client, actors.officer(actors.enterprise()))
    assert client.get(f"/enterprise/{ent.id}/members").status_code == 404
    assert (
        client.post(f"/enterprise/{ent.id}/members", data={"email": "y@example.cn"}).status_code
        == 404
    )
    assert client.post(f"/enterprise/{ent.id}/invitations/{inv.id}/withdraw").status_code == 404


def test_inviting_a_member_is_refused_and_bureau_accounts_cannot_join(client, actors, db_session):
    ent = actors.enterprise()
    me = actors.officer(ent)
    bureau = actors.regulator("440100")
    login(client, me)
    page = client.post(f"/enterprise/{ent.id}/members", data={"email": me.email}).get_data(
        as_text=True
    )
    assert "already a member" in page
    # A bureau account may be invited (nothing is revealed about it) but cannot join.
    link = _invite(client, ent, bureau.email)
    logout(client)
    login(client, bureau)
    resp = client.post(link)
    assert resp.status_code == 409 and "Only enterprise officer accounts" in resp.get_data(
        as_text=True
    )
    logout(client)
    login(client, me)
    page = client.post(f"/enterprise/{ent.id}/members", data={"email": "not-an-email"}).get_data(
        as_text=True
    )
    assert "Enter a valid e-mail address." in page


def test_an_officer_removes_a_colleague_who_loses_access_at_once(client, actors, db_session):
    from cqo_portal.models import AuditEvent, User

    ent = actors.enterprise()
    officer = actors.officer(ent)
    colleague = actors.officer(ent)
    colleague_client = client.application.test_client()
    login(colleague_client, colleague)
    assert colleague_client.get(f"/enterprise/{ent.id}").status_code == 200

    login(client, officer)
    page = client.get(f"/enterprise/{ent.id}/members").get_data(as_text=True)
    assert f"/enterprise/{ent.id}/members/{colleague.id}/remove" in page
    assert f"/enterprise/{ent.id}/members/{officer.id}/remove" not in page  # not for oneself
    resp = client.post(f"/enterprise/{ent.id}/members/{colleague.id}/remove")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{ent.id}/members")
    page = client.get(f"/enterprise/{ent.id}/members").get_data(as_text=True)
    assert "is no longer an officer" in page and colleague.email not in page

    db_session.expire_all()
    removed = db_session.get(User, colleague.id)
    assert removed.enterprise_id is None and removed.active  # the account stays
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "enterprise.member_remove")
    )
    assert event.object_id == ent.id and event.actor_id == officer.id
    assert event.before["user_id"] == colleague.id
    # Their open session no longer reaches the enterprise.
    assert colleague_client.get(f"/enterprise/{ent.id}").status_code == 404

    # They can be invited back.
    link = _invite(client, ent, colleague.email)
    assert colleague_client.post(link).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, colleague.id).enterprise_id == ent.id


def test_nobody_removes_themselves_or_someone_of_another_enterprise(client, actors, db_session):
    from cqo_portal.models import User

    ent = actors.enterprise()
    officer = actors.officer(ent)
    outsider = actors.officer(actors.enterprise())
    login(client, officer)
    resp = client.post(f"/enterprise/{ent.id}/members/{officer.id}/remove", follow_redirects=True)
    assert "cannot remove yourself" in resp.get_data(as_text=True)
    assert client.post(f"/enterprise/{ent.id}/members/{outsider.id}/remove").status_code == 404
    logout(client)
    login(client, outsider)
    assert client.post(f"/enterprise/{ent.id}/members/{officer.id}/remove").status_code == 404
    logout(client)
    login(client, actors.regulator())
    assert client.post(f"/enterprise/{ent.id}/members/{officer.id}/remove").status_code == 403
    db_session.expire_all()
    assert db_session.get(User, officer.id).enterprise_id == ent.id
    assert db_session.get(User, outsider.id).enterprise_id != ent.id
