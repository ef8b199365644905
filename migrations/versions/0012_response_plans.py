"""Response plans: the standard tasks per category and level, and the incidents each was applied to.

Revision ID: 0012_response_plans
Revises: 0009_reports
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db

revision = "0012_response_plans"
down_revision = "0009_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", dispatch.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_response_plans_category", "response_plans", ["category"])
    op.create_table(
        "response_plan_levels",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["response_plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "level"),
    )
    op.create_index("ix_response_plan_levels_level", "response_plan_levels", ["level"])
    op.create_table(
        "response_plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("due_in_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["response_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_response_plan_tasks_plan_id", "response_plan_tasks", ["plan_id"])
    op.create_table(
        "response_plan_task_co_units",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["response_plan_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("task_id", "unit_id"),
    )
    op.create_table(
        "response_plan_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", dispatch.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["response_plans.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["applied_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "incident_id"),
    )
    op.create_index("ix_response_plan_applications_plan_id", "response_plan_applications", ["plan_id"])
    op.create_index("ix_response_plan_applications_incident_id", "response_plan_applications", ["incident_id"])


def downgrade() -> None:
    op.drop_table("response_plan_applications")
    op.drop_table("response_plan_task_co_units")
    op.drop_table("response_plan_tasks")
    op.drop_table("response_plan_levels")
    op.drop_table("response_plans")
