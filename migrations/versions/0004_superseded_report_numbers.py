"""superseded report numbers

A report reissued after a resubmission gives up its number; each number given up gets a row
here (primary key: the number), so /verify answers an old number with one indexed lookup
instead of reading the audit trail. Filled from the ``report.reissue`` audit events already
recorded (their ``before`` holds the old number, ``after`` the new one); events whose report no
longer exists are skipped, as /verify could not name a current report for them. The audit
events themselves stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

CHUNK = 1000


def upgrade():
    op.create_table('superseded_report_numbers',
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_superseded_report_numbers_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_superseded_report_numbers'))
    )
    with op.batch_alter_table('superseded_report_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_superseded_report_numbers_report_id'), ['report_id'], unique=False)

    _backfill(op.get_bind())


def _backfill(conn):
    """One row per old number of the reissue events, oldest event first, a chunk at a time.

    Read through SQLAlchemy's JSON type, so the same code reads SQLite's and PostgreSQL's JSON.
    """
    events = sa.table(
        'audit_events',
        sa.column('id', sa.Integer),
        sa.column('at', sa.DateTime(timezone=True)),
        sa.column('action', sa.String),
        sa.column('object_type', sa.String),
        sa.column('object_id', sa.Integer),
        sa.column('before', sa.JSON),
        sa.column('after', sa.JSON),
    )
    reports = sa.table('reports', sa.column('id', sa.Integer), sa.column('number', sa.String))
    superseded = sa.table(
        'superseded_report_numbers',
        sa.column('number', sa.String),
        sa.column('report_id', sa.Integer),
        sa.column('superseded_at', sa.DateTime(timezone=True)),
        sa.column('replaced_by', sa.String),
    )
    query = (
        sa.select(events.c.id, events.c.at, events.c.object_id, events.c.before, events.c.after,
                  reports.c.number)
        .join(reports, reports.c.id == events.c.object_id)
        .where(events.c.action == 'report.reissue', events.c.object_type == 'Report')
        .order_by(events.c.id)
        .limit(CHUNK)
    )
    seen = set()
    last_id = 0
    while True:
        rows = conn.execute(query.where(events.c.id > last_id)).all()
        if not rows:
            return
        last_id = rows[-1].id
        batch = []
        for row in rows:
            old = (row.before or {}).get('number')
            if not old or old in seen:
                continue
            seen.add(old)
            batch.append({
                'number': old,
                'report_id': row.object_id,
                'superseded_at': row.at,
                'replaced_by': (row.after or {}).get('number') or row.number,
            })
        if batch:
            conn.execute(superseded.insert(), batch)


def downgrade():
    with op.batch_alter_table('superseded_report_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_superseded_report_numbers_report_id'))

    op.drop_table('superseded_report_numbers')
