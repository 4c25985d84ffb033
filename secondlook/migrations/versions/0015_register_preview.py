"""register: previewed imports waiting for the admin's confirmation

Revision ID: 0015_register_preview
Revises: 0014_mail_outbox
Create Date: 2026-12-03 14:45:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0015_register_preview'
down_revision = '0014_mail_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_preview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('prune', sa.Boolean(), nullable=False),
    sa.Column('changes_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('register_preview')
