"""The officer's improvement actions: plan one from a result's plan step, the board, a status
change with its note, the XLSX export; and the overdue count of the navigation bar."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz
from cqo_portal.actions import services, xlsx
from cqo_portal.actions.forms import ActionForm, StatusForm, status_labels
from cqo_portal.assessments import services as assessment_services
from cqo_portal.core.plan import improvement_plan
from cqo_portal.core.scoring import Result
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    ActionStatus,
    Assessment,
    ImprovementAction,
)
from cqo_portal.web import XLSX_MIME, commit, file_stamp, get_or_404, page_lang

bp = Blueprint("actions", __name__, url_prefix="/actions")

FILTERS = ("", "overdue", *(s.value for s in ActionStatus))


@bp.app_context_processor
def _inject():
    """Lazy helpers for the templates: called only where a page shows them."""

    def overdue_actions() -> int:
        user = current_user
        if not (user.is_authenticated and user.is_officer and user.enterprise_id):
            return 0
        if "overdue_actions" not in g:  # once per request, however many places show it
            g.overdue_actions = services.overdue_count(user.enterprise_id)
        return g.overdue_actions

    def planned_actions(assessment: Assessment) -> dict[str, list[ImprovementAction]] | None:
        """The actions planned from this submission by question, for its own officers (else None)."""
        if not authz.can(current_user, "action.edit", assessment):
            return None
        out: dict[str, list[ImprovementAction]] = {}
        for a in services.planned_from(assessment.id):
            out.setdefault(a.question_id, []).append(a)
        return out

    def draft_actions(assessment: Assessment) -> dict[str, list[ImprovementAction]]:
        """Open actions (and those done since the last submission) by question, for a draft."""
        if not authz.can(current_user, "action.view", assessment):
            return {}
        return services.actions_for_draft(assessment.enterprise_id, assessment.questionnaire_key)

    return {
        "overdue_actions": overdue_actions,
        "draft_actions": draft_actions,
        "planned_actions": planned_actions,
        "action_status_labels": status_labels,
    }


def _own_enterprise_id() -> int:
    if not current_user.is_officer:
        abort(403)
    if current_user.enterprise_id is None:
        abort(404)
    return current_user.enterprise_id


def _load(action_id: str, *checks: str) -> ImprovementAction:
    action = get_or_404(ImprovementAction, action_id)
    for check in checks:
        authz.require(check, action)
    return action


def _question_label(action: ImprovementAction, lang: str) -> tuple[str, str]:
    """(number, text) of the action's question in its questionnaire version."""
    q = assessment_services.questionnaire_of(action.assessment.questionnaire)
    for n, question in enumerate(q.questions, start=1):
        if question.id == action.question_id:
            return str(n), question.text.get(lang)
    return "", action.question_id


@bp.route("/")
@login_required
def board():
    enterprise_id = _own_enterprise_id()
    status = request.args.get("status", "")
    if status not in FILTERS:
        status = ""
    rows = services.board(
        enterprise_id, "" if status == "overdue" else status, overdue_only=status == "overdue"
    )
    lang = page_lang()
    return render_template(
        "actions/board.html",
        rows=rows,
        status=status,
        labels=status_labels(),
        questions={r.action.id: _question_label(r.action, lang) for r in rows},
    )


@bp.route("/actions.xlsx")
@login_required
def board_xlsx():
    enterprise_id = _own_enterprise_id()
    data = xlsx.board_workbook(services.board(enterprise_id, with_notes=True), page_lang())
    return Response(
        data,
        mimetype=XLSX_MIME,
        headers={
            "Content-Disposition": f'attachment; filename="improvement-actions-{file_stamp()}.xlsx"'
        },
    )


def _fields(form: ActionForm) -> services.ActionFields:
    return services.ActionFields(
        title=form.title.data.strip(),
        owner_name=form.owner_name.data.strip(),
        due_on=form.due_on.data,
        expected_effect=(form.expected_effect.data or "").strip(),
    )


@bp.route("/new/<assessment_id>/<question_id>", methods=["GET", "POST"])
@login_required
def create(assessment_id: str, question_id: str):
    """A new action for one plan step of a scored submission (title prefilled from its suggestion)."""
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("assessment.view", assessment)
    authz.require("action.edit", assessment)
    if assessment.status not in SUBMITTED_STATUSES or assessment.result is None:
        abort(404)
    lang = page_lang()
    q = assessment_services.questionnaire_of(assessment.questionnaire)
    plan = improvement_plan(
        q, assessment_services.answers_of(assessment, q), Result.from_data(assessment.result)
    )
    step = next((p for p in plan if p.question_id == question_id), None)
    if step is None:
        abort(404)
    form = ActionForm()
    if request.method == "GET":
        form.title.data = step.suggestion.get(lang)[:200]
    if form.validate_on_submit():
        action = services.create_action(assessment, question_id, _fields(form), current_user)
        commit()
        flash(_("The action is on the board."), "success")
        return redirect(url_for(".detail", action_id=action.id))
    status = 422 if form.errors else 200
    return render_template(
        "actions/new.html", form=form, assessment=assessment, step=step, lang=lang
    ), status


def _status_form(action: ImprovementAction, formdata=None) -> StatusForm:
    labels = status_labels()
    form = StatusForm(formdata=formdata)
    keep = action.status.value
    form.status.choices = [(keep, _("%(status)s (note only)", status=labels[keep]))] + [
        (s.value, labels[s.value]) for s in services.TRANSITIONS[action.status]
    ]
    if formdata is None:
        form.status.data = keep
    return form


def _detail_page(action: ImprovementAction, edit_form=None, status_form=None, code: int = 200):
    number, text = _question_label(action, page_lang())
    return render_template(
        "actions/detail.html",
        action=action,
        question_number=number,
        question_text=text,
        overdue=services.overdue(action),
        labels=status_labels(),
        edit_form=edit_form or ActionForm(obj=action, formdata=None),
        status_form=status_form or _status_form(action),
    ), code


@bp.route("/<action_id>", methods=["GET", "POST"])
@login_required
def detail(action_id: str):
    """One action: its notes, the status form and (POST) the edit of its fields."""
    action = _load(action_id, "action.view", "action.edit")
    if request.method == "POST":
        form = ActionForm()
        if form.validate_on_submit():
            services.update_action(action, _fields(form), current_user)
            commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".detail", action_id=action.id))
        return _detail_page(action, edit_form=form, code=422)
    return _detail_page(action)


@bp.route("/<action_id>/status", methods=["POST"])
@login_required
def change_status(action_id: str):
    action = _load(action_id, "action.view", "action.edit")
    form = _status_form(action, request.form)
    if form.validate_on_submit():
        try:
            services.change_status(
                action, ActionStatus(form.status.data), form.note.data.strip(), current_user
            )
        except services.InvalidTransition:
            form.status.errors = [_("This status change is not possible from the current status.")]
        else:
            commit()
            flash(_("Recorded."), "success")
            return redirect(url_for(".detail", action_id=action.id))
    return _detail_page(action, status_form=form, code=422)
