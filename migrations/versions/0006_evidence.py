"""evidence files and their review

Files attached to answers (evidence_files), the bureau's verdicts on a question's evidence and
the enterprise's responses (evidence_reviews), and the count of unsupported high claims stored on
each assessment (assessments.unsupported_claims) for the regulator's list filter. Submissions
made before this revision count 0 until they are submitted again.

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


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_unsupported')
        batch_op.drop_column('unsupported_claims')
    op.drop_index('ix_evidence_files_assessment_q', table_name='evidence_files')
    op.drop_table('evidence_files')
    op.drop_index('ix_evidence_reviews_assessment_q', table_name='evidence_reviews')
    op.drop_table('evidence_reviews')
