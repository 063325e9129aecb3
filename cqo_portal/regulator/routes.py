"""The regulator's workspace: submissions in the jurisdiction, one submission in full."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from cqo_portal import authz
from cqo_portal.assessments.presenters import result_view
from cqo_portal.models import Assessment
from cqo_portal.regulator import bp, services
from cqo_portal.web import get_or_404


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


@bp.route("/submissions")
@login_required
@authz.role_required("regulator.workspace")
def submissions():
    flt = services.SubmissionFilter.from_args(request.args)
    page = services.list_submissions(current_user, flt)
    return render_template(
        "regulator/submissions.html",
        page=page,
        flt=flt,
        questionnaires=services.questionnaire_choices(),
    )


@bp.route("/submissions/<assessment_id>")
@login_required
def submission(assessment_id: str):
    assessment = get_or_404(Assessment, assessment_id)
    authz.require("assessment.view", assessment)
    authz.require("regulator.workspace")
    view = result_view(assessment, _lang())
    history = services.enterprise_history(assessment.enterprise)
    return render_template(
        "regulator/submission.html", assessment=assessment, v=view, history=history
    )
