"""The notification centre lists what is due or overdue and the bureau's decisions; the
navigation bar counts what needs attention; mail goes out only when an SMTP server is set."""

from __future__ import annotations

from datetime import timedelta

from cqo_portal.core import safety as calc
from cqo_portal.cqo import person
from cqo_portal.models import Notification
from cqo_portal.notifications import services as reminders
from cqo_portal.safety import services
from cqo_portal.web import local_today
from tests.factories import login, logout
from tests.safety.helpers import filing, in_scope


def test_missing_records_and_an_expiring_certificate_are_listed_and_counted(
    app, client, actors, db_session
):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    in_scope(ent, officer)
    reg = actors.approved_cqo(ent)
    today = local_today()
    person.add_certificate(reg, "首席质量官证书", None, None, today + timedelta(days=20))
    db_session.flush()
    with app.test_request_context():
        items = reminders.due_items(ent.id, today)
    kinds = [(i.kind, i.overdue) for i in items]
    assert ("weekly", True) in kinds  # last week's report
    assert ("monthly", True) in kinds  # last month's minutes
    assert ("certificate", False) in kinds
    login(client, officer)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "首席质量官证书" in page and 'data-overdue="yes"' in page
    with app.test_request_context():
        count = reminders.badge_count(ent.id, today)
    assert f'id="nav-attention">{count}<' in page
    # Once filed, last week's report is no longer listed.
    services.add_weekly(ent, calc.week_start(today) - timedelta(weeks=1), "李", "无", [])
    db_session.flush()
    with app.test_request_context():
        items = reminders.due_items(ent.id, today)
    assert ("weekly", True) not in [(i.kind, i.overdue) for i in items]


def test_a_bureau_decision_becomes_an_unread_notice_until_read(client, actors, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    f = filing(ent, officer)
    gz = actors.regulator("440100")
    db_session.flush()
    login(client, gz)
    client.post(
        f"/regulator/safety/filings/{f.id}/decide", data={"send_back": "1", "reason": "缺职责"}
    )
    logout(client)
    login(client, officer)
    client.post("/lang/en")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "The bureau returned the filing of 李安全: 缺职责" in page
    assert reminders.unread_count(ent.id) == 1
    client.post("/notifications/read")
    assert reminders.unread_count(ent.id) == 0
    # Another enterprise's officer sees none of it.
    logout(client)
    login(client, actors.officer(actors.enterprise()))
    assert "缺职责" not in client.get("/notifications/").get_data(as_text=True)


def _smtp_server():
    """A minimal SMTP server on a free loopback port that keeps each message's text."""
    import socketserver
    import threading
    from email import message_from_bytes, policy

    sent: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.wfile.write(b"220 test\r\n")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.wfile.write(b"354 go\r\n")
                    body = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        body += chunk
                    mail = message_from_bytes(body, policy=policy.default)
                    sent.append(f"{mail['To']}\n{mail.get_content()}")
                    self.wfile.write(b"250 ok\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, sent


def test_no_mail_without_an_smtp_server_and_mail_with_one(
    app, client, actors, db_session, monkeypatch
):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    f = filing(ent, officer)
    gz = actors.regulator("440100")
    db_session.flush()
    server, sent = _smtp_server()
    login(client, gz)
    assert app.config["SMTP_HOST"] is None
    client.post(f"/regulator/safety/filings/{f.id}/decide", data={"send_back": "1", "reason": "缺"})
    assert sent == []
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.server_address[1])
    logout(client)
    login(client, officer)
    client.post(
        "/safety/director",
        data={
            "director_name": "李安全",
            "director_post": "副总",
            "director_duties": "周排查",
            "officers-0-person": "赵",
            "officers-0-post": "质检员",
            "submit_filing": "1",
        },
    )
    logout(client)
    login(client, gz)
    client.post(f"/regulator/safety/filings/{f.id}/decide", data={"approve": "1"})
    server.shutdown()
    assert len(sent) == 1 and officer.email in sent[0]
    assert "李安全" in sent[0]
    n = db_session.query(Notification).filter_by(enterprise_id=ent.id, kind="safety.approve").one()
    assert n.mailed_at is not None
