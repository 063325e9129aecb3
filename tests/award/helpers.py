"""Builders for the award stories: a round, an applicant with a handed-in application, examiners."""

from __future__ import annotations

from datetime import timedelta

from cqo_portal.award import services
from cqo_portal.models import Role, RoundKind
from tests.reports.conftest import EVIDENCE_NOTE, fill_and_submit

CHECKLIST = [
    "近三年未发生重大质量、安全、环境事故",
    "近三年无严重失信行为，未列入失信名单",
]
PROFILE = {
    "activities": "精密齿轮箱的研发与制造",
    "products": "工业机器人减速器、风电齿轮箱",
    "customers": "国内机器人整机厂与风电主机厂",
    "competitors": "国内外三家减速器企业",
    "key_figures": "员工 860 人，年营收 12 亿元，两处生产基地",
    "challenges": "高端轴承依赖进口；海外市场拓展",
}
OFI = "关键过程能力指数未按月分析趋势"
STRENGTH = "高层领导每季度主持质量例会并跟踪改进"


def open_award_round(actors, admin=None, **kw):
    admin = admin or actors.admin()
    today = services.today()
    args = dict(
        admin=admin,
        kind=RoundKind.AWARD,
        title="2027 年度广东省政府质量奖",
        questionnaire=actors.questionnaire("gbt19580"),
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=30),
        city_codes=["440100", "440300"],
        industry_sections=[],
        checklist=CHECKLIST,
        examiners_see_self_score=False,
    )
    args.update(kw)
    return services.open_round(**args)


def applicant(actors, rnd, *, city="440100", name="粤华精密制造有限公司"):
    """An enterprise of ``city`` with a submitted GB/T 19580 self-assessment and a handed-in
    application to ``rnd``; returns (application, officer)."""
    ent = actors.enterprise(city=city, name=name, name_en="Yuehua Precision Co., Ltd.")
    assessment, officer = fill_and_submit(actors, "gbt19580", enterprise=ent)
    app = services.save_application(
        rnd,
        ent,
        officer,
        eligibility=list(range(len(rnd.checklist))),
        profile=PROFILE,
        assessment_id=assessment.id,
    )
    services.submit_application(app, officer)
    actors.session.flush()
    return app, officer


def examiner(actors, name="examiner"):
    return actors.user(Role.EXAMINER)


def declared(actors, app, n=2):
    """``n`` examiners who declared no conflict with ``app``."""
    out = []
    for _ in range(n):
        user = examiner(actors)
        services.declare_conflict(app, user, conflicted=False, note="")
        out.append(user)
    return out


def hand_in(app, user, band=4, percent=60, *, ofis=OFI, strengths=STRENGTH):
    assignment = next(a for a in app.assignments if a.examiner_id == user.id)
    posted = [
        services.PostedScore(r.item.id, band, percent, strengths, ofis)
        for r in services.items_of(app.round)
    ]
    assert services.save_scores(assignment, posted, hand_in=True) == {}
    return assignment


def agree(app, lead, band=4, percent=55):
    posted = [
        services.PostedConsensus(r.item.id, band, percent, "一致意见")
        for r in services.items_of(app.round)
    ]
    assert services.record_consensus(app, lead, posted) == {}


__all__ = ["EVIDENCE_NOTE"]


def login_en(client, user):
    """Log in and read the pages in English (the account's language becomes English)."""
    from tests.factories import login

    login(client, user)
    client.post("/lang/en")
