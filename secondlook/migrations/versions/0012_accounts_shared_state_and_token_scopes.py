"""accounts: state every server process shares (login throttle, setup link, CSRF key);
API tokens get scopes and an expiry

Tokens made before this revision keep working with every scope and expire 90 days
from the upgrade, so no script breaks on the day of the upgrade.

Revision ID: 0012_shared_state
Revises: 0011_journey
Create Date: 2026-11-26 10:00:00
"""

from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0012_shared_state'
down_revision = '0011_journey'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('delay', sa.Float(), nullable=False),
    sa.Column('next_allowed', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_next_allowed'), ['next_allowed'], unique=False)

    op.create_table('setup_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('server_secret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default='read;draft;approve'))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    token = sa.table('api_token', sa.column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    op.execute(token.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')

    op.drop_table('server_secret')
    op.drop_table('setup_link')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_next_allowed'))

    op.drop_table('login_throttle')
