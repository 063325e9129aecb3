"""Admins import questionnaire versions: broken files are refused with the core's messages and
nothing stored; a valid file shows what changed, imports as a draft, then publish and retire."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import yaml
from sqlalchemy import func, select

from cqo_portal.core.questionnaire import QUESTIONNAIRE_DIR
from cqo_portal.models import AuditEvent, QuestionnaireStatus, QuestionnaireVersion
from tests.factories import login

QMS = QUESTIONNAIRE_DIR / "cqo-qms-2027.yaml"


def _qms_data() -> dict:
    return yaml.safe_load(QMS.read_text(encoding="utf-8"))


def _next_version() -> dict:
    data = copy.deepcopy(_qms_data())
    data["version"] = "2027.2"
    first = data["sections"][0]["questions"][0]
    first["text"]["en"] = first["text"]["en"] + " (revised)"
    data["sections"][0]["questions"].append(
        {
            "id": "ctx-notes",
            "answer_type": "text",
            "required": False,
            "text": {"zh": "其他说明", "en": "Other remarks"},
            "guidance": {"zh": "可选填写。", "en": "Optional."},
        }
    )
    return data


def _yaml_bytes(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _upload(client, content: bytes, name: str):
    return client.post(
        "/admin/questionnaires/upload",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def _staged(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "questionnaires"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_a_broken_file_is_refused_with_precise_messages_and_nothing_stored(
    app, client, actors, db_session
):
    login(client, actors.admin())
    data = _qms_data()
    data["sections"][0]["questions"][0]["answer_type"] = "slider"
    data["sections"][1]["points"] = 1
    del data["sections"][2]["questions"][0]["text"]
    versions, events, staged = (
        _count(db_session, QuestionnaireVersion),
        _count(db_session, AuditEvent),
        _staged(app),
    )

    resp = _upload(client, _yaml_bytes(data), "qms-broken.yaml")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert (
        "qms-broken.yaml: sections[0].questions[0].answer_type: unknown value &#39;slider&#39;"
        in page
    )
    assert (
        "qms-broken.yaml: sections[2].questions[0]: missing required field &#39;text&#39;" in page
    )
    assert 'id="validation-errors"' in page

    resp = _upload(client, b"id: [unclosed", "bad-syntax.yaml")
    assert "bad-syntax.yaml: line 2 column 1: invalid YAML" in resp.get_data(as_text=True)
    resp = _upload(client, b'{"id": 1,}', "bad.json")
    assert "bad.json: line 1 column" in resp.get_data(as_text=True)

    assert _count(db_session, QuestionnaireVersion) == versions
    assert _count(db_session, AuditEvent) == events
    assert _staged(app) == staged


def test_upload_shows_the_diff_then_imports_a_draft_then_publish_and_retire(
    app, client, actors, db_session
):
    admin = actors.admin()
    login(client, admin)
    old = actors.questionnaire("cqo-qms")
    resp = _upload(client, _yaml_bytes(_next_version()), "cqo-qms-2027.2.yaml")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "questions.ctx-notes" in page and "Other remarks" in page  # added
    assert "questions.ctx-issues.text" in page  # changed
    assert "diff-added" in page and "diff-changed" in page
    assert _count(db_session, QuestionnaireVersion) == 4  # nothing stored before confirming
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]

    resp = client.post(
        "/admin/questionnaires/confirm",
        data={"token": token, "filename": "cqo-qms-2027.2.yaml"},
    )
    assert resp.status_code == 302
    new = db_session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.version == "2027.2")
    )
    assert new.status == QuestionnaireStatus.DRAFT and new.imported_by_id == admin.id
    detail = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "questions.ctx-notes" in detail  # the detail page shows the diff to the previous one

    # Officers do not see a draft version.
    officer = actors.officer()
    officer_client = app.test_client()
    login(officer_client, officer)
    assert "2027.2" not in officer_client.get("/assessments/").get_data(as_text=True)

    resp = client.post(f"/admin/questionnaires/{new.id}/publish", data={"retire_previous": "y"})
    assert resp.status_code == 302
    db_session.refresh(new)
    db_session.refresh(old)
    assert new.status == QuestionnaireStatus.PUBLISHED and old.status == QuestionnaireStatus.RETIRED
    index = officer_client.get("/assessments/").get_data(as_text=True)
    assert f'name="questionnaire_version_id" value="{new.id}"' in index
    assert f'name="questionnaire_version_id" value="{old.id}"' not in index

    resp = client.post(f"/admin/questionnaires/{new.id}/retire")
    assert resp.status_code == 302
    db_session.refresh(new)
    assert new.status == QuestionnaireStatus.RETIRED
    # A retired version cannot be published again.
    client.post(f"/admin/questionnaires/{new.id}/publish", data={})
    db_session.refresh(new)
    assert new.status == QuestionnaireStatus.RETIRED

    actions = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "QuestionnaireVersion", AuditEvent.actor_id == admin.id
        )
    ).all()
    assert sorted(actions) == sorted(
        [
            "questionnaire.import",
            "questionnaire.publish",
            "questionnaire.retire",
            "questionnaire.retire",
        ]
    )


def test_same_version_with_different_content_is_refused(client, actors, db_session):
    login(client, actors.admin())
    data = _qms_data()
    data["title"]["en"] = "Changed title, same version"
    resp = _upload(client, json.dumps(data, ensure_ascii=False).encode(), "same-version.json")
    page = resp.get_data(as_text=True)
    assert 'id="version-clash"' in page and "/admin/questionnaires/confirm" not in page


def test_only_admins_manage_questionnaires(client, actors):
    login(client, actors.officer())
    assert client.get("/admin/questionnaires").status_code == 403
    resp = _upload(client, _yaml_bytes(_next_version()), "x.yaml")
    assert resp.status_code == 403


def test_cli_import_refuses_a_broken_file_and_imports_a_good_one(runner, db_session, tmp_path):
    broken = _qms_data()
    broken["total_points"] = 999
    bad = tmp_path / "broken.yaml"
    bad.write_bytes(_yaml_bytes(broken))
    versions = _count(db_session, QuestionnaireVersion)
    result = runner.invoke(args=["import-questionnaire", str(bad)])
    assert result.exit_code != 0
    assert (
        "broken.yaml: sections: section points sum to 1000 but total_points is 999" in result.output
    )
    assert "nothing imported" in result.output
    assert _count(db_session, QuestionnaireVersion) == versions

    good = tmp_path / "cqo-qms-2027.2.yaml"
    good.write_bytes(_yaml_bytes(_next_version()))
    result = runner.invoke(args=["import-questionnaire", str(good)])
    assert result.exit_code == 0, result.output
    assert "imported: cqo-qms 2027.2 (draft)" in result.output
    assert _count(db_session, QuestionnaireVersion) == versions + 1
    result = runner.invoke(args=["import-questionnaire", str(good), "--publish"])
    assert "already present: cqo-qms 2027.2 (published)" in result.output


def test_both_built_in_questionnaires_load_and_validate():
    from cqo_portal.core.questionnaire import load_builtin_questionnaires

    loaded = {q.id: q for q in load_builtin_questionnaires()}
    assert set(loaded) == {"cqo-qms", "gbt19580"}
    assert all(q.max_points == 1000 for q in loaded.values())


def test_a_question_without_guidance_is_stored_and_loads_again(app, db_session):
    """Optional texts left out of a file round-trip through the stored definition."""
    from cqo_portal.assessments import catalogue
    from cqo_portal.assessments.services import questionnaire_of
    from cqo_portal.core.questionnaire import load_questionnaire_bytes, parse_questionnaire

    data = _next_version()
    del data["sections"][0]["questions"][-1]["guidance"]
    q = load_questionnaire_bytes(_yaml_bytes(data), "no-guidance.yaml")
    assert parse_questionnaire(q.to_data()).fingerprint == q.fingerprint
    qv, created = catalogue.import_questionnaire(q)
    assert created
    assert questionnaire_of(qv).fingerprint == q.fingerprint
