"""Plain-value views of a scored assessment for the result page and the PDF report.

Built from the stored result (never re-scored); every string is in the reader's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _

from cqo_portal.assessments import services
from cqo_portal.assessments.benchmarks import peer_groups
from cqo_portal.core.answers import answer_label
from cqo_portal.core.benchmark import section_trend, total_delta
from cqo_portal.core.plan import improvement_plan, priorities, strengths
from cqo_portal.core.scoring import Result
from cqo_portal.enterprises.forms import SIZE_CHOICES
from cqo_portal.reference import industry_label, region_label


def _fmt(dt) -> str:
    return format_datetime(dt, "yyyy-MM-dd HH:mm") if dt else ""


def current_cqo(enterprise) -> dict[str, str] | None:
    from cqo_portal.models import CQOStatus

    approved = [r for r in enterprise.cqo_registrations if r.status == CQOStatus.APPROVED]
    if not approved:
        return None
    cqo = approved[-1]
    return {"name": cqo.name, "position": cqo.position}


def result_view(assessment, lang: str) -> dict[str, Any]:
    """The report context (see cqo_portal/reports/pdf.py) for one scored assessment."""
    q = services.questionnaire_of(assessment.questionnaire)
    result = Result.from_data(assessment.result)
    answers = services.answers_of(assessment, q)
    ent = assessment.enterprise
    previous = services.latest_submitted(
        ent.id, assessment.questionnaire_key, before=assessment.submitted_at
    )
    prev_result = Result.from_data(previous.result) if previous and previous.result else None
    deltas = {d.section_id: d for d in section_trend(result, prev_result)}
    tdelta = total_delta(result, prev_result)
    groups = peer_groups(assessment, lang)
    shown = [g for g in groups if g.percentile is not None]
    province = next((g for g in groups if g.key == "province"), None)
    medians = province.section_medians if province else {}
    section_percentiles = province.section_percentiles if province else {}
    plan = improvement_plan(q, answers, result)
    method = (
        _("GB/T 19580 scoring bands")
        if q.scoring_method == "gbt19580"
        else _("Maturity levels 0–5")
    )
    sections = []
    for s in result.sections:
        d = deltas.get(s.section_id)
        sections.append(
            {
                "id": s.section_id,
                "title": s.title.get(lang),
                "points": s.points,
                "max_points": s.max_points,
                "percent": s.percent,
                "excluded": s.excluded,
                "level_label": s.level.label.get(lang),
                "level_description": s.level.description.get(lang),
                "peer_median_percent": medians.get(s.section_id),
                "peer_percentile": section_percentiles.get(s.section_id),
                "trend_delta_percent": d.delta_percent if d else None,
                "items": [
                    {
                        "title": i.title.get(lang),
                        "points": i.points,
                        "max_points": i.max_points,
                        "percent": i.percent,
                        "level_label": i.level.label.get(lang),
                        "level_description": i.level.description.get(lang),
                    }
                    for i in s.items
                ],
            }
        )
    answer_groups = []
    number = 0
    by_section: dict[str, list[dict[str, Any]]] = {}
    for sec in q.sections:
        rows = []
        for question in sec.questions:
            number += 1
            a = answers.get(question.id)
            qs = result.questions.get(question.id)
            rows.append(
                {
                    "id": question.id,
                    "number": str(number),
                    "text": question.text.get(lang),
                    "clause": question.clause,
                    "answer": answer_label(question, a, lang),
                    "points": qs.points if qs and question.scored else None,
                    "max_points": qs.max_points if qs and question.scored else None,
                    "na": bool(a and a.na),
                    "na_reason": a.na_reason if a else "",
                    "evidence": a.evidence if a else "",
                }
            )
        answer_groups.append({"section_title": sec.title.get(lang), "questions": rows})
        by_section[sec.id] = rows
    for section in sections:
        section["questions"] = by_section.get(section["id"], [])
    return {
        "lang": lang,
        "enterprise": {
            "name": ent.name if lang == "zh" or not ent.name_en else ent.name_en,
            "uscc": ent.uscc,
            "city": region_label(ent.city_code, lang),
            "industry": industry_label(ent.industry_section, lang),
            "size": str(dict(SIZE_CHOICES).get(ent.size_class, ent.size_class)),
        },
        "cqo": current_cqo(ent),
        "questionnaire": {
            "title": q.title.get(lang),
            "version": q.version,
            "method": method,
        },
        "submitted_at": _fmt(assessment.submitted_at),
        "summary": {
            "total_points": result.total_points,
            "max_points": result.max_points,
            "percent": result.percent,
            "level_label": result.level.label.get(lang),
            "level_description": result.level.description.get(lang),
            "percentiles": [
                {"group": g.label, "percentile": g.percentile, "size": g.size} for g in shown
            ],
            "percentile_hidden_reason": None
            if shown
            else (groups[-1].hidden_reason if groups else None),
            "hidden_groups": [
                {"group": g.label, "reason": g.hidden_reason}
                for g in groups
                if g.percentile is None
            ],
            "trend_delta_points": tdelta[0] if tdelta else None,
            "trend_delta_percent": tdelta[1] if tdelta else None,
            "previous_submitted_at": _fmt(previous.submitted_at) if previous else None,
        },
        "strengths": [
            {"title": s.title.get(lang), "percent": s.percent} for s in strengths(result)
        ],
        "priorities": [
            {
                "title": p.question_text.get(lang),
                "suggestion": p.suggestion.get(lang),
                "recoverable_points": p.recoverable_points,
            }
            for p in priorities(plan)
        ],
        "sections": sections,
        "plan": [
            {
                "question_id": p.question_id,
                "section_title": p.section_title.get(lang),
                "clause": p.clause,
                "question": p.question_text.get(lang),
                "current": p.current_label.get(lang),
                "next": p.next_label.get(lang),
                "suggestion": p.suggestion.get(lang),
                "recoverable_points": p.recoverable_points,
            }
            for p in plan
        ],
        "answers": answer_groups,
    }
