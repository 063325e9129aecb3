"""Administration of questionnaire versions: list, upload → validation or preview with the diff
→ confirm import (as a draft), publish, retire. Every state change is audited by the catalogue."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SubmitField

from cqo_portal import authz
from cqo_portal.admin import bp
from cqo_portal.assessments import catalogue
from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.models import QuestionnaireVersion
from cqo_portal.web import commit, get_or_404


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file"),
        validators=[
            FileRequired(_l("Choose a questionnaire file.")),
            FileAllowed(["yaml", "yml", "json"], _l("Upload a .yaml, .yml or .json file.")),
        ],
        description=_l(
            "One version per file, in the format of docs/questionnaire-format.md. You see what "
            "changed before anything is stored."
        ),
    )
    check = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField()
    filename = HiddenField()
    confirm = SubmitField(_l("Import as a draft version"))


class PublishForm(FlaskForm):
    retire_previous = BooleanField(_l("Retire the version published until now"), default=True)
    publish = SubmitField(_l("Publish"))


def _upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def _list(form: QuestionnaireUploadForm, errors: list[str] | None = None, status: int = 200):
    return render_template(
        "admin/questionnaires.html",
        versions=catalogue.all_versions(),
        form=form,
        errors=errors or [],
    ), status


@bp.route("/questionnaires")
@login_required
@authz.role_required("admin")
def questionnaires():
    return _list(QuestionnaireUploadForm())


@bp.route("/questionnaires/upload", methods=["POST"])
@login_required
@authz.role_required("admin")
def questionnaire_upload():
    form = QuestionnaireUploadForm()
    if not form.validate_on_submit():
        return _list(form, status=422)
    upload = form.file.data
    data = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
        form.file.errors = [_("The file is larger than the portal accepts.")]
        return _list(form, status=422)
    filename = upload.filename or "upload.yaml"
    try:
        q, token = catalogue.stage_upload(data, filename, _upload_folder())
    except catalogue.QuestionnaireError as e:
        return _list(form, errors=e.errors, status=422)
    existing = catalogue.find_version(q.id, q.version)
    versions = catalogue.versions_of(q.id)
    latest = versions[0] if versions else None
    return render_template(
        "admin/questionnaire_preview.html",
        q=q,
        filename=filename,
        existing=existing,
        same_content=existing is not None and existing.fingerprint == q.fingerprint,
        latest=latest,
        changes=catalogue.changes_against(latest, q),
        confirm=ConfirmImportForm(token=token, filename=filename),
    )


@bp.route("/questionnaires/confirm", methods=["POST"])
@login_required
@authz.role_required("admin")
def questionnaire_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        q = catalogue.load_staged(form.token.data, form.filename.data, _upload_folder())
        qv, created = catalogue.import_questionnaire(q, user_id=current_user.id)
    except catalogue.QuestionnaireError as e:
        return _list(QuestionnaireUploadForm(), errors=e.errors, status=422)
    except catalogue.CatalogueError as e:
        flash(str(e), "danger")
        return redirect(url_for(".questionnaires"))
    commit()
    catalogue.discard_staged(form.token.data, _upload_folder())
    if created:
        flash(_("Imported %(k)s version %(v)s as a draft.", k=qv.key, v=qv.version), "success")
    else:
        flash(_("This version is already stored with the same content."), "info")
    return redirect(url_for(".questionnaire_detail", qv_id=qv.id))


@bp.route("/questionnaires/<qv_id>")
@login_required
@authz.role_required("admin")
def questionnaire_detail(qv_id: str):
    qv = get_or_404(QuestionnaireVersion, qv_id)
    q = questionnaire_of(qv)
    previous = catalogue.previous_version(qv)
    return render_template(
        "admin/questionnaire_detail.html",
        qv=qv,
        q=q,
        previous=previous,
        changes=catalogue.changes_against(previous, q),
        others=[v for v in catalogue.versions_of(qv.key) if v.id != qv.id],
        publish_form=PublishForm(),
        form=FlaskForm(),
    )


@bp.route("/questionnaires/<qv_id>/publish", methods=["POST"])
@login_required
@authz.role_required("admin")
def questionnaire_publish(qv_id: str):
    qv = get_or_404(QuestionnaireVersion, qv_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        retired = catalogue.publish_version(
            qv, user_id=current_user.id, retire_previous=form.retire_previous.data
        )
    except catalogue.CatalogueError as e:
        flash(str(e), "danger")
        return redirect(url_for(".questionnaire_detail", qv_id=qv.id))
    commit()
    flash(_("Version %(v)s is published.", v=qv.version), "success")
    for old in retired:
        flash(_("Version %(v)s is retired.", v=old.version), "info")
    return redirect(url_for(".questionnaire_detail", qv_id=qv.id))


@bp.route("/questionnaires/<qv_id>/retire", methods=["POST"])
@login_required
@authz.role_required("admin")
def questionnaire_retire(qv_id: str):
    qv = get_or_404(QuestionnaireVersion, qv_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        catalogue.retire_version(qv, user_id=current_user.id)
    except catalogue.CatalogueError as e:
        flash(str(e), "danger")
        return redirect(url_for(".questionnaire_detail", qv_id=qv.id))
    commit()
    flash(_("Version %(v)s is retired.", v=qv.version), "success")
    return redirect(url_for(".questionnaire_detail", qv_id=qv.id))
