"""Builders for the regulator stories: scored submissions with chosen figures, and a small world."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from cqo_portal import rollups
from cqo_portal.assessments import services as assessment_services
from cqo_portal.core.scoring import score_assessment
from cqo_portal.demo import _answer_for
from cqo_portal.models import Assessment, AssessmentAnswer, AssessmentStatus


class Submissions:
    """Make submitted assessments quickly: real answers and stored scores, figures overridable."""

    def __init__(self, session, actors) -> None:
        self.session = session
        self.actors = actors
        self.rng = random.Random(11)

    def make(
        self,
        ent,
        *,
        percent: float | None = 50.0,
        status: str = "submitted",
        year: int = 2026,
        submitted_at: datetime | None = None,
        questionnaire: str = "cqo-qms",
        quality: float = 0.5,
    ) -> Assessment:
        qv = self.actors.questionnaire(questionnaire)
        q = assessment_services.questionnaire_of(qv)
        answers = {qq.id: _answer_for(qq, self.rng, quality) for qq in q.questions}
        a = Assessment(
            enterprise_id=ent.id,
            questionnaire_version_id=qv.id,
            questionnaire_key=qv.key,
            status=AssessmentStatus(status),
            cycle_year=year,
            revision=1,
            submitted_at=submitted_at or datetime(year, 6, 1, 10, tzinfo=UTC),
        )
        a.answers = [
            AssessmentAnswer(
                question_id=qid,
                value=None if ans.value is None else str(ans.value),
                na=ans.na,
                na_reason=ans.na_reason or None,
                evidence=ans.evidence or None,
            )
            for qid, ans in answers.items()
        ]
        assessment_services.store_result(a, score_assessment(q, answers))
        if percent is None or percent != a.percent:
            # Pin the overall figure the story needs (section rows keep their real scores).
            a.percent = percent
            a.total_points = None if percent is None else round(a.max_points * percent / 100, 1)
        self.session.add(a)
        rollups.refresh_enterprises(self.session, [ent.id])  # written directly, counted here
        return a


@pytest.fixture
def subs(db_session, actors):
    return Submissions(db_session, actors)


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3 rows, so a handful of records exercises the keyset pagination."""
    from cqo_portal.regulator import services

    monkeypatch.setattr(services, "PAGE_SIZE", 3)
    return 3


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages in English, so the stories hold whatever the Chinese catalogue says."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def stored_pdf(db_session):
    """Store a ready report with stand-in bytes, so bundling tests need not render PDFs (slow)."""
    from cqo_portal.models import Report, ReportStatus
    from cqo_portal.reports.services import report_number

    def make(assessment, lang: str = "zh", data: bytes = b"%PDF-1.7 stand-in") -> Report:
        report = Report(
            assessment_id=assessment.id,
            lang=lang,
            number=report_number(assessment, lang),
            status=ReportStatus.READY,
            pdf=data,
            size=len(data),
        )
        db_session.add(report)
        db_session.flush()
        return report

    return make
