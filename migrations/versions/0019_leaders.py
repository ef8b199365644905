"""The leaders' picture: the county's places, hidden dangers on the map, reports drafted then signed off,
after-action reviews with their improvements (each a task).

Revision ID: 0019_leaders
Revises: 0018_organisation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.db import UTCDateTime

revision = "0019_leaders"
down_revision = "0018_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("hidden_dangers") as batch:
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lng", sa.Float(), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="published"))
        batch.add_column(sa.Column("drafted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("drafted_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_reports_drafted_by_id_users", "users", ["drafted_by_id"], ["id"])
        batch.create_foreign_key("fk_reports_approved_by_id_users", "users", ["approved_by_id"], ["id"])
        batch.alter_column("number", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("published_at", existing_type=UTCDateTime(), nullable=True)

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False, unique=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("key_times", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("recorded_by_name", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "review_improvements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id"), nullable=False),
    )
    op.create_index("ix_review_improvements_review_id", "review_improvements", ["review_id"])
    op.create_index("ix_review_improvements_task_id", "review_improvements", ["task_id"])


def downgrade() -> None:
    op.drop_table("review_improvements")
    op.drop_table("reviews")
    op.execute("DELETE FROM reports WHERE status = 'draft'")
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("published_at", existing_type=UTCDateTime(), nullable=False)
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("fk_reports_approved_by_id_users", type_="foreignkey")
        batch.drop_constraint("fk_reports_drafted_by_id_users", type_="foreignkey")
        for name in ("approved_by_id", "drafted_by_id", "drafted_at", "status"):
            batch.drop_column(name)
    with op.batch_alter_table("hidden_dangers") as batch:
        batch.drop_column("lng")
        batch.drop_column("lat")
    op.drop_table("places")
