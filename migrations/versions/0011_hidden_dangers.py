"""Hidden dangers: the register, their key persons and follow-up visits; an incident remembers the one it erupted from.

Revision ID: 0011_hidden_dangers
Revises: 0005_trust
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0011_hidden_dangers"
down_revision = "0005_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hidden_dangers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("people_affected", sa.Integer(), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    for column in ("category", "unit_id", "risk", "status"):
        op.create_index(f"ix_hidden_dangers_{column}", "hidden_dangers", [column])
    op.create_table(
        "hidden_danger_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hidden_danger_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_number_masked", sa.String(length=32), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["hidden_danger_id"], ["hidden_dangers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hidden_danger_id", "person_id"),
    )
    op.create_index("ix_hidden_danger_persons_hidden_danger_id", "hidden_danger_persons", ["hidden_danger_id"])
    op.create_index("ix_hidden_danger_persons_person_id", "hidden_danger_persons", ["person_id"])
    op.create_table(
        "hidden_danger_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hidden_danger_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("risk_before", sa.String(length=10), nullable=False),
        sa.Column("risk_after", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("visited_by_id", sa.Integer(), nullable=True),
        sa.Column("visited_by_name", sa.String(length=200), nullable=False),
        sa.Column("visited_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hidden_danger_id"], ["hidden_dangers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["visited_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hidden_danger_visits_hidden_danger_id", "hidden_danger_visits", ["hidden_danger_id"])
    op.create_table(
        "hidden_danger_ref_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year"),
    )
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("hidden_danger_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("hidden_danger_id")
    op.drop_table("hidden_danger_ref_counters")
    op.drop_table("hidden_danger_visits")
    op.drop_table("hidden_danger_persons")
    op.drop_table("hidden_dangers")
