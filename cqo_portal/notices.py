"""Notices to an enterprise's officers: an in-app row for each, and an e-mail when an SMTP
server is configured (CQO_SMTP_HOST; the intranet default has none, and then nothing is mailed).

`notify` adds the row in the caller's transaction; the view calls `mail_queued()` after its
commit, so a rolled-back decision never sends a mail. A mail that fails is logged, never raised:
the notice stays in the portal.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from cqo_portal.extensions import db
from cqo_portal.models import Notification, Role, User
from cqo_portal.models.base import utcnow


def message(n: Notification) -> str:
    """The notice's sentence in the current language."""
    p = n.params or {}
    texts = {
        "safety.approve": lambda: _(
            "The bureau approved %(name)s as your quality-safety director.", name=p.get("name")
        ),
        "safety.return": lambda: _(
            "The bureau returned the filing of %(name)s: %(reason)s",
            name=p.get("name"),
            reason=p.get("reason"),
        ),
        "cqo.approve": lambda: _(
            "The bureau approved %(name)s as your chief quality officer.", name=p.get("name")
        ),
        "cqo.return": lambda: _(
            "The bureau returned the CQO registration of %(name)s: %(reason)s",
            name=p.get("name"),
            reason=p.get("reason"),
        ),
    }
    return texts[n.kind]() if n.kind in texts else n.kind


def notify(enterprise_id: int, kind: str, link: str | None = None, **params: Any) -> Notification:
    n = Notification(enterprise_id=enterprise_id, kind=kind, params=params, link=link)
    db.session.add(n)
    db.session.flush()
    if current_app.config.get("SMTP_HOST"):
        g.setdefault("notices_to_mail", []).append(n.id)
    return n


def mail_queued() -> int:
    """Mail the notices this request added (after its commit); returns how many were sent."""
    ids = g.pop("notices_to_mail", [])
    config = current_app.config
    if not ids or not config.get("SMTP_HOST"):
        return 0
    sent = 0
    for n in db.session.scalars(select(Notification).where(Notification.id.in_(ids))):
        recipients = list(
            db.session.scalars(
                select(User.email).where(
                    User.enterprise_id == n.enterprise_id,
                    User.role == Role.OFFICER,
                    User.active.is_(True),
                )
            )
        )
        if not recipients:
            continue
        with force_locale("zh"):
            zh = message(n)
        with force_locale("en"):
            en = message(n)
        mail = EmailMessage()
        mail["Subject"] = "CQO Portal · " + zh
        mail["From"] = config.get("SMTP_FROM") or "cqo-portal@localhost"
        mail["To"] = ", ".join(recipients)
        mail.set_content(f"{zh}\n\n{en}\n")
        try:
            with smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 25), timeout=10) as s:
                if config.get("SMTP_STARTTLS"):
                    s.starttls()
                if config.get("SMTP_USER"):
                    s.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
                s.send_message(mail)
        except (OSError, smtplib.SMTPException):
            current_app.logger.warning("notice %s could not be mailed", n.id, exc_info=True)
            continue
        n.mailed_at = utcnow()
        sent += 1
    db.session.commit()
    return sent
