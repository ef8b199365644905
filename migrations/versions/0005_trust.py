"""Trust: the event log is hash-chained; login sessions keep only hashes of their secrets; revoked tokens say when.

Revision ID: 0005_trust
Revises: 0007_user_names_zh

The events already in the log get their chain here, in seq order. Sessions
opened before this revision kept their id and CSRF token in clear; they are
ended here (everyone signs in once more).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.db
from dispatch.events import CHAINED_FIELDS, GENESIS, chain_hash

revision = "0005_trust"
down_revision = "0007_user_names_zh"
branch_labels = None
depends_on = None


EVENTS = sa.table(
    "events",
    sa.column("seq", sa.Integer), sa.column("type", sa.String), sa.column("at", dispatch.db.UTCDateTime()),
    sa.column("incident_id", sa.Integer), sa.column("task_id", sa.Integer), sa.column("unit_id", sa.Integer),
    sa.column("actor_id", sa.Integer), sa.column("actor_name", sa.String), sa.column("actor_role", sa.String),
    sa.column("data", sa.JSON), sa.column("hash", sa.String),
)


def _chain_existing_events() -> None:
    connection = op.get_bind()
    previous, after = GENESIS, 0
    while True:
        rows = connection.execute(sa.select(*(EVENTS.c[name] for name in CHAINED_FIELDS))
                                  .where(EVENTS.c.seq > after).order_by(EVENTS.c.seq).limit(1000)).mappings().all()
        for row in rows:
            previous = chain_hash(previous, row)
            connection.execute(EVENTS.update().where(EVENTS.c.seq == row["seq"]).values(hash=previous))
            after = row["seq"]
        if len(rows) < 1000:
            return


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", dispatch.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("DELETE FROM user_sessions")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("csrf_token")
        batch_op.add_column(sa.Column("csrf_hash", sa.String(length=64), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("hash")
    op.execute("DELETE FROM user_sessions")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("csrf_hash")
        batch_op.add_column(sa.Column("csrf_token", sa.String(length=64), nullable=False))
