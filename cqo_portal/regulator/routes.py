"""The regulator's workspace: enterprises and submissions in the jurisdiction, review, exports."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from cqo_portal import authz
from cqo_portal.actions import services as action_services
from cqo_portal.assessments import evidence, review
from cqo_portal.assessments.presenters import result_view
from cqo_portal.cqo import services as cqo_services
from cqo_portal.models import Assessment
from cqo_portal.query import url_id
from cqo_portal.regulator import bp, exports, services
from cqo_portal.web import XLSX_MIME, commit, file_stamp, get_or_404, page_lang

ZIP_MAX_REPORTS = 200
# Reports not rendered yet are rendered inside the request (seconds each): keep that bounded.
ZIP_MAX_RENDERS = 10


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept")),
            SelectChoice("return", _l("Return to the enterprise")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Comment for the enterprise"),
        validators=[Length(max=review.MAX_COMMENT)],
        description=_l("Required when returning: say what to change before resubmitting."),
    )


def _reportpage_lang() -> str:
    lang = request.values.get("lang", "")
    return lang if lang in ("zh", "en") else page_lang()


def _search() -> services.SubmissionSearch:
    return services.SubmissionSearch.from_args(request.args, current_user)


@bp.route("/submissions")
@login_required
@authz.role_required("regulator.workspace")
def submissions():
    search = _search()
    page = services.list_submissions(current_user, search)
    if page.restarted:
        search.notes.append(_("That page is no longer available; showing the first page."))
    return render_template(
        "regulator/submissions.html",
        page=page,
        search=search,
        flt=search.filter,
        questionnaires=services.questionnaire_choices(),
        levels=services.level_choices(),
        zip_max=ZIP_MAX_REPORTS,
        form=FlaskForm(),
    )


@bp.route("/submissions/<assessment_id>")
@login_required
def submission(assessment_id: str):
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("assessment.view", assessment)
    authz.require("regulator.workspace")
    if assessment.result is None or assessment.status.value == "draft":
        abort(404)
    return _render_submission(assessment, ReviewForm())


def _render_submission(
    assessment: Assessment,
    form: ReviewForm,
    status: int = 200,
    evidence_errors: dict[str, str] | None = None,
):
    view = result_view(assessment, page_lang())
    return render_template(
        "regulator/submission.html",
        assessment=assessment,
        v=view,
        enterprise_submissions=services.enterprise_submissions(current_user, assessment.enterprise),
        cqo_filings=cqo_services.cqo_filings(assessment.enterprise),
        reviewer=services.reviewer_name(assessment),
        can_review=review.can_be_reviewed(assessment)
        and authz.can(current_user, "assessment.review", assessment),
        form=form,
        can_review_evidence=authz.can(current_user, "evidence.review", assessment),
        evidence_form=FlaskForm(),
        evidence_errors=evidence_errors or {},
        evidence_posted=request.form if evidence_errors else {},
    ), status


@bp.route("/submissions/<assessment_id>/evidence-review", methods=["POST"])
@login_required
def review_evidence(assessment_id: str):
    """A verdict on one question's evidence: sufficient, or more needed (with a comment)."""
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("evidence.review", assessment)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        evidence.review_evidence(
            assessment,
            request.form.get("question_id", ""),
            request.form.get("verdict", ""),
            request.form.get("comment"),
            current_user,
        )
    except evidence.EvidenceError as e:
        return _render_submission(
            assessment, ReviewForm(formdata=None), 422, {e.field: str(e.message)}
        )
    commit()
    flash(_("Your verdict on the evidence is recorded."), "success")
    return redirect(url_for(".submission", assessment_id=assessment.id, _anchor="evidence-review"))


@bp.route("/submissions/<assessment_id>/review", methods=["POST"])
@login_required
def review_submission(assessment_id: str):
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("assessment.review", assessment)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_submission(assessment, form, 422)
    try:
        review.review_submission(
            assessment, current_user, form.decision.data or "", form.comment.data
        )
    except review.ReviewError as e:
        getattr(form, e.field).errors = [str(e.message)]
        return _render_submission(assessment, form, 422)
    commit()
    if assessment.status.value == "accepted":
        flash(_("Submission accepted."), "success")
    else:
        flash(_("Submission returned to the enterprise with your comment."), "success")
    return redirect(url_for(".submission", assessment_id=assessment.id))


@bp.route("/submissions.csv")
@login_required
@authz.role_required("regulator.workspace")
def submissions_csv():
    flt, lang = _search().filter, page_lang()
    body = stream_with_context(exports.csv_chunks(current_user, flt, lang))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="submissions-{file_stamp()}.csv"',
        },
    )


@bp.route("/submissions.xlsx")
@login_required
@authz.role_required("regulator.workspace")
def submissions_xlsx():
    out = exports.xlsx_file(current_user, _search().filter, page_lang())
    return send_file(
        out,
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name=f"submissions-{file_stamp()}.xlsx",
    )


@bp.route("/submissions/reports.zip", methods=["GET", "POST"])
@login_required
@authz.role_required("regulator.workspace")
def submissions_zip():
    """GET: the reports of every submission matching the filter; POST: of the ticked ones."""
    search = _search()
    ids: list[int] | None = None
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        ids = [i for i in map(url_id, request.form.getlist("ids")) if i is not None]
        if not ids:
            flash(_("Tick the submissions whose reports you want first."), "warning")
            return redirect(url_for(".submissions", **search.args()))
    chosen = services.selected_ids(current_user, search.filter, ids, ZIP_MAX_REPORTS + 1)
    if not chosen:
        flash(_("No submissions match these filters."), "warning")
        return redirect(url_for(".submissions", **search.args()))
    if len(chosen) > ZIP_MAX_REPORTS:
        flash(
            _(
                "More than %(n)d submissions match; narrow the filters or tick the ones you need.",
                n=ZIP_MAX_REPORTS,
            ),
            "warning",
        )
        return redirect(url_for(".submissions", **search.args()))
    lang = _reportpage_lang()
    missing = services.reports_to_render(chosen, lang)
    if missing > ZIP_MAX_RENDERS:
        flash(
            _(
                "%(n)d of these reports have not been generated yet, and at most %(max)d can be "
                "generated for one download. Download fewer at a time, or try again later.",
                n=missing,
                max=ZIP_MAX_RENDERS,
            ),
            "warning",
        )
        return redirect(url_for(".submissions", **search.args()))
    out = exports.reports_zip(chosen, lang)
    commit()  # keep the reports rendered for the ZIP
    current_app.logger.info("reports zip: %d reports for user %s", len(chosen), current_user.id)
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"reports-{lang}-{file_stamp()}.zip",
    )


@bp.route("/enterprises")
@login_required
@authz.role_required("regulator.workspace")
def enterprises():
    flt = services.EnterpriseFilter.from_args(request.args, current_user)
    page = services.list_enterprises(current_user, flt)
    if page.restarted:
        flt.notes.append(_("That page is no longer available; showing the first page."))
    action_counts = action_services.counts_by_enterprise([r.enterprise.id for r in page.items])
    return render_template(
        "regulator/enterprises.html", page=page, flt=flt, action_counts=action_counts
    )
