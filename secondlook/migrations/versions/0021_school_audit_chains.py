"""school audit chains: each school's entries also form a chain of their own

A school's data protection officer verifies their school's log without the other schools'
entries: each new entry carries its number among its school's (``school_seq``) and the hash
of the school's previous entry (``school_prev_sha256``), both covered by its own hash, and
``audit_school_head`` keeps each school's last number and hash. Entries already written
keep 0 and "" and their hashes unchanged (the log is append-only: nothing is rewritten);
the trust-wide chain, which every entry stays in, covers them. Columns are added in place
(a rebuilt audit_entry table would lose its append-only triggers).

Revision ID: 0021_school_audit_chains
Revises: 0020_job_progress
Create Date: 2026-12-04 03:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0021_school_audit_chains'
down_revision = '0020_job_progress'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_entry', sa.Column('school_seq', sa.Integer(), nullable=False,
                                           server_default='0'))
    op.add_column('audit_entry', sa.Column('school_prev_sha256',
                                           sqlmodel.sql.sqltypes.AutoString(length=64),
                                           nullable=False, server_default=''))
    op.create_index('ix_audit_entry_school_seq', 'audit_entry', ['school_id', 'school_seq'],
                    unique=False)
    op.create_table('audit_school_head',
    sa.Column('school_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('entry_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('school_id'),
    )
    op.add_column('audit_checkpoint', sa.Column('chain_school_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_audit_checkpoint_chain_school_id'), 'audit_checkpoint',
                    ['chain_school_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_checkpoint_chain_school_id'), table_name='audit_checkpoint')
    with op.batch_alter_table('audit_checkpoint') as batch_op:
        batch_op.drop_column('chain_school_id')
    op.drop_table('audit_school_head')
    op.drop_index('ix_audit_entry_school_seq', table_name='audit_entry')
    with op.batch_alter_table('audit_entry') as batch_op:  # a rebuild: SQLite drops columns so
        batch_op.drop_column('school_prev_sha256')
        batch_op.drop_column('school_seq')
