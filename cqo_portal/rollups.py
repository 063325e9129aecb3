"""Keep the statistics tables (models.statistics) equal to what the submissions say.

Nothing happens behind a write's back: every service that changes what the dashboard counts
calls `refresh` (or `refresh_enterprises`, or `move_enterprise`) in its own transaction, after its
changes, naming the enterprises it touched and the cities they are (or were) in. These services
are: submitting an assessment, a regulator's accept or return, discarding a draft, registering an
enterprise, an enterprise moving to another city or industry, each step of a CQO filing, and
re-scoring (`flask recompute-scores`). A bulk Core UPDATE is no exception: it calls `refresh`
with what it touched. Drafts are counted nowhere, so starting one needs no refresh.

`refresh` recomputes slices, not whole cells. A cell (city, questionnaire, cycle year) is the sum
of its slices; a slice is what the enterprises of one city with ids in one block of `BLOCK` ids
contribute. Recomputing a slice reads at most one block of enterprises, their submissions and
section scores, through indexed GROUP BY queries on the assessments' copies of their
enterprise's city and industry, so its cost does not grow with the province. The refresh compares
the recomputed slice with the stored one, stores the new one, and adds the difference to the
cells: the cells stay the sums of their slices, which come from the rows themselves, never from
what a write thought it changed.

Concurrency (PostgreSQL): the refresh of a slice first upserts its `enterprise_slices` row, which
locks it until commit. A second transaction refreshing the same slice waits there, and its
queries then see the first one's committed rows; different slices of one cell add their
differences to the cell with additive upserts, which commute. Slices are locked in key order.
SQLite has one writer at a time.

`expected()` recomputes every cell from scratch by other queries (through the enterprises'
own city and industry), which is how `flask rebuild-statistics --check` and the test suite, after
every test, check that no write path forgot its refresh; `rebuild()` recomputes every slice and
cell (after bulk loads such as the demo seeding).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, delete, distinct, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    CQORegistration,
    CQOStatus,
    Enterprise,
    EnterpriseSlice,
    EnterpriseStat,
    SectionScore,
    SubmissionSlice,
    SubmissionStat,
)
from cqo_portal.models.statistics import BLOCK

STATUS, BAND, INDUSTRY, SECTION = "status", "band", "industry", "section"
BAND_WIDTH = 10
TOP_BAND = 100 // BAND_WIDTH - 1  # 100% joins the top band
NO_SCORE_BAND = -1
ROUNDING = 1e-7  # float sums of percents added up in different orders differ by less

Totals = dict[Any, list[float]]  # key -> [n, scored, total] or [enterprises, with_cqo, waiting]
SUBMISSION_KEYS = ["kind", "city_code", "questionnaire_key", "cycle_year", "dim"]
SLICE_KEYS = ["city_code", "block", "kind", "questionnaire_key", "cycle_year", "dim"]


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


# --- the one entry point of every write ------------------------------------------------------


def refresh(session: Session, places: Iterable[tuple[str | None, int | None]]) -> None:
    """Bring the statistics up to date with the rows of these (city code, enterprise id) places,
    in the session's transaction (its pending changes are flushed first). Name every city an
    enterprise is in now and, after a move, was in before; repeats cost nothing."""
    session.flush()
    slices = sorted({(c, e // BLOCK) for c, e in places if c is not None and e is not None})
    if not slices:
        return
    conn = session.connection()
    cells: Totals = {}
    cities: Totals = {}
    for city, block in slices:
        _lock(conn, city, block)
        subs, ents = _computed_slice(conn, city, block)
        old_subs, old_ents = _stored_slice(conn, city, block)
        sub_diff = _difference(old_subs, subs)
        _write_slice(conn, city, block, sub_diff, subs, ents)
        for (kind, key, year, dim), d in sub_diff.items():
            _add(cells, (kind, city, key, year, dim), *d)
        ent_diff = [new - old for new, old in zip(ents, old_ents, strict=True)]
        if any(ent_diff):
            _add(cities, city, *ent_diff)
    _add_to_cells(conn, cells, cities)


def refresh_enterprises(session: Session, enterprise_ids: Iterable[int]) -> None:
    """`refresh` for these enterprises in the cities they are in now."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return
    session.flush()
    rows = session.execute(
        select(Enterprise.city_code, Enterprise.id).where(Enterprise.id.in_(ids))
    ).all()
    refresh(session, [(city, eid) for city, eid in rows])


def move_enterprise(session: Session, enterprise: Enterprise, old_city: str) -> None:
    """After an enterprise changed city or industry: its assessments' copies follow, and the
    statistics of its old and its new city are refreshed."""
    session.execute(
        update(Assessment)
        .where(Assessment.enterprise_id == enterprise.id)
        .values(city_code=enterprise.city_code, industry_section=enterprise.industry_section)
    )
    refresh(session, [(old_city, enterprise.id), (enterprise.city_code, enterprise.id)])


# --- one slice ---------------------------------------------------------------------------------


def _block_range(col: Any, block: int) -> Any:
    return and_(col >= block * BLOCK, col < (block + 1) * BLOCK)


def _dialect_insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


def _lock(conn: Connection, city: str, block: int) -> None:
    """Create the slice's row if it is new and lock it (an upsert locks the row it meets)."""
    t = EnterpriseSlice.__table__
    stmt = _dialect_insert(conn, t).values(
        city_code=city, block=block, enterprises=0, with_cqo=0, cqo_submitted=0
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["city_code", "block"], set_={"enterprises": t.c.enterprises}
        )
    )


def _computed_slice(conn: Connection, city: str, block: int) -> tuple[Totals, list[int]]:
    """The slice recomputed from its rows: {(kind, questionnaire, year, dim): [n, scored, total]}
    and [enterprises, with an approved CQO, CQO registrations waiting]."""
    a = Assessment
    where = (
        a.city_code == city,
        _block_range(a.enterprise_id, block),
        a.status.in_(SUBMITTED_STATUSES),
    )
    band = band_sql(a.percent)
    subs: Totals = {}
    rows = conn.execute(
        select(
            a.questionnaire_key,
            a.cycle_year,
            a.status,
            band,
            a.industry_section,
            func.count(),
            func.count(a.percent),
            func.coalesce(func.sum(a.percent), 0.0),
        )
        .where(*where)
        .group_by(a.questionnaire_key, a.cycle_year, a.status, band, a.industry_section)
    )
    for key, year, status, b, industry, n, scored, total in rows:
        one = (n, scored, float(total))
        _add(subs, (STATUS, key, year, _value(status)), *one)
        _add(subs, (BAND, key, year, str(b)), *one)
        _add(subs, (INDUSTRY, key, year, industry), *one)
    s = SectionScore
    rows = conn.execute(
        select(
            a.questionnaire_key,
            a.cycle_year,
            s.section_id,
            func.count(),
            func.coalesce(func.sum(s.percent), 0.0),
        )
        .join(s, s.assessment_id == a.id)
        .where(*where)
        .group_by(a.questionnaire_key, a.cycle_year, s.section_id)
    )
    for key, year, section, n, total in rows:
        _add(subs, (SECTION, key, year, section), n, n, float(total))

    e, r = Enterprise, CQORegistration
    enterprises = conn.scalar(
        select(func.count()).where(e.city_code == city, _block_range(e.id, block))
    )
    with_cqo, waiting = conn.execute(
        select(
            func.count(distinct(case((r.status == CQOStatus.APPROVED, r.enterprise_id)))),
            func.count(case((r.status == CQOStatus.SUBMITTED, r.id))),
        )
        .join(e, e.id == r.enterprise_id)
        .where(
            r.status.in_([CQOStatus.APPROVED, CQOStatus.SUBMITTED]),
            _block_range(r.enterprise_id, block),
            e.city_code == city,
        )
    ).one()
    return subs, [int(enterprises or 0), int(with_cqo or 0), int(waiting or 0)]


def _stored_slice(conn: Connection, city: str, block: int) -> tuple[Totals, list[int]]:
    t = SubmissionSlice
    subs: Totals = {
        (kind, key, year, dim): [n, scored, total]
        for kind, key, year, dim, n, scored, total in conn.execute(
            select(t.kind, t.questionnaire_key, t.cycle_year, t.dim, t.n, t.scored, t.total).where(
                t.city_code == city, t.block == block
            )
        )
    }
    e = EnterpriseSlice
    ents = conn.execute(
        select(e.enterprises, e.with_cqo, e.cqo_submitted).where(
            e.city_code == city, e.block == block
        )
    ).one()
    return subs, list(ents)


def _difference(before: Totals, after: Totals) -> Totals:
    """What changed per key; a sum of percents that differs only by rounding (added up in
    another order) is no change."""
    diff: Totals = {}
    for key in before.keys() | after.keys():
        old = before.get(key)
        new = after.get(key)
        d = [(new[i] if new else 0) - (old[i] if old else 0) for i in range(3)]
        if d[0] or d[1] or abs(d[2]) > ROUNDING or new is None or old is None:
            diff[key] = d
    return diff


def _write_slice(
    conn: Connection, city: str, block: int, diff: Totals, subs: Totals, ents: list[int]
) -> None:
    """Store the recomputed slice: only its changed rows are written."""
    t = SubmissionSlice.__table__
    gone = [k for k in sorted(diff) if k not in subs]
    for kind, key, year, dim in gone:
        conn.execute(
            delete(t).where(
                t.c.city_code == city,
                t.c.block == block,
                t.c.kind == kind,
                t.c.questionnaire_key == key,
                t.c.cycle_year == year,
                t.c.dim == dim,
            )
        )
    rows = [_slice_row(city, block, k, subs[k]) for k in sorted(diff) if k in subs]
    if rows:
        stmt = _dialect_insert(conn, t)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=SLICE_KEYS,
                set_={c: stmt.excluded[c] for c in ("n", "scored", "total")},
            ),
            rows,
        )
    e = EnterpriseSlice.__table__
    conn.execute(
        update(e)
        .where(e.c.city_code == city, e.c.block == block)
        .values(enterprises=ents[0], with_cqo=ents[1], cqo_submitted=ents[2])
    )


def _slice_row(city: str, block: int, key: tuple, v: list[float]) -> dict[str, Any]:
    kind, questionnaire, year, dim = key
    return {
        "city_code": city,
        "block": block,
        "kind": kind,
        "questionnaire_key": questionnaire,
        "cycle_year": year,
        "dim": dim,
        "n": int(v[0]),
        "scored": int(v[1]),
        "total": float(v[2]),
    }


def _add_to_cells(conn: Connection, cells: Totals, cities: Totals) -> None:
    """Add these differences to the cells, in key order (concurrent transactions lock the cell
    rows in the same order); additions commute, so slices of one cell refresh side by side."""
    for table, keys, rows in (
        (SubmissionStat.__table__, SUBMISSION_KEYS, _submission_rows(cells)),
        (EnterpriseStat.__table__, ["city_code"], _enterprise_rows(cities)),
    ):
        if not rows:
            continue
        stmt = _dialect_insert(conn, table)
        values = [c for c in rows[0] if c not in keys]
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in values}
            ),
            rows,
        )


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


# --- from scratch ----------------------------------------------------------------------------


def expected(conn: Connection) -> tuple[Totals, Totals]:
    """Every cell recomputed from the submissions with grouped queries, through the
    enterprises' own city and industry (not the assessments' copies, nor the slices)."""
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

    ents: Totals = {}
    for (city, _block), v in _expected_enterprise_slices(conn).items():
        _add(ents, city, *v)
    return subs, ents


def _expected_enterprise_slices(conn: Connection) -> Totals:
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
    block = Enterprise.id // BLOCK
    rows = conn.execute(
        select(
            Enterprise.city_code,
            block,
            func.count(Enterprise.id),
            func.count(approved.c.enterprise_id),
            func.coalesce(func.sum(waiting.c.n), literal(0)),
        )
        .select_from(Enterprise)
        .outerjoin(approved, approved.c.enterprise_id == Enterprise.id)
        .outerjoin(waiting, waiting.c.enterprise_id == Enterprise.id)
        .group_by(Enterprise.city_code, block)
    )
    return {(city, b): [n, with_cqo, int(w)] for city, b, n, with_cqo, w in rows}


def _expected_submission_slices(conn: Connection) -> Totals:
    """{(city, block, kind, questionnaire, year, dim): [n, scored, total]} from the rows."""
    a = Assessment
    block = a.enterprise_id // BLOCK
    band = band_sql(a.percent)
    group = (a.city_code, block, a.questionnaire_key, a.cycle_year)
    out: Totals = {}
    rows = conn.execute(
        select(
            *group,
            a.status,
            band,
            a.industry_section,
            func.count(),
            func.count(a.percent),
            func.coalesce(func.sum(a.percent), 0.0),
        )
        .where(a.status.in_(SUBMITTED_STATUSES))
        .group_by(*group, a.status, band, a.industry_section)
    )
    for city, b, key, year, status, bd, industry, n, scored, total in rows:
        one = (n, scored, float(total))
        _add(out, (city, b, STATUS, key, year, _value(status)), *one)
        _add(out, (city, b, BAND, key, year, str(bd)), *one)
        _add(out, (city, b, INDUSTRY, key, year, industry), *one)
    s = SectionScore
    rows = conn.execute(
        select(*group, s.section_id, func.count(), func.coalesce(func.sum(s.percent), 0.0))
        .join(s, s.assessment_id == a.id)
        .where(a.status.in_(SUBMITTED_STATUSES))
        .group_by(*group, s.section_id)
    )
    for city, b, key, year, section, n, total in rows:
        _add(out, (city, b, SECTION, key, year, section), n, n, float(total))
    return out


def stored(conn: Connection) -> tuple[Totals, Totals]:
    """The cells as kept, without those that add up to nothing."""
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


def _stored_slices(conn: Connection) -> tuple[Totals, Totals]:
    t = SubmissionSlice
    subs: Totals = {
        (city, b, kind, key, year, dim): [n, scored, total]
        for city, b, kind, key, year, dim, n, scored, total in conn.execute(
            select(
                t.city_code,
                t.block,
                t.kind,
                t.questionnaire_key,
                t.cycle_year,
                t.dim,
                t.n,
                t.scored,
                t.total,
            )
        )
    }
    e = EnterpriseSlice
    ents: Totals = {
        (city, b): [n, with_cqo, waiting]
        for city, b, n, with_cqo, waiting in conn.execute(
            select(e.city_code, e.block, e.enterprises, e.with_cqo, e.cqo_submitted).where(
                (e.enterprises != 0) | (e.cqo_submitted != 0)
            )
        )
    }
    return subs, ents


def _compare(name: str, want: Totals, have: Totals, tolerance: float) -> list[str]:
    problems = []
    for key in sorted(want.keys() | have.keys(), key=str):
        w, h = want.get(key), have.get(key)
        if w is None or h is None or any(abs(a - b) > tolerance for a, b in zip(w, h, strict=True)):
            problems.append(f"{name} {key}: expected {w}, stored {h}")
    return problems


def discrepancies(conn: Connection, tolerance: float = 1e-6) -> list[str]:
    """Where the kept cells or slices differ from a recomputation (empty when all is well)."""
    problems: list[str] = []
    for name, want, have in zip(
        ("submission", "enterprise"), expected(conn), stored(conn), strict=True
    ):
        problems.extend(_compare(name, want, have, tolerance))
    slices = (_expected_submission_slices(conn), _expected_enterprise_slices(conn))
    for name, want, have in zip(
        ("submission slice", "enterprise slice"), slices, _stored_slices(conn), strict=True
    ):
        problems.extend(_compare(name, want, have, tolerance))
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
    """Replace every slice and cell with a recomputation (after bulk loads;
    `flask rebuild-statistics`)."""
    sub_slices = _expected_submission_slices(conn)
    ent_slices = _expected_enterprise_slices(conn)
    cells: Totals = {}
    for (city, _b, kind, key, year, dim), v in sub_slices.items():
        _add(cells, (kind, city, key, year, dim), *v)
    cities: Totals = {}
    for (city, _b), v in ent_slices.items():
        _add(cities, city, *v)
    for model in (SubmissionSlice, EnterpriseSlice, SubmissionStat, EnterpriseStat):
        conn.execute(delete(model))
    rows = [_slice_row(k[0], k[1], k[2:], v) for k, v in sorted(sub_slices.items())]
    for i in range(0, len(rows), 10_000):
        conn.execute(insert(SubmissionSlice), rows[i : i + 10_000])
    if ent_slices:
        conn.execute(
            insert(EnterpriseSlice),
            [
                {
                    "city_code": city,
                    "block": b,
                    "enterprises": v[0],
                    "with_cqo": v[1],
                    "cqo_submitted": v[2],
                }
                for (city, b), v in sorted(ent_slices.items())
            ],
        )
    if cells:
        conn.execute(insert(SubmissionStat), _submission_rows(cells))
    if cities:
        conn.execute(insert(EnterpriseStat), _enterprise_rows(cities))
    return {"submission_cells": len(cells), "cities": len(cities), "slices": len(ent_slices)}
