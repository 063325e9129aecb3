"""Builders for the people and objects a test story needs."""

from __future__ import annotations

import itertools
import random

from sqlalchemy import select

from cqo_portal import rollups
from cqo_portal.accounts.services import create_user
from cqo_portal.demo import make_uscc
from cqo_portal.models import (
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Role,
    User,
)

PASSWORD = "test-pass-2026"
_seq = itertools.count(1)
_rng = random.Random(7)


class Actors:
    def __init__(self, session) -> None:
        self.session = session

    def enterprise(
        self, *, city: str = "440100", industry: str = "C", name: str | None = None, **kw
    ) -> Enterprise:
        n = next(_seq)
        ent = Enterprise(
            name=name or f"测试企业{n}有限公司",
            uscc=make_uscc(_rng, city),
            city_code=city,
            industry_section=industry,
            industry_division="C34" if industry == "C" else None,
            size_class="medium",
            **kw,
        )
        self.session.add(ent)
        self.session.flush()
        rollups.refresh_enterprises(self.session, [ent.id])  # written directly, counted here
        return ent

    def user(
        self,
        role: Role,
        *,
        enterprise: Enterprise | None = None,
        jurisdiction: str | None = None,
        email: str | None = None,
    ) -> User:
        n = next(_seq)
        user = create_user(
            email=email or f"{role.value}{n}@example.cn",
            name=f"{role.value} {n}",
            password=PASSWORD,
            role=role,
            jurisdiction_code=jurisdiction,
        )
        if enterprise is not None:
            user.enterprise_id = enterprise.id
        self.session.flush()
        return user

    def officer(self, enterprise: Enterprise | None = None, **kw) -> User:
        return self.user(Role.OFFICER, enterprise=enterprise or self.enterprise(), **kw)

    def regulator(self, jurisdiction: str = "440000", **kw) -> User:
        return self.user(Role.REGULATOR, jurisdiction=jurisdiction, **kw)

    def admin(self, **kw) -> User:
        return self.user(Role.ADMIN, **kw)

    def approved_cqo(self, enterprise: Enterprise, name: str = "王质量") -> CQORegistration:
        reg = CQORegistration(
            enterprise_id=enterprise.id, status=CQOStatus.APPROVED, name=name, position="质量总监"
        )
        self.session.add(reg)
        rollups.refresh_enterprises(self.session, [enterprise.id])
        return reg

    def questionnaire(self, key: str = "cqo-qms") -> QuestionnaireVersion:
        return self.session.scalar(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.key == key,
                QuestionnaireVersion.status == QuestionnaireStatus.PUBLISHED,
            )
        )


def login(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    return client.post("/login", data={"email": email, "password": password})


def logout(client):
    return client.post("/logout")


def login_id(user) -> str:
    """The Flask-Login id of a new login of ``user`` (its server-side row is added to the
    session, the caller commits), for tests that put it into a client's session directly."""
    from cqo_portal.accounts.services import start_login
    from cqo_portal.extensions import db

    start_login(user)
    db.session.flush()
    return user.get_id()


#: Three key measures of a results item, pasted as from a spreadsheet (header row first).
MEASURES_ROWS = (
    "指标\t单位\t方向\t关联\t2023\t2024\t2025\t目标\t对比值\t来源类型\t来源说明\n"
    "产品一次交验合格率\t%\t越高越好\t质量目标\t95.1\t96.0\t97.2\t97\t96.5\t行业平均\t行业协会2025年统计\n"
    "顾客投诉\t件/月\t越低越好\t顾客满意\t12\t10\t9\t8\t7\t最佳竞争对手\t竞争对手年报\n"
    "准时交付率\t%\t越高越好\t\t90\t92\t91\t95\t93\t标杆\t标杆企业公开数据"
)


def holistic_answer(question, rating: int, evidence: str = ""):
    """The answer to a question of a holistic GB/T 19580 item, or None for other questions.

    A process factor gets ``rating``; a results item gets :data:`MEASURES_ROWS` and its factors
    are left blank, so they take the ratings proposed from the measures; the item score is left
    at the proposal.
    """
    from cqo_portal.core.answers import Answer, parse_answer
    from cqo_portal.core.questionnaire import AnswerType

    t = question.answer_type
    if t is AnswerType.MEASURES:
        return parse_answer(question, MEASURES_ROWS)[0]
    if t is AnswerType.ITEM_SCORE:
        return Answer()
    if t is AnswerType.FACTOR:
        if question.item_id.startswith("4.7."):
            return Answer()
        return Answer(value=rating, evidence=evidence)
    return None
