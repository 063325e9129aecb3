"""Report download and the public authenticity check (/verify)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import FileField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from cqo_portal import authz
from cqo_portal.extensions import csrf, limiter
from cqo_portal.models import Assessment, AssessmentStatus, ReportStatus
from cqo_portal.reports import jobs, services
from cqo_portal.web import commit, get_or_404

bp = Blueprint("reports", __name__)


@bp.app_template_global()
def report_downloads(assessment: Assessment) -> dict:
    """For templates/reports/_download_buttons.html: the download state of both languages."""
    return services.download_states(assessment)


def _submitted(assessment_id: str) -> Assessment:
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("report.download", assessment)
    if assessment.status == AssessmentStatus.DRAFT or assessment.result is None:
        abort(404)
    return assessment


@bp.route("/reports/<assessment_id>.pdf")
@login_required
def download(assessment_id: str):
    """The stored PDF; a 202 "being prepared" page while a worker renders it."""
    assessment = _submitted(assessment_id)
    lang = request.args.get("lang", "zh")
    if lang not in services.LANGS:
        abort(404)
    report = services.get_report(assessment, lang)
    if report is None or report.status != ReportStatus.READY:
        report = services.ensure_report_row(assessment, lang)
        commit()  # the worker reads the row
        # A report the worker failed on is retried here, where an error is seen.
        failed = report.status == ReportStatus.FAILED
        state = None if failed else jobs.render_in_background(current_app, report)
        if state is not None:
            return render_template(
                "reports/preparing.html",
                assessment=assessment,
                report=report,
                state=state,
                lang=lang,
            ), 202
        report = services.ready_report(assessment, lang)
        commit()
    filename = f"{report.number}.pdf"
    etag = f'"{report.sha256}"'
    if report.sha256 and request.if_none_match.contains(report.sha256):
        # The browser holds this very report: confirm it without loading the stored PDF.
        resp = Response(status=304)
        resp.headers["ETag"] = etag
        resp.headers["Cache-Control"] = "private, max-age=3600"
        return resp
    resp = Response(services.stored_pdf(report), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = (
        f"attachment; filename={filename}; filename*=UTF-8''{filename}"
    )
    resp.headers["ETag"] = etag
    resp.headers["Cache-Control"] = "private, max-age=3600"
    resp.headers["X-Report-Number"] = report.number
    return resp


@bp.route("/reports/<assessment_id>/status.json")
@login_required
def status(assessment_id: str):
    """Report readiness for static/js/report-status.js; re-queues a report whose job was lost.

    ``fallback`` says no worker can be reached: the page stops waiting and its links render
    the report in the request.
    """
    assessment = _submitted(assessment_id)
    states = services.download_states(assessment)
    fallback = False
    if states["waiting"]:
        for report in assessment.reports:
            if report.status == ReportStatus.FAILED:
                fallback = True
            elif report.status != ReportStatus.READY:
                job = jobs.render_in_background(current_app, report)
                states["reports"][report.lang]["job"] = job
                fallback = fallback or job is None
    states["fallback"] = fallback
    return jsonify(states)


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a public, read-only check

    number = StringField(
        _l("Report number"),
        validators=[DataRequired(), Length(max=80)],
    )
    file = FileField(_l("The PDF file (optional)"))
    submit = SubmitField(_l("Check"))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit("60 per minute")
@csrf.exempt  # public and read-only: a recipient uploads a PDF to check it, nothing is written
def verify():
    form = VerifyForm(request.form if request.method == "POST" else request.args)
    outcome = None
    if (request.method == "POST" or request.args.get("number")) and form.validate():
        upload = request.files.get("file")
        data = upload.read() if upload and upload.filename else None
        outcome = services.verify(form.number.data, data)
    return render_template("reports/verify.html", form=form, outcome=outcome)
