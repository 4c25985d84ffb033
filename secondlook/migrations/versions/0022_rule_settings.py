"""rule settings: the trust's defaults and each school's own severities and sections

Revision ID: 0022_rule_settings
Revises: 0021_school_audit_chains
Create Date: 2026-12-04 23:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0022_rule_settings'
down_revision = '0021_school_audit_chains'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trust_rule_setting',
        sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('policy', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('rule'))
    op.create_table(
        'school_rule_setting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('policy', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('school_id', 'rule'))
    op.create_index('ix_school_rule_setting_school_id', 'school_rule_setting', ['school_id'])


def downgrade() -> None:
    op.drop_index('ix_school_rule_setting_school_id', table_name='school_rule_setting')
    op.drop_table('school_rule_setting')
    op.drop_table('trust_rule_setting')
