"""statistics slices

The dashboard's cells (submission_stats, enterprise_stats) become sums of slices: what the
enterprises of one city with ids in one block of 1024 contribute (submission_slices,
enterprise_slices). Each write refreshes the slices it touched from their rows
(cqo_portal.rollups.refresh), through the two new indexes. The slices are filled from the data
already present, and the cells recomputed from them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BLOCK = 1024  # cqo_portal.models.statistics.BLOCK when this revision was written


def upgrade():
    op.create_table('submission_slices',
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('block', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=50), nullable=False),
    sa.Column('cycle_year', sa.Integer(), nullable=False),
    sa.Column('dim', sa.String(length=50), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('city_code', 'block', 'kind', 'questionnaire_key', 'cycle_year', 'dim', name=op.f('pk_submission_slices'))
    )
    op.create_table('enterprise_slices',
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('block', sa.Integer(), nullable=False),
    sa.Column('enterprises', sa.Integer(), nullable=False),
    sa.Column('with_cqo', sa.Integer(), nullable=False),
    sa.Column('cqo_submitted', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('city_code', 'block', name=op.f('pk_enterprise_slices'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index('ix_assessments_city_enterprise', ['city_code', 'enterprise_id', 'status', 'questionnaire_key', 'cycle_year', 'industry_section', 'percent', 'id'], unique=False)
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index('ix_enterprises_city_id', ['city_code', 'id'], unique=False)

    # Fill the slices (the same figures as cqo_portal.rollups.rebuild()), then the cells from them.
    submitted = "a.status IN ('submitted', 'accepted', 'returned')"
    block = f"a.enterprise_id / {BLOCK}"
    band = (
        "CASE WHEN a.percent IS NULL THEN -1 "
        + " ".join(f"WHEN a.percent < {(i + 1) * 10} THEN {i}" for i in range(9))
        + " ELSE 9 END"
    )
    columns = "(city_code, block, kind, questionnaire_key, cycle_year, dim, n, scored, total)"
    for kind, dim in (("status", "a.status"), ("band", band), ("industry", "a.industry_section")):
        op.execute(
            f"INSERT INTO submission_slices {columns}"
            f" SELECT a.city_code, {block}, '{kind}', a.questionnaire_key, a.cycle_year,"
            f" CAST({dim} AS VARCHAR(50)), COUNT(a.id), COUNT(a.percent),"
            " COALESCE(SUM(a.percent), 0)"
            f" FROM assessments a WHERE {submitted}"
            f" GROUP BY a.city_code, {block}, a.questionnaire_key, a.cycle_year, {dim}"
        )
    op.execute(
        f"INSERT INTO submission_slices {columns}"
        f" SELECT a.city_code, {block}, 'section', a.questionnaire_key, a.cycle_year,"
        " s.section_id, COUNT(s.id), COUNT(s.id), COALESCE(SUM(s.percent), 0)"
        " FROM section_scores s JOIN assessments a ON a.id = s.assessment_id"
        f" WHERE {submitted}"
        f" GROUP BY a.city_code, {block}, a.questionnaire_key, a.cycle_year, s.section_id"
    )
    op.execute(
        "INSERT INTO enterprise_slices (city_code, block, enterprises, with_cqo, cqo_submitted)"
        f" SELECT e.city_code, e.id / {BLOCK}, COUNT(e.id),"
        " SUM(CASE WHEN EXISTS (SELECT 1 FROM cqo_registrations c WHERE c.enterprise_id = e.id"
        " AND c.status = 'approved') THEN 1 ELSE 0 END),"
        " SUM((SELECT COUNT(*) FROM cqo_registrations c WHERE c.enterprise_id = e.id"
        " AND c.status = 'submitted'))"
        f" FROM enterprises e GROUP BY e.city_code, e.id / {BLOCK}"
    )
    op.execute("DELETE FROM submission_stats")
    op.execute(
        "INSERT INTO submission_stats"
        " (kind, city_code, questionnaire_key, cycle_year, dim, n, scored, total)"
        " SELECT kind, city_code, questionnaire_key, cycle_year, dim, SUM(n), SUM(scored),"
        " SUM(total) FROM submission_slices"
        " GROUP BY kind, city_code, questionnaire_key, cycle_year, dim"
    )
    op.execute("DELETE FROM enterprise_stats")
    op.execute(
        "INSERT INTO enterprise_stats (city_code, enterprises, with_cqo, cqo_submitted)"
        " SELECT city_code, SUM(enterprises), SUM(with_cqo), SUM(cqo_submitted)"
        " FROM enterprise_slices GROUP BY city_code"
    )


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprises_city_id')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_city_enterprise')
    op.drop_table('enterprise_slices')
    op.drop_table('submission_slices')
