"""Instructions addressed to every unit working the incident take in units dispatched later.

Revision ID: 0004_instructions_to_involved
Revises: 0003_tasks
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_instructions_to_involved"
down_revision = "0003_tasks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instructions") as batch:
        batch.add_column(sa.Column("to_involved", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("instructions") as batch:
        batch.drop_column("to_involved")
