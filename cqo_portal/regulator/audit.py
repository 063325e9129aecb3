"""Regulator workspace: the audit trail of the regulator's own jurisdiction (by event city)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from cqo_portal import audit, authz
from cqo_portal.reference import regions
from cqo_portal.regulator import bp


@bp.route("/audit")
@login_required
@authz.role_required("regulator.workspace")
def audit_trail():
    flt = audit.AuditFilter.from_args(request.args)
    # Only events tied to a region: account events (no city) stay with the administrators.
    cities = authz.visible_city_codes(current_user)
    if cities is None:
        cities = set(regions())
    page = audit.browse(flt, cities=cities)
    return render_template(
        "regulator/audit.html",
        page=page,
        flt=flt,
        actions=audit.actions(cities),
        endpoint="regulator.audit_trail",
    )
