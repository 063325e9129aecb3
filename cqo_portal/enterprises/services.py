"""Enterprise operations (flush, audit; the view commits)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.enterprises.forms import normalise_uscc
from cqo_portal.extensions import db
from cqo_portal.models import Enterprise, User

PROFILE_FIELDS = (
    "name",
    "name_en",
    "city_code",
    "industry_section",
    "industry_division",
    "size_class",
    "address",
    "main_products",
    "contact_name",
    "contact_phone",
    "contact_email",
)


class EnterpriseExists(ValueError):
    """The credit code is already registered; the message says how to join."""

    def __init__(self, enterprise: Enterprise) -> None:
        super().__init__(enterprise.uscc)
        self.enterprise = enterprise
        self.message = str(
            _l(
                "This enterprise is already registered on the portal. Ask one of its officers "
                "to invite you from the enterprise page; you cannot join without an invitation."
            )
        )


def find_by_uscc(code: str) -> Enterprise | None:
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == normalise_uscc(code)))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: (data.get(k) or None) for k in PROFILE_FIELDS}
    out["name"] = (data.get("name") or "").strip()
    out["size_class"] = data.get("size_class") or "small"
    if out["industry_section"] != "C":
        out["industry_division"] = None
    return out


def register_enterprise(officer: User, data: dict[str, Any]) -> Enterprise:
    """Create the enterprise and make the officer its first member."""
    code = normalise_uscc(data["uscc"])
    existing = find_by_uscc(code)
    if existing is not None:
        raise EnterpriseExists(existing)
    ent = Enterprise(uscc=code, **_clean(data))
    db.session.add(ent)
    db.session.flush()
    officer.enterprise_id = ent.id
    audit.record("enterprise.register", ent, after=_snapshot(ent), city_code=ent.city_code)
    return ent


def update_enterprise(ent: Enterprise, data: dict[str, Any]) -> None:
    before = _snapshot(ent)
    for key, value in _clean(data).items():
        setattr(ent, key, value)
    after = _snapshot(ent)
    if before != after:
        audit.record("enterprise.update", ent, before=before, after=after, city_code=ent.city_code)


def _snapshot(ent: Enterprise) -> dict[str, Any]:
    return {"uscc": ent.uscc, **{k: getattr(ent, k) for k in PROFILE_FIELDS}}
