"""The applicant's self-assessment report (自评报告) and the feedback report (反馈报告) as PDFs.

Both render from a typed context of plain values already in the document's language, through
the reports domain's one WeasyPrint call (stylesheet, fonts, safe URL fetcher).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from cqo_portal.award import services
from cqo_portal.models import AwardApplication
from cqo_portal.reference import industry_label, region_label
from cqo_portal.reports.pdf import render_document_pdf

LARGEST_GAPS = 5


@dataclass(frozen=True)
class ProfilePart:
    label: str
    text: str


@dataclass(frozen=True)
class ItemLine:
    item_id: str
    title: str
    max_points: float
    self_points: float | None
    self_percent: float | None
    description: str
    consensus_points: float | None = None
    consensus_percent: int | None = None
    consensus_band: int | None = None
    comment: str = ""
    strengths: tuple[str, ...] = ()
    ofis: tuple[str, ...] = ()

    @property
    def gap(self) -> float | None:
        """Self-score rate minus consensus rate, in percentage points (positive: self too high)."""
        if self.self_percent is None or self.consensus_percent is None:
            return None
        return round(self.self_percent - self.consensus_percent, 1)


@dataclass(frozen=True)
class CategoryLines:
    section_id: str
    title: str
    items: tuple[ItemLine, ...]


@dataclass(frozen=True)
class AwardDocument:
    """What either PDF shows; ``feedback`` adds the examiners' consensus, strengths and OFIs."""

    lang: str
    enterprise: str
    uscc: str
    city: str
    industry: str
    round_title: str
    questionnaire: str
    profile: tuple[ProfilePart, ...]
    eligibility: tuple[str, ...]
    categories: tuple[CategoryLines, ...]
    self_total: float | None
    max_total: float | None
    consensus_total: float | None
    feedback: bool
    gaps: tuple[ItemLine, ...] = ()


def profile_labels() -> dict[str, str]:
    return {
        "activities": _("What the organisation does"),
        "products": _("Main products and services"),
        "customers": _("Customers and markets"),
        "competitors": _("Competitors and competitive position"),
        "key_figures": _("Key figures (staff, revenue, sites)"),
        "challenges": _("Strategic challenges and advantages"),
    }


def _split(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def build_document(app: AwardApplication, lang: str, *, feedback: bool) -> AwardDocument:
    """The document's context in ``lang``; with ``feedback``, the consensus and comments too."""
    with force_locale(lang):
        labels = profile_labels()
        profile = tuple(
            ProfilePart(labels[k], app.profile.get(k, "")) for k in services.PROFILE_FIELDS
        )
        eligibility = tuple(
            app.round.checklist[i] for i in app.eligibility if i < len(app.round.checklist)
        )
        questionnaire = app.round.questionnaire.title(lang)
    selfs = services.self_scores(app)
    notes = services.descriptions(app)
    consensus = {c.item_id: c for c in app.consensus} if feedback else {}
    comments: dict[str, tuple[list[str], list[str]]] = {}
    if feedback:
        for a in app.assignments:
            for s in a.scores:
                strengths, ofis = comments.setdefault(s.item_id, ([], []))
                strengths += _split(s.strengths)
                ofis += _split(s.ofis)
    categories: list[CategoryLines] = []
    current: list[ItemLine] = []
    section = None
    for ref in services.items_of(app.round):
        if section is not None and ref.section_id != section.section_id:
            categories.append(
                CategoryLines(section.section_id, section.section_title.get(lang), tuple(current))
            )
            current = []
        section = ref
        own = selfs.get(ref.item.id)
        agreed = consensus.get(ref.item.id)
        strengths, ofis = comments.get(ref.item.id, ([], []))
        current.append(
            ItemLine(
                item_id=ref.item.id,
                title=ref.item.title.get(lang),
                max_points=ref.item.points,
                self_points=own.points if own else None,
                self_percent=own.percent if own else None,
                description=notes.get(ref.item.id, ""),
                consensus_points=agreed.points if agreed else None,
                consensus_percent=agreed.percent if agreed else None,
                consensus_band=agreed.band if agreed else None,
                comment=(agreed.comment or "") if agreed else "",
                strengths=tuple(dict.fromkeys(strengths)),  # the same words once
                ofis=tuple(dict.fromkeys(ofis)),
            )
        )
    if section is not None:
        categories.append(
            CategoryLines(section.section_id, section.section_title.get(lang), tuple(current))
        )
    lines = [i for c in categories for i in c.items]
    gaps = sorted((i for i in lines if i.gap is not None), key=lambda i: -abs(i.gap or 0))
    ent = app.enterprise
    assessment = app.assessment
    return AwardDocument(
        lang=lang,
        enterprise=(ent.name_en or ent.name) if lang == "en" else ent.name,
        uscc=ent.uscc,
        city=region_label(ent.city_code, lang),
        industry=industry_label(ent.industry_section, lang),
        round_title=app.round.title,
        questionnaire=questionnaire,
        profile=profile,
        eligibility=eligibility,
        categories=tuple(categories),
        self_total=assessment.total_points if assessment else None,
        max_total=assessment.max_points if assessment else None,
        consensus_total=app.consensus_points if feedback else None,
        feedback=feedback,
        gaps=tuple(gaps[:LARGEST_GAPS]),
    )


def self_report_pdf(app: AwardApplication, lang: str) -> bytes:
    return render_document_pdf(
        "award/self_report_pdf.html", lang, d=build_document(app, lang, feedback=False)
    )


def feedback_pdf(app: AwardApplication, lang: str) -> bytes:
    return render_document_pdf(
        "award/feedback_pdf.html", lang, d=build_document(app, lang, feedback=True)
    )
