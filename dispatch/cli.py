"""Server commands: `flask --app wsgi users create`, `tokens create`, `demo`, `db upgrade`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .migrate import upgrade

users = AppGroup("users", help="Manage users.")
tokens = AppGroup("tokens", help="Manage API tokens.")
dbcli = AppGroup("db", help="Database schema.")


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


def init_app(app: Flask) -> None:
    from .demo import demo_command

    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(dbcli)
    app.cli.add_command(demo_command)
