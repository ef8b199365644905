"""The demo data of API.md, loaded only into an empty database."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .auth import service as auth
from .auth.models import Unit, User
from .db import db, utcnow
from .incidents import service as incidents
from .instructions import demo as instructions_demo
from .representatives import demo as representatives_demo
from .tasks import demo as tasks_demo

DEMO_PASSWORD = "dispatch-demo"

UNITS = [
    ("CC", "command", "Command Centre", "指挥中心"),
    ("PSB", "department", "Public Security", "公安局"),
    ("LVB", "department", "Letters and Visits", "信访局"),
    ("HRSS", "department", "Human Resources and Social Security", "人力资源和社会保障局"),
    ("HURD", "department", "Housing and Urban-Rural Development", "住房和城乡建设局"),
    ("NR", "department", "Natural Resources", "自然资源局"),
    ("EE", "department", "Ecology and Environment", "生态环境局"),
    ("JUS", "department", "Justice", "司法局"),
    ("HLTH", "department", "Health", "卫生健康委员会"),
    ("EM", "department", "Emergency Management", "应急管理局"),
    ("TWN-E", "township", "East Township", "东乡镇"),
    ("TWN-W", "township", "West Township", "西乡镇"),
]

INCIDENTS = [
    dict(kind="mass_incident", title="Laid-off workers of the county textile mill at the government gate",
         category="wage_arrears", location="County government east gate", lat=30.27, lng=120.15,
         headcount=300, demands="Eight months of unpaid wages; social insurance contributions owed.", level="II"),
    dict(kind="petition", title="Villagers of Hexi ask about land compensation",
         category="land_acquisition", location="Letters and Visits reception hall",
         headcount=25, demands="Compensation for requisitioned farmland at the published rate.", level="III"),
    dict(kind="petition", title="Residents report odour from the chemical park",
         category="environmental_pollution", location="West Township, Xinhe village",
         headcount=12, demands="Inspect the discharge of the chemical park; publish the results.", level="IV"),
    dict(kind="mass_incident", title="Home buyers gather at the Riverside Garden sales office",
         category="historical_legacy", location="Riverside Garden, Binjiang Road",
         headcount=80, demands="Delivery of flats overdue by two years; property certificates.", level="III"),
]


def is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Unit)) == 0


def seed_units_and_users(password_hash: str | None = None) -> None:
    """The units of API.md and one user per role (one liaison per non-CC unit)."""
    units = {code: Unit(code=code, kind=kind, name=name, name_zh=name_zh) for code, kind, name, name_zh in UNITS}
    db.session.add_all(units.values())
    db.session.flush()
    password_hash = password_hash or auth.hash_password(DEMO_PASSWORD)
    people = [("duty", "command", "Duty Officer Wang", "CC"), ("leader", "leader", "Deputy County Head Li", None),
              ("admin", "admin", "System Administrator", None)]
    people += [(code.lower(), "liaison", f"{name} liaison", code) for code, _k, name, _zh in UNITS[1:]]
    for username, role, display_name, unit_code in people:
        db.session.add(User(username=username, role=role, display_name=display_name, active=True,
                            unit_id=units[unit_code].id if unit_code else None, password_hash=password_hash))
    db.session.commit()


def load_demo() -> None:
    seed_units_and_users()
    duty = db.session.scalar(select(User).where(User.username == "duty"))
    now = utcnow()
    registered = []
    for hours_ago, data in zip((3, 26, 50, 6), INCIDENTS):
        registered.append(incidents.register_incident(
            actor=duty, data={**data, "occurred_at": now - timedelta(hours=hours_ago)}))
    incidents.transition_incident(actor=duty, incident_id=registered[0].id, action="respond",
                                  note="Public Security and HRSS on the way.")
    incidents.update_incident(actor=duty, incident_id=registered[0].id, version=registered[0].version,
                              changes={"headcount": 320})
    for area in (representatives_demo, tasks_demo, instructions_demo):
        area.seed(duty, registered)


def load_demo_if_empty() -> bool:
    if not is_empty():
        return False
    load_demo()
    return True


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data into an empty database."""
    if load_demo_if_empty():
        click.echo(f"demo data loaded; every demo user's password is {DEMO_PASSWORD}")
    else:
        click.echo("the database is not empty; demo data not loaded")
