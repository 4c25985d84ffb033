"""jobs: the in-process queue's rows, and procrastinate's schema on PostgreSQL

``job`` is every backend's record of a background job (state, attempts, error). On
PostgreSQL, procrastinate's tables, types and functions (``procrastinate_*``, from the
pinned procrastinate 3.10.0) are created here too, under the migration lock, so
``secondlook init`` is the one step that prepares the database.

Revision ID: 0017_jobs
Revises: 0016_face_decisions
Create Date: 2026-12-03 17:50:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0017_jobs'
down_revision = '0016_face_decisions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('args', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('lock', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_lock'), ['lock'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_run_at'), ['run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_state'), ['state'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        from procrastinate.schema import SchemaManager

        # Straight to psycopg without parameters: the SQL has literal % signs.
        raw = op.get_bind().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('procrastinate_events', 'procrastinate_periodic_defers',
                      'procrastinate_jobs', 'procrastinate_workers'):
            op.execute(f'DROP TABLE IF EXISTS {table} CASCADE')
        op.execute('DROP TYPE IF EXISTS procrastinate_job_event_type CASCADE')
        op.execute('DROP TYPE IF EXISTS procrastinate_job_status CASCADE')
        op.execute('DROP TYPE IF EXISTS procrastinate_job_to_defer_v1 CASCADE')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_state'))
        batch_op.drop_index(batch_op.f('ix_job_run_at'))
        batch_op.drop_index(batch_op.f('ix_job_lock'))
    op.drop_table('job')
