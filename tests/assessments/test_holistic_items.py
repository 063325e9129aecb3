"""Filling GB/T 19580 2027.1 as an officer: factor ratings, pasted key measures, an adjusted score
with its reason; the result page and the PDF show the ratings, the readings and a chart per measure."""

from __future__ import annotations

import re

from cqo_portal.assessments import services
from cqo_portal.assessments.presenters import result_view
from cqo_portal.reports import services as report_services
from tests.assessments.helpers import page_state, section_form
from tests.factories import MEASURES_ROWS, login
from tests.reports.conftest import fill_and_submit, page_texts

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _draft(client, actors):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    draft = services.start_assessment(ent, actors.questionnaire("gbt19580"), officer)
    actors.session.flush()
    login(client, officer)
    return draft, services.questionnaire_of(draft.questionnaire)


def _index(q, section_id: str) -> int:
    return [s.id for s in q.sections].index(section_id) + 1


def test_the_first_version_of_the_new_criteria_is_the_one_officers_start(actors):
    qv = actors.questionnaire("gbt19580")
    assert qv.version == "2027.1"
    q = services.questionnaire_of(qv)
    assert len(q.holistic_items) == 23


def test_pasted_measures_are_read_charted_and_rate_the_item(client, actors, db_session):
    draft, q = _draft(client, actors)
    index = _index(q, "4.7")
    sec = q.sections[index - 1]
    state = page_state(client, draft.id, index)
    resp = client.post(
        f"/assessments/{draft.id}/section/{index}",
        data=section_form(sec, {"4.7.2-M": {"value": MEASURES_ROWS}}, state),
        headers=ZH,
    )
    assert resp.status_code == 302
    page = client.get(f"/assessments/{draft.id}/section/{index}", headers=ZH).get_data(as_text=True)
    head = page.split('id="item-4.7.2"')[1].split("</section>")[0]
    # the readings of the three measures, and one chart each
    assert "产品一次交验合格率" in head and "达到目标" in head and "未达目标" in head
    assert "持续改善，每期" in head and "每期改善" in head
    assert "优于行业平均" in head and "未优于最佳竞争对手" in head
    assert head.count("<svg") == 3
    # the proposal: levels 2, trends 5, comparisons 2, integration 4 -> band 2, 25 %
    assert "第2档，25%" in head
    assert 'value="" checked' in page.split('id="q-4.7.2-T"')[1].split("</fieldset>")[0]
    # the pasted rows come back as rows to edit, header first
    box = page.split('name="q-4.7.2-M-value"')[1].split("</textarea>")[0]
    assert "产品一次交验合格率\t%\t越高越好" in box and "2023\t2024\t2025" in box


def test_bad_measure_rows_are_refused_row_by_row_and_the_paste_is_kept(client, actors):
    draft, q = _draft(client, actors)
    index = _index(q, "4.7")
    sec = q.sections[index - 1]
    bad = MEASURES_ROWS.replace("越低越好", "少点好").replace("97.2", "九七")
    resp = client.post(
        f"/assessments/{draft.id}/section/{index}",
        data=section_form(sec, {"4.7.2-M": {"value": bad}}),
        headers=EN,
    )
    assert resp.status_code == 200
    card = resp.get_data(as_text=True).split('id="q-4.7.2-M"')[1].split("</fieldset>")[0]
    assert "Row 2:" in card and "at least 3 periods" in card
    assert "Row 3:" in card and "direction" in card
    assert "少点好" in card and "九七" in card  # what the officer pasted is kept
    assert services.answers_of(draft, q).get("4.7.2-M") is None


def test_factor_ratings_give_the_band_and_a_moved_score_needs_its_reason(client, actors):
    draft, q = _draft(client, actors)
    sec = q.sections[0]
    ratings = {"4.1.2-A": "6", "4.1.2-D": "1", "4.1.2-L": "1", "4.1.2-I": "1"}
    answers = {k: {"value": v, "evidence": "领导讲话稿"} for k, v in ratings.items()}
    resp = client.post(f"/assessments/{draft.id}/section/1", data=section_form(sec, answers))
    assert resp.status_code == 302
    page = client.get(f"/assessments/{draft.id}/section/1", headers=EN).get_data(as_text=True)
    head = page.split('id="item-4.1.2"')[1].split("</section>")[0]
    assert "band 2, 15%" in head and "to reach band 3, raise:" in head
    assert "4.1.2 f)" in head  # the sub-clauses and what an examiner asks to see

    moved = {**answers, "4.1.2-adj": {"value": "40"}}
    resp = client.post(
        f"/assessments/{draft.id}/section/1", data=section_form(sec, moved), headers=EN
    )
    card = resp.get_data(as_text=True).split('id="q-4.1.2-adj"')[1].split("</fieldset>")[0]
    assert resp.status_code == 200 and "at most 10 points" in card
    assert "4.1.2-adj" not in services.answers_of(draft, q)
    no_reason = {**answers, "4.1.2-adj": {"value": "25"}}
    resp = client.post(
        f"/assessments/{draft.id}/section/1", data=section_form(sec, no_reason), headers=EN
    )
    assert "Give the reason" in resp.get_data(as_text=True)
    reasoned = {**answers, "4.1.2-adj": {"value": "25", "evidence": "三个分厂已试行"}}
    resp = client.post(f"/assessments/{draft.id}/section/1", data=section_form(sec, reasoned))
    assert resp.status_code == 302
    assert services.answers_of(draft, q)["4.1.2-adj"].value == 25


def test_result_page_and_pdf_show_ratings_measures_and_the_self_assessed_score(
    app, client, actors, db_session
):
    assessment, officer = fill_and_submit(actors, "gbt19580")
    login(client, officer)
    zh = client.get(f"/assessments/{assessment.id}/result", headers=ZH).get_data(as_text=True)
    assert "自评得分" in zh and "评审员的评分可能不同" in zh
    assert "要素评级（1–6级）" in zh and "4.7.2" in zh
    assert zh.count('class="table table-sm small align-middle mb-2 measures"') == 6
    assert "持续改善" in zh and "优于行业平均" in zh
    en = client.get(f"/assessments/{assessment.id}/result", headers=EN).get_data(as_text=True)
    assert "Self-assessed score" in en and "an examiner’s score may differ" in en
    assert "sustained improvement" in en and "better than Industry average" in en
    assert "质量奖水平" not in zh and "award" not in en.lower()

    for lang, words in (
        ("zh", ("自评得分", "要素评级", "产品一次交验合格率", "持续改善", "优于行业平均")),
        (
            "en",
            (
                "Self-assessed score",
                "Factor ratings",
                "产品一次交验合格率",
                "sustained improvement",
            ),
        ),
    ):
        with app.test_request_context():
            report = report_services.ready_report(assessment, lang)
            view = result_view(assessment, lang)
        text = re.sub(r"\s+", "", "".join(page_texts(report.pdf)))
        for w in words:
            assert re.sub(r"\s+", "", w) in text, (lang, w)
        item = view.sections[-1].scoring_items[0]
        assert len(item.measures) == 3 and all("<svg" in m.chart for m in item.measures)
