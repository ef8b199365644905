"""Demo representatives for the demo incidents (API.md, "Demo data").

The identity numbers are synthetic (valid check digits, real county codes and
dates); one person speaks for two incidents, so a repeat petition shows. Names
and notes are written in DISPATCH_DEMO_LANGUAGE.
"""
from __future__ import annotations

from .. import coordination
from ..demo_language import in_demo_language

# (index into the demo incidents, identity number, phone); older incidents first.
PEOPLE = [
    (1, "310101195803121234", "13812345678"),
    (1, "110105197505150026", "13900001111"),
    (0, "440306199212310455", "15857123456"),
    (0, "330106198808083213", None),
    (0, "310101195803121234", "13812345678"),
    (3, "31010119800101123X", "18612340000"),
]
# (name, note) for each of PEOPLE, in each language.
WORDS = {
    "zh": [("陈建国", "村里老党员，群众推选的发言人"), ("赵敏", "负责登记涉及农户名单"),
           ("张伟", "职工推选的发言人"), ("刘芳", "原纺织厂会计"), ("陈建国", "也是纺织厂下岗职工"),
           ("孙丽", "购房户维权小组召集人")],
    "en": [("Chen Jianguo", "Village elder, elected speaker"), ("Zhao Min", "Keeps the list of households"),
           ("Zhang Wei", "Elected speaker of the workers"), ("Liu Fang", "Accounts clerk of the mill"),
           ("Chen Jianguo", "Also a laid-off worker of the mill"), ("Sun Li", "Chair of the home buyers' group")],
}


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    for (index, id_number, phone), (name, note) in zip(PEOPLE, in_demo_language(WORDS)):
        coordination.add_representative(actor=duty, incident_id=incidents[index].id,
                                   data={"name": name, "id_number": id_number, "phone": phone, "note": note})
