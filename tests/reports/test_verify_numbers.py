"""/verify and the numbers a report has carried: current, superseded by a reissue, unknown,
malformed. A superseded number is found in superseded_report_numbers, never in the audit trail.
"""

from __future__ import annotations

import contextlib
import hashlib

import pytest
from sqlalchemy import event, select

from cqo_portal.assessments import services as assessments
from cqo_portal.assessments.review import review_submission
from cqo_portal.extensions import db
from cqo_portal.models import AuditEvent, Report, ReportStatus, SupersededReportNumber
from cqo_portal.reports import pdf as report_pdf
from cqo_portal.reports import services
from tests.reports.conftest import fill_and_submit

SUPERSEDED_EN = "no longer valid"
SUPERSEDED_ZH = "该编号下的报告已失效"
UNKNOWN_EN = "No report with this number was issued"
UNKNOWN_ZH = "平台未签发过该编号的报告"


def store_issued(report: Report) -> bytes:
    """Issue the report: a real one-paragraph PDF stands in for the rendered one (/verify only
    compares numbers and digests)."""
    data = report_pdf.render_minimal_pdf(f"{report.number} 质量管理自评报告")
    report.pdf, report.size = data, len(data)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.status = ReportStatus.READY
    db.session.flush()
    return data


def return_and_resubmit(actors, assessment, officer) -> None:
    review_submission(assessment, actors.regulator("440100"), "return", "请补充证据 / add evidence")
    assessments.submit_assessment(assessment, officer)
    db.session.flush()


def reissue_twice(app, actors, langs=("zh",)) -> tuple[list[list[str]], list[Report], bytes]:
    """A submission's reports issued, then reissued after each of two resubmissions: per
    language its three numbers oldest first; the report rows; the last stored PDF."""
    assessment, officer = fill_and_submit(actors, "cqo-qms")
    with app.test_request_context():
        reports = [services.ensure_report_row(assessment, lang) for lang in langs]
    numbers = [[report.number] for report in reports]
    for report in reports:
        data = store_issued(report)
    for _ in range(2):
        return_and_resubmit(actors, assessment, officer)
        for report, seen in zip(reports, numbers, strict=True):
            seen.append(report.number)
            data = store_issued(report)
    return numbers, reports, data


@pytest.fixture
def reissued_twice(app, db_session, actors):
    """A Chinese report reissued twice: its numbers oldest first, the row, its current PDF."""
    numbers, reports, data = reissue_twice(app, actors)
    return numbers[0], reports[0], data


def _verify(client, number: str, lang: str = "en") -> str:
    resp = client.get("/verify", query_string={"number": number}, headers={"Accept-Language": lang})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@contextlib.contextmanager
def statements():
    """The SQL statements (text, parameters) the block sends to the database."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_reissue_stores_each_old_number_with_the_one_that_replaced_it(db_session, reissued_twice):
    numbers, report, _ = reissued_twice
    assert numbers[1].endswith("-R2") and numbers[2].endswith("-R3")
    rows = db_session.scalars(
        select(SupersededReportNumber).order_by(SupersededReportNumber.superseded_at)
    ).all()
    assert [(r.number, r.report_id, r.replaced_by) for r in rows] == [
        (numbers[0], report.id, numbers[1]),
        (numbers[1], report.id, numbers[2]),
    ]
    # The audit trail keeps its record of each reissue as before.
    events = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "report.reissue", AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.before["number"], e.after["number"]) for e in events] == [
        (numbers[0], numbers[1]),
        (numbers[1], numbers[2]),
    ]


def test_the_current_number_is_genuine(client, reissued_twice):
    numbers, report, _ = reissued_twice
    page = _verify(client, numbers[-1])
    assert "Genuine report" in page and report.assessment.enterprise.name in page
    assert SUPERSEDED_EN not in page


@pytest.mark.parametrize("lang, wording", [("en", SUPERSEDED_EN), ("zh", SUPERSEDED_ZH)])
def test_both_superseded_numbers_name_the_current_one(client, reissued_twice, lang, wording):
    numbers, _, _ = reissued_twice
    for old in numbers[:2]:
        page = _verify(client, old, lang)
        assert wording in page and numbers[-1] in page, old
        assert "Genuine report" not in page
        # Typed as people do: lower case, spaces, full-width dashes.
        page = _verify(client, " " + old.lower().replace("-", "－", 2) + " ", lang)
        assert wording in page and numbers[-1] in page


def test_a_superseded_number_is_not_confirmed_with_its_old_file(client, reissued_twice):
    numbers, _, data = reissued_twice
    import io

    resp = client.post(
        "/verify",
        data={"number": numbers[0], "file": (io.BytesIO(data), "report.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and SUPERSEDED_EN in page and "Genuine report" not in page


@pytest.mark.parametrize("lang, wording", [("en", UNKNOWN_EN), ("zh", UNKNOWN_ZH)])
def test_an_unknown_number_was_not_issued(client, reissued_twice, lang, wording):
    numbers, _, _ = reissued_twice
    for unknown in (
        numbers[0].replace("-ZH-", "-EN-"),  # right shape, never issued
        numbers[0].rsplit("-", 1)[0] + "-R2",  # a reissue suffix on a guessed stem
        numbers[-1].rsplit("-", 1)[0],  # the current number without its suffix
    ):
        page = _verify(client, unknown, lang)
        assert wording in page and SUPERSEDED_EN not in page and numbers[-1] not in page


@pytest.mark.parametrize(
    "typed",
    [
        "X",
        "----",
        "'; DROP TABLE reports; --",
        "%",
        "GD-CQO-%",
        "报告编号",
        "\u200b\u3000",
        "a" * 80,
    ],
    ids=["letter", "dashes", "sql", "percent", "wildcard", "chinese", "blank-unicode", "80-chars"],
)
def test_a_malformed_number_gets_a_page_not_an_error(client, reissued_twice, typed):
    page = _verify(client, typed)
    assert UNKNOWN_EN in page and SUPERSEDED_EN not in page


def test_a_number_too_long_is_a_field_message(client, reissued_twice):
    page = _verify(client, reissued_twice[0][0] + "A" * 80)
    assert "verify-result" not in page and "80" in page


@pytest.mark.parametrize("which", ["current", "superseded", "unknown"])
def test_verify_never_reads_the_audit_trail(client, reissued_twice, which):
    numbers, _, _ = reissued_twice
    number = {"current": numbers[-1], "superseded": numbers[0], "unknown": "GD-CQO-X"}[which]
    with statements() as sent:
        _verify(client, number)
    assert sent, "the listener saw no statement"
    assert not [s for s, _ in sent if AuditEvent.__tablename__ in s]
    lookups = [s for s, _ in sent if SupersededReportNumber.__tablename__ in s]
    # A current number is found on reports.number alone; otherwise one superseded lookup.
    assert len(lookups) == (0 if which == "current" else 1)


def test_the_superseded_lookup_uses_an_index(client, db_session, reissued_twice):
    """The planner can answer the lookup /verify sends from an index (the number is the
    primary key), not by scanning the table."""
    numbers, _, _ = reissued_twice
    with statements() as sent:
        _verify(client, numbers[0])
    ((statement, parameters),) = [
        (s, p) for s, p in sent if SupersededReportNumber.__tablename__ in s
    ]
    conn = db_session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = " | ".join(str(row[-1]) for row in rows)
        assert "SEARCH superseded_report_numbers USING INDEX" in plan, plan
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        assert "pk_superseded_report_numbers" in plan, plan
