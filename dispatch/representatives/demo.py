"""Demo representatives for the demo incidents (API.md, "Demo data").

The identity numbers are synthetic (valid check digits, real county codes and
dates); one person speaks for two incidents, so a repeat petition shows.
"""
from __future__ import annotations

from . import service

# (index into the demo incidents, name, identity number, phone, note); older incidents first.
REPRESENTATIVES = [
    (1, "Chen Jianguo", "310101195803121234", "13812345678", "Village elder, elected speaker"),
    (1, "Zhao Min", "110105197505150026", "13900001111", "Keeps the list of households"),
    (0, "Zhang Wei", "440306199212310455", "15857123456", "Elected speaker of the workers"),
    (0, "Liu Fang", "330106198808083213", None, "Accounts clerk of the mill"),
    (0, "Chen Jianguo", "310101195803121234", "13812345678", "Also a laid-off worker of the mill"),
    (3, "Sun Li", "31010119800101123X", "18612340000", "Chair of the home buyers' group"),
]


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    for index, name, id_number, phone, note in REPRESENTATIVES:
        service.add_representative(actor=duty, incident_id=incidents[index].id,
                                   data={"name": name, "id_number": id_number, "phone": phone, "note": note})
