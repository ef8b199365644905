"""Attachments on meetings: the minutes or a photo of a meeting with the representatives.

Revision ID: 0014_meeting_attachments
Revises: 0013_statistics
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_meeting_attachments"
down_revision = "0013_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_attachments_meeting_id_meetings", "meetings", ["meeting_id"], ["id"])
        batch.create_index("ix_attachments_meeting_id", ["meeting_id"])


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index("ix_attachments_meeting_id")
        batch.drop_constraint("fk_attachments_meeting_id_meetings", type_="foreignkey")
        batch.drop_column("meeting_id")
