"""The bureau's quality-safety view: enterprises in scope and their gaps within the jurisdiction
(by city and industry, CSV and XLSX), and the review of director filings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz, notices
from cqo_portal.core import safety as calc
from cqo_portal.models import Enterprise, FilingStatus, SafetyFiling
from cqo_portal.reference import industry_label, region_label
from cqo_portal.regulator import bp
from cqo_portal.safety import services
from cqo_portal.safety.forms import DecisionForm
from cqo_portal.safety.routes import conflict
from cqo_portal.web import (
    XLSX_MIME,
    commit,
    file_stamp,
    get_or_404,
    local_today,
    page_lang,
    spreadsheet_text,
)


def _filter() -> services.OversightFilter:
    return services.OversightFilter.from_args(
        request.args,
        current_app.config["SAFETY_WINDOW_WEEKS"],
        current_app.config["SAFETY_HAZARD_DAYS"],
    )


@bp.route("/safety")
@login_required
@authz.role_required("regulator.workspace")
def safety_oversight():
    view = services.oversight(current_user, _filter())
    return render_template(
        "regulator/safety.html",
        view=view,
        flt=view.flt,
        waiting=services.filings_waiting(current_user),
        city_choices=authz.visible_city_codes(current_user),
    )


def _table(view: services.Oversight, lang: str) -> list[list]:
    rows = [
        [
            _("Enterprise"),
            _("Unified social credit code"),
            _("City"),
            _("Industry"),
            _("Approved director"),
            _("Weekly reports missing"),
            _("Monthly minutes missing"),
            _("Hazards open longer than %(n)d days", n=view.flt.days),
        ]
    ]
    for r in view.rows:
        rows.append(
            [
                spreadsheet_text(r.name),
                r.uscc,
                region_label(r.city_code, lang),
                f"{r.industry} {industry_label(r.industry, lang)}",
                _("Yes") if r.has_director else _("No"),
                r.missing_weeks,
                r.missing_months,
                r.long_open_hazards,
            ]
        )
    return rows


@bp.route("/safety.csv")
@login_required
@authz.role_required("regulator.workspace")
def safety_csv():
    view = services.oversight(current_user, _filter())
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    csv.writer(out).writerows(_table(view, page_lang()))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=quality-safety-{file_stamp()}.csv"},
    )


@bp.route("/safety.xlsx")
@login_required
@authz.role_required("regulator.workspace")
def safety_xlsx():
    from openpyxl import Workbook

    view = services.oversight(current_user, _filter())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Quality safety"))
    for row in _table(view, page_lang()):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX_MIME,
        headers={"Content-Disposition": f"attachment; filename=quality-safety-{file_stamp()}.xlsx"},
    )


def _load(filing_id: str) -> SafetyFiling:
    filing = get_or_404(SafetyFiling, filing_id)
    authz.require("safety.view", filing)
    authz.require("regulator.workspace")
    return filing


def _render(filing: SafetyFiling, form: DecisionForm, status: int = 200):
    return (
        render_template(
            "regulator/safety_filing.html",
            filing=filing,
            ent=filing.enterprise,
            form=form,
            scope=services.scope_of(filing.enterprise),
            can_decide=filing.status == FilingStatus.SUBMITTED
            and authz.can(current_user, "safety.decide", filing),
        ),
        status,
    )


@bp.route("/safety/filings/<filing_id>")
@login_required
def safety_filing(filing_id: str):
    return _render(_load(filing_id), DecisionForm())


@bp.route("/safety/filings/<filing_id>/decide", methods=["POST"])
@login_required
def decide_safety_filing(filing_id: str):
    filing = _load(filing_id)
    authz.require("safety.decide", filing)
    form = DecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.send_back.data):
        return _render(filing, form, 422)
    try:
        if form.approve.data:
            services.approve_filing(filing, current_user)
            message = _(
                "Approved: %(name)s is the enterprise's quality-safety director.",
                name=filing.director_name,
            )
        else:
            services.return_filing(filing, current_user, form.reason.data)
            message = _("Returned to the enterprise with your reason.")
    except services.SafetyError as e:
        return conflict(e.message)
    commit()
    notices.mail_queued()
    flash(message, "success")
    return redirect(url_for("regulator.safety_filing", filing_id=filing.id))


@bp.route("/safety/enterprises/<enterprise_id>")
@login_required
def safety_enterprise(enterprise_id: str):
    """One enterprise's quality-safety records as the bureau sees them (read only)."""
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("safety.view", ent)
    authz.require("regulator.workspace")
    today = local_today()
    month = calc.parse_month(request.args.get("month", ""), today)
    return render_template(
        "regulator/safety_enterprise.html",
        ent=ent,
        scope=services.scope_of(ent),
        current=services.current_filing(ent),
        pending=services.open_filing(ent),
        cal=services.month_calendar(ent, month, today),
        prev_month=calc.month_start(month - timedelta(days=1)),
        next_month=calc.next_month(month),
        hazards=services.open_hazards(ent),
        today=today,
    )
