"""The CQO as a person: appointment conditions, training hours and certificates on a CQO
registration, and the bureau's list of current CQOs whose training or certificate has lapsed.

How many training hours a year a CQO needs is the province's rule, not the portal's: it is
configuration (CQO_MIN_TRAINING_HOURS), read over the last twelve months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from cqo_portal import audit
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.extensions import db
from cqo_portal.models import (
    CQOCertificate,
    CQOProfile,
    CQORegistration,
    CQOStatus,
    CQOTraining,
    Enterprise,
    User,
)

#: Registrations whose person details may still be added to (a superseded CQO's are history).
KEPT_UP = frozenset({CQOStatus.DRAFT, CQOStatus.SUBMITTED, CQOStatus.RETURNED, CQOStatus.APPROVED})


def _record(action: str, obj: Any, reg: CQORegistration, **after: Any) -> None:
    audit.record(action, obj, after=after, city_code=reg.enterprise.city_code)


def profile_of(reg: CQORegistration) -> CQOProfile | None:
    return db.session.scalar(select(CQOProfile).where(CQOProfile.registration_id == reg.id))


def set_profile(reg: CQORegistration, years: int, title_or_degree: str) -> CQOProfile:
    profile = profile_of(reg)
    before = (
        {"years": profile.years_in_quality, "title_or_degree": profile.title_or_degree}
        if profile
        else None
    )
    if profile is None:
        profile = CQOProfile(registration_id=reg.id)
        db.session.add(profile)
    profile.years_in_quality = years
    profile.title_or_degree = title_or_degree
    db.session.flush()
    audit.record(
        "cqo.profile",
        reg,
        before=before,
        after={"years": years, "title_or_degree": title_or_degree},
        city_code=reg.enterprise.city_code,
    )
    return profile


def add_training(
    reg: CQORegistration, course: str, provider: str | None, hours: int, completed_on: date
) -> CQOTraining:
    training = CQOTraining(
        registration_id=reg.id,
        course=course,
        provider=provider,
        hours=hours,
        completed_on=completed_on,
    )
    db.session.add(training)
    db.session.flush()
    _record("cqo.training", training, reg, course=course, hours=hours)
    return training


def add_certificate(
    reg: CQORegistration, name: str, number: str | None, issuer: str | None, expires_on: date | None
) -> CQOCertificate:
    cert = CQOCertificate(
        registration_id=reg.id, name=name, number=number, issuer=issuer, expires_on=expires_on
    )
    db.session.add(cert)
    db.session.flush()
    _record(
        "cqo.certificate",
        cert,
        reg,
        name=name,
        expires_on=expires_on.isoformat() if expires_on else None,
    )
    return cert


@dataclass(frozen=True)
class PersonView:
    profile: CQOProfile | None
    trainings: list[CQOTraining]
    certificates: list[CQOCertificate]
    hours_last_year: int
    min_hours: int
    today: date

    @property
    def training_lapsed(self) -> bool:
        return self.hours_last_year < self.min_hours

    def lapsed(self, cert: CQOCertificate) -> bool:
        return cert.expires_on is not None and cert.expires_on < self.today

    def expiring(self, cert: CQOCertificate, days: int = 60) -> bool:
        return (
            cert.expires_on is not None
            and self.today <= cert.expires_on <= self.today + timedelta(days=days)
        )


def year_ago(today: date) -> date:
    return today - timedelta(days=365)


def person_view(reg: CQORegistration, min_hours: int, today: date) -> PersonView:
    trainings = list(
        db.session.scalars(
            select(CQOTraining)
            .where(CQOTraining.registration_id == reg.id)
            .order_by(CQOTraining.completed_on.desc(), CQOTraining.id.desc())
        )
    )
    certificates = list(
        db.session.scalars(
            select(CQOCertificate)
            .where(CQOCertificate.registration_id == reg.id)
            .order_by(CQOCertificate.id)
        )
    )
    since = year_ago(today)
    hours = sum(t.hours for t in trainings if since < t.completed_on <= today)
    return PersonView(profile_of(reg), trainings, certificates, hours, min_hours, today)


@dataclass(frozen=True)
class LapseRow:
    registration_id: int
    name: str
    enterprise_name: str
    city_code: str
    hours_last_year: int
    lapsed_certificates: int

    def training_lapsed(self, min_hours: int) -> bool:
        return self.hours_last_year < min_hours


def lapsed_cqos(user: User, min_hours: int, today: date) -> list[LapseRow]:
    """Current CQOs of the jurisdiction with fewer than `min_hours` training hours in the last
    twelve months or with a certificate past its expiry date."""
    hours = (
        select(CQOTraining.registration_id, func.sum(CQOTraining.hours).label("h"))
        .where(CQOTraining.completed_on > year_ago(today), CQOTraining.completed_on <= today)
        .group_by(CQOTraining.registration_id)
        .subquery()
    )
    lapsed = (
        select(CQOCertificate.registration_id, func.count().label("n"))
        .where(CQOCertificate.expires_on < today)
        .group_by(CQOCertificate.registration_id)
        .subquery()
    )
    h = func.coalesce(hours.c.h, 0)
    n = func.coalesce(lapsed.c.n, 0)
    stmt = (
        select(
            CQORegistration.id,
            CQORegistration.name,
            Enterprise.name,
            Enterprise.city_code,
            h,
            n,
        )
        .join(Enterprise, Enterprise.id == CQORegistration.enterprise_id)
        .outerjoin(hours, hours.c.registration_id == CQORegistration.id)
        .outerjoin(lapsed, lapsed.c.registration_id == CQORegistration.id)
        .where(and_(CQORegistration.status == CQOStatus.APPROVED, or_(h < min_hours, n > 0)))
        .order_by(Enterprise.city_code, Enterprise.name, CQORegistration.id)
    )
    stmt = scope_to_jurisdiction(stmt, user)
    return [LapseRow(*row) for row in db.session.execute(stmt)]
