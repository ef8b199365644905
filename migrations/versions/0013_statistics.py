"""Statistics: `task_handling`, one row per unit's turn with a task, derived from the event log.

The table is filled here from the whole log (a data migration reading `events`),
by the same function that keeps it in step afterwards and that
`flask --app wsgi statistics rebuild` runs.

Revision ID: 0013_statistics
Revises: 0012_response_plans
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0013_statistics"
down_revision = "0012_response_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_handling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("received_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", dispatch.db.UTCDateTime(), nullable=True),
        sa.Column("claim_seconds", sa.Integer(), nullable=True),
        sa.Column("submitted_at", dispatch.db.UTCDateTime(), nullable=True),
        sa.Column("submit_seconds", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", dispatch.db.UTCDateTime(), nullable=True),
        sa.Column("ended_at", dispatch.db.UTCDateTime(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("supervision_notices", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_handling_received_unit", "task_handling", ["received_at", "unit_id"])
    op.create_index("ix_task_handling_task", "task_handling", ["task_id", "ended_at"])
    op.create_index("ix_task_handling_incident_claimed", "task_handling", ["incident_id", "claimed_at"])
    from dispatch.statistics.projection import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_task_handling_incident_claimed", table_name="task_handling")
    op.drop_index("ix_task_handling_task", table_name="task_handling")
    op.drop_index("ix_task_handling_received_unit", table_name="task_handling")
    op.drop_table("task_handling")
