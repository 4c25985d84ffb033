"""job progress: how many of its steps a job has done (photos checked of a draft's photos)

Revision ID: 0020_job_progress
Revises: 0019_school_lookups
Create Date: 2026-12-04 02:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0020_job_progress'
down_revision = '0019_school_lookups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('progress_total', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('progress_total')
        batch_op.drop_column('progress_done')
