"""Administration routes live in their own modules on the admin blueprint: accounts
(admin/accounts.py), questionnaires (admin/questionnaires.py), audit trail (admin/audit.py)."""

from cqo_portal.admin import bp  # noqa: F401  (the blueprint of this package)
