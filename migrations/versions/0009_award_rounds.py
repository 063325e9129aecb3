"""award rounds

Rounds (award and annual CQO self-assessment rounds), applications, examiners' conflict
declarations, assignments, item scores and consensus scores; assessments get a nullable round_id.
The examiner role needs no schema change (roles are a non-native enum without a constraint).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:57:37.513839

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('award', 'cqo_self', name='roundkind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('city_codes', sa.JSON(), nullable=False),
    sa.Column('industry_sections', sa.JSON(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('examiners_see_self_score', sa.Boolean(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_award_rounds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_award_rounds_questionnaire_version_id_questionnaire_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_rounds'))
    )
    with op.batch_alter_table('award_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_rounds_questionnaire_version_id'), ['questionnaire_version_id'], unique=False)

    op.create_table('award_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', name='applicationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('consensus_points', sa.Float(), nullable=True),
    sa.Column('consensus_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_award_applications_assessment_id_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_award_applications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_award_applications_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['award_rounds.id'], name=op.f('fk_award_applications_round_id_award_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_applications')),
    sa.UniqueConstraint('round_id', 'enterprise_id', name=op.f('uq_award_applications_round_id_enterprise_id'))
    )
    with op.batch_alter_table('award_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_applications_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_applications_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_award_applications_round_city', ['round_id', 'city_code', 'status'], unique=False)

    op.create_table('award_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('examiner_id', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['award_applications.id'], name=op.f('fk_award_assignments_application_id_award_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_award_assignments_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['examiner_id'], ['users.id'], name=op.f('fk_award_assignments_examiner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_assignments')),
    sa.UniqueConstraint('application_id', 'examiner_id', name=op.f('uq_award_assignments_application_id_examiner_id'))
    )
    with op.batch_alter_table('award_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_assignments_examiner_id'), ['examiner_id'], unique=False)

    op.create_table('award_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('examiner_id', sa.Integer(), nullable=False),
    sa.Column('conflicted', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['award_applications.id'], name=op.f('fk_award_conflicts_application_id_award_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['examiner_id'], ['users.id'], name=op.f('fk_award_conflicts_examiner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_conflicts')),
    sa.UniqueConstraint('application_id', 'examiner_id', name=op.f('uq_award_conflicts_application_id_examiner_id'))
    )
    with op.batch_alter_table('award_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_conflicts_examiner_id'), ['examiner_id'], unique=False)

    op.create_table('award_consensus_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=50), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['award_applications.id'], name=op.f('fk_award_consensus_scores_application_id_award_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_award_consensus_scores_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_consensus_scores')),
    sa.UniqueConstraint('application_id', 'item_id', name=op.f('uq_award_consensus_scores_application_id_item_id'))
    )
    op.create_table('award_examiner_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=50), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=True),
    sa.Column('ofis', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['award_assignments.id'], name=op.f('fk_award_examiner_scores_assignment_id_award_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_examiner_scores')),
    sa.UniqueConstraint('assignment_id', 'item_id', name=op.f('uq_award_examiner_scores_assignment_id_item_id'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessments_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assessments_round_id_award_rounds'), 'award_rounds', ['round_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_round_id_award_rounds'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessments_round_id'))
        batch_op.drop_column('round_id')

    op.drop_table('award_examiner_scores')
    op.drop_table('award_consensus_scores')
    with op.batch_alter_table('award_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_conflicts_examiner_id'))

    op.drop_table('award_conflicts')
    with op.batch_alter_table('award_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_assignments_examiner_id'))

    op.drop_table('award_assignments')
    with op.batch_alter_table('award_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_award_applications_round_city')
        batch_op.drop_index(batch_op.f('ix_award_applications_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_award_applications_assessment_id'))

    op.drop_table('award_applications')
    with op.batch_alter_table('award_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_rounds_questionnaire_version_id'))

    op.drop_table('award_rounds')
