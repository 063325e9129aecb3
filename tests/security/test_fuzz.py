"""Bad input: Hypothesis throws hostile values at every form and API endpoint.

Invariants: never a 5xx; input the portal refuses leaves nothing behind (row counts unchanged);
input it accepts is stored valid (answers re-parse cleanly). A NUL byte anywhere in a query or
form is refused with 400 before any view runs (PostgreSQL cannot store it; no person types it).
Each example runs in a SAVEPOINT that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cqo_portal.cqo.services import FIELDS as CQO_FORM_FIELDS
from cqo_portal.enterprises.services import PROFILE_FIELDS
from cqo_portal.extensions import db
from cqo_portal.models import (
    ApiToken,
    Assessment,
    AssessmentAnswer,
    AuditEvent,
    CQORegistration,
    Enterprise,
    EnterpriseInvitation,
    QuestionnaireVersion,
    User,
)
from tests.factories import login_id
from tests.security.world import Requester, build_world

FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures can be replayed
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "../../../etc/passwd",
    "%00",
    "😀" * 40,
    "中" * 400,
    "x" * 6000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "2026-02-30",
    "\r\n\t",
]
# Any text a browser could send (no lone surrogates: they cannot be encoded in a form).
junk = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
)
TABLES = (
    User,
    Enterprise,
    EnterpriseInvitation,
    CQORegistration,
    Assessment,
    AssessmentAnswer,
    ApiToken,
    QuestionnaireVersion,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def fuzz_world(app, db_session, actors):
    world = build_world(actors)
    return world, Requester(app, db_session, world)


def post_form(req: Requester, user_id, url: str, data: dict[str, Any], **kw):
    """POST and return (response, row counts before, row counts after)."""
    with req.app.app_context():
        before = counts()
    resp, after = req.send(user_id, "POST", url, data=data, inspect=counts, **kw)
    assert resp.status_code < 500, f"{url}: {resp.status_code} for {data!r}"[:2000]
    return resp, before, after


def has_nul(values: Any) -> bool:
    items = values.items() if isinstance(values, dict) else [("", values)]
    return any("\x00" in str(k) + str(v) for k, v in items)


def refused_leaves_nothing(resp, before, after) -> None:
    if resp.status_code != 302:
        assert after == before, (resp.status_code, before, after)


# --- accounts -------------------------------------------------------------------------------


@FUZZ
@given(data=st.fixed_dictionaries({"name": junk, "email": junk, "phone": junk, "password": junk}))
def test_register_form(fuzz_world, data):
    _world, req = fuzz_world
    data["confirm"] = data["password"]
    resp, before, after = post_form(req, None, "/register", data)
    refused_leaves_nothing(resp, before, after)
    if resp.status_code == 302:  # accepted: a real address and a password within the rules
        assert after["User"] == before["User"] + 1
        assert "@" in data["email"] and "\x00" not in data["email"] + data["name"]


@FUZZ
@given(email=junk, password=junk)
def test_login_form(fuzz_world, email, password):
    _world, req = fuzz_world
    data = {"email": email, "password": password}
    resp, before, after = post_form(req, None, "/login", data)
    assert resp.status_code == (400 if has_nul(data) else 200)  # nobody has these credentials
    assert after == before


@FUZZ
@given(current=junk, new=junk)
def test_change_password_form(fuzz_world, current, new):
    world, req = fuzz_world
    resp, before, after = post_form(
        req,
        world.A.users["member"],
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": new},
    )
    assert resp.status_code in (200, 400) and after == before  # the current one is never right


# --- enterprises ----------------------------------------------------------------------------

ENTERPRISE_FIELDS = ("uscc", *PROFILE_FIELDS)


@FUZZ
@given(data=st.fixed_dictionaries({f: junk for f in ENTERPRISE_FIELDS}))
def test_enterprise_edit_form(fuzz_world, data):
    world, req = fuzz_world
    url = f"/enterprise/{world.A.enterprise}/edit"
    resp, before, after = post_form(req, world.A.users["member"], url, data)
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(data=st.fixed_dictionaries({f: junk for f in ENTERPRISE_FIELDS}))
def test_enterprise_register_form(fuzz_world, actors, data):
    world, req = fuzz_world
    newcomer = actors.user(actors.officer().role)  # an officer without an enterprise
    world.users[newcomer.id] = login_id(newcomer)
    resp, before, after = post_form(req, newcomer.id, "/enterprise/register", data)
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(email=junk)
def test_invitation_form(fuzz_world, email):
    world, req = fuzz_world
    url = f"/enterprise/{world.A.enterprise}/members"
    resp, before, after = post_form(req, world.A.users["member"], url, {"email": email})
    refused_leaves_nothing(resp, before, after)


# --- questionnaire filling ------------------------------------------------------------------


def stored_answers_are_valid() -> list[str]:
    from cqo_portal.assessments.services import questionnaire_of
    from cqo_portal.core.answers import parse_answer

    bad = []
    for row in db.session.scalars(select(AssessmentAnswer)):
        q = questionnaire_of(row.assessment.questionnaire)
        _answer, error = parse_answer(
            q.question(row.question_id), row.value, row.na, row.na_reason or "", row.evidence or ""
        )
        if error is not None:
            bad.append(f"{row.question_id}={row.value!r}")
    return bad


@FUZZ
@given(
    section=st.integers(min_value=1, max_value=8),
    values=st.lists(st.tuples(junk, st.booleans(), junk, junk), min_size=1, max_size=8),
    revision=junk,
)
def test_section_save(fuzz_world, section, values, revision):
    from cqo_portal.assessments.services import questionnaire_of

    world, req = fuzz_world
    with req.app.app_context():
        draft = db.session.get(Assessment, world.A.draft)
        questions = questionnaire_of(draft.questionnaire).sections[section - 1].questions
        ids = [q.id for q in questions]
    data: dict[str, Any] = {"revision": revision, "go": "stay"}
    for qid, (value, na, reason, evidence) in zip(ids, values, strict=False):
        p = f"q-{qid}-"
        data.update(
            {p + "present": "1", p + "value": value, p + "reason": reason, p + "evidence": evidence}
        )
        if na:
            data[p + "na"] = "1"
    url = f"/assessments/{world.A.draft}/section/{section}"
    resp, bad = req.send(
        world.A.users["member"], "POST", url, data=data, inspect=stored_answers_are_valid
    )
    assert resp.status_code in ((400,) if has_nul(data) else (200, 302)), resp.status_code
    assert bad == [], f"garbage stored: {bad}"


# --- CQO registration -----------------------------------------------------------------------

CQO_FIELDS = CQO_FORM_FIELDS


@FUZZ
@given(data=st.fixed_dictionaries({f: junk for f in CQO_FIELDS}), submit=st.booleans())
def test_cqo_draft_form(fuzz_world, data, submit):
    world, req = fuzz_world
    if submit:
        data["submit_now"] = "1"
    url = f"/cqo/{world.A.cqo_draft}/edit"
    resp, before, after = post_form(req, world.A.users["member"], url, data)
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(reason=junk, approve=st.booleans())
def test_cqo_decision_form(fuzz_world, reason, approve):
    world, req = fuzz_world
    data = {"reason": reason, ("approve" if approve else "send_back"): "1"}
    url = f"/regulator/cqo/{world.A.cqo_submitted}/decide"
    resp, before, after = post_form(req, world.A.users["city_in"], url, data)
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(comment=junk, decision=st.sampled_from(["accept", "send_back", "return", "junk"]))
def test_submission_review_form(fuzz_world, comment, decision):
    world, req = fuzz_world
    url = f"/regulator/submissions/{world.A.submitted}/review"
    resp, before, after = post_form(
        req, world.A.users["city_in"], url, {"comment": comment, decision: "1"}
    )
    refused_leaves_nothing(resp, before, after)


# --- admin ----------------------------------------------------------------------------------


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {"name": junk, "email": junk, "phone": junk, "jurisdiction_code": junk}
    )
)
def test_new_regulator_form(fuzz_world, data):
    world, req = fuzz_world
    resp, before, after = post_form(req, world.A.users["admin"], "/admin/users/new-regulator", data)
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(code=junk)
def test_change_jurisdiction_form(fuzz_world, code):
    world, req = fuzz_world
    url = f"/admin/users/{world.A.users['city_in']}/jurisdiction"
    resp, before, after = post_form(req, world.A.users["admin"], url, {"jurisdiction_code": code})
    refused_leaves_nothing(resp, before, after)


@FUZZ
@given(name=junk, user_id=junk)
def test_issue_api_token_form(fuzz_world, name, user_id):
    world, req = fuzz_world
    resp, before, after = post_form(
        req, world.A.users["admin"], "/admin/api-tokens", {"name": name, "user_id": user_id}
    )
    refused_leaves_nothing(resp, before, after)


# --- public check, filters and the data API -------------------------------------------------


@FUZZ
@given(number=junk, method=st.sampled_from(["GET", "POST"]))
def test_verify(fuzz_world, number, method):
    _world, req = fuzz_world
    kw = {"query_string": {"number": number}} if method == "GET" else {"data": {"number": number}}
    resp = req.send(None, method, "/verify", **kw)
    assert resp.status_code == (400 if "\x00" in number else 200)


FILTER_ARGS = st.dictionaries(
    st.sampled_from(
        [
            "q",
            "city",
            "industry",
            "questionnaire",
            "status",
            "after",
            "before",
            "year",
            "page",
            "per_page",
            "limit",
            "cursor",
            "since",
            "until",
            "sort",
            "order",
            "action",
            "object_type",
            "object_id",
            "actor",
            "lang",
        ]
    ),
    junk,
    max_size=6,
)


@FUZZ
@given(args=FILTER_ARGS)
def test_regulator_and_admin_pages_take_any_filter(fuzz_world, args):
    world, req = fuzz_world
    for path in (
        "/regulator/submissions",
        "/regulator/cqo",
        "/regulator/enterprises",
        "/regulator/",
        "/regulator/audit",
        "/regulator/submissions.csv",
    ):
        resp = req.send(world.A.users["province"], "GET", path, query_string=args)
        expected = (400,) if has_nul(args) else (200, 302)
        assert resp.status_code in expected, (path, args, resp.status_code)
    resp = req.send(world.A.users["admin"], "GET", "/admin/audit", query_string=args)
    assert resp.status_code == (400 if has_nul(args) else 200)


@FUZZ
@given(args=FILTER_ARGS)
def test_api_endpoints_take_any_parameter(fuzz_world, args):
    world, req = fuzz_world
    for path in (
        "/api/v1/enterprises",
        "/api/v1/cqos",
        "/api/v1/submissions",
        "/api/v1/statistics",
        f"/api/v1/enterprises/{world.A.enterprise}",
        f"/api/v1/submissions/{world.A.submitted}",
    ):
        resp = req.send(world.A.users["city_in"], "GET", path, token=True, query_string=args)
        assert resp.status_code in (200, 400), (path, args, resp.status_code)
        assert resp.is_json, path


@FUZZ
@given(header=junk)
def test_api_refuses_any_bad_authorization_header(fuzz_world, header):
    _world, req = fuzz_world
    try:
        resp = req.send(None, "GET", "/api/v1/enterprises", headers={"Authorization": header})
    except ValueError:  # a header value that HTTP cannot carry never reaches the portal
        return
    assert resp.status_code == 401 and resp.is_json


# --- uploads --------------------------------------------------------------------------------

MAGIC = [b"", b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"<html>", b"MZ", b"PK\x03\x04"]


def stored_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["UPLOAD_FOLDER"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@FUZZ
@given(
    magic=st.sampled_from(MAGIC),
    body=st.binary(max_size=3000),
    filename=st.one_of(
        st.sampled_from(
            ["letter.pdf", "../../evil.pdf", "a.php", "x.pdf.exe", "..\\..\\win.pdf", "任命书.png"]
        ),
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
        ),
    ),
)
def test_appointment_letter_upload(fuzz_world, monkeypatch, magic, body, filename):
    """Only PDF/JPEG/PNG by content and within the cap are kept, under a generated name."""
    import io

    world, req = fuzz_world
    monkeypatch.setitem(req.app.config, "MAX_UPLOAD_BYTES", 2048)
    content = magic + body
    files_before = stored_files(req.app)

    def letter_row():
        reg = db.session.get(CQORegistration, world.A.cqo_draft)
        return reg.letter_path, reg.letter_mime, reg.letter_filename

    resp, (path, mime, name) = req.send(
        world.A.users["member"],
        "POST",
        f"/cqo/{world.A.cqo_draft}/edit",
        data={
            "name": "王质量",
            "position": "质量总监",
            "letter": (io.BytesIO(content), filename or "x"),
            "save": "1",
        },
        content_type="multipart/form-data",
        inspect=letter_row,
    )
    assert resp.status_code < 500
    new_files = stored_files(req.app) - files_before
    acceptable = magic not in (b"", b"<html>", b"MZ", b"PK\x03\x04") and 0 < len(content) <= 2048
    if resp.status_code == 302 and path:
        assert acceptable, (magic, len(content))
        assert new_files == {path}
        assert re.fullmatch(r"[a-z_-]+/[0-9a-f]{32}\.(pdf|jpg|png)", path), path
        assert mime in ("application/pdf", "image/jpeg", "image/png")
        assert "/" not in name and "\\" not in name
        from pathlib import Path

        assert (Path(req.app.config["UPLOAD_FOLDER"]) / path).read_bytes() == content
    else:
        assert not acceptable or not filename, (resp.status_code, magic, len(content))
        assert path is None and new_files == set()
