"""Demo hidden dangers (API.md, "Demo data"): four across units, one at high risk, one resolved.

The identity numbers are synthetic (valid check digits, real county codes and
dates); texts are written in DISPATCH_DEMO_LANGUAGE.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import coordination
from ..auth.models import Unit, User
from ..db import db
from ..demo_language import in_demo_language
from ..places import demo as places
from . import service

# (recording user, unit code, category, people affected, risk, key persons' (identity number, phone))
FACTS = [
    ("twn-e", "TWN-E", "land_acquisition", 46, "medium", [("330106196702142714", "13905710001")]),
    ("hrss", "HRSS", "wage_arrears", 63, "medium", [("330102198505063025", None)]),
    ("ee", "EE", "environmental_pollution", 120, "low", []),
    ("duty", "TWN-W", "historical_legacy", 210, "medium", [("33010619720930151X", "13805710022")]),
]
# (title, location, description, key persons' names, visits as (user, note, risk after)) in each language
TEXTS = {
    "zh": [
        ("清水村二期征地补偿款分配方案引发村民不满", "东乡镇清水村村委会",
         "二期征地补偿款按人口还是按承包地面积分配争议较大，部分村民扬言到县里集体上访。",
         ["王建国"], [("twn-e", "入户走访十二户，群众情绪较为激动，已有人联系包车。", "high")]),
        ("某建筑公司拖欠农民工工资", "县城北工业园区三号工地",
         "总包方称工程款未结清，六十余名农民工工资拖欠三个月，临近春节矛盾可能激化。",
         ["周海峰"], [("hrss", "已约谈总包方，承诺本月二十日前先行支付一半。", "medium")]),
        ("养殖场粪污排放影响下游村庄", "生态环境局辖区新河上游",
         "群众反映夏季异味明显，河水发黑。", [], [("ee", "已督促养殖场完成粪污处理设施改造，复测达标。", "low")]),
        ("两村山林权属历史纠纷", "西乡镇上湾村、下湾村交界",
         "两村对交界处山林权属各执一词，近期因砍伐问题发生口角。", ["钱永昌"], []),
    ],
    "en": [
        ("Villagers dispute the second-phase land compensation plan in Qingshui", "Qingshui village committee, East Township",
         "Whether compensation is shared by household size or by contracted land divides the village; some talk of "
         "petitioning the county as a group.",
         ["Wang Jianguo"], [("twn-e", "Visited twelve households; tempers are high and a coach has been asked about.",
                             "high")]),
        ("Construction firm owes migrant workers their wages", "Site 3, North Industrial Park",
         "The main contractor says it has not been paid; sixty workers are three months unpaid before the New Year.",
         ["Zhou Haifeng"], [("hrss", "Met the contractor: half to be paid by the 20th.", "medium")]),
        ("Pig farm effluent reaches villages downstream", "Upper Xinhe river",
         "Residents report a strong smell in summer and dark water.", [],
         [("ee", "The farm rebuilt its effluent treatment; the water tests within limits again.", "low")]),
        ("Two villages' old dispute over a hillside forest", "Border of Shangwan and Xiawan, West Township",
         "Each village claims the forest on the border; felling led to a quarrel recently.", ["Qian Yongchang"], []),
    ],
}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _unit(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    for (username, unit, category, people, risk, persons), (title, location, description, names, visits), place in zip(
            FACTS, in_demo_language(TEXTS), places.HIDDEN_DANGER_PLACES):
        danger = coordination.record_hidden_danger(actor=_user(username), data={
            **places.coordinates(place),
            "title": title, "category": category, "location": location, "unit_id": _unit(unit),
            "people_affected": people, "risk": risk, "description": description,
            "persons": [{"name": name, "id_number": number, "phone": phone}
                        for name, (number, phone) in zip(names, persons)]})
        for visitor, note, after in visits:
            service.record_visit(actor=_user(visitor), hidden_danger_id=danger.id, note=note, risk=after)
        if category == "environmental_pollution":
            service.transition_hidden_danger(actor=duty, hidden_danger_id=danger.id, action="resolve")
