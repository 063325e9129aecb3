"""Filling questionnaires: start, one section per page, autosave, overview, submit, result."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from cqo_portal import authz, signals, uploads
from cqo_portal.assessments import evidence, services, xlsx
from cqo_portal.assessments.forms import DiscardDraftForm, WorkbookUploadForm
from cqo_portal.assessments.presenters import measure_views, result_view
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    QuestionnaireStatus,
    QuestionnaireVersion,
)
from cqo_portal.query import url_id
from cqo_portal.web import commit, get_or_404, page_lang

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def _own_enterprise():
    if not current_user.is_officer:
        abort(403)
    if current_user.enterprise is None:
        flash(_("Register your enterprise first."), "warning")
        return None
    return current_user.enterprise


@bp.route("/")
@login_required
def index():
    ent = _own_enterprise()
    if ent is None:
        return redirect(url_for("enterprises.register"))
    assessments = sorted(ent.assessments, key=lambda a: a.id, reverse=True)
    return render_template(
        "assessments/index.html",
        ent=ent,
        assessments=assessments,
        versions=services.published_versions(),
        form=FlaskForm(),
    )


@bp.route("/start", methods=["POST"])
@login_required
def start():
    ent = _own_enterprise()
    if ent is None:
        return redirect(url_for("enterprises.register"))
    authz.require("assessment.create", ent)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    qv = get_or_404(QuestionnaireVersion, request.form.get("questionnaire_version_id"))
    if qv.status != QuestionnaireStatus.PUBLISHED:
        abort(404)
    assessment = services.start_assessment(
        ent, qv, current_user, prefill=request.form.get("prefill") == "1"
    )
    commit()
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


def _load(assessment_id: str, *actions: str) -> Assessment:
    """The assessment, once the user may take every one of ``actions`` on it (else 404/403)."""
    assessment = get_or_404(Assessment, assessment_id)
    for action in actions:
        authz.require(action, assessment)
    return assessment


@bp.route("/<assessment_id>")
@login_required
def overview(assessment_id: str):
    assessment = _load(assessment_id, "assessment.view")
    if not assessment.is_editable:
        return redirect(url_for("assessments.result", assessment_id=assessment.id))
    return _overview_page(assessment)


def _overview_page(
    assessment: Assessment,
    *,
    form: FlaskForm | None = None,
    missing=None,
    discard_form: DiscardDraftForm | None = None,
):
    q = services.questionnaire_of(assessment.questionnaire)
    answers = services.answers_of(assessment, q)
    return render_template(
        "assessments/overview.html",
        assessment=assessment,
        q=q,
        progress=services.progress(q, answers),
        form=form or FlaskForm(),
        missing=missing,
        discard_form=discard_form or DiscardDraftForm(formdata=None),
    )


def _posted_answers(q, section) -> dict[str, services.PostedAnswer]:
    posted = {}
    for question in section.questions:
        prefix = f"q-{question.id}-"
        if f"{prefix}present" not in request.form:
            continue
        posted[question.id] = services.PostedAnswer(
            value=request.form.get(prefix + "value"),
            na=request.form.get(prefix + "na") == "1",
            na_reason=request.form.get(prefix + "reason", ""),
            evidence=request.form.get(prefix + "evidence", ""),
            loaded_state=request.form.get(prefix + "state"),
        )
    return posted


@bp.route("/<assessment_id>/section/<int:index>", methods=["GET", "POST"])
@login_required
def section(assessment_id: str, index: int):
    assessment = _load(assessment_id, "assessment.view")
    if not assessment.is_editable:
        if request.method == "POST":
            if request.headers.get("X-Requested-With") == "fetch":
                return jsonify(error=_("This assessment is submitted and read-only.")), 409
            flash(_("This assessment is submitted and read-only; nothing was changed."), "warning")
        return redirect(url_for("assessments.result", assessment_id=assessment.id))
    authz.require("assessment.edit", assessment)
    q = services.questionnaire_of(assessment.questionnaire)
    if not 1 <= index <= len(q.sections):
        abort(404)
    sec = q.sections[index - 1]
    form = FlaskForm()
    outcome = None
    posted: dict[str, services.PostedAnswer] = {}
    file_errors: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        posted = _posted_answers(q, sec)
        base = request.form.get("revision", type=int)
        fetch = request.headers.get("X-Requested-With") == "fetch"
        removed: list[str] = []
        with uploads.removed_unless_committed():
            outcome = services.save_answers(assessment, posted, current_user, base_revision=base)
            if not fetch:  # autosave never carries files: only the form's own buttons do
                file_errors, removed = _evidence_changes(assessment, sec)
            commit()
        for path in removed:
            uploads.delete(path)
        if fetch:
            stored = services.answers_of(assessment, q)
            return jsonify(
                saved=outcome.saved,
                revision=outcome.revision,
                errors={k: v.get(page_lang()) for k, v in outcome.errors.items()},
                conflicts=[c.question.id for c in outcome.conflicts],
                states={
                    qid: services.answer_state(stored.get(qid))
                    for qid in posted
                    if qid not in outcome.errors
                    and qid not in {c.question.id for c in outcome.conflicts}
                },
            )
        if file_errors:
            flash(_("Some evidence files could not be attached; see the messages below."), "danger")
        elif not outcome.errors and not outcome.conflicts:
            flash(_("Saved."), "success")
            target = request.form.get("go")
            if target == "next" and index < len(q.sections):
                return redirect(url_for(".section", assessment_id=assessment.id, index=index + 1))
            if target == "prev" and index > 1:
                return redirect(url_for(".section", assessment_id=assessment.id, index=index - 1))
            if target == "overview":
                return redirect(url_for(".overview", assessment_id=assessment.id))
            return redirect(url_for(".section", assessment_id=assessment.id, index=index))
        if outcome.errors:
            flash(_("Some answers could not be saved; see the messages below."), "danger")
        if outcome.conflicts:
            flash(
                _("Someone changed some answers since you opened this page; compare them below."),
                "warning",
            )
    answers = services.answers_of(assessment, q)
    holistic = services.item_assessments(q, answers)
    return render_template(
        "assessments/section.html",
        assessment=assessment,
        q=q,
        sec=sec,
        index=index,
        answers=answers,
        # Re-show what the user typed only where it was refused; elsewhere the stored answer.
        posted={
            k: v
            for k, v in posted.items()
            if outcome and (k in outcome.errors or k in {c.question.id for c in outcome.conflicts})
        },
        errors=outcome.errors if outcome else {},
        conflicts={c.question.id: c for c in outcome.conflicts} if outcome else {},
        state=services.answer_state,
        progress=services.progress(q, answers),
        holistic=holistic,
        item_measures={k: measure_views(ia.readings, page_lang()) for k, ia in holistic.items()},
        form=form,
        **_evidence_context(assessment, file_errors),
    ), 422 if file_errors else 200


def _evidence_context(assessment: Assessment, file_errors: dict[str, dict[str, str]]) -> dict:
    files: dict[str, list[EvidenceFile]] = {}
    for f in evidence.files_of(assessment):
        files.setdefault(f.question_id, []).append(f)
    return {
        "evidence_files": files,
        "can_remove_file": lambda f: evidence.can_remove(assessment, f),
        "file_errors": file_errors,
        "max_upload_mb": f"{current_app.config['MAX_UPLOAD_BYTES'] / 1024 / 1024:g}",
    }


def _evidence_changes(assessment: Assessment, sec) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Attach the files chosen on a section page and remove the one asked for.

    Returns the refused files' messages (question id -> field -> message) and the stored paths
    of removed files, to delete once the transaction is committed.
    """
    errors: dict[str, dict[str, str]] = {}
    removed: list[str] = []
    ids = {question.id for question in sec.questions}
    for question in sec.questions:
        prefix = f"q-{question.id}-"
        file = request.files.get(prefix + "file")
        if not file:
            continue
        try:
            applies_on = evidence.parse_applies_on(request.form.get(prefix + "file_date"))
            upload = evidence.check_file(file)
            evidence.attach_file(assessment, question.id, upload, applies_on, current_user)
        except uploads.UploadRefused as e:
            errors[question.id] = {"file": e.message}
        except evidence.EvidenceError as e:
            errors[question.id] = {e.field: str(e.message)}
    remove_id = url_id(request.form.get("remove_file"))
    if remove_id is not None:
        row = db.session.get(EvidenceFile, remove_id)
        if row is None or row.assessment_id != assessment.id or row.question_id not in ids:
            flash(_("That file is no longer attached."), "warning")
        else:
            try:
                removed.append(evidence.remove_file(assessment, row, current_user))
            except evidence.EvidenceError as e:
                errors[row.question_id] = {"file": str(e.message)}
            else:
                flash(_("The file “%(name)s” is removed.", name=row.original_name), "info")
    return errors, removed


@bp.route("/<assessment_id>/submit", methods=["POST"])
@login_required
def submit(assessment_id: str):
    assessment = _load(assessment_id, "assessment.view", "assessment.edit")
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.submit_assessment(assessment, current_user)
    except services.IncompleteAssessment as e:
        return _overview_page(assessment, form=form, missing=e.missing), 422
    commit()
    signals.assessment_submitted.send(assessment, lang=page_lang())
    flash(
        _("Submitted. Your score is below; the PDF report is available from this page."), "success"
    )
    return redirect(url_for(".result", assessment_id=assessment.id))


@bp.route("/<assessment_id>/discard", methods=["POST"])
@login_required
def discard(assessment_id: str):
    """Delete a draft that was never handed in (asks for a ticked confirmation first)."""
    assessment = _load(assessment_id, "assessment.view", "assessment.discard")
    form = DiscardDraftForm()
    if not form.validate_on_submit():
        return _overview_page(assessment, discard_form=form), 422
    title = services.questionnaire_of(assessment.questionnaire).title.get(page_lang())
    try:
        services.discard_draft(assessment, current_user)
    except services.NotADraft:  # a colleague handed it in meanwhile
        flash(_("This draft was submitted meanwhile, so it is kept as a submission."), "warning")
        return redirect(url_for(".overview", assessment_id=assessment.id))
    commit()
    flash(_("The draft of “%(title)s” and its answers are deleted.", title=title), "info")
    return redirect(url_for(".index"))


@bp.route("/<assessment_id>/result")
@login_required
def result(assessment_id: str):
    assessment = _load(assessment_id, "assessment.view")
    if assessment.status == AssessmentStatus.DRAFT or assessment.result is None:
        return redirect(url_for(".overview", assessment_id=assessment.id))
    return _result_page(assessment)


def _result_page(assessment: Assessment, respond_errors: dict | None = None, status: int = 200):
    view = result_view(assessment, page_lang())
    return render_template(
        "assessments/result.html",
        assessment=assessment,
        v=view,
        respond_form=FlaskForm(),
        respond_errors=respond_errors or {},
        can_respond=authz.can(current_user, "evidence.respond", assessment),
        max_upload_mb=f"{current_app.config['MAX_UPLOAD_BYTES'] / 1024 / 1024:g}",
    ), status


@bp.route("/<assessment_id>/evidence/respond", methods=["POST"])
@login_required
def respond_evidence(assessment_id: str):
    """The enterprise answers a request for more evidence on one question (maybe with a file)."""
    assessment = _load(assessment_id, "assessment.view", "evidence.respond")
    if not FlaskForm().validate_on_submit():
        abort(400)
    qid = request.form.get("question_id", "")
    file = request.files.get("file")
    try:
        with uploads.removed_unless_committed():
            upload = applies_on = None
            if file:
                applies_on = evidence.parse_applies_on(request.form.get("file_date"))
                upload = evidence.check_file(file)
            evidence.respond(
                assessment, qid, request.form.get("comment"), current_user, upload, applies_on
            )
            commit()
    except uploads.UploadRefused as e:
        return _result_page(assessment, {"question_id": qid, "file": e.message}, 422)
    except evidence.EvidenceError as e:
        return _result_page(assessment, {"question_id": qid, e.field: str(e.message)}, 422)
    flash(_("Your response is sent to the bureau."), "success")
    return redirect(url_for(".result", assessment_id=assessment.id, _anchor="evidence-review"))


@bp.route("/evidence/<file_id>")
@login_required
def evidence_file(file_id: str):
    """One evidence file: for the enterprise's officers, the regulators over its city, admins."""
    row = get_or_404(EvidenceFile, file_id)
    authz.require("evidence.download", row.assessment)
    return uploads.send(row.stored_path, row.mime, row.original_name)


def _xlsx_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/questionnaires/<qv_id>/template.xlsx")
@login_required
def template_xlsx(qv_id: str):
    """The blank workbook of a published questionnaire version, to fill in Excel."""
    qv = get_or_404(QuestionnaireVersion, qv_id)
    if qv.status != QuestionnaireStatus.PUBLISHED:
        abort(404)
    q = services.questionnaire_of(qv)
    return _xlsx_response(xlsx.build_workbook(q), xlsx.template_filename(q))


@bp.route("/<assessment_id>/answers.xlsx")
@login_required
def answers_xlsx(assessment_id: str):
    """The workbook holding this assessment's current answers (upload it back to continue)."""
    assessment = _load(assessment_id, "assessment.view")
    q = services.questionnaire_of(assessment.questionnaire)
    data = xlsx.build_workbook(q, answers=services.answers_of(assessment, q), assessment=assessment)
    return _xlsx_response(data, xlsx.template_filename(q, assessment))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_xlsx():
    """Upload a filled workbook: creates or updates the draft; unreadable rows are listed."""
    ent = _own_enterprise()
    if ent is None:
        return redirect(url_for("enterprises.register"))
    authz.require("assessment.create", ent)
    form = WorkbookUploadForm()
    outcome = None
    if form.validate_on_submit():
        try:
            outcome = xlsx.import_workbook(
                ent,
                form.file.data.read(),
                current_user,
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            )
        except xlsx.WorkbookError as e:
            form.file.errors = [e.message]
        else:
            commit()
            if not outcome.problems:
                flash(
                    _("Workbook read: %(n)d answers saved to the draft.", n=outcome.saved),
                    "success",
                )
                return redirect(url_for(".overview", assessment_id=outcome.assessment.id))
    status = 422 if form.file.errors else 200
    return render_template(
        "assessments/import.html",
        form=form,
        outcome=outcome,
        versions=services.published_versions(),
    ), status
