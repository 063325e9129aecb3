"""Reports rendered by the RQ worker after submission, and the public /verify check.

The RQ tests use the real Redis (CQO_TEST_REDIS_URL, default redis://127.0.0.1:6379/15, a
database the suite may flush) and run the worker in-process (rq.SimpleWorker) inside the test's
app context, so the job's render sees the test's uncommitted-to-disk data.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from cqo_portal.extensions import limiter
from cqo_portal.models import Report, ReportStatus
from cqo_portal.reports import jobs, services
from cqo_portal.reports import pdf as report_pdf
from tests.factories import login
from tests.reports.conftest import fill_and_submit

REDIS_URL = os.environ.get("CQO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens


@pytest.fixture(autouse=True)
def english(client):
    """These stories read the English UI (the default for a Chinese browser is Chinese)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def redis_conn():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        conn.ping()
    except redis.RedisError as e:
        pytest.skip(f"LOUD SKIP: Redis at {REDIS_URL} is not reachable ({e}); RQ path untested")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def with_redis(app, redis_conn, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    return redis_conn


def _reports(assessment) -> dict[str, Report]:
    return {r.lang: r for r in assessment.reports}


@pytest.mark.redis
def test_submission_is_rendered_by_the_worker_and_served_from_storage(
    app, client, db_session, actors, with_redis, monkeypatch
):
    from rq import Queue, SimpleWorker

    assessment, officer = fill_and_submit(actors, "cqo-qms", submit=False)
    login(client, officer)
    with client.session_transaction() as session:
        session["lang"] = "zh"  # the officer reads the portal in Chinese
    resp = client.post(f"/assessments/{assessment.id}/submit")
    assert resp.status_code == 302
    with client.session_transaction() as session:
        session["lang"] = "en"  # the rest of the story reads the English pages

    # Submitting queued one job per language; nothing is rendered in the request.
    db_session.expire_all()
    rows = _reports(assessment)
    assert {lang: r.status for lang, r in rows.items()} == {
        "zh": ReportStatus.PENDING,
        "en": ReportStatus.PENDING,
    }
    # The submitter's language first; the other one waits behind any render someone waits for.
    q = Queue(jobs.QUEUE, connection=with_redis)
    later = Queue(jobs.LATER_QUEUE, connection=with_redis)
    assert q.job_ids == [jobs.job_id(rows["zh"].id)]
    assert later.job_ids == [jobs.job_id(rows["en"].id)]

    # The result page says the reports are being prepared and polls for them.
    page = client.get(f"/assessments/{assessment.id}/result").get_data(as_text=True)
    assert "being prepared" in page and "data-report-status" in page
    assert "js/report-status.js" in page
    status = client.get(f"/reports/{assessment.id}/status.json").get_json()
    assert status["waiting"] is True and status["ready"] is False
    assert status["reports"]["zh"]["job"] == "queued"
    # Downloading now gives the "being prepared" page, not a render in the request.
    pending = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert pending.status_code == 202
    body = pending.get_data(as_text=True)
    assert rows["zh"].number in body and f"/reports/{assessment.id}.pdf?lang=zh" in body
    assert len(q) + len(later) == 2  # asking again does not queue duplicates
    # Someone asks for the English report: it moves to the front queue, still queued once.
    assert client.get(f"/reports/{assessment.id}.pdf?lang=en").status_code == 202
    assert q.job_ids == [jobs.job_id(rows["zh"].id), jobs.job_id(rows["en"].id)]
    assert later.job_ids == []

    SimpleWorker([q, later], connection=with_redis).work(burst=True)

    db_session.expire_all()
    rows = _reports(assessment)
    for report in rows.values():
        assert report.status == ReportStatus.READY, report.error
        assert report.sha256 == hashlib.sha256(report.pdf).hexdigest()
    assert client.get(f"/reports/{assessment.id}/status.json").get_json()["ready"] is True

    def no_render(ctx):
        raise AssertionError("the download rendered a report the worker had stored")

    monkeypatch.setattr(report_pdf, "render_report_pdf", no_render)
    for lang, report in rows.items():
        got = client.get(f"/reports/{assessment.id}.pdf?lang={lang}")
        assert got.status_code == 200 and got.data == report.pdf
    page = client.get(f"/assessments/{assessment.id}/result").get_data(as_text=True)
    assert "being prepared" not in page


@pytest.mark.redis
def test_a_lost_job_is_queued_again_when_someone_waits_for_it(
    app, client, db_session, actors, with_redis
):
    from rq import Queue

    assessment, officer = fill_and_submit(actors, "cqo-qms", submit=False)
    login(client, officer)
    client.post(f"/assessments/{assessment.id}/submit")
    with_redis.flushdb()  # Redis restarted empty: the queued jobs are gone
    assert client.get(f"/reports/{assessment.id}.pdf?lang=en").status_code == 202
    q = Queue(jobs.QUEUE, connection=with_redis)
    assert q.job_ids == [jobs.job_id(_reports(assessment)["en"].id)]


def test_without_a_reachable_redis_the_download_renders_in_the_request(
    app, client, db_session, actors, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", UNREACHABLE_REDIS)
    assessment, officer = fill_and_submit(actors, "cqo-qms", submit=False)
    login(client, officer)
    assert client.post(f"/assessments/{assessment.id}/submit").status_code == 302
    status = client.get(f"/reports/{assessment.id}/status.json").get_json()
    assert status["fallback"] is True  # the page stops waiting for a worker
    calls = []
    real = report_pdf.render_report_pdf
    monkeypatch.setattr(
        report_pdf, "render_report_pdf", lambda ctx: calls.append(ctx.result.lang) or real(ctx)
    )
    resp = client.get(f"/reports/{assessment.id}.pdf?lang=zh")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF") and calls == ["zh"]


# --- /verify ---------------------------------------------------------------------------------


@pytest.fixture
def issued(app, db_session, actors):
    """A submitted assessment with its Chinese report issued and stored.

    /verify compares numbers and SHA-256 digests only, so the stored PDF here is a real but
    one-paragraph PDF (the report's own content is tested in test_app_reports.py).
    """
    assessment, _ = fill_and_submit(actors, "cqo-qms")
    with app.test_request_context():
        report = services.ensure_report_row(assessment, "zh")
    data = report_pdf.render_minimal_pdf(f"{report.number} 质量管理自评报告")
    report.pdf, report.size = data, len(data)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.status = ReportStatus.READY
    db_session.flush()
    return assessment, report, data


def _verify(client, number: str, data: bytes | None = None):
    form = {"number": number}
    if data is not None:
        import io

        form["file"] = (io.BytesIO(data), "report.pdf")
    resp = client.post("/verify", data=form, content_type="multipart/form-data")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_a_regulator_checks_a_genuine_number_and_sees_enterprise_and_score(client, issued):
    assessment, report, _ = issued
    page = _verify(client, report.number)
    assert "Genuine report" in page and assessment.enterprise.name in page
    assert assessment.enterprise.uscc in page and f"{assessment.percent:.1f}" in page
    assert "identical" not in page  # no file was given, so no file claim


def test_the_identical_file_is_confirmed(client, issued):
    _, report, data = issued
    page = _verify(client, report.number, data)
    assert "Genuine report" in page and "identical to the issued report" in page


def test_a_file_with_one_byte_changed_is_refused_as_altered(client, issued):
    _, report, data = issued
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x01
    page = _verify(client, report.number, bytes(tampered))
    assert "Not verified" in page and "altered" in page and "Genuine report" not in page


def test_an_unknown_number_has_no_report(client, issued):
    _, report, _ = issued
    page = _verify(client, report.number.replace("-ZH", "-EN"))
    assert "No report with this number was issued" in page and "Genuine report" not in page
    # Without its random check code a number cannot be guessed from the sequence.
    page = _verify(client, report.number.rsplit("-", 1)[0])
    assert "No report with this number was issued" in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda n: n.lower(),
        lambda n: "  " + n.replace("-", " - ") + " ",
        lambda n: n.replace("-", "－").lower(),  # full-width dashes from a Chinese IME
    ],
    ids=["lower-case", "spaced", "full-width"],
)
def test_typed_numbers_are_normalised(client, issued, typed):
    assessment, report, _ = issued
    page = _verify(client, typed(report.number))
    assert "Genuine report" in page and assessment.enterprise.name in page


def test_verify_by_link_with_the_number_in_the_query(client, issued):
    _, report, _ = issued
    resp = client.get("/verify", query_string={"number": report.number})
    assert resp.status_code == 200 and "Genuine report" in resp.get_data(as_text=True)


def test_a_pending_report_is_not_confirmed(app, client, db_session, actors):
    assessment, _ = fill_and_submit(actors, "cqo-qms")
    with app.test_request_context():
        report = services.ensure_report_row(assessment, "en")
    page = _verify(client, report.number)
    assert "No report with this number was issued" in page


def test_verify_is_rate_limited_with_a_page_not_an_error(database_url):
    """A second app with the limiter on (the suite's app has it off)."""
    from cqo_portal import create_app

    before = (limiter.enabled, limiter.initialized)
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": None,
            "LOG_FORMAT": "plain",
        }
    )
    try:
        client = limited.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        codes = [
            client.get("/verify", query_string={"number": f"GD-CQO-2026-{i:06d}-ZH"}).status_code
            for i in range(62)
        ]
        assert set(codes[:60]) == {200}
        assert codes[-1] == 429
        last = client.get("/verify", query_string={"number": "X"})
        assert last.status_code == 429 and "Too many attempts" in last.get_data(as_text=True)
    finally:
        limiter.enabled, limiter.initialized = before
