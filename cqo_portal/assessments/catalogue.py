"""Questionnaire versions in the database: import (validated, all or nothing), publish, retire.

Admin uploads are staged as content-addressed files between the preview and the confirmation,
so what gets imported is exactly the file whose validation and diff the admin saw.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.core.questionnaire import (
    Change,
    Questionnaire,
    QuestionnaireError,
    diff_questionnaires,
    load_questionnaire_bytes,
    parse_questionnaire,
)
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
    definition = q.to_data()
    try:  # what is stored must load again, or every page of the version would fail later
        parse_questionnaire(definition, source=f"{q.id}@{q.version}")
    except QuestionnaireError as exc:
        raise CatalogueError(
            str(_l("The file is valid but cannot be stored faithfully: %(e)s", e=exc.errors[0]))
        ) from exc
    qv = QuestionnaireVersion(
        key=q.id,
        version=q.version,
        title_zh=q.title.zh,
        title_en=q.title.en,
        scoring_method=q.scoring_method,
        definition=definition,
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


def publish_version(
    qv: QuestionnaireVersion, *, user_id: int | None = None, retire_previous: bool = False
) -> list[QuestionnaireVersion]:
    """Publish a draft version; with retire_previous, retire the other published versions of
    the same questionnaire (returned) so officers only start the new one."""
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
    retired = []
    if retire_previous:
        for other in versions_of(qv.key):
            if other.id != qv.id and other.status == QuestionnaireStatus.PUBLISHED:
                retire_version(other, user_id=user_id)
                retired.append(other)
    return retired


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


def all_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            select(QuestionnaireVersion).order_by(
                QuestionnaireVersion.key, QuestionnaireVersion.id.desc()
            )
        )
    )


def versions_of(key: str) -> list[QuestionnaireVersion]:
    """Every stored version of one questionnaire, newest import first."""
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.key == key)
            .order_by(QuestionnaireVersion.id.desc())
        )
    )


def previous_version(qv: QuestionnaireVersion) -> QuestionnaireVersion | None:
    """The version of the same questionnaire imported just before this one."""
    return db.session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == qv.key, QuestionnaireVersion.id < qv.id)
        .order_by(QuestionnaireVersion.id.desc())
        .limit(1)
    )


def changes_against(old: QuestionnaireVersion | None, new: Questionnaire) -> list[Change] | None:
    """What changed from a stored version to a questionnaire (None when there is nothing to
    compare with)."""
    if old is None:
        return None
    from cqo_portal.assessments.services import questionnaire_of

    return diff_questionnaires(questionnaire_of(old), new)


_STAGED = re.compile(r"^[0-9a-f]{64}\.(yaml|yml|json)$")


def _staging_dir(upload_folder: str) -> Path:
    return Path(upload_folder) / "questionnaires"


def stage_upload(data: bytes, filename: str, upload_folder: str) -> tuple[Questionnaire, str]:
    """Validate an uploaded file and keep it for the confirmation step; returns (parsed, token).

    Raises QuestionnaireError (nothing is kept) when the file is invalid.
    """
    q = load_questionnaire_bytes(data, filename)
    suffix = "json" if filename.lower().endswith(".json") else "yaml"
    token = f"{hashlib.sha256(data).hexdigest()}.{suffix}"
    folder = _staging_dir(upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / token).write_bytes(data)
    return q, token


def load_staged(token: str, filename: str, upload_folder: str) -> Questionnaire:
    """Re-read and re-validate a staged upload (CatalogueError when the token is unknown)."""
    if not _STAGED.match(token or ""):
        raise CatalogueError(str(_l("The upload has expired; upload the file again.")))
    path = _staging_dir(upload_folder) / token
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(str(_l("The upload has expired; upload the file again."))) from exc
    if hashlib.sha256(data).hexdigest() != token.split(".")[0]:
        raise CatalogueError(str(_l("The upload has expired; upload the file again.")))
    name = Path(filename or token).name or token
    as_json = token.endswith(".json")
    if name.lower().endswith(".json") != as_json or not name.lower().endswith(
        (".yaml", ".yml", ".json")
    ):
        name = token
    return load_questionnaire_bytes(data, name)


def discard_staged(token: str, upload_folder: str) -> None:
    if _STAGED.match(token or ""):
        (_staging_dir(upload_folder) / token).unlink(missing_ok=True)


__all__ = [
    "CatalogueError",
    "QuestionnaireError",
    "all_versions",
    "changes_against",
    "discard_staged",
    "find_version",
    "import_questionnaire",
    "load_staged",
    "previous_version",
    "publish_version",
    "retire_version",
    "stage_upload",
    "versions_of",
]
