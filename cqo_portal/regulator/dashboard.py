"""The regulator's home: what to do next, and the jurisdiction's figures as SVG charts + tables."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from cqo_portal import authz, statistics
from cqo_portal.actions import services as action_services
from cqo_portal.reference import region_label
from cqo_portal.regulator import bp, services
from cqo_portal.web import page_lang


@bp.route("/")
@login_required
@authz.role_required("regulator.workspace")
def dashboard():
    lang = page_lang()
    year_arg = request.args.get("year", "")
    year: int | str | None = "latest"
    if year_arg == "all":
        year = None
    elif year_arg.isdigit() and len(year_arg) == 4:
        year = int(year_arg)
    questionnaire = request.args.get("questionnaire", "")
    choices = services.questionnaire_choices()
    keys = {k for k, _zh, _en in choices}
    if questionnaire not in keys:
        questionnaire = ""
    data = statistics.figures(current_user, year, questionnaire, lang)
    by_city = action_services.counts_by_city(current_user)
    return render_template(
        "regulator/dashboard.html",
        d=data,
        action_rows=sorted(by_city.items()),
        action_total=action_services.total(by_city.values()),
        action_chart=(
            [region_label(code, lang) for code, c in sorted(by_city.items()) if c.kept],
            [round(100 * c.completion_rate, 1) for _code, c in sorted(by_city.items()) if c.kept],
        ),
        questionnaires=choices,
        questionnaire_titles={k: (zh if lang == "zh" else en) for k, zh, en in choices},
    )
