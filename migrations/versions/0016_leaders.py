"""The leaders' picture: the county's places, hidden dangers on the map.

Revision ID: 0016_leaders
Revises: 0015_organisation_contacts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_leaders"
down_revision = "0015_organisation_contacts"
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


def downgrade() -> None:
    with op.batch_alter_table("hidden_dangers") as batch:
        batch.drop_column("lng")
        batch.drop_column("lat")
    op.drop_table("places")
