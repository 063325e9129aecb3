"""Report download and the public authenticity check (/verify)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import FileField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from cqo_portal import authz
from cqo_portal.extensions import limiter
from cqo_portal.models import Assessment, AssessmentStatus, ReportStatus
from cqo_portal.reports import services
from cqo_portal.web import commit, get_or_404

bp = Blueprint("reports", __name__)


@bp.route("/reports/<assessment_id>.pdf")
@login_required
def download(assessment_id: str):
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("report.download", assessment)
    if assessment.status == AssessmentStatus.DRAFT or assessment.result is None:
        abort(404)
    lang = request.args.get("lang", "zh")
    if lang not in services.LANGS:
        abort(404)
    report = services.get_report(assessment, lang)
    if report is None or report.status != ReportStatus.READY:
        report = services.ready_report(assessment, lang)
        commit()
    ent = assessment.enterprise
    filename = f"{report.number}.pdf"
    resp = Response(report.pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = (
        f"attachment; filename={filename}; filename*=UTF-8''{filename}"
    )
    resp.headers["ETag"] = report.sha256 or ""
    resp.headers["X-Report-Number"] = report.number
    resp.headers["X-Enterprise"] = str(ent.id)
    return resp


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a public, read-only check

    number = StringField(
        _l("Report number"),
        validators=[DataRequired(), Length(max=40)],
    )
    file = FileField(_l("The PDF file (optional)"))
    submit = SubmitField(_l("Check"))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def verify():
    form = VerifyForm(request.form if request.method == "POST" else request.args)
    outcome = None
    if (request.method == "POST" or request.args.get("number")) and form.validate():
        report = services.find_by_number(form.number.data)
        if report is None or report.status != ReportStatus.READY:
            outcome = {"ok": False, "message": _("No report with this number was issued.")}
        else:
            upload = request.files.get("file")
            data = upload.read() if upload and upload.filename else None
            a = report.assessment
            outcome = {
                "ok": True,
                "number": report.number,
                "enterprise": a.enterprise.name,
                "uscc": a.enterprise.uscc,
                "percent": a.percent,
                "total_points": a.total_points,
                "max_points": a.max_points,
                "submitted_at": a.submitted_at,
                "generated_at": report.generated_at,
                "file_checked": data is not None,
                "file_matches": data is not None
                and hashlib.sha256(data).hexdigest() == report.sha256,
                "sha256": report.sha256,
            }
            if data is not None and not outcome["file_matches"]:
                outcome["ok"] = False
                outcome["message"] = _(
                    "The number is genuine, but this file differs from the report issued "
                    "under it: it has been altered."
                )
    return render_template("reports/verify.html", form=form, outcome=outcome)
