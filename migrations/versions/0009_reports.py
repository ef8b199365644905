"""Situation reports: each a frozen copy of its incident when command published it.

Revision ID: 0009_reports
Revises: 0008_meetings
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.db import UTCDateTime

revision = "0009_reports"
down_revision = "0008_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "number"),
    )
    op.create_index(op.f("ix_reports_incident_id"), "reports", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_incident_id"), table_name="reports")
    op.drop_table("reports")
