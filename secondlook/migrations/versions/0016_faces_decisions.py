"""faces: a decision for every face (blurred, not a learner, this is learner X)

Each row is a person's decision about one face in one photo's exact bytes; the faces check
reads them. A blur names the photo it was made from, so undoing it can put that back.

Revision ID: 0016_face_decisions
Revises: 0015_register_preview
Create Date: 2026-12-03 14:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0016_face_decisions'
down_revision = '0015_register_preview'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('face_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('image_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('top', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.Column('bottom', sa.Integer(), nullable=False),
    sa.Column('left', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('upn', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('voided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('face_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_decision_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_face_decision_image_sha256'), ['image_sha256'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('face_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_decision_image_sha256'))
        batch_op.drop_index(batch_op.f('ix_face_decision_draft_id'))
    op.drop_table('face_decision')
