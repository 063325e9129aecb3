"""Built-in questionnaires load and validate; broken files are rejected with precise messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cqo_portal.core.questionnaire import (
    AnswerType,
    Questionnaire,
    QuestionnaireError,
    builtin_questionnaire_paths,
    diff_questionnaires,
    load_builtin_questionnaires,
    load_questionnaire_bytes,
    load_questionnaire_file,
    parse_questionnaire,
)

from .builders import maturity_question, t

# ----------------------------------------------------------------------------- built-ins

GBT_POINTS = {
    "4.1": (110, {"4.1.2": 50, "4.1.3": 30, "4.1.4": 30}),
    "4.2": (90, {"4.2.2": 40, "4.2.3": 50}),
    "4.3": (90, {"4.3.2": 40, "4.3.3": 50}),
    "4.4": (130, {"4.4.2": 60, "4.4.3": 15, "4.4.4": 20, "4.4.5": 15, "4.4.6": 10, "4.4.7": 10}),
    "4.5": (100, {"4.5.2": 50, "4.5.3": 50}),
    "4.6": (80, {"4.6.2": 40, "4.6.3": 40}),
    "4.7": (400, {"4.7.2": 80, "4.7.3": 80, "4.7.4": 80, "4.7.5": 60, "4.7.6": 50, "4.7.7": 50}),
}


def test_both_builtins_are_found_and_load() -> None:
    names = [p.name for p in builtin_questionnaire_paths()]
    assert names == [
        "cqo-qms-2026.yaml", "cqo-qms-2027.yaml", "gbt19580-2026.yaml", "gbt19580-2027.yaml"
    ]  # fmt: skip
    versions = sorted((q.id, q.version) for q in load_builtin_questionnaires())
    assert versions == [
        ("cqo-qms", "2026.1"), ("cqo-qms", "2027.1"), ("gbt19580", "2026.1"), ("gbt19580", "2027.1")
    ]  # fmt: skip


def test_cqo_qms_shape(cqo_qms: Questionnaire) -> None:
    assert (cqo_qms.version, cqo_qms.scoring_method, cqo_qms.max_points) == (
        "2026.1",
        "maturity",
        1000,
    )
    maturity = [q for q in cqo_qms.questions if q.answer_type is AnswerType.MATURITY]
    assert len(maturity) >= 38
    assert [s.id for s in cqo_qms.sections] == [
        "context", "leadership", "planning", "support", "operation", "evaluation",
        "improvement", "cqo",
    ]  # fmt: skip
    for q in maturity:
        assert [lv.value for lv in q.levels] == [0, 1, 2, 3, 4, 5]
        assert sorted(q.suggestions) == [0, 1, 2, 3, 4], q.id
        assert q.clause and q.guidance.zh and q.guidance.en
    cqo_clauses = " ".join(q.clause for q in cqo_qms.section("cqo").questions)
    assert "veto" in cqo_clauses
    assert any(q.answer_type is AnswerType.NUMBER and not q.scored for q in cqo_qms.questions)


def test_gbt_shape_matches_the_standard(gbt: Questionnaire) -> None:
    assert (gbt.version, gbt.scoring_method, gbt.max_points) == ("2026.1", "gbt19580", 1000)
    assert 55 <= len(gbt.questions) <= 70
    for s in gbt.sections:
        points, items = GBT_POINTS[s.id]
        assert s.points == points
        assert {i.id: i.points for i in s.items} == items
        assert all(i.kind == ("results" if s.id == "4.7" else "process") for i in s.items)
    for q in gbt.questions:
        assert q.answer_type is AnswerType.BAND
        assert set(range(5)) <= set(q.suggestions), q.id
        assert q.clause == f"GB/T 19580 {q.item_id}"


def test_every_text_a_person_reads_is_bilingual(cqo_qms: Questionnaire, gbt: Questionnaire) -> None:
    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            if set(obj) == {"zh", "en"}:
                assert obj["zh"].strip() and obj["en"].strip(), obj
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    for q in (cqo_qms, gbt):
        walk(q.to_data())


@pytest.mark.parametrize("name", ["cqo_qms", "gbt"])
def test_to_data_round_trips_exactly(name: str, request: pytest.FixtureRequest) -> None:
    q: Questionnaire = request.getfixturevalue(name)
    data = q.to_data()
    again = parse_questionnaire(json.loads(json.dumps(data)))
    assert again == q
    assert again.to_data() == data
    assert again.fingerprint == q.fingerprint


def test_fingerprint_is_stable_and_content_sensitive(cqo_qms: Questionnaire) -> None:
    assert len(cqo_qms.fingerprint) == 64
    reloaded = load_questionnaire_file(builtin_questionnaire_paths()[0])
    assert reloaded.fingerprint == cqo_qms.fingerprint
    data = cqo_qms.to_data()
    data["sections"][0]["questions"][0]["text"]["en"] += "!"
    assert parse_questionnaire(data).fingerprint != cqo_qms.fingerprint


def test_json_upload_and_yaml_upload_give_the_same_questionnaire(gbt: Questionnaire) -> None:
    as_json = json.dumps(gbt.to_data(), ensure_ascii=False).encode()
    as_yaml = yaml.safe_dump(gbt.to_data(), allow_unicode=True).encode()
    assert load_questionnaire_bytes(as_json, "upload.json") == gbt
    assert load_questionnaire_bytes(as_yaml, "upload.yaml") == gbt


def test_small_questionnaire_defaults(small_data: dict[str, Any]) -> None:
    q = parse_questionnaire(small_data)
    q1 = q.question("q1")
    assert q1.required and not q1.allow_na and q1.weight == 1
    assert q1.levels[3].label.en == "Defined"
    assert [x.id for x in q.questions if x.scored] == ["q1", "q2", "q3", "q4"]


# ----------------------------------------------------------------------------- broken files


def errors_of(data: Any, source: str = "broken.yaml") -> list[str]:
    with pytest.raises(QuestionnaireError) as exc:
        parse_questionnaire(data, source=source)
    return exc.value.errors


def test_missing_zh_text_names_file_and_path(small_data: dict[str, Any]) -> None:
    del small_data["sections"][1]["questions"][0]["options"][2]["label"]["zh"]
    assert errors_of(small_data) == [
        "broken.yaml: sections[1].questions[0].options[2].label: missing required field 'zh'"
    ]


def test_blank_text_is_rejected(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["title"]["en"] = "   "
    assert errors_of(small_data) == ["broken.yaml: sections[0].title.en: text must not be empty"]


def test_duplicate_question_id(small_data: dict[str, Any]) -> None:
    small_data["sections"][1]["questions"][0]["id"] = "q1"
    assert errors_of(small_data) == [
        "broken.yaml: sections[1].questions[0].id: duplicate id 'q1' "
        "(already used at sections[0].questions[0].id)"
    ]


def test_points_not_summing(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["points"] = 70
    assert errors_of(small_data) == [
        "broken.yaml: sections: section points sum to 110 but total_points is 100"
    ]


def test_item_points_not_summing(small_data: dict[str, Any]) -> None:
    sec = small_data["sections"][0]
    sec["items"] = [
        {"id": "i1", "title": t("条目", "Item"), "points": 50},
        {"id": "i2", "title": t("条目二", "Item two"), "points": 5},
    ]
    for q, item in zip(sec["questions"], ["i1", "i2", "i2"], strict=True):
        q["item"] = item
    assert errors_of(small_data) == [
        "broken.yaml: sections[0].items: item points sum to 55 but the section has 60"
    ]


def test_bad_level_count(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["questions"][1]["levels"].pop()
    assert errors_of(small_data) == [
        "broken.yaml: sections[0].questions[1].levels: maturity questions need exactly "
        "6 levels (0-5), got 5"
    ]


def test_unknown_item_ref(small_data: dict[str, Any]) -> None:
    small_data["sections"][1]["questions"][0]["item"] = "4.9.9"
    assert errors_of(small_data) == [
        "broken.yaml: sections[1].questions[0].item: unknown item '4.9.9' "
        "(not an item of section 's2')"
    ]


def test_wrong_answer_type(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["questions"][0]["answer_type"] = "scale"
    (msg,) = errors_of(small_data)
    assert msg.startswith(
        "broken.yaml: sections[0].questions[0].answer_type: unknown value 'scale'"
    )
    assert "maturity, band, yes_partly_no, choice, number, text" in msg


def test_option_score_above_one(small_data: dict[str, Any]) -> None:
    small_data["sections"][1]["questions"][0]["options"][1]["score"] = 1.5
    assert errors_of(small_data) == [
        "broken.yaml: sections[1].questions[0].options[1].score: option score must be between "
        "0 and 1, got 1.5"
    ]


def test_invalid_suggestion_keys(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["questions"][0]["suggestions"][5] = t("无", "none")
    small_data["sections"][1]["questions"][0]["suggestions"][2] = t("最好", "best")
    assert errors_of(small_data) == [
        "broken.yaml: sections[0].questions[0].suggestions.5: invalid key for a maturity "
        "question; expected one of 0, 1, 2, 3, 4",
        "broken.yaml: sections[1].questions[0].suggestions.2: no suggestion needed for the "
        "best option",
    ]


def test_fields_not_allowed_for_type_and_unknown_fields(small_data: dict[str, Any]) -> None:
    small_data["sections"][1]["questions"][2]["levels"] = [t("a", "a")]
    small_data["sections"][1]["questions"][2]["colour"] = "red"
    errs = errors_of(small_data)
    assert errs == ["broken.yaml: sections[1].questions[2]: unknown field(s) 'colour'"]
    del small_data["sections"][1]["questions"][2]["colour"]
    assert errors_of(small_data) == [
        "broken.yaml: sections[1].questions[2].levels: not allowed for text questions"
    ]


def test_all_errors_are_collected_not_just_the_first(small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["questions"][1]["levels"].pop()
    small_data["sections"][1]["questions"][0]["options"][1]["score"] = 2
    small_data["sections"][1]["questions"][1]["id"] = "q1"
    small_data["total_points"] = 99
    errs = errors_of(small_data)
    assert len(errs) == 4
    assert [e.split(": ")[1] for e in errs] == [
        "sections[0].questions[1].levels",
        "sections[1].questions[0].options[1].score",
        "sections[1].questions[1].id",
        "sections",
    ]


def test_schema_errors_are_all_reported(small_data: dict[str, Any]) -> None:
    del small_data["title"]
    small_data["sections"][0]["questions"][0]["weight"] = 0
    small_data["version"] = 2026.1
    errs = errors_of(small_data)
    assert "broken.yaml: (root): missing required field 'title'" in errs
    assert "broken.yaml: version: expected string, got float" in errs
    assert any(e.startswith("broken.yaml: sections[0].questions[0].weight: ") for e in errs)


def test_gbt_items_need_kind(small_data: dict[str, Any]) -> None:
    small_data["scoring_method"] = "gbt19580"
    errs = errors_of(small_data)
    assert "broken.yaml: sections[0].items: gbt19580 sections with points need items" in errs


def test_bad_yaml_syntax_reports_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("id: x\nsections:\n  - id: a\n   title: [unclosed\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_file(f)
    (msg,) = exc.value.errors
    assert msg.startswith("bad.yaml: line 4 column ")
    assert "invalid YAML" in msg


def test_bad_json_and_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_bytes(b'{"id": ', "up.json")
    assert exc.value.errors[0].startswith("up.json: line 1 column 8: invalid JSON")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_file(tmp_path / "missing.yaml")
    assert exc.value.errors[0].startswith("missing.yaml: (file): cannot read")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_bytes(b"", "empty.yaml")
    assert exc.value.errors == ["empty.yaml: (root): the file is empty"]
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_bytes(b"\xff\xfe\x00", "bin.yaml")
    assert exc.value.errors[0].startswith("bin.yaml: (file): not UTF-8")


def test_file_errors_name_the_file(tmp_path: Path, small_data: dict[str, Any]) -> None:
    small_data["sections"][0]["questions"][0]["levels"] = small_data["sections"][0]["questions"][0][
        "levels"
    ][:4]
    f = tmp_path / "my-upload.yaml"
    f.write_text(yaml.safe_dump(small_data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire_file(f)
    assert exc.value.errors == [
        "my-upload.yaml: sections[0].questions[0].levels: maturity questions need exactly "
        "6 levels (0-5), got 4"
    ]
    assert "1 problem(s)" in str(exc.value)


# ----------------------------------------------------------------------------- diff


def test_diff_questionnaires(small_data: dict[str, Any]) -> None:
    old = parse_questionnaire(small_data)
    small_data["version"] = "2"
    s1 = small_data["sections"][0]
    s1["questions"][0]["text"]["en"] = "Question one, reworded"
    s1["questions"].append(maturity_question("q7"))
    del small_data["sections"][1]["questions"][2]  # q6 removed
    new = parse_questionnaire(small_data)
    changes = {(c.kind, c.path) for c in diff_questionnaires(old, new)}
    assert changes == {
        ("changed", "questionnaire.version"),
        ("changed", "questions.q1.text"),
        ("added", "questions.q7"),
        ("removed", "questions.q6"),
    }
    detail = next(c.detail for c in diff_questionnaires(old, new) if c.path == "questions.q1.text")
    assert "reworded" in detail
    assert diff_questionnaires(old, old) == []


def test_diff_shows_a_change_at_the_end_of_a_long_text():
    import copy

    from cqo_portal.core.questionnaire import (
        diff_questionnaires,
        load_builtin_questionnaires,
        parse_questionnaire,
    )

    old = load_builtin_questionnaires()[0]
    data = copy.deepcopy(old.to_data())
    q0 = data["sections"][0]["questions"][0]
    q0["text"]["en"] = q0["text"]["en"] + " " + "x" * 120 + " END-OLD"
    before = parse_questionnaire(data)
    q0["text"]["en"] = q0["text"]["en"].replace("END-OLD", "END-NEW")
    after = parse_questionnaire(data)
    details = " ".join(c.detail for c in diff_questionnaires(before, after))
    assert "END-OLD" in details and "END-NEW" in details
