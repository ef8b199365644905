"""The demo data of API.md, loaded only into an empty database."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .auth import service as auth
from .auth.models import Unit, User
from .db import db, utcnow
from .duty import demo as duty_demo
from .demo_language import in_demo_language
from .hidden_dangers import demo as hidden_dangers_demo
from .incidents import service as incidents
from .instructions import demo as instructions_demo
from .places import demo as places_demo
from .reports import demo as reports_demo
from .representatives import demo as representatives_demo
from .response_plans import demo as response_plans_demo
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

# Facts of the demo incidents, the same in either language; their texts follow.
FACTS = [
    dict(kind="mass_incident", category="wage_arrears", headcount=300, level="II"),
    dict(kind="petition", category="land_acquisition", headcount=25, level="III"),
    dict(kind="petition", category="environmental_pollution", headcount=12, level="IV"),
    dict(kind="mass_incident", category="historical_legacy", headcount=80, level="III"),
]
FACTS = [{**facts, **places_demo.coordinates(place)} for facts, place in zip(FACTS, places_demo.INCIDENT_PLACES)]
# (title, location, demands) as a county office would write them, in each language.
TEXTS = {
    "zh": [
        ("县纺织厂三百余名下岗职工到县政府门前聚集讨薪", "县政府东门",
         "要求补发拖欠的八个月工资，补缴拖欠的社会保险费。"),
        ("河西村二十余名村民集体访反映征地补偿问题", "县信访局接待大厅",
         "要求按已公布的标准兑现被征收耕地的补偿款。"),
        ("新河村群众反映化工园区异味扰民", "西乡镇新河村",
         "要求对化工园区排污情况进行检测，并向群众公开结果。"),
        ("滨江花园购房户到售楼处聚集要求交房办证", "滨江路滨江花园售楼处",
         "房屋逾期两年未交付，要求尽快交房并办理不动产权证书。"),
    ],
    "en": [
        ("Laid-off workers of the county textile mill at the government gate", "County government east gate",
         "Eight months of unpaid wages; social insurance contributions owed."),
        ("Villagers of Hexi ask about land compensation", "Letters and Visits reception hall",
         "Compensation for requisitioned farmland at the published rate."),
        ("Residents report odour from the chemical park", "West Township, Xinhe village",
         "Inspect the discharge of the chemical park; publish the results."),
        ("Home buyers gather at the Riverside Garden sales office", "Riverside Garden, Binjiang Road",
         "Delivery of flats overdue by two years; property certificates."),
    ],
}
FIRST_RESPONSE = {"zh": "公安局、人社局人员已赶赴现场。", "en": "Public Security and HRSS on the way."}
# (username, role, unit code, name, Chinese name); one liaison per non-CC unit follows.
PEOPLE = [("duty", "command", "CC", "Duty Officer Wang", "值班员王立新"),
          ("leader", "leader", None, "Deputy County Head Li", "李建华副县长"),
          ("admin", "admin", None, "System Administrator", "系统管理员")]


def demo_incidents() -> list[dict]:
    """The demo incidents' fields (without `occurred_at`) in DISPATCH_DEMO_LANGUAGE."""
    return [{**facts, "title": title, "location": location, "demands": demands}
            for facts, (title, location, demands) in zip(FACTS, in_demo_language(TEXTS))]


def is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Unit)) == 0


def seed_units_and_users(password_hash: str | None = None) -> None:
    """The units of API.md and one user per role (one liaison per non-CC unit)."""
    units = {code: Unit(code=code, kind=kind, name=name, name_zh=name_zh) for code, kind, name, name_zh in UNITS}
    db.session.add_all(units.values())
    db.session.flush()
    password_hash = password_hash or auth.hash_password(DEMO_PASSWORD)
    people = PEOPLE + [(code.lower(), "liaison", code, f"{name} liaison", f"{name_zh}联络员")
                       for code, _kind, name, name_zh in UNITS[1:]]
    for username, role, unit_code, display_name, display_name_zh in people:
        db.session.add(User(username=username, role=role, display_name=display_name, display_name_zh=display_name_zh,
                            active=True, unit_id=units[unit_code].id if unit_code else None,
                            password_hash=password_hash))
    db.session.commit()


def load_demo() -> None:
    seed_units_and_users()
    places_demo.seed()
    duty = db.session.scalar(select(User).where(User.username == "duty"))
    now = utcnow()
    registered = []
    for hours_ago, data in zip((3, 26, 50, 6), demo_incidents()):
        registered.append(incidents.register_incident(
            actor=duty, data={**data, "occurred_at": now - timedelta(hours=hours_ago)}))
    incidents.transition_incident(actor=duty, incident_id=registered[0].id, action="respond",
                                  note=in_demo_language(FIRST_RESPONSE))
    incidents.update_incident(actor=duty, incident_id=registered[0].id, version=registered[0].version,
                              changes={"headcount": 320})
    for area in (duty_demo, representatives_demo, tasks_demo, instructions_demo, hidden_dangers_demo, reports_demo,
                 response_plans_demo):
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
