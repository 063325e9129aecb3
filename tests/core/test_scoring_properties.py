"""Property tests: scoring invariants hold for both built-ins and generated questionnaires."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cqo_portal.core.answers import Answer, answer_fraction
from cqo_portal.core.holistic import band_step_gain
from cqo_portal.core.plan import improvement_plan
from cqo_portal.core.questionnaire import (
    BANDS,
    AnswerType,
    Question,
    Questionnaire,
    band_index,
    load_builtin_questionnaires,
    parse_questionnaire,
)
from cqo_portal.core.scoring import Result, holistic_assessments, score_assessment

from .builders import maturity_question, t

settings.register_profile(
    "core", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("core")

BAND_VALUES = [v for lo, hi in BANDS for v in range(lo, hi + 1, 5)]
NA = Answer(na=True, na_reason="test")


def _allow_na_everywhere(q: Questionnaire) -> Questionnaire:
    data = q.to_data()
    for s in data["sections"]:
        for x in s["questions"]:
            # a holistic item's factors always apply: they are rated, never N/A
            x["allow_na"] = x["answer_type"] not in ("factor", "measures", "item_score")
    return parse_questionnaire(data)


BUILTINS = [_allow_na_everywhere(q) for q in load_builtin_questionnaires()]


def values_of(q: Question) -> list[Any]:
    """Valid answer values, ascending by fraction."""
    if q.answer_type is AnswerType.MATURITY:
        return list(range(6))
    if q.answer_type is AnswerType.BAND:
        return BAND_VALUES
    if q.answer_type is AnswerType.FACTOR:
        return list(range(1, 7))
    if q.answer_type is AnswerType.YES_PARTLY_NO:
        return ["no", "partly", "yes"]
    if q.answer_type is AnswerType.CHOICE:
        return [o.id for o in sorted(q.options, key=lambda o: o.score)]
    return []


@st.composite
def generated_questionnaires(draw: st.DrawFn) -> Questionnaire:
    sections = []
    n = 0
    for si in range(draw(st.integers(1, 3))):
        use_items = draw(st.booleans())
        items, questions = [], []
        groups = draw(st.integers(1, 3)) if use_items else 1
        group_points = [draw(st.integers(1, 300)) / draw(st.sampled_from([1, 2, 10]))
                        for _ in range(groups)]  # fmt: skip
        for gi, pts in enumerate(group_points):
            if use_items:
                items.append({"id": f"i{si}-{gi}", "title": t("条目", "Item"), "points": pts})
            for _ in range(draw(st.integers(1, 4))):
                n += 1
                kind = draw(st.sampled_from(["maturity", "band", "yes_partly_no", "choice"]))
                q: dict[str, Any] = {
                    "id": f"q{n}",
                    "answer_type": kind,
                    "text": t("题", "Q"),
                    "weight": draw(st.sampled_from([1, 1, 0.5, 2, 3])),
                    "allow_na": draw(st.booleans()),
                }
                if kind == "maturity":
                    q = {**maturity_question(f"q{n}"), **q}
                if kind == "choice":
                    scores = draw(st.lists(st.sampled_from([0, 0.2, 0.5, 0.75]), max_size=3))
                    q["options"] = [
                        {"id": f"o{k}", "label": t(f"选{k}", f"O{k}"), "score": sc}
                        for k, sc in enumerate([*scores, 1])
                    ]
                    q["options"].insert(0, {"id": "none", "label": t("无", "No"), "score": 0})
                if use_items:
                    q["item"] = f"i{si}-{gi}"
                questions.append(q)
        if draw(st.booleans()):
            questions.append({"id": f"note{si}", "answer_type": "text", "text": t("备注", "N")})
        sec: dict[str, Any] = {
            "id": f"s{si}",
            "title": t("部分", "Part"),
            "points": sum(group_points),
            "questions": questions,
        }
        if use_items:
            sec["items"] = items
        sections.append(sec)
    data = {
        "id": "gen",
        "version": "1",
        "title": t("生成", "Generated"),
        "scoring_method": draw(st.sampled_from(["maturity", "gbt19580"])) if all(
            "items" in s for s in sections) else "maturity",
        "total_points": sum(s["points"] for s in sections),
        "sections": sections,
    }  # fmt: skip
    if data["scoring_method"] == "gbt19580":
        for s in sections:
            for it in s["items"]:
                it["kind"] = draw(st.sampled_from(["process", "results"]))
    return parse_questionnaire(data)


questionnaires = st.one_of(st.sampled_from(BUILTINS), generated_questionnaires())


@st.composite
def answer_sets(draw: st.DrawFn, q: Questionnaire) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for x in q.questions:
        vals = values_of(x)
        if not vals:
            continue
        choice = draw(st.sampled_from(["value", "value", "value", "blank", "na"]))
        if choice == "value":
            answers[x.id] = Answer(draw(st.sampled_from(vals)))
        elif choice == "na" and x.allow_na:
            answers[x.id] = NA
    return answers


with_answers = questionnaires.flatmap(lambda q: st.tuples(st.just(q), answer_sets(q)))


def all_figures(r: Result) -> list[tuple[str, float, float]]:
    out = [("total", r.total_points, r.max_points)]
    for s in r.sections:
        out.append((s.section_id, s.points, s.max_points))
        out += [(i.item_id, i.points, i.max_points) for i in s.items]
    return out


@given(with_answers)
def test_scores_stay_between_zero_and_max(qa: tuple[Questionnaire, dict[str, Answer]]) -> None:
    q, answers = qa
    r = score_assessment(q, answers)
    for name, points, max_points in all_figures(r):
        assert 0 <= points <= max_points, name
    for s in r.sections:
        assert 0 <= s.percent <= 100
        assert s.max_points <= q.section(s.section_id).points + 1e-9
    assert 0 <= r.percent <= 100
    assert r.max_points <= q.max_points


@given(with_answers, st.data())
def test_raising_one_answer_never_lowers_any_score(
    qa: tuple[Questionnaire, dict[str, Answer]], data: st.DataObject
) -> None:
    q, answers = qa
    candidates = [x for x in q.questions if values_of(x) and not answers.get(x.id, Answer()).na]
    assume(candidates)
    x = data.draw(st.sampled_from(candidates))
    current = answer_fraction(x, answers.get(x.id))
    higher = [v for v in values_of(x) if (answer_fraction(x, Answer(v)) or 0) > (current or -1)]
    assume(higher)
    raised = {**answers, x.id: Answer(data.draw(st.sampled_from(higher)))}
    before, after = score_assessment(q, answers), score_assessment(q, raised)
    for (name, p0, m0), (_n, p1, m1) in zip(all_figures(before), all_figures(after), strict=True):
        assert p1 >= p0, name
        assert m1 == m0, name
    assert after.percent >= before.percent
    for qid, qs in before.questions.items():
        assert after.questions[qid].points >= qs.points


@given(with_answers, st.randoms(use_true_random=False))
def test_answer_order_does_not_matter(qa: tuple[Questionnaire, dict[str, Answer]], rnd) -> None:
    q, answers = qa
    items = list(answers.items())
    rnd.shuffle(items)
    assert score_assessment(q, dict(items)) == score_assessment(q, answers)


@given(with_answers, st.data())
def test_na_keeps_max_points_when_the_group_has_other_questions(
    qa: tuple[Questionnaire, dict[str, Answer]], data: st.DataObject
) -> None:
    q, answers = qa
    answers = {k: v for k, v in answers.items() if not v.na}  # start without N/A

    def group_mates(x: Question) -> list[Question]:
        return [y for y in q.questions
                if y.scored and y.id != x.id and y.section_id == x.section_id
                and y.item_id == x.item_id]  # fmt: skip

    candidates = [x for x in q.questions if x.scored and x.allow_na and group_mates(x)]
    assume(candidates)
    x = data.draw(st.sampled_from(candidates))
    before = score_assessment(q, answers)
    after = score_assessment(q, {**answers, x.id: NA})
    assert after.max_points == before.max_points == round(q.max_points, 1)
    assert after.section(x.section_id).max_points == before.section(x.section_id).max_points
    assert after.questions[x.id].points == 0 and after.questions[x.id].na


@given(questionnaires, st.data())
def test_all_top_with_some_na_still_gives_the_maximum(
    q: Questionnaire, data: st.DataObject
) -> None:
    answers: dict[str, Answer] = {}
    for x in q.questions:
        if values_of(x):
            na = x.allow_na and data.draw(st.booleans())
            answers[x.id] = NA if na else Answer(values_of(x)[-1])
    r = score_assessment(q, answers)
    assume(r.max_points > 0)
    assert r.total_points == r.max_points
    assert r.percent == 100.0
    for s in r.sections:
        assert s.points == s.max_points
        assert s.percent == (100.0 if s.max_points > 0 else 0.0)
    assert improvement_plan(q, answers, r) == []


@given(questionnaires)
def test_all_top_is_exactly_max_and_all_bottom_is_zero(q: Questionnaire) -> None:
    top = {x.id: Answer(values_of(x)[-1]) for x in q.questions if values_of(x)}
    bottom = {x.id: Answer(values_of(x)[0]) for x in q.questions if values_of(x)}
    rt, rb = score_assessment(q, top), score_assessment(q, bottom)
    assert rt.total_points == rt.max_points == round(q.max_points, 1)
    assert rt.percent == 100.0
    assert rb.total_points == 0.0 and rb.percent == 0.0
    for s in rt.sections:
        assert s.points == s.max_points == round(q.section(s.section_id).points, 1)
    # unanswered counts as the bottom
    assert score_assessment(q, {}).total_points == 0.0


@given(with_answers)
def test_plan_is_ranked_by_band_then_recoverable_points(
    qa: tuple[Questionnaire, dict[str, Answer]],
) -> None:
    q, answers = qa
    plan = improvement_plan(q, answers, score_assessment(q, answers))

    items = holistic_assessments(q, answers)

    def band_of(question_id: str) -> int:
        question, answer = q.question(question_id), answers.get(question_id)
        if question.item_id in items:
            return items[question.item_id].band.band
        if question.answer_type is not AnswerType.BAND:
            return 0  # maturity and other scales rank by points alone
        frac = answer_fraction(question, answer) or 0.0
        return (band_index(round(frac * 100)) or 0) + 1

    def gain_of(p: Any) -> float:  # a holistic step is ranked by its item's one-band gain
        question = q.question(p.question_id)
        if question.item_id in items:
            ia = items[question.item_id]
            return band_step_gain(ia.holistic.item.points, ia.band.band)
        return p.recoverable_points

    def kind_of(question_id: str) -> int:
        item = q.question(question_id).item_id
        return int(item in items and items[item].holistic.kind == "results")

    keys = [(band_of(p.question_id), kind_of(p.question_id), -round(gain_of(p), 6)) for p in plan]
    assert keys == sorted(keys)
    gains = [p.recoverable_points for p in plan]
    assert all(g >= 0 for g in gains)
    assert not {p.question_id for p in plan} & {k for k, v in answers.items() if v.na}
