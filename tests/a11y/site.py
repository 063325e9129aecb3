"""The pages the accessibility and HTML checks visit: the main pages of every role, with real data.

``prepare`` runs after the demo data is in (``cqo_portal.demo.seed_demo``) and adds what the demo
leaves out: an open draft for the demo officer, a CQO registration if the enterprise has none, a
regulator for the officer's own city, an API token and an invitation. It returns, for each visitor,
the login and the paths to visit, in the order a person would meet them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

LANGUAGES = ("zh", "en")
CITY_REGULATOR = "city-checks@example.cn"
NEWCOMER = "colleague-checks@example.cn"  # an officer with no enterprise yet, invited


@dataclass
class Visitor:
    name: str  # anonymous, officer, regulator-city, regulator-province, admin
    email: str | None
    password: str | None
    paths: list[str] = field(default_factory=list)
    main: list[str] = field(default_factory=list)  # the few the browser checks visit
    # Forms sent back with what a person gets wrong (and one that succeeds): (path, form data).
    posts: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def prepare() -> list[Visitor]:
    """Add the missing objects (flushes; the caller commits) and list the visits."""
    from flask import url_for

    from cqo_portal.accounts.services import create_user, find_user_by_email
    from cqo_portal.api.tokens import issue_token
    from cqo_portal.assessments import services as assessment_services
    from cqo_portal.demo import DEMO_PASSWORD
    from cqo_portal.enterprises.services import invite_member
    from cqo_portal.extensions import db
    from cqo_portal.models import (
        SUBMITTED_STATUSES,
        Assessment,
        CQORegistration,
        CQOStatus,
        Enterprise,
        QuestionnaireStatus,
        QuestionnaireVersion,
        Role,
    )

    officer = find_user_by_email("officer@demo.cqo.gd.cn")
    admin = find_user_by_email("admin@demo.cqo.gd.cn")
    province = find_user_by_email("province@demo.cqo.gd.cn")
    if officer.enterprise_id is None:
        officer.enterprise_id = db.session.scalar(select(Enterprise.id).order_by(Enterprise.id))
        db.session.flush()
    ent = db.session.get(Enterprise, officer.enterprise_id)
    submitted = db.session.scalar(
        select(Assessment)
        .where(Assessment.enterprise_id == ent.id, Assessment.status.in_(SUBMITTED_STATUSES))
        .order_by(Assessment.id)
    )
    qv = db.session.scalar(
        select(QuestionnaireVersion)
        .where(
            QuestionnaireVersion.key == "cqo-qms",
            QuestionnaireVersion.status == QuestionnaireStatus.PUBLISHED,
        )
        .order_by(QuestionnaireVersion.id.desc())
    )
    draft = assessment_services.start_assessment(ent, qv, officer)
    cqo = db.session.scalar(
        select(CQORegistration)
        .where(CQORegistration.enterprise_id == ent.id)
        .order_by(CQORegistration.id.desc())
    )
    if cqo is None:
        cqo = CQORegistration(
            enterprise_id=ent.id, status=CQOStatus.APPROVED, name="王质量", position="质量总监"
        )
        db.session.add(cqo)
    waiting = (
        db.session.scalar(
            select(CQORegistration)
            .where(CQORegistration.status == CQOStatus.SUBMITTED)
            .order_by(CQORegistration.id)
        )
        or cqo
    )
    city = find_user_by_email(CITY_REGULATOR) or create_user(
        email=CITY_REGULATOR,
        name="市局监管员",
        password=DEMO_PASSWORD,
        role=Role.REGULATOR,
        jurisdiction_code=ent.city_code,
    )
    db.session.flush()
    issue_token(province, "数据中心", admin)
    newcomer = find_user_by_email(NEWCOMER) or create_user(
        email=NEWCOMER, name="新同事", password=DEMO_PASSWORD, role=Role.OFFICER
    )
    _invitation, invite_token = invite_member(ent, officer, NEWCOMER)
    db.session.flush()

    def u(endpoint: str, **values) -> str:
        return url_for(endpoint, **values)

    anonymous = Visitor("anonymous", None, None)
    anonymous.paths = [
        u("main.index"),
        u("accounts.login"),
        u("accounts.register"),
        u("reports.verify"),
        "/no-such-page",
    ]
    anonymous.main = anonymous.paths[:4]
    anonymous.posts = [
        (u("accounts.register"), {"name": "陈", "email": "not-an-address", "password": "short"}),
        (u("accounts.login"), {"email": "nobody@example.cn", "password": "wrong-password"}),
    ]

    off = Visitor("officer", officer.email, DEMO_PASSWORD)
    off.paths = [
        u("main.dashboard"),
        u("enterprises.view", enterprise_id=ent.id),
        u("enterprises.edit", enterprise_id=ent.id),
        u("enterprises.members", enterprise_id=ent.id),
        u("cqo.index"),
        u("cqo.view", registration_id=cqo.id),
        u("cqo.new"),
        u("assessments.index"),
        u("assessments.overview", assessment_id=draft.id),
        u("assessments.section", assessment_id=draft.id, index=1),
        u("assessments.section", assessment_id=draft.id, index=2),
        u("assessments.import_xlsx"),
        u("accounts.change_password"),
        u("accounts.logins"),
        u("actions.board"),
        u("safety.index"),
        u("safety.scope"),
        u("safety.director"),
        u("safety.import_records"),
        u("notifications.index"),
    ]
    off.posts.append((u("safety.add_daily"), {"daily-day": "2026-02-03", "daily-checked": ""}))
    from cqo_portal.models import ImprovementAction

    first_action = db.session.scalar(
        select(ImprovementAction.id).where(ImprovementAction.enterprise_id == ent.id).limit(1)
    )
    if first_action is not None:
        off.paths.append(u("actions.detail", action_id=first_action))
    if submitted is not None:
        off.paths.append(u("assessments.result", assessment_id=submitted.id))
    off.main = [
        p
        for p in off.paths
        if "/edit" not in p
        and "logins" not in p
        and "password" not in p
        and not p.endswith("/section/2")
    ]

    def regulator(name: str, user, submission) -> Visitor:
        v = Visitor(name, user.email, DEMO_PASSWORD)
        v.paths = [
            u("regulator.dashboard"),
            u("regulator.submissions"),
            u("regulator.cqo_registrations"),
            u("regulator.enterprises"),
            u("regulator.audit_trail"),
            u("regulator.safety_oversight"),
            u("regulator.cqo_lapses"),
        ]
        if safety_filing is not None:
            v.paths.append(u("regulator.safety_filing", filing_id=safety_filing))
            v.paths.append(u("regulator.safety_enterprise", enterprise_id=ent.id))
        if submission is not None:
            v.paths.insert(2, u("regulator.submission", assessment_id=submission.id))
        v.paths.insert(
            -2,
            u(
                "regulator.cqo_registration",
                registration_id=waiting.id if name.endswith("province") else cqo.id,
            ),
        )
        v.main = list(v.paths)
        return v

    from cqo_portal.models import SafetyFiling

    safety_filing = db.session.scalar(
        select(SafetyFiling.id).where(SafetyFiling.enterprise_id == ent.id).limit(1)
    )
    any_submission = db.session.scalar(
        select(Assessment).where(Assessment.status.in_(SUBMITTED_STATUSES)).order_by(Assessment.id)
    )
    reg_city = regulator("regulator-city", city, submitted)
    reg_province = regulator("regulator-province", province, any_submission)

    new = Visitor("newcomer", newcomer.email, DEMO_PASSWORD)
    new.paths = [u("enterprises.register"), u("enterprises.join", token=invite_token)]
    new.main = new.paths[:1]
    new.posts = [(u("enterprises.register"), {"name": "", "uscc": "123"})]

    adm = Visitor("admin", admin.email, DEMO_PASSWORD)
    adm.paths = [
        u("main.dashboard"),
        u("admin.users"),
        u("admin.account", user_id=city.id),
        u("admin.new_regulator"),
        u("admin.questionnaires"),
        u("admin.questionnaire_detail", qv_id=qv.id),
        u("admin.audit_trail"),
        u("admin.api_tokens"),
    ]
    adm.main = [p for p in adm.paths if "new-regulator" not in p]
    adm.posts = [
        (u("admin.issue_api_token"), {"user_id": str(province.id), "name": ""}),
        (u("admin.issue_api_token"), {"user_id": str(province.id), "name": "质量数据接口"}),
        (u("admin.new_regulator"), {"email": "x", "name": ""}),
    ]
    # Award rounds (demo.seed_award): the officer's application, the bureau's round pages, the
    # examiners' scoring and consensus.
    from cqo_portal.models import AwardApplication, AwardRound

    rounds = list(db.session.scalars(select(AwardRound).order_by(AwardRound.id)))
    apps = list(db.session.scalars(select(AwardApplication).order_by(AwardApplication.id)))
    examiner = find_user_by_email("examiner1@demo.cqo.gd.cn")
    exa = Visitor("examiner", examiner.email, DEMO_PASSWORD, paths=[u("award.examiner_home")])
    for app in apps:
        if app.enterprise_id == ent.id:
            off.paths.append(u("award.application", application_id=app.id))
        mine = next((a for a in app.assignments if a.examiner_id == examiner.id), None)
        if mine is not None:
            exa.paths.append(u("award.score", application_id=app.id))
            if mine.is_lead and app.round.released_at is None:
                exa.paths.append(u("award.consensus", application_id=app.id))
    for rnd in rounds:
        if rnd.released_at is None:
            off.paths.append(u("award.apply", round_id=rnd.id))
        reg_province.paths.append(u("award.round_page", round_id=rnd.id))
    reg_province.paths.append(u("award.rounds"))
    if apps:
        reg_province.paths.append(u("award.assign", application_id=apps[-1].id))
    exa.main = exa.paths[:3]
    adm.paths += [u("award.rounds"), u("award.new_round"), u("admin.new_examiner")]
    adm.posts.append((u("award.new_round"), {"title": "", "kind": "award"}))
    return [anonymous, new, off, reg_city, reg_province, adm, exa]
