"""The enterprise's quality-safety pages: overview with the month calendar, scope, director
filing, the quick entry forms of the records, and the XLSX template and import."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz, uploads
from cqo_portal.core import safety as calc
from cqo_portal.models import Enterprise, Hazard, SafetyFiling
from cqo_portal.safety import forms, services, xlsx
from cqo_portal.web import XLSX_MIME, commit, get_or_404

bp = Blueprint("safety", __name__, url_prefix="/safety")


def _own_enterprise() -> Enterprise:
    """The officer's enterprise (others have no quality-safety pages of their own)."""
    if not current_user.is_officer:
        abort(403)
    ent = current_user.enterprise
    if ent is None:
        abort(404)
    authz.require("safety.edit", ent)
    return ent


def conflict(message: str):
    return (
        render_template(
            "errors/error.html", code=409, title=_("Not possible now"), message=message
        ),
        409,
    )


def _overview(ent: Enterprise, status: int = 200, **form_overrides):
    today = services.local_today()
    month = calc.parse_month(request.args.get("month", ""), today)
    scope = services.scope_of(ent)
    entry = {
        "daily_form": forms.DailyForm(prefix="daily", formdata=None),
        "weekly_form": forms.WeeklyForm(prefix="weekly", formdata=None),
        "monthly_form": forms.MonthlyForm(prefix="monthly", formdata=None),
        "risk_form": forms.RiskForm(prefix="risk", formdata=None),
    }
    entry["daily_form"].day.data = today
    entry["weekly_form"].day.data = today
    entry["monthly_form"].held_on.data = today
    entry.update(form_overrides)
    return (
        render_template(
            "safety/index.html",
            ent=ent,
            scope=scope,
            current=services.current_filing(ent),
            pending=services.open_filing(ent),
            cal=services.month_calendar(ent, month, today),
            prev_month=calc.month_start(month - timedelta(days=1)),
            next_month=calc.next_month(month),
            today=today,
            risks=services.risks(ent),
            hazards=services.open_hazards(ent),
            close_form=forms.CloseHazardForm(formdata=None),
            labels=forms.basis_labels(),
            **entry,
        ),
        status,
    )


@bp.route("/")
@login_required
def index():
    if current_user.is_regulator:
        return redirect(url_for("regulator.safety_oversight"))
    if not current_user.is_officer or current_user.enterprise is None:
        return redirect(url_for("main.dashboard"))
    return _overview(_own_enterprise())[0]


@bp.route("/scope", methods=["GET", "POST"])
@login_required
def scope():
    ent = _own_enterprise()
    current = services.scope_of(ent)
    if request.method == "GET" and current is not None:
        products = [
            {
                "category": p.category,
                "basis": p.basis,
                "number": p.number,
                "valid_until": p.valid_until,
            }
            for p in current.products
        ]
        form = forms.ScopeForm(data={"in_scope": current.in_scope, "products": [*products, {}]})
    else:
        form = forms.ScopeForm()
    if form.validate_on_submit():
        services.declare_scope(ent, current_user, bool(form.in_scope.data), form.product_data())
        commit()
        flash(_("The declaration is saved."), "success")
        return redirect(url_for("safety.index"))
    return render_template("safety/scope.html", form=form, ent=ent)


@bp.route("/director", methods=["GET", "POST"])
@login_required
def director():
    ent = _own_enterprise()
    scope = services.scope_of(ent)
    if scope is None or not scope.in_scope:
        flash(_("Declare the products in scope before filing a director."), "info")
        return redirect(url_for("safety.scope"))
    pending = services.open_filing(ent)
    if pending is not None and pending.status.value == "submitted":
        return conflict(_("A filing is waiting for the bureau's decision."))
    form = forms.DirectorForm(max_upload_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    if request.method == "GET" and pending is not None:
        form.director_name.data = pending.director_name
        form.director_post.data = pending.director_post
        form.director_duties.data = pending.director_duties
        form.cqo_is_director.data = pending.cqo_is_director
        for row, o in zip(form.officers, pending.officers, strict=False):
            row.person.data, row.post.data, row.duties.data = o.name, o.post, o.duties
    if form.validate_on_submit():
        try:
            with uploads.removed_unless_committed():
                services.file_director(
                    ent, current_user, form.director_data(), form.checked_document
                )
                commit()
        except services.SafetyError as e:
            form.document.errors = [*form.document.errors, e.message]
        else:
            flash(_("The filing is submitted; the bureau will review it."), "success")
            return redirect(url_for("safety.index"))
    return render_template("safety/director.html", form=form, ent=ent, pending=pending)


@bp.route("/filings/<filing_id>/document")
@login_required
def document(filing_id: str):
    filing = get_or_404(SafetyFiling, filing_id)
    authz.require("safety.view", filing)
    if not filing.document_path:
        abort(404)
    return uploads.send(
        filing.document_path,
        filing.document_mime or "application/octet-stream",
        filing.document_filename or "appointment",
    )


def _entry(form, prefix: str, write) -> Response | tuple:
    """Validate one quick-entry form, write it, or show the overview with its errors."""
    ent = _own_enterprise()
    if form.validate_on_submit():
        try:
            write(ent, form)
        except services.SafetyError as e:
            first = next(f for f in form if f.type not in ("CSRFTokenField", "HiddenField"))
            first.errors = [*first.errors, e.message]
        else:
            commit()
            flash(_("Saved."), "success")
            return redirect(url_for("safety.index", month=request.args.get("month")))
    return _overview(ent, 422, **{f"{prefix}_form": form})


@bp.route("/daily", methods=["POST"])
@login_required
def add_daily():
    return _entry(
        forms.DailyForm(prefix="daily"),
        "daily",
        lambda ent, f: services.add_daily(
            ent,
            f.day.data,
            f.officer_name.data.strip(),
            f.checked.data.strip(),
            (f.problems.data or "").strip(),
        ),
    )


@bp.route("/weekly", methods=["POST"])
@login_required
def add_weekly():
    return _entry(
        forms.WeeklyForm(prefix="weekly"),
        "weekly",
        lambda ent, f: services.add_weekly(
            ent, f.day.data, f.director_name.data.strip(), f.summary.data.strip(), f.hazard_data()
        ),
    )


@bp.route("/monthly", methods=["POST"])
@login_required
def add_monthly():
    return _entry(
        forms.MonthlyForm(prefix="monthly"),
        "monthly",
        lambda ent, f: services.add_minute(
            ent, f.held_on.data, f.chair_name.data.strip(), True, f.measures.data.strip()
        ),
    )


@bp.route("/risks", methods=["POST"])
@login_required
def add_risk():
    return _entry(
        forms.RiskForm(prefix="risk"),
        "risk",
        lambda ent, f: services.add_risk(
            ent, f.risk.data.strip(), f.control.data.strip(), f.owner.data.strip(), f.review_on.data
        ),
    )


@bp.route("/hazards/<hazard_id>/close", methods=["POST"])
@login_required
def close_hazard(hazard_id: str):
    ent = _own_enterprise()
    hazard = get_or_404(Hazard, hazard_id)
    if hazard.enterprise_id != ent.id:
        abort(404)
    form = forms.CloseHazardForm()
    if not form.validate_on_submit():
        return _overview(ent, 422)
    try:
        services.close_hazard(ent, hazard, form.closed_on.data)
    except services.SafetyError as e:
        return conflict(e.message)
    commit()
    flash(_("The hazard is closed."), "success")
    return redirect(url_for("safety.index"))


@bp.route("/template.xlsx")
@login_required
def template():
    _own_enterprise()
    return Response(
        xlsx.template_workbook(),
        mimetype=XLSX_MIME,
        headers={"Content-Disposition": "attachment; filename=quality-safety-records.xlsx"},
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_records():
    ent = _own_enterprise()
    form = forms.ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        file = form.workbook.data
        content = file.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1) if file else b""
        if not content:
            form.workbook.errors = [_("Choose the workbook to import.")]
            status = 422
        elif len(content) > current_app.config["MAX_UPLOAD_BYTES"]:
            form.workbook.errors = [_("The file is too large.")]
            status = 422
        else:
            result = xlsx.import_workbook(ent, content)
            if result.errors:  # nothing was written
                status = 422
            else:
                commit()
                flash(
                    _("Imported %(n)d rows.", n=sum(result.counts.values())),
                    "success",
                )
                return redirect(url_for("safety.index"))
    return render_template("safety/import.html", form=form, ent=ent, result=result), status
