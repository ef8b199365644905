"""Who issued each API token: an administrator acting through a token issued for someone else is named.

Revision ID: 0016_trust_data
Revises: 0015_organisation_contacts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_trust_data"
down_revision = "0015_organisation_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        # null: issued from the server's command line, or before this was kept (treated as the holder's own)
        batch.add_column(sa.Column("issued_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_api_tokens_issued_by_id_users", "users", ["issued_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_issued_by_id_users", type_="foreignkey")
        batch.drop_column("issued_by_id")
