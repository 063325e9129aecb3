"""Builders for the data-API stories: tokens and scored submissions with known numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from cqo_portal import rollups
from cqo_portal.api import tokens
from cqo_portal.models import Assessment, AssessmentStatus, SectionScore


def token_for(actors, user) -> str:
    admin = actors.admin()
    _token, secret = tokens.issue_token(user, "test system", admin)
    actors.session.flush()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def submission(
    actors,
    enterprise,
    *,
    percent: float,
    status: AssessmentStatus = AssessmentStatus.SUBMITTED,
    year: int = 2026,
    submitted: datetime | None = None,
    key: str = "cqo-qms",
) -> Assessment:
    qv = actors.questionnaire(key)
    a = Assessment(
        enterprise_id=enterprise.id,
        questionnaire_version_id=qv.id,
        questionnaire_key=qv.key,
        status=status,
        cycle_year=year,
        submitted_at=submitted or datetime(year, 3, 1, 10, tzinfo=UTC),
        total_points=percent * 10,
        max_points=1000.0,
        percent=percent,
        level_code="basic",
    )
    actors.session.add(a)
    actors.session.flush()
    first_section = qv.definition["sections"][0]["id"]
    actors.session.add(
        SectionScore(
            assessment_id=a.id,
            section_id=first_section,
            points=percent,
            max_points=100.0,
            percent=percent,
        )
    )
    rollups.refresh_enterprises(actors.session, [enterprise.id])  # written directly, counted here
    return a
