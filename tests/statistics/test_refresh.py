"""The statistics are refreshed explicitly by each write service (cqo_portal.rollups.refresh).

After each write the kept cells and slices equal a recomputation from the rows (also checked
after every test of the suite, see tests/conftest.py). A bulk Core UPDATE is right once it calls
`refresh` for what it touched, and wrong (detected) until then. A move refreshes the old city
and the new one. On PostgreSQL, two submissions in the same slice in two transactions at once
end with the right totals.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select, update

from cqo_portal import rollups
from cqo_portal.assessments import review
from cqo_portal.assessments import services as assessments
from cqo_portal.cqo import services as cqo
from cqo_portal.demo import make_uscc
from cqo_portal.enterprises.services import PROFILE_FIELDS, register_enterprise, update_enterprise
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    EnterpriseStat,
    Role,
    SubmissionSlice,
    SubmissionStat,
)
from tests.factories import _rng
from tests.security.world import fill


def consistent(session) -> None:
    assert rollups.discrepancies(session.connection()) == []


def cell(session, city: str, kind: str = rollups.STATUS) -> int:
    """Submissions counted in one city (every questionnaire, year and `kind` row summed)."""
    t = SubmissionStat
    return int(
        session.scalar(
            select(func.coalesce(func.sum(t.n), 0)).where(t.city_code == city, t.kind == kind)
        )
    )


def enterprises_of(session, city: str) -> list[int]:
    row = session.get(EnterpriseStat, city)
    return [row.enterprises, row.with_cqo, row.cqo_submitted] if row else [0, 0, 0]


def submitted(actors, ent, officer) -> Assessment:
    draft = assessments.start_assessment(ent, actors.questionnaire(), officer)
    fill(draft, officer, seed=ent.id)
    assessments.submit_assessment(draft, officer)
    return draft


def test_each_assessment_service_leaves_the_cells_equal_to_a_rebuild(actors, db_session):
    ent = actors.enterprise(city="440100")
    officer = actors.officer(ent)
    regulator = actors.regulator("440100")

    draft = assessments.start_assessment(ent, actors.questionnaire(), officer)
    assert (draft.city_code, draft.industry_section) == ("440100", "C")  # from its enterprise
    fill(draft, officer)
    assert cell(db_session, "440100") == 0  # drafts are counted nowhere
    assessments.submit_assessment(draft, officer)
    consistent(db_session)
    assert cell(db_session, "440100") == 1
    assert cell(db_session, "440100", rollups.SECTION) > 0

    review.review_submission(draft, regulator, "return", "请补充证据")
    consistent(db_session)
    assessments.submit_assessment(draft, officer)  # resubmitted after the return
    consistent(db_session)
    review.review_submission(draft, regulator, "accept", "")
    consistent(db_session)
    assert cell(db_session, "440100") == 1

    other = assessments.start_assessment(ent, actors.questionnaire("gbt19580"), officer)
    assessments.discard_draft(other, officer)
    consistent(db_session)
    assert cell(db_session, "440100") == 1


def test_each_enterprise_and_cqo_service_leaves_the_cells_equal_to_a_rebuild(
    app, actors, db_session
):
    with app.test_request_context():  # the services word their refusals for the request
        _enterprise_and_cqo_story(actors, db_session)


def _enterprise_and_cqo_story(actors, db_session) -> None:
    officer = actors.user(Role.OFFICER)  # without an enterprise yet
    data = {
        "uscc": make_uscc(_rng, "440100"),
        "name": "广州测试统计有限公司",
        "city_code": "440100",
        "industry_section": "C",
        "industry_division": "C34",
        "size_class": "small",
    }
    before = enterprises_of(db_session, "440100")
    ent = register_enterprise(officer, data)
    consistent(db_session)
    assert enterprises_of(db_session, "440100")[0] == before[0] + 1

    reg = cqo.create_registration(
        ent,
        officer,
        {"name": "王质量", "position": "质量总监", "phone": "13800000000", "email": "q@example.cn"},
    )
    reg.letter_path, reg.letter_mime = "letters/x.pdf", "application/pdf"
    for name in cqo.REQUIRED_TO_SUBMIT:
        if not getattr(reg, name):
            setattr(reg, name, date(2026, 1, 5) if name.endswith(("_on", "_date")) else "x")
    consistent(db_session)
    cqo.submit_registration(reg)
    consistent(db_session)
    assert enterprises_of(db_session, "440100")[2] == before[2] + 1
    regulator = actors.regulator("440100")
    cqo.return_registration(reg, regulator, "任命文件缺少公章")
    consistent(db_session)
    cqo.submit_registration(reg)
    cqo.approve_registration(reg, regulator)
    consistent(db_session)
    assert enterprises_of(db_session, "440100")[1:] == [before[1] + 1, before[2]]


def test_a_move_refreshes_the_old_city_and_the_new_one(actors, db_session):
    ent = actors.enterprise(city="440100", industry="C")
    officer = actors.officer(ent)
    actors.approved_cqo(ent)
    submitted(actors, ent, officer)
    stay = actors.enterprise(city="440100", industry="C")
    submitted(actors, stay, actors.officer(stay))
    assert (cell(db_session, "440100"), cell(db_session, "440600")) == (2, 0)
    gz, fs = enterprises_of(db_session, "440100"), enterprises_of(db_session, "440600")

    profile = {name: getattr(ent, name) for name in PROFILE_FIELDS}
    update_enterprise(ent, profile | {"city_code": "440600", "industry_section": "F"})
    consistent(db_session)
    assert (cell(db_session, "440100"), cell(db_session, "440600")) == (1, 1)
    assert enterprises_of(db_session, "440100") == [gz[0] - 1, gz[1] - 1, gz[2]]
    assert enterprises_of(db_session, "440600") == [fs[0] + 1, fs[1] + 1, fs[2]]
    industries = dict(
        db_session.execute(
            select(SubmissionStat.dim, SubmissionStat.n).where(
                SubmissionStat.kind == rollups.INDUSTRY, SubmissionStat.city_code == "440600"
            )
        ).all()
    )
    assert industries == {"F": 1}

    # An industry change within the city moves the figure between industry rows only.
    update_enterprise(ent, profile | {"city_code": "440600", "industry_section": "G"})
    consistent(db_session)
    assert cell(db_session, "440600") == 1


def test_a_bulk_core_update_is_right_once_it_refreshes_what_it_touched(actors, subs, db_session):
    ents = [actors.enterprise(city="440100"), actors.enterprise(city="440300")]
    for ent in ents:
        subs.make(ent, percent=40.0)
        subs.make(ent, percent=90.0, year=2025, status="accepted")

    # A bulk write no service knows about: every Guangzhou score halved, then accepted.
    db_session.execute(
        update(Assessment)
        .where(Assessment.city_code == "440100")
        .values(percent=Assessment.percent / 2, status=AssessmentStatus.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    assert rollups.discrepancies(db_session.connection())  # stale, and the check says so
    touched = db_session.execute(
        select(Assessment.city_code, Assessment.enterprise_id)
        .where(Assessment.city_code == "440100")
        .distinct()
    ).all()
    rollups.refresh(db_session, touched)
    consistent(db_session)
    bands = dict(
        db_session.execute(
            select(SubmissionStat.dim, func.sum(SubmissionStat.n))
            .where(SubmissionStat.kind == rollups.BAND, SubmissionStat.city_code == "440100")
            .group_by(SubmissionStat.dim)
            .having(func.sum(SubmissionStat.n) != 0)
        ).all()
    )
    assert bands == {"2": 1, "4": 1}  # 40 -> 20, 90 -> 45


def test_a_refresh_reads_one_block_of_enterprises(monkeypatch, db_session, actors, subs):
    """With blocks of two ids, enterprises fall into several slices of one cell: a refresh
    recomputes only its own slices, and each cell stays the sum of its slices."""
    monkeypatch.setattr(rollups, "BLOCK", 2)
    ents = [actors.enterprise(city="440100") for _ in range(5)]
    for ent in ents:
        subs.make(ent, percent=50.0)
    blocks = set(
        db_session.scalars(
            select(SubmissionSlice.block).where(SubmissionSlice.city_code == "440100")
        )
    )
    assert blocks == {ent.id // 2 for ent in ents} and len(blocks) >= 3
    consistent(db_session)

    reads: list[int] = []
    computed = rollups._computed_slice
    monkeypatch.setattr(
        rollups,
        "_computed_slice",
        lambda conn, city, block: reads.append(block) or computed(conn, city, block),
    )
    subs.make(ents[-1], percent=70.0, year=2025)
    assert reads == [ents[-1].id // 2]
    assert cell(db_session, "440100") == 6
    consistent(db_session)


def test_rebuild_statistics_refills_slices_and_cells(actors, subs, db_session, runner):
    ent = actors.enterprise(city="441900")
    subs.make(ent, percent=75.0)
    db_session.execute(update(SubmissionSlice).values(n=SubmissionSlice.n + 5))
    db_session.commit()
    assert runner.invoke(args=["rebuild-statistics", "--check"]).exit_code == 1
    result = runner.invoke(args=["rebuild-statistics"])
    assert result.exit_code == 0 and "slices" in result.output
    consistent(db_session)


def _prepare(app) -> tuple[list[int], list[int]]:
    """Two officers of two enterprises in one slice, each with a fully answered draft."""
    from flask_migrate import upgrade

    from cqo_portal.demo import ensure_questionnaires
    from cqo_portal.extensions import db
    from tests.factories import Actors

    with app.app_context():
        upgrade()
        ensure_questionnaires()
        actors = Actors(db.session)
        drafts, officers = [], []
        for _ in range(2):
            ent = actors.enterprise(city="440100")
            officer = actors.officer(ent)
            draft = assessments.start_assessment(ent, actors.questionnaire(), officer)
            fill(draft, officer, seed=ent.id)
            drafts.append(draft.id)
            officers.append(officer.id)
        db.session.commit()
        db.session.remove()
    return drafts, officers


def test_two_submissions_in_one_slice_at_once_end_right(make_app, scratch_postgres):
    """PostgreSQL: the second refresh waits for the first one's slice lock, then sees its rows."""
    from cqo_portal.extensions import db
    from cqo_portal.models import User

    app = make_app(SQLALCHEMY_DATABASE_URI=scratch_postgres, REDIS_URL=None)
    drafts, officers = _prepare(app)
    first_refreshed = threading.Event()
    errors: list[BaseException] = []

    def submit(k: int) -> None:
        try:
            if k == 1:
                first_refreshed.wait(10)
            with app.app_context(), app.test_request_context():
                a = db.session.get(Assessment, drafts[k])
                assessments.submit_assessment(a, db.session.get(User, officers[k]))
                if k == 0:
                    first_refreshed.set()
                    threading.Event().wait(0.5)  # the second arrives while this one holds it
                db.session.commit()
                db.session.remove()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
            first_refreshed.set()

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with app.app_context():
        assert rollups.discrepancies(db.session.connection()) == []
        assert cell(db.session, "440100") == 2
        statuses = db.session.scalars(select(Assessment.status)).all()
        assert statuses == [AssessmentStatus.SUBMITTED] * 2
        db.session.remove()
