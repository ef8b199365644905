"""Instructions remember when their missing acknowledgements were flagged (once per instruction).

Revision ID: 0003_tasks
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0003_tasks"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_notified_at", dispatch.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.drop_column("overdue_notified_at")
