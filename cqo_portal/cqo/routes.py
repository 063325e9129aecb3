"""The officer's side of CQO registration: draft, submit, resubmit, the filings, the letter."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz, uploads
from cqo_portal.cqo import person, services
from cqo_portal.cqo.forms import (
    CertificateForm,
    CQORegistrationForm,
    ProfileForm,
    SubmitForm,
    TrainingForm,
)
from cqo_portal.models import CQORegistration
from cqo_portal.web import commit, get_or_404, local_today

bp = Blueprint("cqo", __name__, url_prefix="/cqo")


def conflict(message: str):
    """The answer to a forbidden transition: a page that says why, with status 409."""
    return (
        render_template(
            "errors/error.html", code=409, title=_("Not possible now"), message=message
        ),
        409,
    )


def _form(**kwargs) -> CQORegistrationForm:
    return CQORegistrationForm(max_upload_bytes=current_app.config["MAX_UPLOAD_BYTES"], **kwargs)


def _save(form: CQORegistrationForm, reg: CQORegistration | None):
    """Create or update the registration from a valid form, submit it if asked, commit."""
    ent = current_user.enterprise
    try:
        with uploads.removed_unless_committed():
            data = form.registration_data()
            if reg is None:
                reg = services.create_registration(ent, current_user, data, form.checked_letter)
            else:
                services.update_registration(reg, data, form.checked_letter)
            if form.wants_submit:
                services.submit_registration(reg)
            commit()
    except services.CQOTransitionError as e:
        return conflict(e.message)
    if form.wants_submit:
        flash(_("The registration is submitted; the bureau will review it."), "success")
    else:
        flash(_("The draft is saved."), "success")
    return redirect(url_for("cqo.view", registration_id=reg.id))


@bp.route("/")
@login_required
def index():
    if current_user.is_regulator:
        return redirect(url_for("regulator.cqo_registrations"))
    ent = current_user.enterprise
    if not current_user.is_officer or ent is None:
        return redirect(url_for("main.dashboard"))
    authz.require("cqo.view", ent)
    return render_template(
        "cqo/index.html",
        ent=ent,
        current=services.current_cqo(ent),
        in_progress=services.open_registration(ent),
        holders=services.cqo_filings(ent, services.HELD),
        filings=services.cqo_filings(ent, None),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    ent = current_user.enterprise
    if not current_user.is_officer or ent is None:
        return redirect(url_for("main.dashboard"))
    authz.require("cqo.edit", ent)
    existing = services.open_registration(ent)
    if existing is not None:
        flash(_("A CQO registration is already in progress; continue it here."), "info")
        return redirect(url_for("cqo.view", registration_id=existing.id))
    form = _form()
    if form.validate_on_submit() and (not form.wants_submit or form.check_complete(False)):
        return _save(form, None)
    return render_template("cqo/edit.html", form=form, ent=ent, reg=None)


@bp.route("/<registration_id>")
@login_required
def view(registration_id: str):
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.view", reg)
    if current_user.is_regulator:
        return redirect(url_for("regulator.cqo_registration", registration_id=reg.id))
    return _render_view(reg, SubmitForm())


def person_context(reg: CQORegistration) -> dict:
    """The person's conditions, trainings and certificates, for the officer's and the bureau's page."""
    return {
        "person": person.person_view(
            reg, current_app.config["CQO_MIN_TRAINING_HOURS"], local_today()
        )
    }


def _person_forms(**overrides) -> dict:
    forms = {
        "profile_form": ProfileForm(formdata=None),
        "training_form": TrainingForm(formdata=None),
        "certificate_form": CertificateForm(formdata=None),
    }
    forms.update(overrides)
    return forms


def _render_view(
    reg: CQORegistration, submit_form: SubmitForm, missing=(), status: int = 200, **forms
):
    can_keep_up = authz.can(current_user, "cqo.edit", reg) and reg.status in person.KEPT_UP
    return (
        render_template(
            "cqo/view.html",
            can_keep_up=can_keep_up,
            **person_context(reg),
            **_person_forms(**forms),
            reg=reg,
            ent=reg.enterprise,
            submit_form=submit_form,
            missing=missing,
            can_edit=authz.can(current_user, "cqo.edit", reg) and reg.status in services.EDITABLE,
            timeline=services.timeline(reg),
        ),
        status,
    )


@bp.route("/<registration_id>/edit", methods=["GET", "POST"])
@login_required
def edit(registration_id: str):
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.edit", reg)
    if reg.status not in services.EDITABLE:
        return conflict(_("Only a draft or a returned registration can be changed."))
    form = _form(obj=reg)
    if form.validate_on_submit() and (
        not form.wants_submit or form.check_complete(bool(reg.letter_path))
    ):
        return _save(form, reg)
    return render_template("cqo/edit.html", form=form, ent=reg.enterprise, reg=reg)


@bp.route("/<registration_id>/submit", methods=["POST"])
@login_required
def submit(registration_id: str):
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.edit", reg)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _render_view(reg, form)
    try:
        services.submit_registration(reg, form.note.data)
    except services.CQOIncomplete as e:
        return _render_view(reg, form, missing=e.missing)
    except services.CQOTransitionError as e:
        return conflict(e.message)
    commit()
    flash(_("The registration is submitted; the bureau will review it."), "success")
    return redirect(url_for("cqo.view", registration_id=reg.id))


@bp.route("/<registration_id>/delete", methods=["POST"])
@login_required
def delete(registration_id: str):
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.edit", reg)
    try:
        letter = services.delete_draft(reg)
    except services.CQOTransitionError as e:
        return conflict(e.message)
    commit()
    uploads.delete(letter)
    flash(_("The draft is discarded."), "info")
    return redirect(url_for("cqo.index"))


@bp.route("/<registration_id>/letter")
@login_required
def letter(registration_id: str):
    """The appointment letter, for the enterprise's officers and the regulators over its city."""
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.view", reg)
    if not reg.letter_path:
        abort(404)
    return uploads.send(
        reg.letter_path,
        reg.letter_mime or "application/octet-stream",
        reg.letter_filename or "appointment-letter",
    )


def _person_write(registration_id: str, form, name: str, write):
    """Validate one of the person forms and write it, or show the page with its errors."""
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.edit", reg)
    if reg.status not in person.KEPT_UP:
        return conflict(_("A superseded CQO's record is history and cannot be changed."))
    if not form.validate_on_submit():
        return _render_view(reg, SubmitForm(formdata=None), status=422, **{name: form})
    write(reg, form)
    commit()
    flash(_("Saved."), "success")
    return redirect(url_for("cqo.view", registration_id=reg.id))


@bp.route("/<registration_id>/profile", methods=["POST"])
@login_required
def save_profile(registration_id: str):
    return _person_write(
        registration_id,
        ProfileForm(),
        "profile_form",
        lambda reg, f: person.set_profile(
            reg, f.years_in_quality.data, f.title_or_degree.data.strip()
        ),
    )


@bp.route("/<registration_id>/trainings", methods=["POST"])
@login_required
def add_training(registration_id: str):
    return _person_write(
        registration_id,
        TrainingForm(),
        "training_form",
        lambda reg, f: person.add_training(
            reg,
            f.course.data.strip(),
            (f.provider.data or "").strip() or None,
            f.hours.data,
            f.completed_on.data,
        ),
    )


@bp.route("/<registration_id>/certificates", methods=["POST"])
@login_required
def add_certificate(registration_id: str):
    return _person_write(
        registration_id,
        CertificateForm(),
        "certificate_form",
        lambda reg, f: person.add_certificate(
            reg,
            f.cert_name.data.strip(),
            (f.number.data or "").strip() or None,
            (f.issuer.data or "").strip() or None,
            f.expires_on.data,
        ),
    )
