"""Attachments: photos and documents on incidents and, as evidence, on tasks (the bytes are on disk, by hash).

Revision ID: 0010_attachments
Revises: 0011_hidden_dangers
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0010_attachments"
down_revision = "0011_hidden_dangers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_name", sa.String(length=200), nullable=True),
        sa.Column("uploaded_by_unit_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", dispatch.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_attachments_incident_id_incidents")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_attachments_task_id_tasks")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")),
        sa.ForeignKeyConstraint(["uploaded_by_unit_id"], ["units.id"],
                                name=op.f("fk_attachments_uploaded_by_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_table("attachments")
