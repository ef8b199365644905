"""A demo situation report: the initial report of the first demo incident, as command would publish it."""
from __future__ import annotations

from .. import coordination
from ..auth.models import User
from ..demo_language import in_demo_language

SUMMARY = {
    "zh": "县纺织厂下岗职工三百余人在县政府东门聚集，要求补发拖欠工资和社保。现场秩序总体可控，"
          "公安、人社、信访等部门已到场处置，职工已推选代表。",
    "en": "Over three hundred laid-off textile workers gathered at the county government's east gate, asking for "
          "their unpaid wages and social insurance. The scene is under control; police, human resources and "
          "letters-and-visits staff are there, and the workers have chosen representatives.",
}
NEXT_STEPS = {
    "zh": "人社局今日内公布欠薪核实数额；信访局组织代表对话；公安局继续维护东门道路畅通。情况变化随时续报。",
    "en": "Human resources publishes the verified arrears today; letters and visits meets the representatives; "
          "the police keep the east gate road open. A follow-up report as things change.",
}


def seed(duty: User, incidents) -> None:
    """Called by dispatch.demo.load_demo after the other areas' demo data."""
    coordination.publish_report(actor=duty, incident_id=incidents[0].id, kind="initial",
                                summary=in_demo_language(SUMMARY), next_steps=in_demo_language(NEXT_STEPS))
