"""Keep the statistics tables (models.statistics) equal to what the submissions say.

Every ORM flush that touches an assessment's scored fields, a section score, an enterprise's city
or industry, or a CQO registration's status adjusts the running totals in the same transaction:
before the flush the touched records' current contributions are read from the database, after it
their new ones, and the difference is added to the totals with one upsert per changed cell. A
write that bypasses the ORM's unit of work (a Core UPDATE) wraps itself in `tracking(...)`; bulk
loads (demo seeding) call `rebuild()`. `expected()` recomputes everything with GROUP BY queries,
which is how `rebuild()` works and how the test suite checks, after every test, that no write path
was missed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import case, delete, event, func, insert, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import get_history, set_committed_value

from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    CQORegistration,
    CQOStatus,
    Enterprise,
    EnterpriseStat,
    SectionScore,
    SubmissionStat,
)

STATUS, BAND, INDUSTRY, SECTION = "status", "band", "industry", "section"
BAND_WIDTH = 10
TOP_BAND = 100 // BAND_WIDTH - 1  # 100% joins the top band
NO_SCORE_BAND = -1

# The attributes whose change moves an assessment, enterprise or registration between cells.
ASSESSMENT_FIELDS = ("status", "percent", "questionnaire_key", "cycle_year", "enterprise_id")
ENTERPRISE_FIELDS = ("city_code", "industry_section")
CQO_FIELDS = ("status", "enterprise_id")
CHUNK = 500

Cell = tuple[str, str, str, int, str]  # kind, city, questionnaire, year, dimension
Totals = dict[Any, list[float]]  # cell -> [n, scored, total] or city -> [enterprises, ...]


def band_of(percent: float | None) -> int:
    """The score band (0-9, -1 for no score) a percent falls in; same as `band_sql`."""
    if percent is None:
        return NO_SCORE_BAND
    for i in range(TOP_BAND):
        if percent < (i + 1) * BAND_WIDTH:
            return i
    return TOP_BAND


def band_sql(col: Any) -> Any:
    return case(
        (col.is_(None), NO_SCORE_BAND),
        *[(col < (i + 1) * BAND_WIDTH, i) for i in range(TOP_BAND)],
        else_=TOP_BAND,
    )


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def _add(acc: Totals, key: Any, *values: float) -> None:
    row = acc.get(key)
    if row is None:
        acc[key] = list(values)
    else:
        for i, v in enumerate(values):
            row[i] += v


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(i for i in ids if i is not None)
    for k in range(0, len(items), CHUNK):
        yield items[k : k + CHUNK]


# --- contributions of given records, read from the database -----------------------------------


def _locked(conn: Connection, stmt: Any, lock: Any) -> Any:
    """On PostgreSQL, lock the rows about to change before reading what they contribute: a
    concurrent transaction changing the same rows waits, then reads their committed state, so
    the two differences add up. (SQLite lets one writer at a time.)"""
    if lock is not None and conn.dialect.name == "postgresql":
        return stmt.with_for_update(of=lock)
    return stmt


def submission_contributions(
    conn: Connection, assessment_ids: Iterable[int], lock: bool = False
) -> Totals:
    acc: Totals = {}
    for ids in _chunks(assessment_ids):
        if lock:
            conn.execute(
                _locked(conn, select(Assessment.id).where(Assessment.id.in_(ids)), Assessment)
            ).all()
        rows = conn.execute(
            select(
                Enterprise.city_code,
                Enterprise.industry_section,
                Assessment.questionnaire_key,
                Assessment.cycle_year,
                Assessment.status,
                Assessment.percent,
            )
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.id.in_(ids), Assessment.status.in_(SUBMITTED_STATUSES))
        )
        for city, industry, key, year, status, percent in rows:
            one = (1, 0 if percent is None else 1, percent or 0.0)
            _add(acc, (STATUS, city, key, year, _value(status)), *one)
            _add(acc, (BAND, city, key, year, str(band_of(percent))), *one)
            _add(acc, (INDUSTRY, city, key, year, industry), *one)
        sections = conn.execute(
            select(
                Enterprise.city_code,
                Assessment.questionnaire_key,
                Assessment.cycle_year,
                SectionScore.section_id,
                SectionScore.percent,
            )
            .join(Assessment, Assessment.id == SectionScore.assessment_id)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.id.in_(ids), Assessment.status.in_(SUBMITTED_STATUSES))
        )
        for city, key, year, section, percent in sections:
            _add(acc, (SECTION, city, key, year, section), 1, 1, percent or 0.0)
    return acc


def _cqo_count(status: CQOStatus) -> Any:
    reg = aliased(CQORegistration)
    return (
        select(func.count(reg.id))
        .where(reg.enterprise_id == Enterprise.id, reg.status == status)
        .scalar_subquery()
    )


def enterprise_contributions(
    conn: Connection, enterprise_ids: Iterable[int], lock: bool = False
) -> Totals:
    acc: Totals = {}
    for ids in _chunks(enterprise_ids):
        if lock:
            conn.execute(
                _locked(conn, select(Enterprise.id).where(Enterprise.id.in_(ids)), Enterprise)
            ).all()
        rows = conn.execute(
            select(
                Enterprise.city_code,
                _cqo_count(CQOStatus.APPROVED),
                _cqo_count(CQOStatus.SUBMITTED),
            ).where(Enterprise.id.in_(ids))
        )
        for city, approved, waiting in rows:
            _add(acc, city, 1, 1 if approved else 0, waiting)
    return acc


# --- applying differences -----------------------------------------------------------------------


def _upsert(conn: Connection, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    values = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c: table.c[c] + stmt.excluded[c] for c in values},
    )
    conn.execute(stmt, rows)


def _difference(before: Totals, after: Totals) -> Totals:
    diff: Totals = {}
    for key in before.keys() | after.keys():
        old = before.get(key)
        new = after.get(key)
        width = len(old or new or [])
        d = [(new[i] if new else 0) - (old[i] if old else 0) for i in range(width)]
        if any(d):
            diff[key] = d
    return diff


SUBMISSION_KEYS = ["kind", "city_code", "questionnaire_key", "cycle_year", "dim"]


def _submission_rows(totals: Totals) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "city_code": city,
            "questionnaire_key": key,
            "cycle_year": year,
            "dim": dim,
            "n": int(v[0]),
            "scored": int(v[1]),
            "total": float(v[2]),
        }
        for (kind, city, key, year, dim), v in sorted(totals.items())
    ]


def _enterprise_rows(totals: Totals) -> list[dict[str, Any]]:
    return [
        {
            "city_code": c,
            "enterprises": int(v[0]),
            "with_cqo": int(v[1]),
            "cqo_submitted": int(v[2]),
        }
        for c, v in sorted(totals.items())
    ]


def apply(conn: Connection, submissions: Totals, enterprises: Totals) -> None:
    """Add these differences to the totals; cells in key order, so that concurrent
    transactions lock rows in the same order."""
    _upsert(conn, SubmissionStat.__table__, SUBMISSION_KEYS, _submission_rows(submissions))
    _upsert(conn, EnterpriseStat.__table__, ["city_code"], _enterprise_rows(enterprises))


@contextlib.contextmanager
def tracking(
    session: Session,
    assessment_ids: Iterable[int] = (),
    enterprise_ids: Iterable[int] = (),
) -> Iterator[None]:
    """Keep the totals right across writes that the ORM does not see (Core UPDATE/DELETE)."""
    a_ids, e_ids = set(assessment_ids), set(enterprise_ids)
    conn = session.connection()
    before_s = submission_contributions(conn, a_ids, lock=True)
    before_e = enterprise_contributions(conn, e_ids, lock=True)
    yield
    _settle(conn, a_ids, e_ids, before_s, before_e)


def _settle(conn: Connection, a_ids: set[int], e_ids: set[int], before_s: Totals, before_e: Totals):
    """Add to the totals what these records contribute now minus what they did before."""
    apply(
        conn,
        _difference(before_s, submission_contributions(conn, a_ids)),
        _difference(before_e, enterprise_contributions(conn, e_ids)),
    )


# --- the unit-of-work hooks -----------------------------------------------------------------------


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    return any(get_history(obj, n).has_changes() for n in names)


def _old_values(obj: Any, name: str) -> set[Any]:
    hist = get_history(obj, name)
    return {v for v in (*hist.deleted, *hist.unchanged) if v is not None}


def _copy_enterprise_fields(session: Session, assessment: Assessment) -> None:
    """Give an assessment its enterprise's city and industry (new, or moved to another)."""
    ent = assessment.enterprise
    if ent is None and assessment.enterprise_id is not None:
        ent = session.get(Enterprise, assessment.enterprise_id)
    if ent is not None:
        for name in ENTERPRISE_FIELDS:
            if getattr(assessment, name) != getattr(ent, name):
                setattr(assessment, name, getattr(ent, name))


def _follow_enterprises(session: Session, conn: Connection, enterprise_ids: set[int]) -> None:
    """After an enterprise changed city or industry, its assessments' copies follow."""
    for eid in sorted(enterprise_ids):
        row = conn.execute(
            select(Enterprise.city_code, Enterprise.industry_section).where(Enterprise.id == eid)
        ).first()
        if row is None:
            continue
        conn.execute(
            Assessment.__table__.update()
            .where(Assessment.__table__.c.enterprise_id == eid)
            .values(city_code=row[0], industry_section=row[1])
        )
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Assessment) and obj.enterprise_id == eid:
                set_committed_value(obj, "city_code", row[0])
                set_committed_value(obj, "industry_section", row[1])


def _before_flush(session: Session, ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Assessment) and (
            obj.city_code is None or get_history(obj, "enterprise_id").has_changes()
        ):
            _copy_enterprise_fields(session, obj)
    a_ids: set[int] = set()
    e_ids: set[int] = set()
    pending: list[Any] = []  # new records whose ids are known only after the flush
    moved_enterprises: set[int] = set()

    for obj in session.new:
        if isinstance(obj, Assessment | Enterprise):
            pending.append(obj)
        elif isinstance(obj, SectionScore):
            parent = obj.assessment_id or (obj.assessment.id if obj.assessment else None)
            (a_ids.add(parent) if parent else pending.append(obj))
        elif isinstance(obj, CQORegistration):
            ent = obj.enterprise_id or (obj.enterprise.id if obj.enterprise else None)
            (e_ids.add(ent) if ent else pending.append(obj))
    for obj in session.dirty:
        if isinstance(obj, Assessment) and _changed(obj, ASSESSMENT_FIELDS):
            a_ids.add(obj.id)
        elif isinstance(obj, SectionScore):
            a_ids.update(_old_values(obj, "assessment_id"))
            pending.append(obj)
        elif isinstance(obj, Enterprise) and _changed(obj, ENTERPRISE_FIELDS):
            e_ids.add(obj.id)
            moved_enterprises.add(obj.id)
        elif isinstance(obj, CQORegistration) and _changed(obj, CQO_FIELDS):
            e_ids.update(_old_values(obj, "enterprise_id"))
            pending.append(obj)
    for obj in session.deleted:
        if isinstance(obj, Assessment):
            a_ids.add(obj.id)
        elif isinstance(obj, SectionScore):
            a_ids.update(_old_values(obj, "assessment_id"))
        elif isinstance(obj, Enterprise):
            e_ids.add(obj.id)
            moved_enterprises.add(obj.id)
        elif isinstance(obj, CQORegistration):
            e_ids.update(_old_values(obj, "enterprise_id"))
    if not (a_ids or e_ids or pending):
        return
    conn = session.connection()
    for ids in _chunks(moved_enterprises):
        a_ids.update(
            conn.execute(select(Assessment.id).where(Assessment.enterprise_id.in_(ids))).scalars()
        )
    ctx.attributes["rollups"] = (
        moved_enterprises,
        a_ids,
        e_ids,
        pending,
        submission_contributions(conn, a_ids, lock=True),
        enterprise_contributions(conn, e_ids, lock=True),
    )


def _after_flush(session: Session, ctx: Any) -> None:
    saved = ctx.attributes.get("rollups")
    if saved is None:
        return
    moved, a_ids, e_ids, pending, before_s, before_e = saved
    conn = session.connection()
    _follow_enterprises(session, conn, moved)
    for obj in pending:
        if isinstance(obj, Assessment):
            a_ids.add(obj.id)
        elif isinstance(obj, SectionScore):
            a_ids.add(obj.assessment_id)
        elif isinstance(obj, Enterprise):
            e_ids.add(obj.id)
        elif isinstance(obj, CQORegistration):
            e_ids.add(obj.enterprise_id)
    _settle(conn, a_ids, e_ids, before_s, before_e)


def install() -> None:
    """Listen to every ORM session's flushes (idempotent)."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


# --- from scratch ----------------------------------------------------------------------------


def expected(conn: Connection) -> tuple[Totals, Totals]:
    """Every total recomputed from the submissions with grouped queries."""
    subs: Totals = {}
    base = (
        select()
        .select_from(Assessment)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(Assessment.status.in_(SUBMITTED_STATUSES))
    )
    dims = {
        STATUS: Assessment.status,
        BAND: band_sql(Assessment.percent),
        INDUSTRY: Enterprise.industry_section,
    }
    for kind, dim in dims.items():
        stmt = base.add_columns(
            Enterprise.city_code,
            Assessment.questionnaire_key,
            Assessment.cycle_year,
            dim,
            func.count(Assessment.id),
            func.count(Assessment.percent),
            func.coalesce(func.sum(Assessment.percent), 0.0),
        ).group_by(Enterprise.city_code, Assessment.questionnaire_key, Assessment.cycle_year, dim)
        for city, key, year, d, n, scored, total in conn.execute(stmt):
            _add(subs, (kind, city, key, year, str(_value(d))), n, scored, float(total))
    stmt = (
        base.join(SectionScore, SectionScore.assessment_id == Assessment.id)
        .add_columns(
            Enterprise.city_code,
            Assessment.questionnaire_key,
            Assessment.cycle_year,
            SectionScore.section_id,
            func.count(SectionScore.id),
            func.coalesce(func.sum(SectionScore.percent), 0.0),
        )
        .group_by(
            Enterprise.city_code,
            Assessment.questionnaire_key,
            Assessment.cycle_year,
            SectionScore.section_id,
        )
    )
    for city, key, year, section, n, total in conn.execute(stmt):
        _add(subs, (SECTION, city, key, year, section), n, n, float(total))

    approved = (
        select(CQORegistration.enterprise_id)
        .where(CQORegistration.status == CQOStatus.APPROVED)
        .distinct()
        .subquery()
    )
    waiting = (
        select(CQORegistration.enterprise_id, func.count(CQORegistration.id).label("n"))
        .where(CQORegistration.status == CQOStatus.SUBMITTED)
        .group_by(CQORegistration.enterprise_id)
        .subquery()
    )
    ents: Totals = {}
    rows = conn.execute(
        select(
            Enterprise.city_code,
            func.count(Enterprise.id),
            func.count(approved.c.enterprise_id),
            func.coalesce(func.sum(waiting.c.n), literal(0)),
        )
        .select_from(Enterprise)
        .outerjoin(approved, approved.c.enterprise_id == Enterprise.id)
        .outerjoin(waiting, waiting.c.enterprise_id == Enterprise.id)
        .group_by(Enterprise.city_code)
    )
    for city, n, with_cqo, cqo_waiting in rows:
        ents[city] = [n, with_cqo, int(cqo_waiting)]
    return subs, ents


def stored(conn: Connection) -> tuple[Totals, Totals]:
    """The totals as kept, without the cells that add up to nothing."""
    t = SubmissionStat
    subs: Totals = {
        (kind, city, key, year, dim): [n, scored, total]
        for kind, city, key, year, dim, n, scored, total in conn.execute(
            select(
                t.kind,
                t.city_code,
                t.questionnaire_key,
                t.cycle_year,
                t.dim,
                t.n,
                t.scored,
                t.total,
            ).where(t.n != 0)
        )
    }
    e = EnterpriseStat
    ents: Totals = {
        city: [n, with_cqo, waiting]
        for city, n, with_cqo, waiting in conn.execute(
            select(e.city_code, e.enterprises, e.with_cqo, e.cqo_submitted).where(
                (e.enterprises != 0) | (e.cqo_submitted != 0)
            )
        )
    }
    return subs, ents


def discrepancies(conn: Connection, tolerance: float = 1e-6) -> list[str]:
    """Where the kept totals differ from a recomputation (empty when all is well)."""
    problems: list[str] = []
    for name, want, have in zip(
        ("submission", "enterprise"), expected(conn), stored(conn), strict=True
    ):
        for key in sorted(want.keys() | have.keys(), key=str):
            w, h = want.get(key), have.get(key)
            if (
                w is None
                or h is None
                or any(abs(a - b) > tolerance for a, b in zip(w, h, strict=True))
            ):
                problems.append(f"{name} {key}: expected {w}, stored {h}")
    copies = conn.execute(
        select(Assessment.id)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(
            or_(
                Assessment.city_code != Enterprise.city_code,
                Assessment.industry_section != Enterprise.industry_section,
            )
        )
        .limit(10)
    ).scalars()
    problems.extend(
        f"assessment {aid}: city/industry differ from its enterprise's" for aid in copies
    )
    return problems


def rebuild(conn: Connection) -> dict[str, int]:
    """Replace every total with a recomputation (after bulk loads; `flask rebuild-statistics`)."""
    subs, ents = expected(conn)
    conn.execute(delete(SubmissionStat))
    conn.execute(delete(EnterpriseStat))
    if subs:
        conn.execute(insert(SubmissionStat), _submission_rows(subs))
    if ents:
        conn.execute(insert(EnterpriseStat), _enterprise_rows(ents))
    return {"submission_cells": len(subs), "cities": len(ents)}
