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
