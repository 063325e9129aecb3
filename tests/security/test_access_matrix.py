"""Access control: every route in app.url_map, every method, every kind of user.

The world holds two enterprises (A in Guangzhou, B in Shenzhen) and every role. For each rule
and method, the URL is filled with the real ids of enterprise A's (then B's) objects and requested
as: anonymous, an officer of the enterprise, an officer of the other enterprise, the regulator of
the enterprise's city, the other city's regulator, the provincial regulator and an admin. The
answer must match EXPECTED, keyed by endpoint. A route with no entry fails the test by name, so
nobody adds a route without deciding who may use it.

Each request runs inside a SAVEPOINT that is rolled back afterwards, so a POST by one user does
not change what the next user sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.security.world import ROLES, SCRIPT, Requester, Side, World, build_world

# --- outcomes -------------------------------------------------------------------------------


# The user reached the action: 2xx, a redirect that is not to the login page, or the action itself
# refused the input or the state (400, 409, 422: these come after the authorization check).
ALLOW = "allow"
LOGIN = "login"  # anonymous: redirected to the login page (web) or 401 (API)
HIDDEN = "404"  # the object does not exist for this user
FORBIDDEN = "403"  # the user may see the page exists but not use it
DENY = "deny"  # 403 or 404


def outcome_of(resp) -> str:
    code = resp.status_code
    if code == 401:
        return LOGIN
    if code in (301, 302, 303, 307, 308):
        target = urlsplit(resp.headers.get("Location", "")).path
        return LOGIN if target == "/login" else ALLOW
    if code == 404:
        return HIDDEN
    if code == 403:
        return FORBIDDEN
    if 200 <= code < 300 or code in (400, 409, 422):
        return ALLOW
    return str(code)


def matches(expected: str, actual: str) -> bool:
    return expected == actual or (expected == DENY and actual in (HIDDEN, FORBIDDEN))


def roles(default: str, **by_role: str) -> dict[str, str]:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {r: by_role.get(r, default) for r in ROLES}


# Shorthands for the common policies (relative to the enterprise that owns the object).
PUBLIC = roles(ALLOW)
LOGGED_IN = roles(ALLOW, anon=LOGIN)
ADMIN_ONLY = roles(FORBIDDEN, anon=LOGIN, admin=ALLOW)
REGULATORS = roles(FORBIDDEN, anon=LOGIN, city_in=ALLOW, city_out=ALLOW, province=ALLOW)
OFFICERS = roles(FORBIDDEN, anon=LOGIN, member=ALLOW, other_officer=ALLOW)
# Object pages: the enterprise's officers and the regulators whose jurisdiction covers it.
MEMBER_OR_JURISDICTION = roles(HIDDEN, anon=LOGIN, member=ALLOW, city_in=ALLOW, province=ALLOW)
# Object actions only the enterprise's own officers may take (regulators see, may not change).
MEMBER_ONLY = roles(HIDDEN, anon=LOGIN, member=ALLOW, city_in=FORBIDDEN, province=FORBIDDEN)
# Private to the enterprise (drafts): nobody else even learns that it exists.
MEMBER_PRIVATE = roles(HIDDEN, anon=LOGIN, member=ALLOW)
# Decisions of the regulators of the jurisdiction (officers may see, may not decide).
JURISDICTION_ONLY = roles(HIDDEN, anon=LOGIN, member=FORBIDDEN, city_in=ALLOW, province=ALLOW)


@dataclass
class Rule:
    """Who gets what on one endpoint (optionally one method), and how to fill its request."""

    expect: dict[str, str]
    params: dict[str, Callable[[World, Side], Any]] = field(default_factory=dict)
    data: Callable[[World, Side], dict[str, Any]] | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    token: bool = False  # the data API: the user's API token instead of a session
    note: str = ""


def draft(_w: World, s: Side) -> int:
    return s.draft


def submitted(_w: World, s: Side) -> int:
    return s.submitted


# Default URL parameters by name; a Rule's params override them for one endpoint.
PARAMS: dict[str, Callable[[World, Side], Any]] = {
    "action_id": lambda _w, s: s.action,
    "assessment_id": submitted,
    "submission_id": submitted,
    "enterprise_id": lambda _w, s: s.enterprise,
    "registration_id": lambda _w, s: s.cqo_submitted,
    "invitation_id": lambda _w, s: s.invitation,
    "token": lambda _w, s: s.invitation_token,
    "user_id": lambda _w, s: s.users["member"],
    "token_id": lambda w, _s: w.api_token_id,
    "qv_id": lambda w, _s: w.questionnaire_version,
    "index": lambda _w, _s: 1,
    "code": lambda _w, _s: "en",
    "filing_id": lambda _w, s: s.safety_filing,
    "hazard_id": lambda _w, s: s.hazard,
    "application_id": lambda _w, s: s.application,
    "round_id": lambda w, _s: w.A.award_round,
    "fmt": lambda _w, _s: "csv",
}


def cqo_draft(_w: World, s: Side) -> int:
    return s.cqo_draft


# The data API answers 401 to anyone without a regulator's token (officers' tokens are refused).
# Award pages of the bureaus (and the administrator who opened the rounds).
AWARD_BUREAU = roles(
    FORBIDDEN, anon=LOGIN, city_in=ALLOW, city_out=ALLOW, province=ALLOW, admin=ALLOW
)
# An application's page others may open, for an action none of them may take (examiners' work,
# the feedback before the release).
SEEN_NOT_USED = roles(HIDDEN, anon=LOGIN, member=FORBIDDEN, city_in=FORBIDDEN, province=FORBIDDEN)
API_REGULATORS = roles(LOGIN, city_in=ALLOW, city_out=ALLOW, province=ALLOW)
API_JURISDICTION = roles(LOGIN, city_in=ALLOW, city_out=HIDDEN, province=ALLOW)

# endpoint, or "endpoint METHOD" for one method -> Rule.
EXPECTED: dict[str, Rule] = {
    # Public pages and assets.
    "main.index": Rule(PUBLIC),
    "main.healthz": Rule(PUBLIC),
    "static": Rule(PUBLIC, params={"filename": lambda _w, _s: "css/app.css"}),
    "bootstrap.static": Rule(PUBLIC, params={"filename": lambda _w, _s: "css/bootstrap.min.css"}),
    "reports.verify GET": Rule(PUBLIC, query={"number": "GD-CQO-NOPE"}),
    "reports.verify POST": Rule(PUBLIC, data=lambda _w, s: {"number": s.report_number}),
    # Accounts.
    "accounts.login GET": Rule(PUBLIC),
    "accounts.login POST": Rule(
        PUBLIC,
        data=lambda w, s: {"email": w.emails[s.users["member"]], "password": "test-pass-2026"},
    ),
    "accounts.register GET": Rule(PUBLIC),
    "accounts.register POST": Rule(
        PUBLIC,
        data=lambda _w, _s: {
            "name": "新用户",
            "email": "newcomer@example.cn",
            "password": "newcomer-2026",
            "confirm": "newcomer-2026",
        },
    ),
    "accounts.logout": Rule(PUBLIC),
    "accounts.set_language": Rule(PUBLIC, data=lambda _w, _s: {"next": "/"}),
    "accounts.change_password GET": Rule(LOGGED_IN),
    "accounts.logins": Rule(LOGGED_IN),
    "accounts.end_other_logins": Rule(LOGGED_IN, note="ends the user's own other logins only"),
    "accounts.end_other_login": Rule(
        roles(HIDDEN, anon=LOGIN),
        params={"token_hash": lambda _w, _s: "0" * 64},
        note="a login is addressed by its hash and only its own account finds it",
    ),
    "accounts.change_password POST": Rule(
        LOGGED_IN,
        data=lambda _w, _s: {
            "current_password": "wrong",
            "new_password": "another-2026",
            "confirm": "another-2026",
        },
    ),
    "main.dashboard": Rule(LOGGED_IN),
    # Enterprises.
    "enterprises.register": Rule(
        roles(FORBIDDEN, anon=LOGIN, member=ALLOW, other_officer=ALLOW),
        note="officers who already have an enterprise are sent to it",
    ),
    "enterprises.view": Rule(MEMBER_OR_JURISDICTION),
    "enterprises.edit": Rule(MEMBER_ONLY),
    "enterprises.members GET": Rule(MEMBER_ONLY),
    "enterprises.members POST": Rule(
        MEMBER_ONLY, data=lambda _w, _s: {"email": "colleague@example.cn"}
    ),
    "enterprises.withdraw_invitation": Rule(MEMBER_ONLY),
    "enterprises.remove_member": Rule(
        MEMBER_ONLY, note="the member asks to remove themself: refused with a message (302)"
    ),
    # An invitation link: the secret token is the key; the page says whom it is for.
    "enterprises.join": Rule(PUBLIC, note="others get 409: the invitation is not theirs"),
    # CQO registration (备案): filed ones are seen by the jurisdiction, drafts are private.
    "cqo.index": Rule(LOGGED_IN, note="regulators and admins are sent to their own pages"),
    "cqo.new": Rule(LOGGED_IN, note="non-officers are sent to their dashboard"),
    "cqo.view": Rule(MEMBER_OR_JURISDICTION),
    "cqo.letter": Rule(MEMBER_OR_JURISDICTION),
    "cqo.edit": Rule(MEMBER_PRIVATE, params={"registration_id": cqo_draft}),
    "cqo.submit": Rule(MEMBER_PRIVATE, params={"registration_id": cqo_draft}),
    "cqo.delete": Rule(MEMBER_PRIVATE, params={"registration_id": cqo_draft}),
    "regulator.cqo_registrations": Rule(REGULATORS),
    "regulator.cqo_registration": Rule(JURISDICTION_ONLY),
    "regulator.decide_cqo_registration": Rule(
        JURISDICTION_ONLY, data=lambda _w, _s: {"approve": "1"}
    ),
    # Self-assessments (officers of the enterprise only; drafts are private).
    # Improvement actions: the enterprise's own officers plan and change them; the bureau sees
    # figures only (dashboard, enterprise list, API).
    "actions.board": Rule(OFFICERS, note="each officer sees their own enterprise's board"),
    "actions.board_xlsx": Rule(OFFICERS, note="each officer exports their own enterprise's board"),
    "actions.create": Rule(
        MEMBER_ONLY,
        params={"question_id": lambda _w, s: s.plan_question},
        data=lambda _w, _s: {"title": "整改", "owner_name": "质量部", "due_on": "2030-01-01"},
    ),
    "actions.detail": Rule(
        MEMBER_ONLY,
        data=lambda _w, _s: {"title": "整改", "owner_name": "质量部", "due_on": "2030-01-01"},
    ),
    "actions.change_status": Rule(
        MEMBER_ONLY, data=lambda _w, _s: {"status": "in_progress", "note": "已启动"}
    ),
    "assessments.index": Rule(OFFICERS),
    "assessments.start": Rule(
        OFFICERS, data=lambda w, _s: {"questionnaire_version_id": w.questionnaire_version}
    ),
    "assessments.overview": Rule(MEMBER_PRIVATE, params={"assessment_id": draft}),
    "assessments.section": Rule(MEMBER_PRIVATE, params={"assessment_id": draft}),
    "assessments.submit": Rule(MEMBER_PRIVATE, params={"assessment_id": draft}),
    "assessments.discard": Rule(
        MEMBER_PRIVATE, params={"assessment_id": draft}, data=lambda _w, _s: {"confirm": "y"}
    ),
    "assessments.result": Rule(MEMBER_OR_JURISDICTION),
    "assessments.answers_xlsx": Rule(MEMBER_PRIVATE, params={"assessment_id": draft}),
    "assessments.import_xlsx": Rule(OFFICERS),
    "assessments.template_xlsx": Rule(LOGGED_IN, note="a blank published questionnaire"),
    "reports.download": Rule(MEMBER_OR_JURISDICTION, query={"lang": "zh"}),
    "reports.status": Rule(MEMBER_OR_JURISDICTION),
    # Regulator workspace.
    "regulator.submissions": Rule(REGULATORS),
    "regulator.submission": Rule(
        roles(HIDDEN, anon=LOGIN, member=FORBIDDEN, city_in=ALLOW, province=ALLOW)
    ),
    "regulator.audit_trail": Rule(REGULATORS),
    "regulator.dashboard": Rule(REGULATORS),
    "regulator.enterprises": Rule(REGULATORS),
    "regulator.submissions_csv": Rule(REGULATORS),
    "regulator.submissions_xlsx": Rule(REGULATORS),
    "regulator.submissions_zip": Rule(REGULATORS),
    "regulator.review_submission": Rule(
        JURISDICTION_ONLY, data=lambda _w, _s: {"accept": "1", "comment": "好"}
    ),
    # Evidence: files for the enterprise, its regulators and admins; verdicts by the
    # jurisdiction's regulators; responses by the enterprise's officers.
    "regulator.review_evidence": Rule(
        JURISDICTION_ONLY,
        data=lambda _w, _s: {"question_id": "nope", "verdict": "needs_more", "comment": "补充"},
    ),
    "assessments.respond_evidence": Rule(
        MEMBER_ONLY, data=lambda _w, _s: {"question_id": "nope", "comment": "已补充"}
    ),
    "assessments.evidence_file": Rule(
        roles(HIDDEN, anon=LOGIN, member=ALLOW, city_in=ALLOW, province=ALLOW, admin=ALLOW),
        params={"file_id": lambda _w, s: s.evidence_file},
    ),
    # The data API (bearer tokens of regulators; scoped to the token owner's jurisdiction).
    "api.openapi_document": Rule(PUBLIC),
    "api.enterprises": Rule(API_REGULATORS, token=True),
    "api.cqos": Rule(API_REGULATORS, token=True),
    "api.submissions": Rule(API_REGULATORS, token=True),
    "api.statistics": Rule(API_REGULATORS, token=True),
    "api.quality_safety": Rule(API_REGULATORS, token=True),
    "api.enterprise": Rule(API_JURISDICTION, token=True),
    "api.submission": Rule(API_JURISDICTION, token=True),
    # Quality-safety duties: the officers keep their own enterprise's records (no id in the URL
    # but a hazard's); the bureaus over the city see the filing and decide on it.
    "safety.index": Rule(LOGGED_IN, note="regulators go to their view, admins to their dashboard"),
    "safety.scope": Rule(OFFICERS),
    "safety.director": Rule(OFFICERS),
    "safety.add_daily": Rule(OFFICERS),
    "safety.add_weekly": Rule(OFFICERS),
    "safety.add_monthly": Rule(OFFICERS),
    "safety.add_risk": Rule(OFFICERS),
    "safety.template": Rule(OFFICERS),
    "safety.import_records": Rule(OFFICERS),
    "safety.close_hazard": Rule(
        roles(FORBIDDEN, anon=LOGIN, member=ALLOW, other_officer=HIDDEN),
        data=lambda _w, _s: {"closed_on": "2026-11-20"},
    ),
    "safety.document": Rule(MEMBER_OR_JURISDICTION),
    "regulator.safety_oversight": Rule(REGULATORS),
    "regulator.cqo_lapses": Rule(REGULATORS),
    "notifications.index": Rule(OFFICERS),
    "notifications.mark_read": Rule(OFFICERS),
    # The CQO as a person: the enterprise keeps the record of its CQO's conditions and training.
    "cqo.save_profile": Rule(
        MEMBER_ONLY, data=lambda _w, _s: {"years_in_quality": "5", "title_or_degree": "工程师"}
    ),
    "cqo.add_training": Rule(
        MEMBER_ONLY,
        data=lambda _w, _s: {"course": "质量法规", "hours": "8", "completed_on": "2026-11-01"},
    ),
    "cqo.add_certificate": Rule(
        MEMBER_ONLY, data=lambda _w, _s: {"cert_name": "首席质量官培训证书"}
    ),
    "regulator.safety_csv": Rule(REGULATORS),
    "regulator.safety_xlsx": Rule(REGULATORS),
    "regulator.safety_filing": Rule(JURISDICTION_ONLY),
    "regulator.safety_enterprise": Rule(JURISDICTION_ONLY),
    "regulator.decide_safety_filing": Rule(JURISDICTION_ONLY, data=lambda _w, _s: {"approve": "1"}),
    # Administration.
    "admin.users": Rule(ADMIN_ONLY),
    "admin.questionnaires": Rule(ADMIN_ONLY),
    "admin.audit_trail": Rule(ADMIN_ONLY),
    "admin.account": Rule(ADMIN_ONLY),
    "admin.new_regulator": Rule(ADMIN_ONLY),
    "admin.change_jurisdiction": Rule(ADMIN_ONLY, data=lambda _w, _s: {"jurisdiction": "440100"}),
    "admin.set_active": Rule(ADMIN_ONLY),
    "admin.reset_password": Rule(ADMIN_ONLY),
    "admin.api_tokens": Rule(ADMIN_ONLY),
    "admin.issue_api_token": Rule(ADMIN_ONLY),
    "admin.revoke_api_token": Rule(ADMIN_ONLY),
    "admin.questionnaire_detail": Rule(ADMIN_ONLY),
    "admin.questionnaire_upload": Rule(ADMIN_ONLY),
    "admin.questionnaire_confirm": Rule(ADMIN_ONLY),
    "admin.questionnaire_publish": Rule(ADMIN_ONLY),
    "admin.questionnaire_retire": Rule(ADMIN_ONLY),
    "admin.new_examiner": Rule(ADMIN_ONLY),
    # Award rounds: the administrator opens them, the bureaus follow them, the enterprise applies;
    # examiners' pages (score, consensus, declarations) are theirs alone (tests/award checks them
    # for examiners); the feedback waits for the release.
    "award.new_round": Rule(ADMIN_ONLY),
    "award.rounds": Rule(AWARD_BUREAU),
    "award.round_page": Rule(AWARD_BUREAU),
    "award.export_round": Rule(AWARD_BUREAU),
    "award.release_round": Rule(roles(FORBIDDEN, anon=LOGIN, province=ALLOW)),
    "award.apply": Rule(roles(HIDDEN, anon=LOGIN, member=ALLOW, other_officer=ALLOW)),
    "award.application": Rule(MEMBER_OR_JURISDICTION),
    "award.self_report": Rule(MEMBER_OR_JURISDICTION),
    "award.feedback_report": Rule(SEEN_NOT_USED),
    "award.assign": Rule(JURISDICTION_ONLY),
    "award.declare_conflict": Rule(SEEN_NOT_USED),
    "award.score": Rule(SEEN_NOT_USED),
    "award.consensus": Rule(SEEN_NOT_USED),
    "award.examiner_home": Rule(roles(FORBIDDEN, anon=LOGIN)),
}

SKIP_METHODS = {"HEAD", "OPTIONS"}
OBJECT_ARGS = {
    "action_id",
    "assessment_id",
    "submission_id",
    "enterprise_id",
    "registration_id",
    "invitation_id",
    "filing_id",
    "hazard_id",
    "application_id",
}


def rule_for(endpoint: str, method: str) -> Rule | None:
    return EXPECTED.get(f"{endpoint} {method}") or EXPECTED.get(endpoint)


def routes(app) -> list[tuple[Any, str]]:
    return sorted(
        ((r, m) for r in app.url_map.iter_rules() for m in r.methods - SKIP_METHODS),
        key=lambda rm: (rm[0].rule, rm[1]),
    )


def test_every_route_has_an_expectation(app):
    missing = [
        f"{r.endpoint} {m} ({r.rule})" for r, m in routes(app) if rule_for(r.endpoint, m) is None
    ]
    assert not missing, (
        "routes without an access rule in tests/security/test_access_matrix.py EXPECTED "
        "(decide who may use them): " + ", ".join(missing)
    )


def test_every_expectation_names_a_real_route(app):
    known = {r.endpoint for r in app.url_map.iter_rules()}
    stale = [k for k in EXPECTED if k.split(" ")[0] not in known]
    assert not stale, f"EXPECTED has entries for routes that no longer exist: {stale}"


def build_url(app, rule, world: World, side: Side, spec: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        fill = spec.params.get(arg) or PARAMS.get(arg)
        assert fill is not None, (
            f"{rule.endpoint}: no way to fill URL parameter <{arg}>; "
            "add it to PARAMS or to the endpoint's Rule(params=...)"
        )
        values[arg] = fill(world, side)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, **spec.query)


@pytest.mark.parametrize("side_name", ["A", "B"])
def test_access_matrix(app, db_session, actors, side_name):
    world = build_world(actors)
    side = world.side(side_name)
    req = Requester(app, db_session, world)
    problems: list[str] = []
    checked = 0
    for rule, method in routes(app):
        spec = rule_for(rule.endpoint, method)
        if spec is None:
            continue  # reported by test_every_route_has_an_expectation
        if side_name == "B" and not rule.arguments & OBJECT_ARGS:
            continue  # no object in the URL: the same request as for A
        url = build_url(app, rule, world, side, spec)
        for role in ROLES:
            data = spec.data(world, side) if spec.data else {}
            resp = req.send(
                side.users[role],
                method,
                url,
                data=data if method != "GET" else None,
                headers=spec.headers,
                token=spec.token,
            )
            actual = outcome_of(resp)
            expected = spec.expect[role]
            checked += 1
            if not matches(expected, actual):
                problems.append(
                    f"{method} {url} [{rule.endpoint}] as {role}: expected {expected}, "
                    f"got {resp.status_code} {resp.headers.get('Location', '')}"
                )
            if resp.mimetype == "text/html":
                problems += [
                    f"{method} {url} as {role}: {p}" for p in page_problems(resp.get_data(True))
                ]
    assert checked > 100
    assert not problems, f"{len(problems)} access problems:\n" + "\n".join(problems)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)
JS_URL = re.compile(r"(href|src|action)=[\"']?\s*javascript:", re.I)


def page_problems(html: str) -> list[str]:
    """What the CSP would block or what shows unescaped user text (the world's <script> names)."""
    found = []
    if SCRIPT in html:
        found.append("user text rendered unescaped")
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("inline style attribute", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
        ("javascript: URL", JS_URL),
    ):
        match = pattern.search(html)
        if match:
            found.append(f"{name}: {match.group(0)[:80]}")
    return found


def test_guessed_ids_are_not_found(app, db_session, actors):
    """Ids that do not exist, or are not numbers, answer 404 (never 200 or 500) to every user."""
    world = build_world(actors)
    req = Requester(app, db_session, world)
    problems = []
    for rule, method in routes(app):
        object_args = [a for a in rule.arguments if a.endswith("_id")]
        if not object_args or rule_for(rule.endpoint, method) is None:
            continue
        spec = rule_for(rule.endpoint, method)
        for bogus in ("987654321", "abc"):
            params = {a: (lambda _w, _s, b=bogus: b) for a in object_args}
            try:
                url = build_url(app, rule, world, world.A, Rule(spec.expect, params=params))
            except ValueError:  # an int converter: "abc" cannot even be routed (404 by routing)
                continue
            for role in ROLES[1:]:
                resp = req.send(world.A.users[role], method, url, data=None, token=spec.token)
                if resp.status_code not in (401, 403, 404):  # 401: an API token not accepted
                    problems.append(f"{method} {url} as {role}: {resp.status_code}")
    assert not problems, "\n".join(problems)
