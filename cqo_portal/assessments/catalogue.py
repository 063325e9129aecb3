"""Questionnaire versions in the database: import (validated, all or nothing), publish, retire."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.core.questionnaire import Questionnaire
from cqo_portal.extensions import db
from cqo_portal.models import QuestionnaireStatus, QuestionnaireVersion
from cqo_portal.models.base import utcnow


class CatalogueError(ValueError):
    pass


def find_version(key: str, version: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == version
        )
    )


def import_questionnaire(
    q: Questionnaire, *, publish: bool = False, user_id: int | None = None
) -> tuple[QuestionnaireVersion, bool]:
    """Store a validated questionnaire; returns (version, created). Same content twice is a no-op;
    different content under an existing id and version is refused (published versions never change).
    """
    existing = find_version(q.id, q.version)
    if existing is not None:
        if existing.fingerprint != q.fingerprint:
            raise CatalogueError(
                str(
                    _l(
                        "Version %(v)s of %(k)s already exists with different content; "
                        "give the new file a new version number.",
                        v=q.version,
                        k=q.id,
                    )
                )
            )
        if publish and existing.status == QuestionnaireStatus.DRAFT:
            publish_version(existing, user_id=user_id)
        return existing, False
    qv = QuestionnaireVersion(
        key=q.id,
        version=q.version,
        title_zh=q.title.zh,
        title_en=q.title.en,
        scoring_method=q.scoring_method,
        definition=q.to_data(),
        fingerprint=q.fingerprint,
        status=QuestionnaireStatus.DRAFT,
        imported_by_id=user_id,
    )
    db.session.add(qv)
    db.session.flush()
    audit.record(
        "questionnaire.import",
        qv,
        after={"key": q.id, "version": q.version, "fingerprint": q.fingerprint},
        actor_id=user_id,
    )
    if publish:
        publish_version(qv, user_id=user_id)
    return qv, True


def publish_version(qv: QuestionnaireVersion, *, user_id: int | None = None) -> None:
    if qv.status != QuestionnaireStatus.DRAFT:
        raise CatalogueError(str(_l("Only a draft version can be published.")))
    qv.status = QuestionnaireStatus.PUBLISHED
    qv.published_at = utcnow()
    audit.record(
        "questionnaire.publish",
        qv,
        before={"status": "draft"},
        after={"status": "published"},
        actor_id=user_id,
    )


def retire_version(qv: QuestionnaireVersion, *, user_id: int | None = None) -> None:
    if qv.status != QuestionnaireStatus.PUBLISHED:
        raise CatalogueError(str(_l("Only a published version can be retired.")))
    qv.status = QuestionnaireStatus.RETIRED
    qv.retired_at = utcnow()
    audit.record(
        "questionnaire.retire",
        qv,
        before={"status": "published"},
        after={"status": "retired"},
        actor_id=user_id,
    )
