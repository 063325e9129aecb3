"""evidence files and their review

Files attached to answers (evidence_files), the bureau's verdicts on a question's evidence and
the enterprise's responses (evidence_reviews), and the count of unsupported high claims stored on
each assessment (assessments.unsupported_claims) for the regulator's list filter, counted here for
the submissions already present.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('review', 'response', name='evidencekind', native_enum=False, length=20), nullable=False),
    sa.Column('verdict', sa.Enum('sufficient', 'needs_more', name='evidenceverdict', native_enum=False, length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_reviews_assessment_q', 'evidence_reviews', ['assessment_id', 'question_id', 'id'], unique=False)
    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=50), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_path', sa.String(length=200), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('applies_on', sa.Date(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['evidence_reviews.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_files_assessment_q', 'evidence_files', ['assessment_id', 'question_id'], unique=False)
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsupported_claims', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_assessments_unsupported', ['unsupported_claims', 'submitted_at', 'id'], unique=False)
    _count_unsupported_claims()


def _count_unsupported_claims():
    """Count the high claims without evidence of the submissions already there (no file is
    attached yet, so a claim is unsupported when its answer has no evidence note): per
    questionnaire version, maturity answers of level 4 and up and band answers of 70 % and up."""
    import json

    from cqo_portal.core.evidence import HIGH_BAND_VALUE, HIGH_MATURITY
    from cqo_portal.core.questionnaire import AnswerType, parse_questionnaire

    conn = op.get_bind()
    versions = conn.execute(sa.text('SELECT id, key, version, definition FROM questionnaire_versions')).all()
    count = sa.text(
        "UPDATE assessments SET unsupported_claims = ("
        " SELECT count(*) FROM assessment_answers a"
        " WHERE a.assessment_id = assessments.id AND NOT a.na"
        " AND (a.evidence IS NULL OR trim(a.evidence) = '')"
        " AND ((a.question_id IN :maturity AND CAST(a.value AS FLOAT) >= :maturity_min)"
        " OR (a.question_id IN :band AND CAST(a.value AS FLOAT) >= :band_min)))"
        " WHERE questionnaire_version_id = :version AND submitted_at IS NOT NULL"
    ).bindparams(sa.bindparam('maturity', expanding=True), sa.bindparam('band', expanding=True))
    for version_id, key, version, definition in versions:
        data = json.loads(definition) if isinstance(definition, str) else definition
        q = parse_questionnaire(data, source=f'{key}@{version}')
        maturity = [x.id for x in q.questions if x.answer_type is AnswerType.MATURITY]
        band = [x.id for x in q.questions if x.answer_type is AnswerType.BAND]
        if not maturity and not band:
            continue
        conn.execute(count, {
            'maturity': maturity or ['-'], 'band': band or ['-'], 'version': version_id,
            'maturity_min': HIGH_MATURITY, 'band_min': HIGH_BAND_VALUE,
        })


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_unsupported')
        batch_op.drop_column('unsupported_claims')
    op.drop_index('ix_evidence_files_assessment_q', table_name='evidence_files')
    op.drop_table('evidence_files')
    op.drop_index('ix_evidence_reviews_assessment_q', table_name='evidence_reviews')
    op.drop_table('evidence_reviews')
