"""Demo response plans (API.md, "Demo data"): wage arrears, land acquisition and environmental pollution, each
for levels I, II and III. A more severe level brings in more units and shorter time limits.

Texts are written in DISPATCH_DEMO_LANGUAGE.
"""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import Unit
from ..db import db
from ..demo_language import in_demo_language
from . import service

LEVELS = ("I", "II", "III")
# per category, its standard tasks: (text key, lead unit, co-handling units, the least severe level it is
# dispatched at, minutes allowed at I/II/III, priority at I/II/III)
TASKS = {
    "wage_arrears": [
        ("verify", "HRSS", ("JUS",), "III", (60, 120, 240), ("urgent", "high", "high")),
        ("receive", "LVB", (), "III", (30, 60, 120), ("urgent", "high", "normal")),
        ("order", "PSB", (), "III", (20, 45, 90), ("urgent", "high", "normal")),
        ("legal_aid", "JUS", (), "II", (120, 240, 0), ("high", "normal", "normal")),
        ("project", "HURD", ("HRSS",), "I", (90, 0, 0), ("urgent", "high", "high")),
        ("medical", "HLTH", (), "I", (30, 0, 0), ("high", "normal", "normal")),
    ],
    "land_acquisition": [
        ("policy", "NR", ("TWN-E",), "III", (60, 120, 240), ("urgent", "high", "high")),
        ("township", "TWN-E", (), "III", (30, 60, 120), ("urgent", "high", "normal")),
        ("receive", "LVB", (), "III", (30, 60, 120), ("urgent", "high", "normal")),
        ("order", "PSB", (), "II", (20, 45, 0), ("urgent", "high", "normal")),
        ("demolition", "HURD", ("NR",), "II", (60, 120, 0), ("urgent", "high", "normal")),
        ("mediation", "JUS", (), "I", (120, 0, 0), ("high", "normal", "normal")),
        ("medical", "HLTH", (), "I", (30, 0, 0), ("high", "normal", "normal")),
    ],
    "environmental_pollution": [
        ("monitor", "EE", (), "III", (60, 180, 360), ("urgent", "high", "high")),
        ("township", "TWN-W", (), "III", (30, 60, 120), ("urgent", "high", "normal")),
        ("receive", "LVB", (), "III", (30, 60, 120), ("urgent", "high", "normal")),
        ("health", "HLTH", (), "II", (60, 180, 0), ("urgent", "high", "normal")),
        ("order", "PSB", (), "II", (20, 45, 0), ("urgent", "high", "normal")),
        ("stop_plant", "EM", ("EE",), "I", (45, 0, 0), ("urgent", "high", "high")),
    ],
}
# (title, instructions) by text key, and the plans' names, in each language
TEXTS = {
    "zh": {
        "verify": ("核实欠薪情况并约谈用工单位", "调取劳动合同和工资台账，约谈用工单位负责人，提出工资支付方案。"),
        "receive": ("接待群众代表并登记诉求", "引导群众选派代表（不超过五人）到接待场所，逐项登记诉求，做好解释疏导。"),
        "order": ("维护现场秩序", "在现场周边部署警力，疏导交通，防止过激行为和事态扩大。"),
        "legal_aid": ("提供法律援助", "为农民工开通法律援助绿色通道，引导群众依法维权。"),
        "project": ("核查工程款拨付和工资保证金", "核查在建项目工程款拨付和农民工工资保证金，督促总包单位先行垫付。"),
        "medical": ("安排医疗救护力量待命", "在现场附近安排救护车和医护人员待命，随时处置突发伤病。"),
        "policy": ("解释征地补偿政策并核对补偿标准", "向群众代表说明征地批复和补偿标准，逐户核对补偿款发放情况。"),
        "township": ("乡镇包户走访做好群众工作", "乡镇干部包户走访，摸清诉求，劝导群众依法理性表达。"),
        "demolition": ("暂停争议地块拆迁作业", "核查拆迁程序是否合法，争议地块暂停作业，防止矛盾激化。"),
        "mediation": ("组织人民调解", "组织人民调解员和律师参与调处，提出依法解决方案。"),
        "monitor": ("开展环境监测并公开结果", "对排污口及周边水体、空气采样监测，及时向群众公开监测结果。"),
        "health": ("排查群众健康状况", "组织医务人员入村巡诊，排查污染对群众健康的影响。"),
        "stop_plant": ("督促涉事企业停产排查隐患", "督促涉事企业停产整改，排查危险化学品安全隐患。"),
    },
    "en": {
        "verify": ("Verify the arrears and summon the employer",
                   "Obtain the contracts and payroll, summon the employer's head, propose how the wages are paid."),
        "receive": ("Receive the representatives and record the demands",
                    "Ask the group to choose representatives (at most five), record each demand at the reception room."),
        "order": ("Keep order at the scene", "Deploy officers around the scene, keep traffic moving, prevent escalation."),
        "legal_aid": ("Offer legal aid", "Open a fast lane to legal aid for the workers; guide them to lawful claims."),
        "project": ("Check project payments and the wage deposit",
                    "Check the project's payments and the wage deposit; press the main contractor to advance the wages."),
        "medical": ("Have medical teams on standby", "An ambulance and medical staff on standby near the scene."),
        "policy": ("Explain the compensation policy and check the rates",
                   "Explain the land approval and the rates to the representatives; check what each household was paid."),
        "township": ("Township officials visit the households",
                     "Visit each household, learn the demands, urge lawful and calm expression."),
        "demolition": ("Halt demolition on the disputed plots",
                       "Check the demolition procedure; stop work on disputed plots so tempers do not rise."),
        "mediation": ("Organise mediation", "Bring in people's mediators and lawyers; propose a lawful settlement."),
        "monitor": ("Monitor the pollution and publish the results",
                    "Sample the outfalls, the water and the air around; publish the results to the residents."),
        "health": ("Check residents' health", "Send medical staff to the village to see whether health is affected."),
        "stop_plant": ("Have the plant stop and check its hazards",
                       "Have the plant stop production; check its hazardous chemicals for safety risks."),
    },
}
NAMES = {
    "zh": {"wage_arrears": "欠薪", "land_acquisition": "征地拆迁", "environmental_pollution": "环境污染",
           "I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "pattern": "{category}群体性事件{level}响应预案"},
    "en": {"wage_arrears": "Wage arrears", "land_acquisition": "Land acquisition", "environmental_pollution":
           "Environmental pollution", "I": "I", "II": "II", "III": "III", "pattern": "{category}: level {level} response"},
}


def plans() -> list[dict]:
    """The nine plans as the API takes them, units by code (resolved to ids by `seed`)."""
    texts, names = in_demo_language(TEXTS), in_demo_language(NAMES)
    out = []
    for category, rows in TASKS.items():
        for index, level in enumerate(LEVELS):
            tasks = [{"unit_id": unit, "co_unit_ids": list(co_units), "title": texts[key][0],
                      "instructions": texts[key][1], "priority": priorities[index], "due_in_minutes": minutes[index]}
                     for key, unit, co_units, least, minutes, priorities in rows
                     if LEVELS.index(level) <= LEVELS.index(least)]
            out.append({"name": names["pattern"].format(category=names[category], level=names[level]),
                        "category": category, "levels": [level], "tasks": tasks})
    return out


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer (the plans are command's)."""
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    for plan in plans():
        for task in plan["tasks"]:
            task["unit_id"] = units[task["unit_id"]]
            task["co_unit_ids"] = [units[code] for code in task["co_unit_ids"]]
        service.create_response_plan(actor=duty, data=plan)
