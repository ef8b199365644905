"""The county's own organisation: each run of the log's check, for the audit trail.

Revision ID: 0018_organisation
Revises: 0017_duty
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.db import UTCDateTime

revision = "0018_organisation"
down_revision = "0017_duty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.Column("holds", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        sa.Column("broken_seq", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("head", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_checks")
