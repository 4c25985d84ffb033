"""schools: every school-scoped row names its school; the database so far is the first

A single-school database becomes the first school of a trust with nothing lost: the
``school`` table gets row 1 and every school-scoped table a ``school_id`` of 1 (see
``consent_store.scope`` for which tables are global), added in place: SQLite would have
to rebuild a table to add a foreign key or widen a column, and rebuilding ``learner`` or
``user_account`` trips (or cascades) the foreign keys that point at them. Roles need no
change: a role written without a school number is held at the first school. Channel credentials are
keyed by (school, channel), so each school connects its own page.

Revision ID: 0018_schools
Revises: 0017_jobs
Create Date: 2026-12-03 17:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0018_schools'
down_revision = '0017_jobs'
branch_labels = None
depends_on = None

SCOPED = [
    'learner', 'staff_member', 'reference_photo', 'face_template', 'consent_withdrawal',
    'register_preview', 'draft', 'draft_revision', 'revision_image', 'draft_decision',
    'draft_comment', 'audit_entry', 'face_decision', 'channel_post', 'takedown',
    'scheduled_release', 'release_run', 'mail_outbox',
]
FIRST_SCHOOL = "First school"


def upgrade() -> None:
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    )
    op.execute(sa.text("INSERT INTO school (id, name, created_at) "
                       "VALUES (1, :n, CURRENT_TIMESTAMP)").bindparams(n=FIRST_SCHOOL))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the next school added must not collide with the row written above
        op.execute("SELECT setval(pg_get_serial_sequence('school', 'id'), 1)")
    for table in SCOPED:
        # In place (no table rebuild: SQLite would cascade-delete the face templates of a
        # rebuilt learner table, and drop the audit log's append-only triggers).
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=False,
                                          server_default='1'))
            batch_op.create_index(batch_op.f(f'ix_{table}_school_id'), ['school_id'],
                                  unique=False)
        if postgres:  # every row is written with its school from now on
            op.alter_column(table, 'school_id', server_default=None)
    # Channel credentials: one set per school and channel (a new table: the key changes).
    op.create_table('channel_credential_new',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('account_name', sqlmodel.sql.sqltypes.AutoString(length=200), server_default='',
              nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'channel')
    )
    op.execute("INSERT INTO channel_credential_new (school_id, channel, account, sealed, "
               "account_name, expires_at, updated_by_id, updated_at) SELECT 1, channel, "
               "account, sealed, account_name, expires_at, updated_by_id, updated_at "
               "FROM channel_credential")
    op.drop_table('channel_credential')
    op.rename_table('channel_credential_new', 'channel_credential')


def downgrade() -> None:
    raise NotImplementedError("a trust's database cannot go back to one school")
