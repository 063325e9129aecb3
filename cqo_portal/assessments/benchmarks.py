"""Peer groups for the benchmark: other enterprises' latest submission of the same version.

Never reveals another enterprise: only counts, a percentile and medians leave this module,
and only when the group has at least MIN_PEERS other enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from cqo_portal.core.benchmark import MIN_PEERS, median, percentile_rank
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, AssessmentStatus, Enterprise, SectionScore
from cqo_portal.reference import industry_label, region_label

DONE = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED)


@dataclass
class PeerGroup:
    key: str  # "industry" | "city" | "province"
    label: str
    size: int
    percentile: float | None
    section_medians: dict[str, float]
    hidden_reason: str | None
    section_percentiles: dict[str, float] = field(default_factory=dict)


def _latest_ids(assessment: Assessment, condition) -> list[int]:
    """Ids of the latest submission per other enterprise in the group."""
    latest = (
        select(Assessment.enterprise_id, func.max(Assessment.id).label("aid"))
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(
            Assessment.questionnaire_version_id == assessment.questionnaire_version_id,
            Assessment.status.in_(DONE),
            Assessment.enterprise_id != assessment.enterprise_id,
            condition,
        )
        .group_by(Assessment.enterprise_id)
    )
    return [row.aid for row in db.session.execute(latest)]


def peer_groups(
    assessment: Assessment, lang: str, *, with_sections: bool = True
) -> list[PeerGroup]:
    ent = assessment.enterprise
    groups = [
        (
            "industry",
            Enterprise.industry_section == ent.industry_section,
            industry_label(ent.industry_section, lang),
        ),
        ("city", Enterprise.city_code == ent.city_code, region_label(ent.city_code, lang)),
        ("province", and_(True), region_label("440000", lang)),
    ]
    out = []
    for key, cond, label in groups:
        ids = _latest_ids(assessment, cond)
        if len(ids) < MIN_PEERS:
            out.append(
                PeerGroup(
                    key,
                    label,
                    len(ids),
                    None,
                    {},
                    str(
                        _l(
                            "Hidden: only %(n)d other enterprises in this group have submitted; "
                            "a comparison needs at least %(m)d so no enterprise can be recognised.",
                            n=len(ids),
                            m=MIN_PEERS,
                        )
                    ),
                )
            )
            continue
        percents = list(
            db.session.scalars(select(Assessment.percent).where(Assessment.id.in_(ids)))
        )
        medians: dict[str, float] = {}
        section_pct: dict[str, float] = {}
        if with_sections:
            rows = db.session.execute(
                select(SectionScore.section_id, SectionScore.percent).where(
                    SectionScore.assessment_id.in_(ids)
                )
            )
            by_section: dict[str, list[float]] = {}
            for sid, pct in rows:
                by_section.setdefault(sid, []).append(pct)
            medians = {
                sid: m for sid, vals in by_section.items() if (m := median(vals)) is not None
            }
            own = {s.section_id: s.percent for s in assessment.section_scores}
            section_pct = {
                sid: p
                for sid, vals in by_section.items()
                if sid in own and (p := percentile_rank(own[sid], vals)) is not None
            }
        out.append(
            PeerGroup(
                key,
                label,
                len(ids),
                percentile_rank(assessment.percent or 0.0, [p or 0.0 for p in percents]),
                medians,
                None,
                section_pct,
            )
        )
    return out
