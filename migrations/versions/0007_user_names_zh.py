"""Users have a Chinese display name beside the one they had, shown on Chinese pages.

Revision ID: 0007_user_names_zh
Revises: 0004_instructions_to_involved
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_user_names_zh"
down_revision = "0004_instructions_to_involved"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing users get an empty one: pages then show the name they had
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_zh", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("display_name_zh")
