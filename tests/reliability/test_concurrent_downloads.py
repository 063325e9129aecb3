"""Two people open the same not-yet-rendered report at the same moment (e.g. the officer and the
city regulator right after a submission): both must get the PDF.

The race is made deterministic: both requests are held right after they found no report row, then
let go together, so both try to create it.
"""

from __future__ import annotations

import contextlib
import threading

from tests.reliability.test_kill_mid_submit import _prepare


def _race(make_app, url: str, monkeypatch) -> list[int]:
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment
    from cqo_portal.reports import pdf, services

    app = make_app(SQLALCHEMY_DATABASE_URI=url, REDIS_URL=None)
    aid, login_id = _prepare(app)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = login_id
    with app.app_context():
        assert client.post(f"/assessments/{aid}/submit").status_code == 302
        assert db.session.get(Assessment, aid).reports == []

    monkeypatch.setattr(pdf, "render_report_pdf", lambda _ctx: b"%PDF-1.4 fast test render")
    barrier = threading.Barrier(2, timeout=20)
    real_get_report = services.get_report

    def get_report_then_wait(assessment, lang):
        found = real_get_report(assessment, lang)
        if found is None:
            with contextlib.suppress(threading.BrokenBarrierError):  # the other never came
                barrier.wait()
        return found

    monkeypatch.setattr(services, "get_report", get_report_then_wait)
    codes: list[int] = []

    def download() -> None:
        c = app.test_client()
        with c.session_transaction() as sess:
            sess["_user_id"] = login_id
        with app.app_context():
            codes.append(c.get(f"/reports/{aid}.pdf?lang=zh").status_code)

    threads = [threading.Thread(target=download) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes


def test_two_first_downloads_at_once_both_get_the_pdf(make_app, scratch_postgres, monkeypatch):
    """PostgreSQL only: SQLite (laptops, tests) lets one writer at a time and answers the second
    concurrent write "database is locked", which is not what a bureau runs."""
    assert _race(make_app, scratch_postgres, monkeypatch) == [200, 200]
