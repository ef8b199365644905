"""The county's own organisation: nested units with their group robots; users' work mobile, e-mail, head flag.

Revision ID: 0015_organisation_contacts
Revises: 0014_meeting_attachments
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_organisation_contacts"
down_revision = "0014_meeting_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("dingtalk_webhook", sa.String(500), nullable=True))
        batch.add_column(sa.Column("dingtalk_secret_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column("wecom_webhook", sa.String(500), nullable=True))
        batch.create_foreign_key("fk_units_parent_id_units", "units", ["parent_id"], ["id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column("phone_masked", sa.String(32), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("unit_head", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for name in ("must_change_password", "unit_head", "email", "phone_masked", "phone_encrypted"):
            batch.drop_column(name)
    with op.batch_alter_table("units") as batch:
        batch.drop_constraint("fk_units_parent_id_units", type_="foreignkey")
        for name in ("wecom_webhook", "dingtalk_secret_encrypted", "dingtalk_webhook", "active", "parent_id"):
            batch.drop_column(name)
