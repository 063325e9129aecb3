"""Answers: turning raw form/XLSX strings into typed answers, and answers into fractions and labels.

Form and spreadsheet input is untrusted text, so :func:`parse_answer` never raises for bad input:
it returns a bilingual message the UI shows next to the question. A blank value is "not answered
yet", not an error; completeness is checked separately by :func:`missing_required`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .holistic import band_of_value
from .measures import measures_from_value, measures_text, parse_measures
from .questionnaire import (
    BANDS,
    YES_PARTLY_NO_VALUES,
    AnswerType,
    Question,
    Questionnaire,
    band_index,
)
from .text import Text

MAX_TEXT_LENGTH = 4000

NA_LABEL = Text("不适用", "N/A")
UNANSWERED_LABEL = Text("未作答", "Not answered")

ERR_MATURITY = Text("请选择 0–5 级", "Choose a level from 0 to 5")
ERR_BAND = Text(
    "请填写落在评分档内的 5 的倍数百分比（0–5、10–25、30–45、50–65、70–85、90–100）",
    "Enter a percentage in steps of 5 inside a band (0–5, 10–25, 30–45, 50–65, 70–85, 90–100)",
)
ERR_YPN = Text("请选择“是”“部分”或“否”", "Choose yes, partly or no")
ERR_CHOICE = Text("请从列出的选项中选择", "Choose one of the listed options")
ERR_NUMBER = Text("请填写数字", "Enter a number")
ERR_TEXT_TOO_LONG = Text(
    f"文字不能超过 {MAX_TEXT_LENGTH} 个字符", f"Text must be at most {MAX_TEXT_LENGTH} characters"
)
ERR_NA_REASON = Text("不适用需要说明理由", "N/A needs a reason")
ERR_NA_NOT_ALLOWED = Text("此题不允许选择不适用", "This question cannot be marked N/A")
ERR_FACTOR = Text("请选择第1–6级", "Choose a rating from 1 to 6")
ERR_ITEM_SCORE = Text(
    "请填写评分档内的 5 的倍数百分比，或留空采用建议分",
    "Enter a percentage in steps of 5 inside a band, or leave it blank to keep the proposal",
)

_YPN_ALIASES: Mapping[str, str] = {
    "yes": "yes", "y": "yes", "是": "yes", "有": "yes", "1": "yes",
    "partly": "partly", "partial": "partly", "部分": "partly", "0.5": "partly",
    "no": "no", "n": "no", "否": "no", "无": "no", "0": "no",
}  # fmt: skip
_YPN_LABELS: Mapping[str, Text] = {
    "yes": Text("是", "Yes"),
    "partly": Text("部分", "Partly"),
    "no": Text("否", "No"),
}
_YPN_ORDER = ("no", "partly", "yes")


@dataclass(frozen=True)
class Answer:
    """One answer: a value, or N/A with a reason; ``evidence`` is the respondent's own note."""

    value: int | float | str | list[dict[str, Any]] | None = None
    na: bool = False
    na_reason: str = ""
    evidence: str = ""

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able form for storage."""
        return {
            "value": self.value,
            "na": self.na,
            "na_reason": self.na_reason,
            "evidence": self.evidence,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Answer:
        """Inverse of :meth:`to_data`; missing keys take their defaults."""
        return cls(
            value=data.get("value"),
            na=bool(data.get("na", False)),
            na_reason=str(data.get("na_reason", "") or ""),
            evidence=str(data.get("evidence", "") or ""),
        )


def _parse_int(raw: str) -> int | None:
    s = raw.strip().rstrip("%").strip()
    try:
        f = float(s)
    except ValueError:
        return None
    if not math.isfinite(f) or not f.is_integer():
        return None
    return int(f)


def _parse_value(question: Question, raw: str) -> tuple[int | float | str | None, Text | None]:
    t = question.answer_type
    if t is AnswerType.MATURITY:
        s = raw.strip().upper().removeprefix("L")
        v = _parse_int(s)
        return (v, None) if v is not None and 0 <= v <= 5 else (None, ERR_MATURITY)
    if t is AnswerType.BAND:
        v = _parse_int(raw)
        ok = v is not None and v % 5 == 0 and band_index(v) is not None
        return (v, None) if ok else (None, ERR_BAND)
    if t is AnswerType.FACTOR:
        v = _parse_int(raw.strip().upper().removeprefix("R"))
        return (v, None) if v is not None and 1 <= v <= 6 else (None, ERR_FACTOR)
    if t is AnswerType.ITEM_SCORE:
        v = _parse_int(raw)
        ok = v is not None and v % 5 == 0 and band_of_value(v) is not None
        return (v, None) if ok else (None, ERR_ITEM_SCORE)
    if t is AnswerType.MEASURES:
        measures, errors = parse_measures(raw)
        if errors:
            return None, Text("；".join(e.zh for e in errors), "; ".join(e.en for e in errors))
        return [m.to_data() for m in measures] or None, None
    if t is AnswerType.YES_PARTLY_NO:
        key = _YPN_ALIASES.get(raw.strip().lower())
        return (key, None) if key else (None, ERR_YPN)
    if t is AnswerType.CHOICE:
        s = raw.strip()
        for o in question.options:
            if s in (o.id, o.label.zh, o.label.en) or s.lower() == o.id.lower():
                return o.id, None
        return None, ERR_CHOICE
    if t is AnswerType.NUMBER:
        try:
            f = float(raw.strip().replace(",", ""))
        except ValueError:
            return None, ERR_NUMBER
        if not math.isfinite(f):
            return None, ERR_NUMBER
        lo, hi = question.min, question.max
        if (lo is not None and f < lo) or (hi is not None and f > hi):
            return None, _range_error(lo, hi)
        return (int(f) if f.is_integer() else f), None
    s = raw.strip()
    return (s, None) if len(s) <= MAX_TEXT_LENGTH else (None, ERR_TEXT_TOO_LONG)


def _range_error(lo: float | None, hi: float | None) -> Text:
    if lo is not None and hi is not None:
        return Text(f"请填写 {lo:g}–{hi:g} 之间的数字", f"Enter a number from {lo:g} to {hi:g}")
    if lo is not None:
        return Text(f"请填写不小于 {lo:g} 的数字", f"Enter a number of at least {lo:g}")
    return Text(f"请填写不大于 {hi:g} 的数字", f"Enter a number of at most {hi:g}")


def parse_answer(
    question: Question,
    raw_value: str | None,
    na: bool = False,
    na_reason: str = "",
    evidence: str = "",
) -> tuple[Answer, Text | None]:
    """Convert raw input into an Answer; the Text is a bilingual error (the Answer is then blank).

    A blank value without N/A yields ``Answer(value=None)`` (unanswered), not an error. N/A drops
    any value given and needs ``allow_na`` and a reason.
    """
    evidence = (evidence or "").strip()
    if na:
        reason = (na_reason or "").strip()
        if not question.allow_na:
            return Answer(evidence=evidence), ERR_NA_NOT_ALLOWED
        if not reason:
            return Answer(evidence=evidence), ERR_NA_REASON
        return Answer(na=True, na_reason=reason, evidence=evidence), None
    if raw_value is None or not str(raw_value).strip():
        return Answer(evidence=evidence), None
    value, error = _parse_value(question, str(raw_value))
    if error is not None:
        return Answer(evidence=evidence), error
    return Answer(value=value, evidence=evidence), None


def is_answered(question: Question, answer: Answer | None) -> bool:
    """True when the answer holds a valid value for the question or is a justified N/A."""
    if answer is None:
        return False
    if answer.na:
        return question.allow_na
    if answer.value is None or answer.value == "" or answer.value == []:
        return False
    return answer_fraction(question, answer) is not None or not question.scored


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> list[Question]:
    """Required questions without an answer (N/A counts as answered), in questionnaire order."""
    proposed = _proposed_factor_questions(questionnaire, answers)
    return [
        q
        for q in questionnaire.questions
        if q.required and not is_answered(q, answers.get(q.id)) and q.id not in proposed
    ]


def _proposed_factor_questions(
    questionnaire: Questionnaire, answers: Mapping[str, Answer]
) -> set[str]:
    """Results-factor questions the portal rates from entered measures (blank = the proposal)."""
    out: set[str] = set()
    for h in questionnaire.holistic_items.values():
        if h.measures is not None and is_answered(h.measures, answers.get(h.measures.id)):
            out.update(q.id for q in h.factors)
    return out


def answer_fraction(question: Question, answer: Answer | None) -> float | None:
    """Fraction 0..1 of the question's points earned, None when unanswered/N/A/unscored/invalid."""
    if answer is None or answer.na or answer.value is None or not question.scored:
        return None
    v = answer.value
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return v / 5 if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5 else None
    if t is AnswerType.BAND:
        if isinstance(v, int | float) and not isinstance(v, bool) and band_index(v) is not None:
            return float(v) / 100
        return None
    if t is AnswerType.YES_PARTLY_NO:
        return YES_PARTLY_NO_VALUES.get(v) if isinstance(v, str) else None
    if t is AnswerType.FACTOR:
        ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6
        return (v - 1) / 5 if ok else None  # type: ignore[operator]
    if t is AnswerType.CHOICE:
        opt = question.option(v) if isinstance(v, str) else None
        return opt.score if opt else None
    if t is AnswerType.NUMBER and isinstance(v, int | float) and not isinstance(v, bool):
        reached = [th.score for th in question.thresholds if v >= th.min]
        return reached[-1] if reached else 0.0
    return None


def level_index(question: Question, answer: Answer | None) -> int | None:
    """The level/band/option index an answer is AT (the key into ``question.suggestions``)."""
    frac = answer_fraction(question, answer)
    if frac is None or answer is None:
        return None
    v = answer.value
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return int(v)  # type: ignore[arg-type]
    if t is AnswerType.BAND:
        return band_index(float(v))  # type: ignore[arg-type]
    if t is AnswerType.FACTOR:
        return int(v) - 1  # type: ignore[arg-type]
    if t is AnswerType.YES_PARTLY_NO:
        return _YPN_ORDER.index(str(v))
    if t is AnswerType.CHOICE:
        return next(i for i, o in enumerate(question.options) if o.id == v)
    reached = [i for i, th in enumerate(question.thresholds) if v >= th.min]  # type: ignore[operator]
    return reached[-1] if reached else None


@dataclass(frozen=True)
class NextStep:
    """The next step up from an answer: its label and the fraction of points it is worth."""

    label: Text
    fraction: float


def next_step(question: Question, answer: Answer | None) -> NextStep | None:
    """The nearest higher step for an answer (None at the top, or when unscored/N/A).

    Unanswered questions count as the bottom step. Bands step to the next band's lowest value
    (band 6 answers below 100% step to 100%).
    """
    if not question.scored or (answer is not None and answer.na):
        return None
    frac = answer_fraction(question, answer)
    current = 0.0 if frac is None else frac
    t = question.answer_type
    if t is AnswerType.MATURITY:
        nxt = round(current * 5) + 1
        return NextStep(_maturity_label(question, nxt), nxt / 5) if nxt <= 5 else None
    if t is AnswerType.FACTOR:
        rating = round(current * 5) + 1
        if rating >= 6:
            return None
        return NextStep(factor_rating_label(question, rating + 1), rating / 5)
    if t is AnswerType.BAND:
        pct = round(current * 100)
        for i, (lo, _hi) in enumerate(BANDS):
            if lo > pct:
                return NextStep(band_label(question, i), lo / 100)
        return NextStep(band_label(question, 5), 1.0) if pct < 100 else None
    if t is AnswerType.YES_PARTLY_NO:
        for key in _YPN_ORDER:
            if YES_PARTLY_NO_VALUES[key] > current:
                return NextStep(_YPN_LABELS[key], YES_PARTLY_NO_VALUES[key])
        return None
    if t is AnswerType.CHOICE:
        better = [o for o in question.options if o.score > current]
        if not better:
            return None
        o = min(better, key=lambda o: o.score)
        return NextStep(o.label, o.score)
    better_t = [th for th in question.thresholds if th.score > current]
    if not better_t:
        return None
    th = min(better_t, key=lambda th: th.score)
    unit = question.unit or Text("", "")
    return NextStep(Text(f"≥ {th.min:g}{unit.zh}", f"≥ {th.min:g} {unit.en}".rstrip()), th.score)


def _maturity_label(question: Question, value: int) -> Text:
    label = question.levels[value].label
    return Text(f"第{value}级 – {label.zh}", f"Level {value} – {label.en}")


def factor_rating_label(question: Question, rating: int) -> Text:
    """'第3级 – 主要部门和场所已经使用……' / 'Rating 3 – Used in the main departments …'."""
    lv = question.levels[rating - 1]
    return Text(f"{lv.label.zh} – {lv.descriptor.zh}", f"{lv.label.en} – {lv.descriptor.en}")


def band_label(question: Question, index: int) -> Text:
    """Label of a band by index, e.g. '第4档（50–65%）' / 'Band 4 (50–65%)'."""
    lo, hi = BANDS[index]
    return Text(f"第{index + 1}档（{lo}–{hi}%）", f"Band {index + 1} ({lo}–{hi}%)")


def answer_text(question: Question, answer: Answer | None) -> Text:
    """Bilingual human text of an answer (see :func:`answer_label`)."""
    if answer is not None and answer.na:
        return NA_LABEL
    if answer is None or answer.value is None or answer.value == "":
        return UNANSWERED_LABEL
    v = answer.value
    t = question.answer_type
    if t is AnswerType.MATURITY and answer_fraction(question, answer) is not None:
        return _maturity_label(question, int(v))  # type: ignore[arg-type]
    if t is AnswerType.BAND and answer_fraction(question, answer) is not None:
        b = band_index(float(v)) + 1  # type: ignore[arg-type,operator]
        return Text(f"{v:g}%（第{b}档）", f"{v:g}% (band {b})")  # type: ignore[str-format]
    if t is AnswerType.FACTOR and answer_fraction(question, answer) is not None:
        return question.levels[int(v) - 1].label  # type: ignore[arg-type]
    if t is AnswerType.ITEM_SCORE and isinstance(v, int):
        return Text(f"{v}%", f"{v}%")
    if t is AnswerType.MEASURES:
        n = len(measures_from_value(v))
        return Text(f"{n}项关键指标", f"{n} key measure{'s' if n != 1 else ''}")
    if t is AnswerType.YES_PARTLY_NO and v in _YPN_LABELS:
        return _YPN_LABELS[str(v)]
    if t is AnswerType.CHOICE:
        opt = question.option(str(v))
        if opt:
            return opt.label
    if t is AnswerType.NUMBER and isinstance(v, int | float):
        unit = question.unit or Text("", "")
        return Text(f"{v:g}{unit.zh}", f"{v:g} {unit.en}".rstrip())
    return Text(str(v), str(v))


def answer_input(question: Question, answer: Answer | None) -> str:
    """The stored value as the text a form field shows (measures as tab-separated rows)."""
    if answer is None or answer.value is None:
        return ""
    if question.answer_type is AnswerType.MEASURES:
        return measures_text(measures_from_value(answer.value))
    return str(answer.value)


def answer_label(question: Question, answer: Answer | None, lang: str) -> str:
    """Human text of an answer in one language, e.g. 'Level 3 – Defined', '50%（第4档）', 'N/A'."""
    return answer_text(question, answer).get(lang)
