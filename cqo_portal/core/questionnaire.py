"""Questionnaire definitions: the data model, loading from YAML/JSON, validation and diffing.

A questionnaire file is data written by quality experts and uploaded by admins, so the loader
collects *every* problem (``FILE: path.to.field: problem``) instead of stopping at the first one,
and a parsed :class:`Questionnaire` is guaranteed consistent enough for scoring to never fail.
The file format is documented in ``docs/questionnaire-format.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import jsonschema
import yaml

from .holistic import FactorId, factor_levels, factors_of
from .text import Text

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "questionnaires"
SCHEMA_PATH = QUESTIONNAIRE_DIR / "schema.json"

ScoringMethod = Literal["maturity", "gbt19580"]
ItemKind = Literal["process", "results"]

#: The six GB/T 19580 scoring bands as (lowest, highest) percent; band index 0..5 = band 1..6.
BANDS: tuple[tuple[int, int], ...] = ((0, 5), (10, 25), (30, 45), (50, 65), (70, 85), (90, 100))


class AnswerType(StrEnum):
    """How a question is answered, and so how an answer turns into a fraction of its points."""

    MATURITY = "maturity"
    BAND = "band"
    YES_PARTLY_NO = "yes_partly_no"
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"
    #: One of a holistic item's four factors, rated 1..6 against that factor's descriptors.
    FACTOR = "factor"
    #: A results item's key measures (values per period, target, comparison); not scored itself.
    MEASURES = "measures"
    #: The respondent's adjustment of a holistic item's proposed value, with a reason.
    ITEM_SCORE = "item_score"


YES_PARTLY_NO_VALUES: Mapping[str, float] = MappingProxyType({"no": 0.0, "partly": 0.5, "yes": 1.0})


@dataclass(frozen=True)
class Level:
    """One step of a maturity scale or one GB/T 19580 band, with what it looks like in practice."""

    value: int
    label: Text
    descriptor: Text


@dataclass(frozen=True)
class Option:
    """One CHOICE option; ``score`` is the fraction of the question's points (0..1)."""

    id: str
    label: Text
    score: float


@dataclass(frozen=True)
class Threshold:
    """NUMBER scoring step: a value >= ``min`` earns ``score`` (the highest reached step wins)."""

    min: float
    score: float


@dataclass(frozen=True)
class Subclause:
    """A lettered requirement of an item (4.1.2 a) ...) and what an examiner asks to see for it."""

    id: str
    text: Text
    evidence: Text


@dataclass(frozen=True)
class Item:
    """A GB/T 19580 assessment item (e.g. 4.1.2) carrying its own points inside a section."""

    id: str
    title: Text
    points: float
    kind: ItemKind | None = None
    subclauses: tuple[Subclause, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question; scored questions earn a fraction of their item's/section's points."""

    id: str
    section_id: str
    item_id: str | None
    text: Text
    guidance: Text
    answer_type: AnswerType
    required: bool = True
    allow_na: bool = False
    clause: str = ""
    weight: float = 1.0
    levels: tuple[Level, ...] = ()
    options: tuple[Option, ...] = ()
    suggestions: Mapping[int, Text] = field(default_factory=lambda: MappingProxyType({}))
    min: float | None = None
    max: float | None = None
    unit: Text | None = None
    thresholds: tuple[Threshold, ...] = ()
    factor: FactorId | None = None

    @property
    def scored(self) -> bool:
        """Whether the answer earns points (NUMBER only with thresholds, TEXT never).

        A FACTOR question is scored through its item (see :mod:`.holistic`); MEASURES and
        ITEM_SCORE questions feed their item's score but earn nothing themselves.
        """
        if self.answer_type in (AnswerType.TEXT, AnswerType.MEASURES, AnswerType.ITEM_SCORE):
            return False
        if self.answer_type is AnswerType.NUMBER:
            return bool(self.thresholds)
        return True

    def option(self, option_id: str) -> Option | None:
        """The CHOICE option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Section:
    """A part of the questionnaire (an ISO 9001 clause group or a GB/T 19580 category)."""

    id: str
    title: Text
    intro: Text
    points: float
    items: tuple[Item, ...]
    questions: tuple[Question, ...]

    def item(self, item_id: str) -> Item | None:
        """The item with this id in this section, or None."""
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class ScoringGroup:
    """Scored questions sharing ``points`` by weight: an item's, or a section's without items."""

    section_id: str
    item_id: str | None
    points: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A validated, immutable questionnaire; build it with :func:`parse_questionnaire`."""

    id: str
    version: str
    title: Text
    intro: Text
    scoring_method: ScoringMethod
    sections: tuple[Section, ...]

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """All questions in questionnaire order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _by_id(self) -> Mapping[str, Question]:
        return MappingProxyType({q.id: q for q in self.questions})

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError when unknown)."""
        return self._by_id[question_id]

    def section(self, section_id: str) -> Section:
        """The section with this id (KeyError when unknown)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    @cached_property
    def scored_questions(self) -> tuple[Question, ...]:
        """The questions that earn points, in questionnaire order."""
        return tuple(q for q in self.questions if q.scored)

    @cached_property
    def scoring_groups(self) -> tuple[ScoringGroup, ...]:
        """The point-sharing groups: one per item, or per section without items (in order)."""
        groups = []
        for s in self.sections:
            scored = tuple(q for q in s.questions if q.scored)
            if s.items:
                for it in s.items:
                    members = tuple(q for q in scored if q.item_id == it.id)
                    groups.append(ScoringGroup(s.id, it.id, it.points, members))
            elif scored:
                groups.append(ScoringGroup(s.id, None, s.points, scored))
        return tuple(groups)

    @cached_property
    def holistic_items(self) -> Mapping[str, HolisticItem]:
        """Items scored holistically from factor questions, by item id."""
        out: dict[str, HolisticItem] = {}
        for s in self.sections:
            for it in s.items:
                members = [q for q in s.questions if q.item_id == it.id]
                factors = {q.factor: q for q in members if q.answer_type is AnswerType.FACTOR}
                if not factors:
                    continue
                out[it.id] = HolisticItem(
                    item=it,
                    section_id=s.id,
                    kind=it.kind or "process",
                    factors=tuple(factors[f] for f in factors_of(it.kind or "process")),
                    measures=next(
                        (q for q in members if q.answer_type is AnswerType.MEASURES), None
                    ),
                    adjustment=next(
                        (q for q in members if q.answer_type is AnswerType.ITEM_SCORE), None
                    ),
                )
        return MappingProxyType(out)

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError when unknown)."""
        for s in self.sections:
            for it in s.items:
                if it.id == item_id:
                    return it
        raise KeyError(item_id)

    @property
    def max_points(self) -> float:
        """Points available when nothing is N/A (the declared total)."""
        # Rounded to 9 decimals so binary noise (16.4 + 29.7) never exceeds a rounded score.
        return round(math.fsum(s.points for s in self.sections), 9)

    def to_data(self) -> dict[str, Any]:
        """JSON-able dict in the file format; ``parse_questionnaire`` round-trips it exactly."""
        return {
            "format": 1,
            "id": self.id,
            "version": self.version,
            "title": self.title.to_data(),
            "intro": self.intro.to_data(),
            "scoring_method": self.scoring_method,
            "total_points": _num(self.max_points),
            "sections": [_section_data(s) for s in self.sections],
        }

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of :meth:`to_data`; identifies content, not file layout."""
        canonical = json.dumps(
            self.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class HolisticItem:
    """An item rated on four factors: its factor questions (in factor order) and helpers."""

    item: Item
    section_id: str
    kind: ItemKind
    factors: tuple[Question, ...]
    measures: Question | None
    adjustment: Question | None


class QuestionnaireError(ValueError):
    """A questionnaire file or dict is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        shown = "\n".join(self.errors[:20])
        more = f"\n… and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{len(self.errors)} problem(s) in questionnaire:\n{shown}{more}")


@dataclass(frozen=True)
class Change:
    """One difference between two questionnaire versions, for the admin "what changed" view."""

    kind: Literal["added", "removed", "changed"]
    path: str
    detail: str


# --------------------------------------------------------------------------- defaults

MATURITY_LABELS: tuple[Text, ...] = (
    Text("未建立", "Not in place"),
    Text("起步", "Initial"),
    Text("受控", "Managed"),
    Text("规范", "Defined"),
    Text("量化改进", "Measured and improving"),
    Text("卓越", "Best practice"),
)

BAND_LABELS: tuple[Text, ...] = tuple(
    Text(f"第{i + 1}档 {lo}–{hi}%", f"Band {i + 1}: {lo}–{hi}%") for i, (lo, hi) in enumerate(BANDS)
)

PROCESS_BAND_DESCRIPTORS: tuple[Text, ...] = (
    Text("没有系统的方法，只有零星的做法或个别事例。", "No systematic approach; only anecdotes."),
    Text(
        "少数领域开始有系统的方法，主要是出了问题再应对。",
        "A systematic approach is beginning in a few areas; mostly reacting to problems.",
    ),
    Text(
        "针对基本要求有有效的系统方法，开始展开，开始有改进。",
        "An effective, systematic approach for the basic requirements; early deployment; "
        "improvement is beginning.",
    ),
    Text(
        "针对总体要求有有效方法并良好展开，基于事实改进，与关键需求协调一致。",
        "An effective approach for the overall requirements, well deployed; fact-based "
        "improvement; aligned with key needs.",
    ),
    Text(
        "针对多重要求有有效方法，展开无明显差距，有组织学习和创新，已经整合。",
        "Effective for multiple requirements, well deployed with no significant gaps; "
        "organisational learning and innovation; integrated.",
    ),
    Text(
        "方法堪称典范，全面展开，创新与分享贯穿全组织，完全整合。",
        "Exemplary, fully deployed; innovation and sharing throughout; fully integrated.",
    ),
)

RESULTS_BAND_DESCRIPTORS: tuple[Text, ...] = (
    Text("没有结果或结果很差。", "No results or poor results."),
    Text(
        "有少量结果，个别表现开始变好，几乎没有趋势和对比数据。",
        "A few results, some early good performance, little trend or comparison data.",
    ),
    Text(
        "部分领域表现良好，有一些趋势，开始有对比。",
        "Good performance in some areas, some trends, early comparisons.",
    ),
    Text(
        "多数领域水平良好且趋势向好，有一些有利的对比。",
        "Good levels and improving trends in most areas; some favourable comparisons.",
    ),
    Text(
        "水平良好至优秀，持续改进，多项对比有利，部分领先。",
        "Good to excellent levels, sustained improvement, many favourable comparisons, "
        "some leadership.",
    ),
    Text(
        "水平优秀，趋势持续向好，达到行业领先和标杆水平。",
        "Excellent levels, sustained trends, industry and benchmark leadership.",
    ),
)


_BAND_OF_INT: Mapping[int, int] = MappingProxyType(
    {v: i for i, (lo, hi) in enumerate(BANDS) for v in range(lo, hi + 1)}
)


def band_index(percent: float) -> int | None:
    """Index 0..5 of the band containing an answer value, or None for values in the 5% gaps."""
    if type(percent) is int:
        return _BAND_OF_INT.get(percent)
    for i, (lo, hi) in enumerate(BANDS):
        if lo <= percent <= hi:
            return i
    return None


FACTOR_RATING_LABELS: tuple[Text, ...] = tuple(Text(f"第{i}级", f"Rating {i}") for i in range(1, 7))


def default_factor_levels(kind: ItemKind | None, factor: FactorId) -> tuple[Level, ...]:
    """Ratings 1..6 of one factor with the portal's descriptors for it (value = rating)."""
    descs = factor_levels(kind or "process", factor)
    return tuple(Level(i + 1, FACTOR_RATING_LABELS[i], descs[i]) for i in range(6))


def default_band_levels(kind: ItemKind | None) -> tuple[Level, ...]:
    """The standard six bands with process or results descriptors (process when kind is None)."""
    descs = RESULTS_BAND_DESCRIPTORS if kind == "results" else PROCESS_BAND_DESCRIPTORS
    return tuple(Level(i, BAND_LABELS[i], descs[i]) for i in range(6))


def suggestion_keys(question: Question) -> range:
    """Valid ``suggestions`` keys: the level index an answer can be at while below the top."""
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return range(0, 5)
    if t is AnswerType.BAND:
        return range(0, 6)  # band 6 (index 5) answers of 90/95% still have room to 100%
    if t is AnswerType.YES_PARTLY_NO:
        return range(0, 2)  # 0 = no, 1 = partly
    if t is AnswerType.CHOICE:
        return range(0, len(question.options))  # option position in the list
    if t is AnswerType.NUMBER and question.thresholds:
        return range(0, len(question.thresholds))
    if t is AnswerType.FACTOR:
        return range(0, 5)  # rating 1..5 (key = rating - 1); rating 6 is the top
    return range(0)


# --------------------------------------------------------------------------- serialisation


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _optional_text(key: str, text: Text) -> dict[str, Any]:
    """An optional bilingual field is written only when it has text, so to_data() reloads."""
    return {key: text.to_data()} if (text.zh or text.en) else {}


def _question_data(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "item": q.item_id,
        "text": q.text.to_data(),
        **_optional_text("guidance", q.guidance),
        "answer_type": q.answer_type.value,
        "required": q.required,
        "allow_na": q.allow_na,
        "clause": q.clause,
        "weight": _num(q.weight),
        "levels": [
            {"value": lv.value, "label": lv.label.to_data(), "descriptor": lv.descriptor.to_data()}
            for lv in q.levels
        ],
        "options": [
            {"id": o.id, "label": o.label.to_data(), "score": _num(o.score)} for o in q.options
        ],
        "suggestions": {str(k): v.to_data() for k, v in sorted(q.suggestions.items())},
        "min": None if q.min is None else _num(q.min),
        "max": None if q.max is None else _num(q.max),
        "unit": None if q.unit is None else q.unit.to_data(),
        "thresholds": [{"min": _num(t.min), "score": _num(t.score)} for t in q.thresholds],
        **({"factor": q.factor} if q.factor else {}),
    }


def _section_data(s: Section) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title.to_data(),
        **_optional_text("intro", s.intro),
        "points": _num(s.points),
        "items": [
            {
                "id": i.id,
                "title": i.title.to_data(),
                "points": _num(i.points),
                "kind": i.kind,
                **(
                    {
                        "subclauses": [
                            {
                                "id": c.id,
                                "text": c.text.to_data(),
                                **_optional_text("evidence", c.evidence),
                            }
                            for c in i.subclauses
                        ]
                    }
                    if i.subclauses
                    else {}
                ),
            }
            for i in s.items
        ],
        "questions": [_question_data(q) for q in s.questions],
    }


# --------------------------------------------------------------------------- parsing

_VALIDATOR: jsonschema.Draft202012Validator | None = None
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _validator() -> jsonschema.Draft202012Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        _VALIDATOR = jsonschema.Draft202012Validator(_inline_refs(schema, schema["$defs"]))
    return _VALIDATOR


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """Replace local ``#/$defs/x`` refs by their target (the schema is not recursive).

    Validation then skips reference resolution, which is most of its cost on large files.
    """
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _fmt_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


def _stringify_keys(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _stringify_keys(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_stringify_keys(v) for v in obj]
    return obj


def _schema_message(err: jsonschema.ValidationError) -> tuple[str, str]:
    """(path, human message) for a schema error."""
    path = list(err.absolute_path)
    v = err.validator
    if v == "required":
        missing = [p for p in err.validator_value if p not in (err.instance or {})]
        return _fmt_path(path), "missing required field " + ", ".join(f"'{m}'" for m in missing)
    if v == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(str(k) for k in err.instance if k not in allowed)
        return _fmt_path(path), "unknown field(s) " + ", ".join(f"'{e}'" for e in extra)
    if v == "enum":
        allowed = ", ".join("null" if a is None else str(a) for a in err.validator_value)
        return _fmt_path(path), f"unknown value {err.instance!r} (expected one of: {allowed})"
    if v == "pattern" and err.validator_value == "\\S":
        return _fmt_path(path), "text must not be empty"
    if v == "pattern":
        return _fmt_path(path), f"{err.instance!r} is not a valid id (letters, digits, . _ -)"
    if v == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return _fmt_path(path), f"expected {expected}, got {type(err.instance).__name__}"
    if v == "anyOf" and path and path[-1] == "item":
        return _fmt_path(path), f"{err.instance!r} is not a valid item id"
    if v == "anyOf" and path and path[-1] == "unit":
        return _fmt_path(path), "unit must be a {zh, en} text or null"
    return _fmt_path(path), err.message


class _Collector:
    """Accumulates ``SOURCE: path: problem`` messages."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def add(self, path: str, problem: str) -> None:
        self.errors.append(f"{self.source}: {path}: {problem}")


def _text(obj: Any) -> Text:
    return Text.from_data(obj) if obj is not None else Text("", "")


def _parse_levels(
    raw: list[Mapping[str, Any]],
    labels: Sequence[Text],
    path: str,
    errs: _Collector,
    start: int = 0,
) -> tuple[Level, ...]:
    """Levels listed in order; ``start`` is the first value (0 for scales, 1 for ratings)."""
    levels: list[Level] = []
    for i, lv in enumerate(raw):
        p = f"{path}[{i}]"
        if "zh" in lv or "en" in lv:
            if set(lv) - {"zh", "en"} or not ("zh" in lv and "en" in lv):
                errs.add(
                    p, "a level is either {zh, en} (descriptor only) or {value, label, descriptor}"
                )
                continue
            levels.append(
                Level(
                    i + start,
                    labels[i] if i < len(labels) else Text("", ""),
                    Text.from_data(lv),
                )
            )
            continue
        if "descriptor" not in lv:
            errs.add(p, "missing required field 'descriptor'")
            continue
        value = lv.get("value", i + start)
        if value != i + start:
            errs.add(
                f"{p}.value",
                f"levels must be listed in order {start}..{start + 5}; expected {i + start}, "
                f"got {value}",
            )
        label = _text(lv["label"]) if "label" in lv else (labels[i] if i < len(labels) else None)
        if label is None:
            errs.add(p, "missing required field 'label'")
            continue
        levels.append(Level(i + start, label, Text.from_data(lv["descriptor"])))
    return tuple(levels)


def _parse_question(
    raw: Mapping[str, Any],
    section_id: str,
    items: Mapping[str, Item],
    path: str,
    errs: _Collector,
) -> Question:
    atype = AnswerType(raw["answer_type"])
    item_id = raw.get("item")
    item = items.get(item_id) if item_id is not None else None
    if item_id is not None and item is None:
        errs.add(
            f"{path}.item", f"unknown item {item_id!r} (not an item of section {section_id!r})"
        )

    allowed = {
        "levels": atype in (AnswerType.MATURITY, AnswerType.BAND, AnswerType.FACTOR),
        "factor": atype is AnswerType.FACTOR,
        "options": atype is AnswerType.CHOICE,
        "thresholds": atype is AnswerType.NUMBER,
        "min": atype is AnswerType.NUMBER,
        "max": atype is AnswerType.NUMBER,
        "unit": atype is AnswerType.NUMBER,
    }
    for key, ok in allowed.items():
        if not ok and raw.get(key) not in (None, [], {}):
            errs.add(f"{path}.{key}", f"not allowed for {atype.value} questions")

    levels: tuple[Level, ...] = ()
    raw_levels = raw.get("levels") or []
    if atype is AnswerType.MATURITY:
        levels = _parse_levels(raw_levels, MATURITY_LABELS, f"{path}.levels", errs)
        if len(raw_levels) != 6:
            errs.add(
                f"{path}.levels",
                f"maturity questions need exactly 6 levels (0-5), got {len(raw_levels)}",
            )
    elif atype is AnswerType.BAND:
        kind = item.kind if item else None
        if raw_levels:
            levels = _parse_levels(raw_levels, BAND_LABELS, f"{path}.levels", errs)
            if len(raw_levels) != 6:
                errs.add(
                    f"{path}.levels",
                    f"band questions need exactly 6 levels (bands 1-6), got {len(raw_levels)}",
                )
        else:
            levels = default_band_levels(kind)
    elif atype is AnswerType.FACTOR:
        kind = item.kind if item else None
        factor = raw.get("factor")
        if item is None:
            errs.add(f"{path}.item", "factor questions belong to an item")
        if factor is None:
            errs.add(f"{path}.factor", "factor questions need a factor")
        elif factor not in factors_of(kind or "process"):
            errs.add(
                f"{path}.factor",
                f"{factor!r} is not a factor of a {kind or 'process'} item "
                f"(expected one of: {', '.join(factors_of(kind or 'process'))})",
            )
        else:
            defaults = default_factor_levels(kind, factor)
            if raw_levels:
                if len(raw_levels) != 6:
                    errs.add(
                        f"{path}.levels",
                        f"factor questions need exactly 6 levels (ratings 1-6), got "
                        f"{len(raw_levels)}",
                    )
                else:
                    parsed = _parse_levels(
                        raw_levels, FACTOR_RATING_LABELS, f"{path}.levels", errs, start=1
                    )
                    levels = parsed
            else:
                levels = defaults
        if raw.get("allow_na"):
            errs.add(f"{path}.allow_na", "factor questions cannot be N/A (every item applies)")
    elif atype in (AnswerType.MEASURES, AnswerType.ITEM_SCORE) and item is None:
        errs.add(f"{path}.item", f"{atype.value} questions belong to an item")

    options: list[Option] = []
    if atype is AnswerType.CHOICE:
        raw_opts = raw.get("options") or []
        if len(raw_opts) < 2:
            errs.add(
                f"{path}.options", f"choice questions need at least 2 options, got {len(raw_opts)}"
            )
        seen: set[str] = set()
        for i, o in enumerate(raw_opts):
            score = float(o["score"])
            if not 0 <= score <= 1:
                errs.add(
                    f"{path}.options[{i}].score",
                    f"option score must be between 0 and 1, got {o['score']}",
                )
            if o["id"] in seen:
                errs.add(f"{path}.options[{i}].id", f"duplicate option id {o['id']!r}")
            seen.add(o["id"])
            options.append(Option(o["id"], Text.from_data(o["label"]), score))
        in_range = all(0 <= o.score <= 1 for o in options)
        if options and in_range and max(o.score for o in options) != 1:
            errs.add(
                f"{path}.options",
                "the best option must score 1 so the question can earn full points",
            )

    thresholds: list[Threshold] = []
    for i, t in enumerate(raw.get("thresholds") or []):
        if not 0 <= float(t["score"]) <= 1:
            errs.add(
                f"{path}.thresholds[{i}].score", f"score must be between 0 and 1, got {t['score']}"
            )
        if thresholds and float(t["min"]) <= thresholds[-1].min:
            errs.add(f"{path}.thresholds[{i}].min", "thresholds must be in increasing order of min")
        thresholds.append(Threshold(float(t["min"]), float(t["score"])))
    if thresholds and max(t.score for t in thresholds) != 1:
        errs.add(f"{path}.thresholds", "the highest threshold score must be 1")

    qmin, qmax = raw.get("min"), raw.get("max")
    if qmin is not None and qmax is not None and qmin > qmax:
        errs.add(f"{path}.max", f"max ({qmax}) is below min ({qmin})")

    question = Question(
        id=raw["id"],
        section_id=section_id,
        item_id=item_id,
        text=Text.from_data(raw["text"]),
        guidance=_text(raw.get("guidance")),
        answer_type=atype,
        required=bool(raw.get("required", True)),
        allow_na=bool(raw.get("allow_na", False)),
        clause=str(raw.get("clause", "")),
        weight=float(raw.get("weight", 1)),
        levels=levels,
        options=tuple(options),
        min=None if qmin is None else float(qmin),
        max=None if qmax is None else float(qmax),
        unit=None if raw.get("unit") is None else Text.from_data(raw["unit"]),
        thresholds=tuple(thresholds),
        factor=raw.get("factor") if atype is AnswerType.FACTOR else None,
    )

    suggestions: dict[int, Text] = {}
    valid_keys = suggestion_keys(question)
    for key, txt in (raw.get("suggestions") or {}).items():
        try:
            k = int(key)
        except ValueError:
            k = -1
        if str(k) != str(key).strip() or k not in valid_keys:
            if not question.scored:
                errs.add(f"{path}.suggestions", f"not allowed for unscored {atype.value} questions")
                break
            errs.add(
                f"{path}.suggestions.{key}",
                f"invalid key for a {atype.value} question; expected one of "
                f"{', '.join(map(str, valid_keys))}",
            )
            continue
        suggestions[k] = Text.from_data(txt)
    if atype is AnswerType.CHOICE and all(0 <= o.score <= 1 for o in options):
        top = max((o.score for o in options), default=1.0)
        for k in list(suggestions):
            if options[k].score >= top:
                errs.add(f"{path}.suggestions.{k}", "no suggestion needed for the best option")
    return replace(question, suggestions=MappingProxyType(dict(sorted(suggestions.items()))))


_PARSED: dict[str, Questionnaire] = {}
_PARSED_MAX = 32


def _cache_key(data: Mapping[str, Any]) -> str | None:
    try:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_questionnaire(data: Mapping[str, Any], source: str = "<data>") -> Questionnaire:
    """Validate a questionnaire dict (schema + semantic rules) and build it.

    Raises :class:`QuestionnaireError` listing every problem as ``SOURCE: path: problem``.
    Valid results are memoised by content (questionnaires are immutable), since schema
    validation dominates the cost and the same files are loaded again and again.
    """
    errs = _Collector(source)
    if not isinstance(data, Mapping):
        errs.add("(root)", f"expected a mapping at the top level, got {type(data).__name__}")
        raise QuestionnaireError(errs.errors)
    data = _stringify_keys(data)
    key = _cache_key(data)
    if key is not None and key in _PARSED:
        return _PARSED[key]
    questionnaire = _parse_valid_mapping(data, errs)
    if key is not None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = questionnaire
    return questionnaire


def _parse_valid_mapping(data: dict[str, Any], errs: _Collector) -> Questionnaire:
    schema_errors = sorted(
        _validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    for e in schema_errors:
        errs.add(*_schema_message(e))
    if errs.errors:
        raise QuestionnaireError(errs.errors)

    method: ScoringMethod = data["scoring_method"]
    seen_ids: dict[str, str] = {}

    def claim(ident: str, path: str) -> None:
        if ident in seen_ids:
            errs.add(path, f"duplicate id {ident!r} (already used at {seen_ids[ident]})")
        else:
            seen_ids[ident] = path

    sections: list[Section] = []
    for si, rs in enumerate(data["sections"]):
        spath = f"sections[{si}]"
        claim(rs["id"], f"{spath}.id")
        points = float(rs.get("points", 0))
        items: dict[str, Item] = {}
        for ii, ri in enumerate(rs.get("items") or []):
            claim(ri["id"], f"{spath}.items[{ii}].id")
            if method == "gbt19580" and ri.get("kind") is None:
                errs.add(
                    f"{spath}.items[{ii}].kind", "gbt19580 items need kind 'process' or 'results'"
                )
            subclauses: list[Subclause] = []
            for ci, rc in enumerate(ri.get("subclauses") or []):
                if any(c.id == rc["id"] for c in subclauses):
                    errs.add(
                        f"{spath}.items[{ii}].subclauses[{ci}].id",
                        f"duplicate sub-clause {rc['id']!r}",
                    )
                subclauses.append(
                    Subclause(rc["id"], Text.from_data(rc["text"]), _text(rc.get("evidence")))
                )
            items[ri["id"]] = Item(
                ri["id"],
                Text.from_data(ri["title"]),
                float(ri["points"]),
                ri.get("kind"),
                tuple(subclauses),
            )
        questions: list[Question] = []
        for qi, rq in enumerate(rs["questions"]):
            qpath = f"{spath}.questions[{qi}]"
            claim(rq["id"], f"{qpath}.id")
            questions.append(_parse_question(rq, rs["id"], items, qpath, errs))

        scored = [q for q in questions if q.scored]
        for ii, it in enumerate(items.values()):
            _check_holistic_item(method, it, questions, f"{spath}.items[{ii}]", errs)
        if items:
            item_sum = sum(i.points for i in items.values())
            if abs(item_sum - points) > 1e-9:
                errs.add(
                    f"{spath}.items",
                    f"item points sum to {_num(item_sum)} but the section has {_num(points)}",
                )
            for q_i, q in enumerate(questions):
                if q.scored and q.item_id is None:
                    errs.add(
                        f"{spath}.questions[{q_i}].item",
                        "scored questions in a section with items need an item",
                    )
            for ii, it in enumerate(items.values()):
                if not any(q.item_id == it.id for q in scored):
                    errs.add(f"{spath}.items[{ii}]", f"item {it.id!r} has no scored question")
        elif method == "gbt19580" and points > 0:
            errs.add(f"{spath}.items", "gbt19580 sections with points need items")
        if points > 0 and not scored:
            errs.add(f"{spath}.points", f"section has {_num(points)} points but no scored question")
        if points == 0 and scored:
            errs.add(f"{spath}.points", "section has scored questions but no points")
        sections.append(
            Section(
                id=rs["id"],
                title=Text.from_data(rs["title"]),
                intro=_text(rs.get("intro")),
                points=points,
                items=tuple(items.values()),
                questions=tuple(questions),
            )
        )

    total = float(data["total_points"])
    section_sum = sum(s.points for s in sections)
    if abs(section_sum - total) > 1e-9:
        errs.add(
            "sections",
            f"section points sum to {_num(section_sum)} but total_points is {_num(total)}",
        )
    if errs.errors:
        raise QuestionnaireError(errs.errors)
    return Questionnaire(
        id=data["id"],
        version=data["version"],
        title=Text.from_data(data["title"]),
        intro=_text(data.get("intro")),
        scoring_method=method,
        sections=tuple(sections),
    )


def _check_holistic_item(
    method: str, item: Item, questions: Sequence[Question], path: str, errs: _Collector
) -> None:
    """An item with factor questions is rated on exactly its kind's four factors."""
    members = [q for q in questions if q.item_id == item.id]
    factor_qs = [q for q in members if q.answer_type is AnswerType.FACTOR]
    helpers = [q for q in members if q.answer_type in (AnswerType.MEASURES, AnswerType.ITEM_SCORE)]
    if not factor_qs:
        if helpers:
            errs.add(path, f"item {item.id!r} has {helpers[0].answer_type.value} questions "
                     "but no factor questions")  # fmt: skip
        return
    if method != "gbt19580":
        errs.add(path, "factor questions need scoring_method gbt19580")
    kind = item.kind or "process"
    others = [q for q in members if q.scored and q.answer_type is not AnswerType.FACTOR]
    if others:
        errs.add(path, f"item {item.id!r} mixes factor questions with {others[0].answer_type.value}"
                 f" question {others[0].id!r}; a holistic item is rated on its factors only")  # fmt: skip
    got = [q.factor for q in factor_qs]
    for f in factors_of(kind):
        if got.count(f) != 1:
            errs.add(path, f"item {item.id!r} needs exactly one {f!r} factor question, "
                     f"has {got.count(f)}")  # fmt: skip
    measures = [q for q in members if q.answer_type is AnswerType.MEASURES]
    if kind == "results" and len(measures) != 1:
        errs.add(path, f"results item {item.id!r} needs exactly one measures question")
    if kind != "results" and measures:
        errs.add(path, f"process item {item.id!r} cannot have a measures question")
    if sum(1 for q in members if q.answer_type is AnswerType.ITEM_SCORE) > 1:
        errs.add(path, f"item {item.id!r} has more than one item_score question")


def load_questionnaire_bytes(data: bytes, filename: str) -> Questionnaire:
    """Parse an uploaded file (YAML unless the name ends in .json); errors name ``filename``."""
    name = Path(filename).name or filename
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(
            [f"{name}: (file): not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from exc
    if name.lower().endswith(".json"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QuestionnaireError(
                [f"{name}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"]
            ) from exc
    else:
        try:
            raw = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "(file)"
            problem = getattr(exc, "problem", None) or str(exc)
            raise QuestionnaireError([f"{name}: {where}: invalid YAML: {problem}"]) from exc
    if raw is None:
        raise QuestionnaireError([f"{name}: (root): the file is empty"])
    return parse_questionnaire(raw, source=name)


def load_questionnaire_file(path: str | Path) -> Questionnaire:
    """Load a .yaml/.yml/.json questionnaire; unreadable files raise QuestionnaireError."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise QuestionnaireError([f"{p.name}: (file): cannot read: {exc.strerror}"]) from exc
    return load_questionnaire_bytes(data, p.name)


def builtin_questionnaire_paths() -> list[Path]:
    """The questionnaire files shipped with the portal, sorted by name."""
    return sorted(
        p for p in QUESTIONNAIRE_DIR.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def load_builtin_questionnaires() -> list[Questionnaire]:
    """Parse every built-in questionnaire (raises QuestionnaireError if one is broken)."""
    return [load_questionnaire_file(p) for p in builtin_questionnaire_paths()]


# --------------------------------------------------------------------------- diff


def _short(value: Any, start: int = 0) -> str:
    """JSON of a value cut to about 80 characters, starting near ``start`` (the first change)."""
    s = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(s) <= 80:
        return s
    begin = max(0, min(start - 20, len(s) - 77))
    head = "…" if begin else ""
    tail = "…" if begin + 77 < len(s) else ""
    return head + s[begin : begin + 77] + tail


def _first_difference(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _diff_fields(
    old: Mapping[str, Any], new: Mapping[str, Any], path: str, skip: set[str]
) -> list[Change]:
    changes = []
    for key in sorted(set(old) | set(new)):
        if key in skip or old.get(key) == new.get(key):
            continue
        a = json.dumps(old.get(key), ensure_ascii=False, sort_keys=True)
        b = json.dumps(new.get(key), ensure_ascii=False, sort_keys=True)
        at = _first_difference(a, b)
        changes.append(
            Change(
                "changed",
                f"{path}.{key}",
                f"{_short(old.get(key), at)} → {_short(new.get(key), at)}",
            )
        )
    return changes


def diff_questionnaires(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """What changed from ``old`` to ``new``: sections, items and questions matched by id."""
    od, nd = old.to_data(), new.to_data()
    changes = _diff_fields(od, nd, "questionnaire", {"sections"})
    osec = {s["id"]: s for s in od["sections"]}
    nsec = {s["id"]: s for s in nd["sections"]}
    for sid, s in osec.items():
        if sid not in nsec:
            changes.append(Change("removed", f"sections.{sid}", s["title"]["en"]))
    for sid, s in nsec.items():
        if sid not in osec:
            changes.append(Change("added", f"sections.{sid}", s["title"]["en"]))
        else:
            changes += _diff_fields(osec[sid], s, f"sections.{sid}", {"items", "questions"})

    def index(data: Mapping[str, Any], key: str) -> dict[str, dict[str, Any]]:
        return {x["id"]: {**x, "section": s["id"]} for s in data["sections"] for x in s[key]}

    for key in ("items", "questions"):
        olds, news = index(od, key), index(nd, key)
        for xid, x in olds.items():
            if xid not in news:
                label = x.get("title", x.get("text"))
                changes.append(Change("removed", f"{key}.{xid}", label["en"]))
        for xid, x in news.items():
            if xid not in olds:
                label = x.get("title", x.get("text"))
                changes.append(Change("added", f"{key}.{xid}", label["en"]))
            else:
                changes += _diff_fields(olds[xid], x, f"{key}.{xid}", set())
    return changes
