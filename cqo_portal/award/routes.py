"""Rounds (administrator), applications (officers), the bureau's round page, examiners' scoring
and the lead examiner's consensus. Views parse, call a service, commit, render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz
from cqo_portal.assessments.services import published_versions
from cqo_portal.award import documents, exports, forms, services
from cqo_portal.award.services import AwardError
from cqo_portal.models import (
    ApplicationStatus,
    AwardApplication,
    AwardRound,
    RoundKind,
)
from cqo_portal.web import XLSX_MIME, commit, file_stamp, get_or_404, page_lang

bp = Blueprint("award", __name__, url_prefix="/award")


@bp.app_context_processor
def _inject():
    def open_rounds():
        """Rounds open to the officer's enterprise, with this enterprise's application."""
        user = current_user
        if not (user.is_authenticated and user.is_officer and user.enterprise):
            return []
        return [
            (r, services.application_of(r, user.enterprise))
            for r in services.rounds_open_to(user.enterprise)
        ]

    def my_award_applications():
        user = current_user
        if not (user.is_authenticated and user.is_officer and user.enterprise):
            return []
        return services.applications_of(user.enterprise)

    def award_can(action: str, obj=None) -> bool:
        return authz.can(current_user, action, obj)

    return {
        "open_award_rounds": open_rounds,
        "my_award_applications": my_award_applications,
        "award_can": award_can,
    }


def _application(application_id: str, action: str) -> AwardApplication:
    app = get_or_404(AwardApplication, application_id)
    authz.require(action, app)
    return app


def _lang_arg() -> str:
    lang = request.args.get("lang") or page_lang()
    return lang if lang in ("zh", "en") else page_lang()


# --- rounds -----------------------------------------------------------------------------------


@bp.route("/rounds")
@login_required
@authz.role_required("award.rounds")
def rounds():
    return render_template("award/rounds.html", rounds=services.all_rounds())


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required
@authz.role_required("award.open_round")
def new_round():
    versions = published_versions()
    form = forms.RoundForm(questionnaires=versions)
    if form.validate_on_submit():
        qv = next(v for v in versions if v.id == form.questionnaire_version_id.data)
        try:
            rnd = services.open_round(
                admin=current_user,
                kind=RoundKind(form.kind.data),
                title=form.title.data,
                questionnaire=qv,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                city_codes=form.city_codes.data or [],
                industry_sections=form.industry_sections.data or [],
                checklist=form.checklist_lines(),
                examiners_see_self_score=form.examiners_see_self_score.data,
            )
        except AwardError as e:
            getattr(form, e.field, form.title).errors.append(e.message)
        else:
            commit()
            flash(_("The round is open."), "success")
            return redirect(url_for("award.round_page", round_id=rnd.id))
    return render_template("award/new_round.html", form=form)


@bp.route("/rounds/<round_id>")
@login_required
@authz.role_required("award.rounds")
def round_page(round_id: str):
    rnd = get_or_404(AwardRound, round_id)
    apps = services.round_applications(rnd, current_user)
    return render_template(
        "award/round.html",
        rnd=rnd,
        city_rows=services.city_rows(apps),
        apps=apps,
        ranking=services.ranking(apps) if rnd.is_award else [],
        stage_of=services.stage_of,
        is_late=services.is_late,
        stages=exports.stage_labels(),
        form=forms.ConsensusForm(),
    )


@bp.route("/rounds/<round_id>/export.<fmt>")
@login_required
@authz.role_required("award.rounds")
def export_round(round_id: str, fmt: str):
    rnd = get_or_404(AwardRound, round_id)
    apps = services.round_applications(rnd, current_user)
    name = f"round-{rnd.id}-{file_stamp()}"
    if fmt == "csv":
        return Response(
            exports.csv_text(apps, page_lang()),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return send_file(
            exports.xlsx_file(apps, page_lang()),
            mimetype=XLSX_MIME,
            as_attachment=True,
            download_name=f"{name}.xlsx",
        )
    abort(404)


@bp.route("/rounds/<round_id>/release", methods=["POST"])
@login_required
def release_round(round_id: str):
    rnd = get_or_404(AwardRound, round_id)
    authz.require("award.release", rnd)
    if forms.ConsensusForm().validate_on_submit():
        services.release_round(rnd, current_user)
        commit()
        flash(
            _("The round's results are released: applicants can download their feedback."),
            "success",
        )
    return redirect(url_for("award.round_page", round_id=rnd.id))


# --- applications -----------------------------------------------------------------------------


@bp.route("/rounds/<round_id>/apply", methods=["GET", "POST"])
@login_required
def apply(round_id: str):
    rnd = get_or_404(AwardRound, round_id)
    if not authz.can(current_user, "award.apply", rnd):
        abort(404)
    ent = current_user.enterprise
    app = services.application_of(rnd, ent)
    if app is not None and app.status != ApplicationStatus.DRAFT:
        return redirect(url_for("award.application", application_id=app.id))
    submissions = services.eligible_submissions(rnd, ent)
    form = forms.ApplicationForm(
        checklist=rnd.checklist,
        submissions=submissions,
        data=None
        if app is None
        else {"eligibility": app.eligibility, "assessment_id": app.assessment_id, **app.profile},
    )
    if form.validate_on_submit():
        try:
            if form.hand_in.data:
                services.check_complete(
                    rnd, form.eligibility.data or [], form.profile(), form.assessment_id.data
                )
            app = services.save_application(
                rnd,
                ent,
                current_user,
                eligibility=form.eligibility.data or [],
                profile=form.profile(),
                assessment_id=form.assessment_id.data,
            )
            if form.hand_in.data:
                services.submit_application(app, current_user)
        except AwardError as e:
            getattr(form, e.field, form.assessment_id).errors.append(e.message)
        else:
            commit()
            if form.hand_in.data:
                flash(_("Your application is handed in."), "success")
                return redirect(url_for("award.application", application_id=app.id))
            flash(_("Draft saved."), "success")
            return redirect(url_for("award.apply", round_id=rnd.id))
    return render_template(
        "award/apply.html", rnd=rnd, form=form, app=app, has_submissions=bool(submissions)
    )


@bp.route("/applications/<application_id>")
@login_required
def application(application_id: str):
    app = _application(application_id, "award.view")
    return render_template(
        "award/application.html",
        app=app,
        stage=services.stage_of(app),
        stages=exports.stage_labels(),
        late=services.is_late(app),
        labels=documents.profile_labels(),
        profile_fields=services.PROFILE_FIELDS,
    )


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/applications/<application_id>/self-report.pdf")
@login_required
def self_report(application_id: str):
    app = _application(application_id, "award.self_report")
    lang = _lang_arg()
    return _pdf(documents.self_report_pdf(app, lang), f"self-report-{app.id}-{lang}.pdf")


@bp.route("/applications/<application_id>/feedback.pdf")
@login_required
def feedback_report(application_id: str):
    app = _application(application_id, "award.feedback")
    lang = _lang_arg()
    return _pdf(documents.feedback_pdf(app, lang), f"feedback-{app.id}-{lang}.pdf")


# --- the bureau assigns -----------------------------------------------------------------------


@bp.route("/applications/<application_id>/assign", methods=["GET", "POST"])
@login_required
def assign(application_id: str):
    app = _application(application_id, "award.assign")
    choices = services.examiner_choices(app)
    form = forms.AssignForm(
        choices=choices,
        data={
            "examiners": [c.user.id for c in choices if c.assigned],
            "lead": next((c.user.id for c in choices if c.is_lead), None),
        },
    )
    if form.validate_on_submit():
        try:
            services.assign_examiners(app, form.examiners.data, form.lead.data, current_user)
        except AwardError as e:
            getattr(form, e.field, form.examiners).errors.append(e.message)
        else:
            commit()
            flash(_("The examiners are assigned."), "success")
            return redirect(url_for("award.round_page", round_id=app.round_id))
    status = 422 if form.errors else 200
    return render_template("award/assign.html", app=app, form=form, choices=choices), status


# --- examiners --------------------------------------------------------------------------------


@bp.route("/examiner")
@login_required
@authz.role_required("award.examiner")
def examiner_home():
    assignments = services.assignments_of(current_user)
    assigned = {a.application_id for a in assignments}
    to_declare = [
        (app, services.declaration_of(app, current_user))
        for app in services.applications_to_declare()
        if app.id not in assigned
    ]
    return render_template(
        "award/examiner.html",
        assignments=assignments,
        to_declare=to_declare,
        form=forms.ConflictForm(),
    )


@bp.route("/applications/<application_id>/conflict", methods=["POST"])
@login_required
def declare_conflict(application_id: str):
    app = _application(application_id, "award.declare")
    form = forms.ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(
                app, current_user, conflicted=form.conflicted.data == "yes", note=form.note.data
            )
        except AwardError as e:
            flash(e.message, "danger")
        else:
            commit()
            flash(_("Your declaration is recorded."), "success")
    else:
        flash(_("Choose whether you have a conflict of interest."), "danger")
    return redirect(url_for("award.examiner_home"))


@bp.route("/applications/<application_id>/score", methods=["GET", "POST"])
@login_required
def score(application_id: str):
    app = _application(application_id, "award.score")
    assignment = authz.assignment_of(current_user, app)
    refs = services.items_of(app.round)
    form = forms.ScoreSheetForm()
    errors: dict[str, str] = {}
    values = {}
    if form.validate_on_submit():
        posted = forms.posted_scores(request.form, [r.item.id for r in refs])
        values = {p.item_id: p for p in posted}
        try:
            errors = services.save_scores(assignment, posted, hand_in=bool(form.hand_in.data))
        except AwardError as e:
            flash(e.message, "danger")
        else:
            if not errors:
                commit()
                flash(
                    _("Your scores are handed in.") if form.hand_in.data else _("Saved."), "success"
                )
                return redirect(url_for("award.score", application_id=app.id))
    saved = {s.item_id: s for s in assignment.scores}
    return render_template(
        "award/score.html",
        app=app,
        assignment=assignment,
        refs=refs,
        saved=saved,
        values=values,
        errors=errors,
        form=form,
        selfs=services.self_scores(app) if app.round.examiners_see_self_score else {},
        descriptions=services.descriptions(app),
        labels=documents.profile_labels(),
        profile_fields=services.PROFILE_FIELDS,
    ), (422 if errors else 200)


@bp.route("/applications/<application_id>/consensus", methods=["GET", "POST"])
@login_required
def consensus(application_id: str):
    app = _application(application_id, "award.consensus")
    ready = services.everyone_handed_in(app)
    form = forms.ConsensusForm()
    errors: dict[str, str] = {}
    values = {}
    if ready and form.validate_on_submit():
        refs = services.items_of(app.round)
        posted = forms.posted_consensus(request.form, [r.item.id for r in refs])
        values = {p.item_id: p for p in posted}
        errors = services.record_consensus(app, current_user, posted)
        if not errors:
            commit()
            flash(_("The consensus is recorded."), "success")
            return redirect(url_for("award.consensus", application_id=app.id))
    return render_template(
        "award/consensus.html",
        app=app,
        ready=ready,
        board=services.consensus_board(app) if ready else [],
        errors=errors,
        values=values,
        form=form,
        waiting=[a.examiner.name for a in app.assignments if a.submitted_at is None],
    ), (422 if errors else 200)
