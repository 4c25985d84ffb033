"""school lookups: a draft's rows are found by (draft, school), not by the school alone

Every query of a school carries ``school_id = ?``. With a plain index on ``draft_id`` next
to the one on ``school_id``, SQLite (no statistics) often chose the school's index for the
correlated lookups of the approval queue and read every decision of the school once per
draft. Each lookup index now carries the school as its second column
(``consent_store.models.school_lookup``); the ``school_id`` indexes stay for listings.

Revision ID: 0019_school_lookups
Revises: 0018_schools
Create Date: 2026-12-04 02:50:00
"""

from alembic import op


revision = '0019_school_lookups'
down_revision = '0018_schools'
branch_labels = None
depends_on = None

LOOKUPS = [
    ('draft_revision', 'draft_id'), ('revision_image', 'revision_id'),
    ('draft_decision', 'draft_id'), ('draft_comment', 'draft_id'),
    ('face_decision', 'draft_id'), ('channel_post', 'draft_id'),
    ('takedown', 'channel_post_id'), ('mail_outbox', 'draft_id'),
]


def upgrade() -> None:
    for table, column in LOOKUPS:
        op.create_index(f'ix_{table}_{column}_school', table, [column, 'school_id'],
                        unique=False)
        op.drop_index(f'ix_{table}_{column}', table_name=table)


def downgrade() -> None:
    for table, column in LOOKUPS:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)
        op.drop_index(f'ix_{table}_{column}_school', table_name=table)
