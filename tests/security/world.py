"""A small but complete world for access-control tests: two enterprises in two cities, every role,
assessments in draft and submitted state, a stored report, CQO filings and an API token.

Enterprise A is in Guangzhou (440100), B in Shenzhen (440300). `World.side("A")` names the people
relative to one enterprise (member, other officer, regulator in / out of the city, ...), so the same
expectation table checks both enterprises.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqo_portal import rollups
from cqo_portal.assessments import services as assessment_services
from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import AnswerType, Question
from cqo_portal.enterprises.services import invite_member
from cqo_portal.models import (
    ApiToken,
    Assessment,
    CQORegistration,
    CQOStatus,
    Enterprise,
    EvidenceFile,
    Report,
    ReportStatus,
    User,
)
from cqo_portal.models.base import utcnow
from tests.factories import Actors, holistic_answer, login_id

# Roles named relative to the enterprise whose objects a request targets.
ROLES = ("anon", "member", "other_officer", "city_in", "city_out", "province", "admin")

SCRIPT = "<script>alert('xss')</script>"
LETTER = b"%PDF-1.4 appointment letter"


def full_answer(question: Question, rng: random.Random) -> Answer:
    """A valid answer to any question (so a submission is complete)."""
    holistic = holistic_answer(question, rng.randint(1, 6))
    if holistic is not None:
        return holistic
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return Answer(value=rng.randint(1, 5), evidence="质量手册 QM-01")
    if t is AnswerType.BAND:
        return Answer(value=rng.choice([40, 60, 80]), evidence="")
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(value=rng.choice(["yes", "partly", "no"]))
    if t is AnswerType.CHOICE:
        return Answer(value=rng.choice(question.options).id)
    if t is AnswerType.NUMBER:
        lo = question.min if question.min is not None else 0
        hi = question.max if question.max is not None else 100
        return Answer(value=round((lo + hi) / 2))
    return Answer(value="每季度召开质量例会")


def fill(assessment: Assessment, user: User, seed: int = 1) -> None:
    rng = random.Random(seed)
    q = assessment_services.questionnaire_of(assessment.questionnaire)
    for question in q.questions:
        ans = full_answer(question, rng)
        assessment.answers.append(assessment_services._new_row(question, ans, user))


@dataclass
class Side:
    """The objects of one enterprise and the people named relative to it (ids only)."""

    name: str
    enterprise: int
    draft: int
    submitted: int
    report: int
    report_number: str
    evidence_file: int
    cqo_submitted: int
    cqo_draft: int
    invitation: int
    invitation_token: str
    action: int  # an improvement action planned from the submission
    plan_question: str  # a question of the submission's improvement plan
    users: dict[str, int | None]  # role -> user id (anon -> None)
    safety_filing: int = 0  # a quality-safety director filing awaiting the bureau
    hazard: int = 0  # an open hazard of a weekly screening report
    award_round: int = 0  # an award round open to both cities
    application: int = 0  # the enterprise's handed-in application to it


@dataclass
class World:
    A: Side
    B: Side
    users: dict[int, str]  # user id -> Flask-Login id ("id:session_version")
    emails: dict[int, str]
    api_token: str  # the secret of the Guangzhou regulator's token
    api_token_id: int
    tokens: dict[int, str]  # user id -> API token secret (officers' and admin's are refused)
    questionnaire_version: int

    def side(self, name: str) -> Side:
        return self.A if name == "A" else self.B


def _enterprise_objects(actors: Actors, ent: Enterprise, officer: User, qv) -> dict[str, int | str]:
    session = actors.session
    draft = assessment_services.start_assessment(ent, qv, officer)
    draft.answers.append(
        assessment_services._new_row(
            qv_first_question(draft), Answer(value=None, evidence=f"草稿 {SCRIPT}"), officer
        )
    )
    submitted = Assessment(
        enterprise=ent,
        questionnaire=qv,
        questionnaire_key=qv.key,
        cycle_year=2025,
        created_by_id=officer.id,
        revision=1,
    )
    session.add(submitted)
    fill(submitted, officer, seed=ent.id)
    session.flush()
    assessment_services.submit_assessment(submitted, officer)
    report = Report(
        assessment=submitted,
        lang="zh",
        number=f"GD-CQO-TEST-{submitted.id:06d}-ZH",
        status=ReportStatus.READY,
        pdf=b"%PDF-1.4 test report",
        size=20,
        sha256=hashlib.sha256(b"%PDF-1.4 test report").hexdigest(),
        generated_at=utcnow(),
    )
    session.add(report)
    evidence_file = EvidenceFile(
        assessment_id=submitted.id,
        question_id=qv_first_question(submitted).id,
        original_name="内审记录.pdf",
        stored_path=_store_letter(),
        mime="application/pdf",
        size=len(LETTER),
        sha256=hashlib.sha256(LETTER).hexdigest(),
        applies_on=utcnow().date(),
        uploaded_by_id=officer.id,
    )
    session.add(evidence_file)
    session.flush()
    cqo_submitted = CQORegistration(
        enterprise_id=ent.id,
        status=CQOStatus.SUBMITTED,
        name=f"王质量 {SCRIPT}",
        position="质量总监",
        submitted_at=utcnow(),
        created_by_id=officer.id,
    )
    cqo_draft = CQORegistration(
        enterprise_id=ent.id,
        status=CQOStatus.DRAFT,
        name="李草稿",
        position="副总经理",
        created_by_id=officer.id,
    )
    session.add_all([cqo_submitted, cqo_draft])
    cqo_submitted.letter_path = _store_letter()
    cqo_submitted.letter_mime = "application/pdf"
    cqo_submitted.letter_filename = "任命书.pdf"
    cqo_submitted.letter_size = len(LETTER)
    invitation, invitation_token = invite_member(ent, officer, f"invitee-{ent.id}@example.cn")
    rollups.refresh_enterprises(session, [ent.id])  # the filings were written directly
    action, plan_question = _improvement_action(submitted, officer)
    safety_filing, hazard = _safety_objects(ent, officer)
    return {
        "safety_filing": safety_filing,
        "hazard": hazard,
        "action": action,
        "plan_question": plan_question,
        "invitation": invitation.id,
        "invitation_token": invitation_token,
        "draft": draft.id,
        "submitted": submitted.id,
        "report": report.id,
        "report_number": report.number,
        "evidence_file": evidence_file.id,
        "cqo_submitted": cqo_submitted.id,
        "cqo_draft": cqo_draft.id,
    }


def _improvement_action(submitted: Assessment, officer: User) -> tuple[int, str]:
    """An action on the first plan step; the last step's question is left to plan."""
    from datetime import date

    from cqo_portal.actions import services as action_services
    from cqo_portal.core.plan import improvement_plan
    from cqo_portal.core.scoring import Result

    q = assessment_services.questionnaire_of(submitted.questionnaire)
    plan = improvement_plan(
        q, assessment_services.answers_of(submitted, q), Result.from_data(submitted.result)
    )
    fields = action_services.ActionFields(
        title=f"整改 {SCRIPT}", owner_name="质量部", due_on=date(2030, 1, 1), expected_effect=""
    )
    action = action_services.create_action(submitted, plan[0].question_id, fields, officer)
    return action.id, plan[-1].question_id


def _safety_objects(ent: Enterprise, officer: User) -> tuple[int, int]:
    """A director filing (with its document) and an open hazard of the enterprise."""
    from datetime import date

    from cqo_portal.safety import services as safety_services
    from cqo_portal.uploads import CheckedUpload

    safety_services.declare_scope(
        ent, officer, True, [safety_services.ProductData(f"电线 {SCRIPT}", "licence", None, None)]
    )
    filing = safety_services.file_director(
        ent,
        officer,
        safety_services.DirectorData(
            f"安全总监 {SCRIPT}",
            "副总经理",
            "周排查",
            False,
            [safety_services.OfficerData("安全员", "质检员", "")],
        ),
        CheckedUpload(LETTER, "application/pdf", ".pdf", "任命.pdf"),
    )
    report = safety_services.add_weekly(
        ent,
        date(2026, 11, 2),
        "安全总监",
        SCRIPT,
        [safety_services.HazardData(f"隐患 {SCRIPT}", date(2026, 11, 2), None)],
    )
    return filing.id, report.hazards[0].id


def _store_letter() -> str:
    """An appointment letter stored the way uploads.store does (random name under the folder)."""
    from flask import current_app

    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"letters/{secrets.token_hex(16)}.pdf"
    (folder.parent / name).write_bytes(LETTER)
    return name


def qv_first_question(assessment: Assessment):
    return assessment_services.questionnaire_of(assessment.questionnaire).questions[0]


def _award_objects(actors: Actors, admin: User, applicants) -> list[dict[str, int]]:
    """An award round open to both cities and a handed-in application of each enterprise."""
    from datetime import timedelta

    from cqo_portal.award import services as award_services
    from cqo_portal.models import ApplicationStatus, AwardApplication, RoundKind

    today = award_services.today()
    rnd = award_services.open_round(
        admin=admin,
        kind=RoundKind.AWARD,
        title=f"质量奖 {SCRIPT}",
        questionnaire=actors.questionnaire("gbt19580"),
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        city_codes=["440100", "440300"],
        industry_sections=[],
        checklist=[f"无重大事故 {SCRIPT}"],
        examiners_see_self_score=False,
    )
    out = []
    for ent, officer in applicants:
        app = AwardApplication(
            round=rnd,
            enterprise=ent,
            city_code=ent.city_code,
            status=ApplicationStatus.SUBMITTED,
            eligibility=[0],
            profile={"activities": SCRIPT},
            created_by_id=officer.id,
            submitted_at=utcnow(),
        )
        actors.session.add(app)
        actors.session.flush()
        out.append({"award_round": rnd.id, "application": app.id})
    return out


def build_world(actors: Actors) -> World:
    """Create the world inside the test's transaction and return the ids (flushed, not committed)."""
    session = actors.session
    qv = actors.questionnaire("cqo-qms")
    ent_a = actors.enterprise(city="440100", name=f"广州甲企业 {SCRIPT}")
    ent_b = actors.enterprise(city="440300", name="深圳乙企业有限公司")
    officer_a = actors.officer(ent_a)
    officer_a.name = f"陈甲 {SCRIPT}"
    officer_b = actors.officer(ent_b)
    gz = actors.regulator("440100")
    sz = actors.regulator("440300")
    prov = actors.regulator("440000")
    admin = actors.admin()
    session.flush()
    objs_a = _enterprise_objects(actors, ent_a, officer_a, qv)
    objs_b = _enterprise_objects(actors, ent_b, officer_b, qv)
    award = _award_objects(actors, admin, [(ent_a, officer_a), (ent_b, officer_b)])

    people = [officer_a, officer_b, gz, sz, prov, admin]
    # A token for everyone: the API must refuse the officers' and the admin's (made by hand here,
    # since the admin page only issues tokens to regulators).
    tokens: dict[int, str] = {}
    token_ids: dict[int, int] = {}
    for person in people:
        secret = "cqo_" + secrets.token_urlsafe(32)
        token = ApiToken(
            user_id=person.id,
            name=f"接口 {person.id}",
            token_hash=hashlib.sha256(secret.encode()).hexdigest(),
            prefix=secret[:12],
            created_by_id=admin.id,
        )
        session.add(token)
        session.flush()
        tokens[person.id] = secret
        token_ids[person.id] = token.id
    a = Side(
        name="A",
        enterprise=ent_a.id,
        users={
            "anon": None,
            "member": officer_a.id,
            "other_officer": officer_b.id,
            "city_in": gz.id,
            "city_out": sz.id,
            "province": prov.id,
            "admin": admin.id,
        },
        **objs_a,  # type: ignore[arg-type]
        **award[0],
    )
    b = Side(
        name="B",
        enterprise=ent_b.id,
        users={
            "anon": None,
            "member": officer_b.id,
            "other_officer": officer_a.id,
            "city_in": sz.id,
            "city_out": gz.id,
            "province": prov.id,
            "admin": admin.id,
        },
        **objs_b,  # type: ignore[arg-type]
        **award[1],
    )
    return World(
        A=a,
        B=b,
        users={u.id: login_id(u) for u in people},
        emails={u.id: u.email for u in people},
        api_token=tokens[gz.id],
        api_token_id=token_ids[gz.id],
        tokens=tokens,
        questionnaire_version=qv.id,
    )


class Requester:
    """Sends one request as one user inside a SAVEPOINT that is rolled back afterwards."""

    def __init__(self, app, db_session, world: World) -> None:
        self.app = app
        self.session = db_session
        self.world = world
        self.connection = db_session.get_bind()

    def send(
        self,
        user_id: int | None,
        method: str,
        url: str,
        token: bool = False,
        inspect: Callable[[], Any] | None = None,
        **kw,
    ):
        """The response; with `inspect`, (response, what inspect() saw before the rollback)."""
        self.session.commit()  # release the session's own savepoint; the outer test tx stays
        savepoint = self.connection.begin_nested()
        try:
            # A fresh app context per request, as in production (g, the session's identity map).
            with self.app.app_context():
                client = self.app.test_client()
                if token:
                    if user_id is not None:
                        kw["headers"] = {
                            **(kw.get("headers") or {}),
                            "Authorization": f"Bearer {self.world.tokens[user_id]}",
                        }
                elif user_id is not None:
                    with client.session_transaction() as sess:
                        sess["_user_id"] = self.world.users[user_id]
                        sess["_fresh"] = True
                resp = client.open(url, method=method, **kw)
                resp.get_data()  # finish streamed bodies (CSV export) inside this context
                resp.close()
            if inspect is None:
                return resp
            with self.app.app_context():
                return resp, inspect()
        finally:
            self.session.rollback()
            if savepoint.is_active:
                savepoint.rollback()
            self.session.expunge_all()
