"""Administration: browse the whole audit trail (who changed what, when, before and after)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from cqo_portal import audit, authz
from cqo_portal.admin import bp


@bp.route("/audit")
@login_required
@authz.role_required("admin")
def audit_trail():
    flt = audit.AuditFilter.from_args(request.args)
    page = audit.browse(flt, cities=None)
    return render_template(
        "admin/audit.html",
        page=page,
        flt=flt,
        actions=audit.actions(),
        endpoint="admin.audit_trail",
    )
