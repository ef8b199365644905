"""Meetings with representatives (代表座谈/接谈) and the commitments made there (承诺事项).

Revision ID: 0008_meetings
Revises: 0010_attachments
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0008_meetings"
down_revision = "0010_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("held_at", dispatch.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("raised", sa.Text(), nullable=False),
        sa.Column("answered", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", dispatch.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_meetings_incident_id_incidents")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_meetings_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings") as batch:
        batch.create_index(batch.f("ix_meetings_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "meeting_representatives",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("representative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_representatives_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["representative_id"], ["representatives.id"],
                                name=op.f("fk_meeting_representatives_representative_id_representatives")),
        sa.PrimaryKeyConstraint("meeting_id", "representative_id", name=op.f("pk_meeting_representatives")),
    )
    op.create_table(
        "meeting_units",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_units_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_meeting_units_unit_id_units")),
        sa.PrimaryKeyConstraint("meeting_id", "unit_id", name=op.f("pk_meeting_units")),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("due_at", dispatch.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_at", dispatch.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_commitments_meeting_id_meetings")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_commitments_incident_id_incidents")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_commitments_unit_id_units")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_commitments_task_id_tasks")),
        sa.ForeignKeyConstraint(["made_by_id"], ["users.id"], name=op.f("fk_commitments_made_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments") as batch:
        batch.create_index(batch.f("ix_commitments_meeting_id"), ["meeting_id"], unique=False)
        batch.create_index(batch.f("ix_commitments_incident_id"), ["incident_id"], unique=False)
        batch.create_index(batch.f("ix_commitments_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("commitments")
    op.drop_table("meeting_units")
    op.drop_table("meeting_representatives")
    op.drop_table("meetings")
