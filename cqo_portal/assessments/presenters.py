"""The typed view of one scored submission: the result page, the regulator's page and the PDF.

``result_view`` is the one place that turns a stored submission into what a reader sees. It reads
the stored result (never re-scores), and every string in it is already in the reader's language,
so templates and the PDF renderer get plain, frozen values and never touch the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from cqo_portal import charts
from cqo_portal.assessments import evidence, services
from cqo_portal.assessments.benchmarks import peer_groups
from cqo_portal.core import actions as core_actions
from cqo_portal.core.answers import Answer, answer_label
from cqo_portal.core.benchmark import section_trend, total_delta
from cqo_portal.core.evidence import unsupported_claims
from cqo_portal.core.holistic import factor_levels, factor_name
from cqo_portal.core.measures import COMPARISON_KINDS, MeasureReading
from cqo_portal.core.plan import improvement_plan, priorities, strengths
from cqo_portal.core.questionnaire import Questionnaire
from cqo_portal.core.scoring import ItemResult, Result, assess_item
from cqo_portal.cqo.services import current_cqo
from cqo_portal.enterprises.forms import SIZE_CHOICES
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, EvidenceKind, EvidenceVerdict, ImprovementAction, User
from cqo_portal.reference import industry_label, region_label

__all__ = [
    "ActionEffect",
    "AnswerGroup",
    "AnswerRow",
    "CQOView",
    "EnterpriseView",
    "EvidenceEntry",
    "EvidenceFileView",
    "EvidenceThread",
    "FactorRating",
    "HiddenGroup",
    "ItemView",
    "MeasureView",
    "PeerPercentile",
    "PlanStep",
    "Priority",
    "QuestionnaireView",
    "ResultView",
    "SectionView",
    "Strength",
    "Summary",
    "UnsupportedClaim",
    "action_status_label",
    "measure_views",
    "result_view",
]


@dataclass(frozen=True, slots=True)
class EnterpriseView:
    name: str
    uscc: str
    city: str
    industry: str
    size: str


@dataclass(frozen=True, slots=True)
class CQOView:
    name: str
    position: str


@dataclass(frozen=True, slots=True)
class QuestionnaireView:
    title: str
    version: str
    method: str


@dataclass(frozen=True, slots=True)
class PeerPercentile:
    group: str
    percentile: float
    size: int


@dataclass(frozen=True, slots=True)
class HiddenGroup:
    group: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    total_points: float
    max_points: float
    percent: float
    level_label: str
    level_description: str
    percentiles: tuple[PeerPercentile, ...]
    #: Why no percentile is shown at all (None while at least one group is shown).
    percentile_hidden_reason: str | None
    hidden_groups: tuple[HiddenGroup, ...]
    trend_delta_points: float | None
    trend_delta_percent: float | None
    previous_submitted_at: str | None


@dataclass(frozen=True, slots=True)
class Strength:
    title: str
    percent: float


@dataclass(frozen=True, slots=True)
class Priority:
    title: str
    suggestion: str
    recoverable_points: float


@dataclass(frozen=True, slots=True)
class MeasureView:
    """One key measure of a results item and what its data says, with its chart (inline SVG)."""

    name: str
    unit: str
    direction: str
    link: str
    periods: tuple[str, ...]
    values: tuple[float, ...]
    latest: float
    target: float
    comparison: float
    comparison_source: str
    meets_target: bool
    level_label: str
    trend: str  # improving | flat | worsening
    trend_label: str
    comparison_label: str
    better_than_comparison: bool
    chart: str


@dataclass(frozen=True, slots=True)
class FactorRating:
    name: str
    rating: int
    descriptor: str


@dataclass(frozen=True, slots=True)
class ItemView:
    """A scoring item of a band questionnaire (GB/T 19580 4.1.1 …).

    Holistic items also carry their four factor ratings, the value the rule proposed, the
    respondent's reason when the score was moved, and (results items) the key measures.
    """

    title: str
    points: float
    max_points: float
    percent: float
    level_label: str
    level_description: str
    item_id: str = ""
    ratings: tuple[FactorRating, ...] = ()
    proposed: float | None = None
    adjust_reason: str = ""
    measures: tuple[MeasureView, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerRow:
    id: str
    number: str
    text: str
    clause: str | None
    answer: str
    points: float | None
    max_points: float | None
    na: bool
    na_reason: str
    evidence: str
    #: The question's full text is printed on its section page (the PDF then refers to it by
    #: number in the plan and the appendix instead of repeating it).
    listed: bool


@dataclass(frozen=True, slots=True)
class SectionView:
    id: str
    title: str
    points: float
    max_points: float
    percent: float
    excluded: bool
    level_label: str
    level_description: str
    peer_median_percent: float | None
    peer_percentile: float | None
    trend_delta_percent: float | None
    scoring_items: tuple[ItemView, ...]
    #: The section's questions when they are listed on its page (maturity questionnaires);
    #: empty when the section lists scoring items instead.
    questions: tuple[AnswerRow, ...]


@dataclass(frozen=True, slots=True)
class AnswerGroup:
    section_title: str
    questions: tuple[AnswerRow, ...]


@dataclass(frozen=True, slots=True)
class PlanStep:
    question_id: str
    #: The question's number when its text is printed on a section page, else None.
    number: str | None
    section_title: str
    clause: str | None
    question: str
    current: str
    next: str
    suggestion: str
    recoverable_points: float


# --- evidence: files, their review, claims without evidence ------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceFileView:
    id: int
    question_id: str
    number: str
    name: str
    applies_on: str  # ISO date
    sha256: str
    size: int
    uploaded_at: str
    #: Added by a response to a review (after the submission).
    with_response: bool
    #: May still be removed (an editable assessment's file added since the last submission).
    removable: bool


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One row of a question's review history: a verdict or the enterprise's response."""

    is_response: bool
    verdict: str | None  # "sufficient" | "needs_more" | None
    verdict_label: str
    comment: str
    author: str
    role_label: str
    created_at: str


@dataclass(frozen=True, slots=True)
class EvidenceThread:
    question_id: str
    number: str
    question: str
    entries: tuple[EvidenceEntry, ...]
    #: The latest verdict asks for more and the enterprise has not answered yet.
    awaiting_response: bool


@dataclass(frozen=True, slots=True)
class UnsupportedClaim:
    """A high answer (maturity ≥ 4 or band 5 and above) with neither a note nor a file."""

    question_id: str
    number: str
    section_title: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class ActionEffect:
    """An improvement action planned from the previous submission, and whether its question's
    score moved in this one (ISO 9001 10.2: was the action effective?)."""

    title: str
    owner: str
    due_on: str
    status: str
    status_label: str
    completed_on: str | None
    #: The question's number when its text is printed on a section page, else None.
    number: str | None
    question: str
    points_before: float | None
    max_before: float | None
    points_after: float | None
    max_after: float | None
    verdict: str
    verdict_label: str


@dataclass(frozen=True, slots=True)
class ResultView:
    lang: str
    enterprise: EnterpriseView
    cqo: CQOView | None
    questionnaire: QuestionnaireView
    submitted_at: str
    summary: Summary
    strengths: tuple[Strength, ...]
    priorities: tuple[Priority, ...]
    sections: tuple[SectionView, ...]
    plan: tuple[PlanStep, ...]
    answers: tuple[AnswerGroup, ...]
    #: Actions planned from the previous submission of this questionnaire, with their effect.
    actions: tuple[ActionEffect, ...] = ()
    evidence_files: tuple[EvidenceFileView, ...] = ()
    evidence_threads: tuple[EvidenceThread, ...] = ()
    unsupported_claims: tuple[UnsupportedClaim, ...] = ()

    def files_of(self, question_id: str) -> tuple[EvidenceFileView, ...]:
        return tuple(f for f in self.evidence_files if f.question_id == question_id)

    @property
    def unsupported_ids(self) -> frozenset[str]:
        return frozenset(c.question_id for c in self.unsupported_claims)

    @property
    def all_questions_listed(self) -> bool:
        """Every question's text is on a section page (the PDF's notes say so)."""
        return all(q.listed for group in self.answers for q in group.questions)

    @property
    def recoverable_points(self) -> float:
        return round(sum(p.recoverable_points for p in self.plan), 1)

    @property
    def holistic_items(self) -> tuple[ItemView, ...]:
        """The items rated on their four factors (GB/T 19580 from version 2027.1)."""
        return tuple(i for s in self.sections for i in s.scoring_items if i.ratings)

    @property
    def has_peer_medians(self) -> bool:
        return any(s.peer_median_percent is not None for s in self.sections)


def _num_text(x: float) -> str:
    return f"{x:g}"


def measure_views(readings: tuple[MeasureReading, ...], lang: str) -> tuple[MeasureView, ...]:
    """The readings of a results item's measures in the reader's language (call under
    ``force_locale`` or a request in that language)."""
    out = []
    for r in readings:
        m = r.measure
        better = _("higher is better") if m.higher_is_better else _("lower is better")
        kind = COMPARISON_KINDS[m.comparison_kind].get(lang)
        if not m.source:
            source = kind
        else:
            source = f"{kind}（{m.source}）" if lang == "zh" else f"{kind} ({m.source})"
        trend_label = {
            "improving": _("improving by %(r)s%% a period", r=f"{abs(r.rate):.1f}"),
            "worsening": _("worsening by %(r)s%% a period", r=f"{abs(r.rate):.1f}"),
            "flat": _("flat"),
        }[r.trend]
        if r.sustained:
            trend_label = _("sustained improvement, %(r)s%% a period", r=f"{abs(r.rate):.1f}")
        labels = tuple(p for p, _v in m.periods)
        values = tuple(v for _p, v in m.periods)
        chart = charts.measure_chart(
            list(labels),
            list(values),
            target=m.target,
            comparison=m.comparison,
            title=m.name,
            target_label=_("Target"),
            comparison_label=kind,
            unit=m.unit if m.unit == "%" else "",
        )
        out.append(
            MeasureView(
                name=m.name,
                unit=m.unit,
                direction=better,
                link=m.link,
                periods=labels,
                values=values,
                latest=r.latest,
                target=m.target,
                comparison=m.comparison,
                comparison_source=source,
                meets_target=r.meets_target,
                level_label=_("target met") if r.meets_target else _("below target"),
                trend=r.trend,
                trend_label=trend_label,
                comparison_label=_("better than %(s)s", s=kind)
                if r.better_than_comparison
                else _("not better than %(s)s", s=kind),
                better_than_comparison=r.better_than_comparison,
                chart=chart,
            )
        )
    return tuple(out)


def _item_view(i: ItemResult, q: Questionnaire, answers: dict[str, Answer], lang: str) -> ItemView:
    h = q.holistic_items.get(i.item_id)
    ratings: tuple[FactorRating, ...] = ()
    measures: tuple[MeasureView, ...] = ()
    if h is not None and i.ratings:
        ratings = tuple(
            FactorRating(
                name=factor_name(h.kind, f).get(lang),  # type: ignore[arg-type]
                rating=r,
                descriptor=factor_levels(h.kind, f)[r - 1].get(lang),  # type: ignore[arg-type]
            )
            for f, r in i.ratings
        )
        measures = measure_views(assess_item(h, answers).readings, lang)
    return ItemView(
        title=i.title.get(lang),
        points=i.points,
        max_points=i.max_points,
        percent=i.percent,
        level_label=i.level.label.get(lang),
        level_description=i.level.description.get(lang),
        item_id=i.item_id,
        ratings=ratings,
        proposed=i.proposed,
        adjust_reason=i.adjust_reason,
        measures=measures,
    )


def _when(dt) -> str:
    return format_datetime(dt, "yyyy-MM-dd HH:mm") if dt else ""


def result_view(assessment: Assessment, lang: str) -> ResultView:
    """The view of one scored submission in ``lang`` ("zh" or "en"); needs an app context."""
    with force_locale(lang):
        return _build(assessment, lang)


def _build(assessment: Assessment, lang: str) -> ResultView:
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

    # Sections that list scoring items (band questionnaires) do not print their questions on
    # their page; the others do, and the plan and appendix then refer to them by number.
    item_sections = {s.section_id for s in result.sections if s.items}
    rows_by_section: dict[str, tuple[AnswerRow, ...]] = {}
    groups_out: list[AnswerGroup] = []
    numbers: dict[str, str] = {}
    number = 0
    for sec in q.sections:
        rows = []
        listed = sec.id not in item_sections
        for question in sec.questions:
            number += 1
            a = answers.get(question.id)
            qs = result.questions.get(question.id)
            scored = qs is not None and question.scored
            if listed:
                numbers[question.id] = str(number)
            rows.append(
                AnswerRow(
                    id=question.id,
                    number=str(number),
                    text=question.text.get(lang),
                    clause=question.clause,
                    answer=answer_label(question, a, lang),
                    points=qs.points if scored else None,
                    max_points=qs.max_points if scored else None,
                    na=bool(a and a.na),
                    na_reason=(a.na_reason or "") if a else "",
                    evidence=(a.evidence or "") if a else "",
                    listed=listed,
                )
            )
        rows_by_section[sec.id] = tuple(rows)
        groups_out.append(AnswerGroup(section_title=sec.title.get(lang), questions=tuple(rows)))

    sections = []
    for s in result.sections:
        d = deltas.get(s.section_id)
        sections.append(
            SectionView(
                id=s.section_id,
                title=s.title.get(lang),
                points=s.points,
                max_points=s.max_points,
                percent=s.percent,
                excluded=s.excluded,
                level_label=s.level.label.get(lang),
                level_description=s.level.description.get(lang),
                peer_median_percent=medians.get(s.section_id),
                peer_percentile=section_percentiles.get(s.section_id),
                trend_delta_percent=d.delta_percent if d else None,
                scoring_items=tuple(_item_view(i, q, answers, lang) for i in s.items),
                questions=() if s.items else rows_by_section.get(s.section_id, ()),
            )
        )

    cqo = current_cqo(ent)
    method = (
        _("GB/T 19580 scoring bands")
        if q.scoring_method == "gbt19580"
        else _("Maturity levels 0–5")
    )
    return ResultView(
        lang=lang,
        enterprise=EnterpriseView(
            name=ent.name if lang == "zh" or not ent.name_en else ent.name_en,
            uscc=ent.uscc,
            city=region_label(ent.city_code, lang),
            industry=industry_label(ent.industry_section, lang),
            size=str(dict(SIZE_CHOICES).get(ent.size_class, ent.size_class)),
        ),
        cqo=CQOView(name=cqo.name, position=cqo.position) if cqo else None,
        questionnaire=QuestionnaireView(title=q.title.get(lang), version=q.version, method=method),
        submitted_at=_when(assessment.submitted_at),
        summary=Summary(
            total_points=result.total_points,
            max_points=result.max_points,
            percent=result.percent,
            level_label=result.level.label.get(lang),
            level_description=result.level.description.get(lang),
            percentiles=tuple(
                PeerPercentile(group=g.label, percentile=g.percentile, size=g.size)
                for g in shown
                if g.percentile is not None
            ),
            percentile_hidden_reason=None
            if shown
            else (groups[-1].hidden_reason if groups else None),
            hidden_groups=tuple(
                HiddenGroup(group=g.label, reason=g.hidden_reason)
                for g in groups
                if g.percentile is None
            ),
            trend_delta_points=tdelta[0] if tdelta else None,
            trend_delta_percent=tdelta[1] if tdelta else None,
            previous_submitted_at=_when(previous.submitted_at) if previous else None,
        ),
        strengths=tuple(
            Strength(title=s.title.get(lang), percent=s.percent) for s in strengths(result)
        ),
        priorities=tuple(
            Priority(
                title=p.question_text.get(lang),
                suggestion=p.suggestion.get(lang),
                recoverable_points=p.recoverable_points,
            )
            for p in priorities(plan)
        ),
        sections=tuple(sections),
        plan=tuple(
            PlanStep(
                question_id=p.question_id,
                number=numbers.get(p.question_id),
                section_title=p.section_title.get(lang),
                clause=p.clause,
                question=p.question_text.get(lang),
                current=p.current_label.get(lang),
                next=p.next_label.get(lang),
                suggestion=p.suggestion.get(lang),
                recoverable_points=p.recoverable_points,
            )
            for p in plan
        ),
        answers=tuple(groups_out),
        actions=_action_effects(previous, prev_result, result, q, numbers, lang),
        **_evidence_part(assessment, q, answers, groups_out, lang),
    )


# --- improvement actions since the last assessment ----------------------------------------------


def action_status_label(status: str) -> str:
    """An improvement action's status in the current language."""
    return {
        core_actions.PLANNED: _("Planned"),
        core_actions.IN_PROGRESS: _("In progress"),
        core_actions.DONE: _("Done"),
        core_actions.DROPPED: _("Dropped"),
    }[status]


def _verdict_label(verdict: str) -> str:
    return {
        core_actions.IMPROVED: _("Improved"),
        core_actions.UNCHANGED: _("Unchanged"),
        core_actions.WORSE: _("Worse"),
        core_actions.NOT_COMPARABLE: _("Not comparable"),
    }[verdict]


def _action_effects(
    previous: Assessment | None,
    prev_result: Result | None,
    result: Result,
    q,
    numbers: dict[str, str],
    lang: str,
) -> tuple[ActionEffect, ...]:
    """The actions planned from ``previous``, each with its question's score before and after."""
    if previous is None:
        return ()
    rows = list(
        db.session.scalars(
            select(ImprovementAction)
            .where(ImprovementAction.assessment_id == previous.id)
            .order_by(ImprovementAction.due_on, ImprovementAction.id)
        )
    )
    effects = core_actions.effectiveness(
        prev_result,
        result,
        [core_actions.ActionInput(a.id, a.question_id, a.status.value) for a in rows],
    )
    texts = {question.id: question.text.get(lang) for question in q.questions}
    return tuple(
        ActionEffect(
            title=a.title,
            owner=a.owner_name,
            due_on=a.due_on.isoformat(),
            status=a.status.value,
            status_label=action_status_label(a.status.value),
            completed_on=a.completed_on.isoformat() if a.completed_on else None,
            number=numbers.get(a.question_id),
            question=texts.get(a.question_id, a.question_id),
            points_before=e.points_before,
            max_before=e.max_before,
            points_after=e.points_after,
            max_after=e.max_after,
            verdict=e.verdict,
            verdict_label=_verdict_label(e.verdict),
        )
        for a, e in zip(rows, effects, strict=True)
    )


def _role_label(role: str) -> str:
    labels = {
        "regulator": _("Regulator"),
        "examiner": _("Examiner"),
        "officer": _("Enterprise"),
        "admin": _("Administrator"),
    }
    return labels.get(role, role)


def _evidence_part(
    assessment: Assessment,
    q: Questionnaire,
    answers: dict[str, Answer],
    groups: list[AnswerGroup],
    lang: str,
) -> dict[str, tuple]:
    """The evidence fields of the ResultView: files, review threads, unsupported claims."""
    rows = {r.id: (g.section_title, r) for g in groups for r in g.questions}
    files = evidence.files_of(assessment)
    reviews = evidence.reviews_of(assessment)
    awaiting = evidence.open_questions(reviews)
    author_ids = {r.author_id for r in reviews if r.author_id is not None}
    names = (
        dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(author_ids))).all())
        if author_ids
        else {}
    )
    verdict_labels = {
        EvidenceVerdict.SUFFICIENT: _("Evidence sufficient"),
        EvidenceVerdict.NEEDS_MORE: _("More evidence needed"),
    }
    by_question: dict[str, list[EvidenceEntry]] = {}
    for r in reviews:
        by_question.setdefault(r.question_id, []).append(
            EvidenceEntry(
                is_response=r.kind == EvidenceKind.RESPONSE,
                verdict=r.verdict.value if r.verdict else None,
                verdict_label=verdict_labels[r.verdict] if r.verdict else _("Response"),
                comment=r.comment,
                author=names.get(r.author_id, "—"),
                role_label=_role_label(r.author_role),
                created_at=_when(r.created_at),
            )
        )
    order = {qid: i for i, qid in enumerate(rows)}
    claims = unsupported_claims(q, answers, {f.question_id for f in files})
    return {
        "evidence_files": tuple(
            EvidenceFileView(
                id=f.id,
                question_id=f.question_id,
                number=rows[f.question_id][1].number if f.question_id in rows else "—",
                name=f.original_name,
                applies_on=f.applies_on.isoformat(),
                sha256=f.sha256,
                size=f.size,
                uploaded_at=_when(f.uploaded_at),
                with_response=f.review_id is not None,
                removable=evidence.can_remove(assessment, f),
            )
            for f in sorted(files, key=lambda f: (order.get(f.question_id, len(order)), f.id))
        ),
        "evidence_threads": tuple(
            EvidenceThread(
                question_id=qid,
                number=rows[qid][1].number if qid in rows else "—",
                question=rows[qid][1].text if qid in rows else qid,
                entries=tuple(entries),
                awaiting_response=qid in awaiting,
            )
            for qid, entries in sorted(by_question.items(), key=lambda kv: order.get(kv[0], 0))
        ),
        "unsupported_claims": tuple(
            UnsupportedClaim(
                question_id=qid,
                number=rows[qid][1].number,
                section_title=rows[qid][0],
                question=rows[qid][1].text,
                answer=rows[qid][1].answer,
            )
            for qid in claims
            if qid in rows
        ),
    }
