"""Server commands: `flask --app wsgi users create`, `tokens create`, `demo`, `db upgrade`,
`audit verify`, `backup`, `restore`,
`statistics rebuild`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .migrate import upgrade

users = AppGroup("users", help="Manage users.")
tokens = AppGroup("tokens", help="Manage API tokens.")
dbcli = AppGroup("db", help="Database schema.")
audit = AppGroup("audit", help="The event log's tamper evidence.")
statistics = AppGroup("statistics", help="The statistics read model.")


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["command", "liaison", "leader", "admin"]), required=True)
@click.option("--unit", "unit_code", help="Unit code (required for a liaison).")
@click.option("--name", "display_name", help="Name shown to others.")
@click.option("--name-zh", "display_name_zh", help="Name shown on Chinese pages (default: --name).")
@click.password_option()
def create_user(username, role, unit_code, display_name, display_name_zh, password):
    """Add a user (the only way users reach a production database)."""
    from .auth import service

    user = service.create_user(actor=None, username=username, password=password, role=role,
                               display_name=display_name, display_name_zh=display_name_zh, unit_code=unit_code)
    click.echo(f"created user {user.username} (id {user.id}, role {user.role})")


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. the hotline system.")
def create_token(username, name):
    """Create an API token for a user; the secret is printed once."""
    from sqlalchemy import select

    from .auth import service
    from .auth.models import User
    from .db import db

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    _row, secret = service.create_token(actor=None, user_id=user.id, name=name)
    click.echo(secret)


@dbcli.command("upgrade")
def db_upgrade():
    """Apply every migration."""
    upgrade()
    click.echo("database is up to date")


@audit.command("verify")
def audit_verify():
    """Check the event log's hash chain: exit 0 with the number of events, or 1 naming the first broken seq."""
    from .audit import anchored
    from .organisation.audit_trail import verify_and_record

    anchor = Path(current_app.config["AUDIT_ANCHOR"])
    anchors = anchored(anchor)
    verdict = verify_and_record(anchors)
    if not verdict.holds:  # the run is kept: the audit trail shows the result and when it ran
        click.echo(f"audit chain broken at seq {verdict.broken_seq}: {verdict.reason} "
                   f"({verdict.verified} events before it verified)", err=True)
        raise SystemExit(1)
    click.echo(f"{verdict.verified} events verified; last hash {verdict.head}; "
               f"{len(anchors)} heads anchored in {anchor} agree")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path):
    """Write a consistent copy of the SQLite database to PATH, even while the server runs, and the attachment
    files to PATH.attachments/."""
    from . import backup

    _refusal_as_exit(backup.backup, current_app.config["DATABASE_URL"], path, _attachments())
    click.echo(f"backed up to {path} (attachment files in {backup.files_beside(path)})")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the backup's event log does not verify.")
def restore_command(path, force):
    """Put the backup at PATH back as the SQLite database (refused while a server runs on it, or when the
    backup's event log does not verify unless --force)."""
    from . import backup

    verdict = _refusal_as_exit(backup.restore, current_app.config["DATABASE_URL"], path, _attachments(),
                               anchor=Path(current_app.config["AUDIT_ANCHOR"]), force=force)
    if verdict.holds:
        click.echo(f"restored from {path}: {verdict.verified} events verified")
    else:
        click.echo(f"restored from {path} although its event log is broken at seq {verdict.broken_seq}: "
                   f"{verdict.reason} (--force)")


@statistics.command("rebuild")
def statistics_rebuild():
    """Derive the statistics read model (task_handling) again from the whole event log."""
    from .db import db
    from .statistics.projection import rebuild

    with db.engine.begin() as connection:
        turns = rebuild(connection)
    click.echo(f"task_handling rebuilt from the log: {turns} turns")


def _attachments() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def _refusal_as_exit(action, *args, **kwargs):
    from .errors import DispatchError

    try:
        return action(*args, **kwargs)
    except DispatchError as refusal:
        click.echo(refusal.message, err=True)
        raise SystemExit(1) from None


def init_app(app: Flask) -> None:
    from .demo import demo_command

    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(dbcli)
    app.cli.add_command(audit)
    app.cli.add_command(statistics)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(demo_command)
