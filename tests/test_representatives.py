"""Representatives and persons through the API: cap, duplicates, repeat petitions, reveal, removal."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch import personal_data
from dispatch.auth.models import User
from dispatch.db import db, utcnow
from dispatch.board import service as board
from dispatch.demo import demo_incidents
from dispatch.incidents import service as incidents_service
from dispatch.representatives import demo as representatives_demo
from dispatch.representatives.models import Person

from .support import incident_payload

# Synthetic resident identity numbers: valid check digits, real county codes and birth dates.
CHEN = "310101195803121234"
ZHAO = "110105197505150026"
OTHERS = ["440306199212310455", "330106198808083213", "31010119800101123X", "31010119800101000X",
          "110105197505150018", "440306199212310439"]
PHONE = "13812345678"


def register(duty, **overrides) -> dict:
    response = duty.post("/api/incidents", json=incident_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add(duty, incident_id, id_number=CHEN, expect=201, **fields) -> dict:
    body = {"name": "Chen Jianguo", "id_number": id_number, **fields}
    response = duty.post(f"/api/incidents/{incident_id}/representatives", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def state(duty, incident_id) -> tuple:
    """What a refused request must leave alone: the log, the representatives, the incident."""
    return (duty.get("/api/events").get_json()["last_seq"],
            duty.get(f"/api/incidents/{incident_id}/representatives").get_json(),
            duty.get(f"/api/incidents/{incident_id}").get_json())


def events_of(duty, type_) -> list[dict]:
    return [e for e in duty.get("/api/events").get_json()["items"] if e["type"] == type_]


def lookup(duty, id_number) -> dict:
    response = duty.get("/api/persons", query_string={"id_number": id_number})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_duty_adds_a_representative_and_sees_only_masked_numbers(duty):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE, address="Hexi village 3", note="Elected speaker")
    assert {k: rep[k] for k in ("name", "id_number", "phone", "note", "repeat_of")} == {
        "name": "Chen Jianguo", "id_number": "3101**********1234", "phone": "138****5678",
        "note": "Elected speaker", "repeat_of": []}
    assert isinstance(rep["id"], int) and isinstance(rep["person_id"], int)
    assert rep["repeat_count"] == 0 and rep["earlier_incidents"] == []
    listed = duty.get(f"/api/incidents/{incident['id']}/representatives").get_json()
    assert listed == {"items": [rep], "total": 1}
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["representatives"] == [rep]
    [event] = events_of(duty, "representative.added")
    assert event["incident_id"] == incident["id"] and event["actor"]["role"] == "command"
    assert event["data"]["representative"] == rep and event["data"]["repeat"] is False


def genuine(region: str, born: str, serial: str = "123") -> str:
    """A resident identity number as issued: region code, birth date, serial and its check digit."""
    body = region + born + serial
    return body + personal_data.ric.calc_check_digit(body + "0")


# Older petitioners, the cohort of most group petitions: the county code is the one the card was
# issued under, which may be newer than the holder or retired since.
OLDER_PETITIONERS = [
    ("330102", "19700315", "杭州 上城区, born 1970"),
    ("310115", "19850620", "上海 浦东新区 (code from 1992), born 1985"),
    ("310115", "19380101", "上海 浦东新区, born 1938"),
    ("110103", "19560101", "北京 崇文区 (retired 2010), born 1956"),
    ("440305", "19621111", "深圳 南山区 (created 1990), born 1962"),
    ("500101", "19720707", "重庆 万州区 (Chongqing a municipality from 1997), born 1972"),
    ("460105", "19800101", "海口 秀英区 (Hainan a province from 1988), born 1980"),
    ("510108", "19480808", "成都 成华区, born 1948"),
    ("420106", "19671001", "武汉 武昌区, born 1967"),
    ("210102", "19590505", "沈阳 和平区, born 1959"),
    ("370102", "19750202", "济南 历下区, born 1975"),
    ("650102", "19661212", "乌鲁木齐 天山区, born 1966"),
    ("320583", "19541030", "昆山市 (a city from 1989), born 1954"),
]


@pytest.mark.parametrize("region,born,who", OLDER_PETITIONERS, ids=[who for _, _, who in OLDER_PETITIONERS])
def test_a_genuine_number_of_an_older_petitioner_is_accepted(duty, region, born, who):
    incident = register(duty)
    number = genuine(region, born)
    rep = add(duty, incident["id"], number)
    assert rep["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert lookup(duty, number)["total"] == 1


def test_an_x_check_digit_in_lower_case_is_the_same_person(duty):
    number = next(n for n in (genuine("330102", "19700315", f"{s:03d}") for s in range(1000)) if n.endswith("X"))
    first, second = register(duty), register(duty)
    add(duty, first["id"], number)
    assert add(duty, second["id"], number.lower())["repeat_of"] == [first["id"]]


@pytest.mark.parametrize("body,field", [
    ({"id_number": "310101195803121230"}, "id_number"),   # wrong check digit
    ({"id_number": "31010119580312123"}, "id_number"),    # 17 characters
    ({"id_number": "3101011958031212345"}, "id_number"),  # 19 characters
    ({"id_number": "310101198002301239"}, "id_number"),   # 30 February
    ({"id_number": "310101209901011236"}, "id_number"),   # born in the future
    ({"id_number": "000000198001011235"}, "id_number"),   # no such province
    ({"id_number": genuine("990101", "19800101")}, "id_number"),  # no such province, checksum right
    ({"id_number": "3101011958O312123A"}, "id_number"),   # letters
    ({"id_number": 310101195803121234}, "id_number"),     # not a string
    ({"id_number": None}, "id_number"),
    ({"id_number": "1" * 5000}, "id_number"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "not a phone"}, "phone"),
    ({"name": "  "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"note": "x" * 501}, "note"),
    ({"unexpected": "x"}, "unexpected"),
])
def test_bad_representative_fields_are_422_naming_the_field_and_change_nothing(duty, body, field):
    incident = register(duty)
    before = state(duty, incident["id"])
    response = duty.post(f"/api/incidents/{incident['id']}/representatives",
                         json={"name": "Chen Jianguo", "id_number": CHEN, **body})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert state(duty, incident["id"]) == before
    assert lookup(duty, CHEN)["total"] == 0


def test_a_missing_id_number_or_name_is_422_naming_it(duty):
    incident = register(duty)
    response = duty.post(f"/api/incidents/{incident['id']}/representatives", json={})
    assert response.status_code == 422
    assert {"name", "id_number"} <= set(response.get_json()["error"]["fields"])


def test_lowercase_check_digit_and_spaced_phone_are_the_same_person(duty):
    first, second = register(duty), register(duty)
    one = add(duty, first["id"], id_number="31010119800101123X", phone="+86 138 1234 5678")
    other = add(duty, second["id"], id_number="31010119800101123x")
    assert one["person_id"] == other["person_id"]
    assert one["phone"] == "138****5678"


@pytest.mark.parametrize("username", ["psb", "leader", "admin", None])
def test_only_command_adds_removes_looks_up_and_reveals(client_for, duty, username):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE)
    before = state(duty, incident["id"])
    other = client_for(username)
    expected = 403 if username else 401
    attempts = [
        other.post(f"/api/incidents/{incident['id']}/representatives", json={"name": "Zhao Min", "id_number": ZHAO}),
        other.delete(f"/api/representatives/{rep['id']}"),
        other.get("/api/persons", query_string={"id_number": CHEN}),
        other.get(f"/api/persons/{rep['person_id']}"),
        other.post(f"/api/persons/{rep['person_id']}/reveal", json={"reason": "curious"}),
    ]
    assert [response.status_code for response in attempts] == [expected] * len(attempts)
    assert state(duty, incident["id"]) == before
    assert lookup(duty, ZHAO)["total"] == 0


@pytest.mark.parametrize("username", ["psb", "leader", "admin"])
def test_every_signed_in_user_reads_an_incidents_representatives(client_for, duty, username):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE)
    assert client_for(username).get(f"/api/incidents/{incident['id']}/representatives").get_json() == {
        "items": [rep], "total": 1}


@pytest.mark.parametrize("method,path,body", [
    ("post", "/api/incidents/999/representatives", {"name": "Chen Jianguo", "id_number": CHEN}),
    ("get", "/api/incidents/999/representatives", None),
    ("delete", "/api/representatives/999", None),
    ("get", "/api/persons/999", None),
    ("post", "/api/persons/999/reveal", {"reason": "callback"}),
])
def test_missing_things_are_404_and_change_nothing(duty, method, path, body):
    before = duty.get("/api/events").get_json()["last_seq"]
    response = getattr(duty, method)(path, **({"json": body} if body is not None else {}))
    assert response.status_code == 404
    assert duty.get("/api/events").get_json()["last_seq"] == before
    assert lookup(duty, CHEN)["total"] == 0


@pytest.mark.parametrize("cap", [5, 2])
def test_one_over_the_cap_is_422_and_changes_nothing(app, duty, cap, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_REPRESENTATIVES", cap)
    incident = register(duty)
    for number in OTHERS[:cap]:
        add(duty, incident["id"], id_number=number)
    before = state(duty, incident["id"])
    response = duty.post(f"/api/incidents/{incident['id']}/representatives",
                         json={"name": "Zhao Min", "id_number": ZHAO})
    assert response.status_code == 422
    assert "representatives" in response.get_json()["error"]["fields"]
    assert state(duty, incident["id"]) == before
    assert lookup(duty, ZHAO)["total"] == 0


def test_the_same_person_twice_on_one_incident_is_409_and_changes_nothing(duty):
    incident = register(duty)
    add(duty, incident["id"], phone=PHONE)
    before = state(duty, incident["id"])
    response = duty.post(f"/api/incidents/{incident['id']}/representatives",
                         json={"name": "Chen J.", "id_number": CHEN, "phone": "13900001111"})
    assert response.status_code == 409
    assert state(duty, incident["id"]) == before
    assert lookup(duty, CHEN)["items"][0]["phone"] == "138****5678"  # the refused details were not kept


def test_a_repeat_petition_links_the_incidents_and_the_event_says_so(duty):
    first = register(duty, occurred_at="2026-10-01T09:00:00+08:00", title="First visit")
    second = register(duty, occurred_at="2026-11-01T09:00:00+08:00", title="Second visit")
    original = add(duty, first["id"], phone=PHONE)
    repeat = add(duty, second["id"])
    assert repeat["person_id"] == original["person_id"]
    assert repeat["repeat_of"] == [first["id"]] and repeat["repeat_count"] == 1
    assert repeat["earlier_incidents"] == [{"id": first["id"], "ref": first["ref"], "title": "First visit"}]
    assert duty.get(f"/api/incidents/{second['id']}").get_json()["repeat_of"] == first["id"]
    assert duty.get(f"/api/incidents/{first['id']}").get_json()["repeat_of"] is None
    repeats = duty.get("/api/incidents", query_string={"repeat": "true"}).get_json()
    assert [i["id"] for i in repeats["items"]] == [second["id"]]
    event = events_of(duty, "representative.added")[-1]
    assert event["data"]["repeat"] is True and event["data"]["repeat_of"] == [first["id"]]
    assert event["data"]["representative"] == repeat
    assert event["data"]["incident"]["repeat_of"] == first["id"]


def test_earlier_incidents_are_listed_newest_first_and_one_person_is_one_row(app, duty):
    made = [register(duty, occurred_at=f"2026-{month:02d}-01T09:00:00+08:00") for month in range(5, 12)]
    for incident in made:
        add(duty, incident["id"])
    latest = duty.get(f"/api/incidents/{made[-1]['id']}/representatives").get_json()["items"][0]
    earlier_ids = [m["id"] for m in reversed(made[:-1])]
    assert latest["repeat_of"] == earlier_ids and latest["repeat_count"] == 6
    assert [i["id"] for i in latest["earlier_incidents"]] == earlier_ids[:5]  # a short list to show
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    person = duty.get(f"/api/persons/{latest['person_id']}").get_json()
    assert [i["id"] for i in person["incidents"]] == [m["id"] for m in reversed(made)]
    assert person["incident_count"] == 7 and person["id_number"] == "3101**********1234"


def test_recording_an_older_incident_later_links_the_newer_one_to_it(duty):
    newer = register(duty, occurred_at="2026-11-01T09:00:00+08:00")
    older = register(duty, occurred_at="2026-09-01T09:00:00+08:00")
    assert add(duty, newer["id"])["repeat_of"] == []
    assert add(duty, older["id"])["repeat_of"] == []
    assert duty.get(f"/api/incidents/{newer['id']}").get_json()["repeat_of"] == older["id"]
    assert duty.get(f"/api/incidents/{older['id']}").get_json()["repeat_of"] is None
    event = events_of(duty, "representative.added")[-1]
    assert [i["id"] for i in event["data"]["relinked"]] == [newer["id"]]


def test_removing_a_representative_keeps_the_person_and_unlinks_the_repeat(duty):
    first = register(duty, occurred_at="2026-10-01T09:00:00+08:00")
    second = register(duty, occurred_at="2026-11-01T09:00:00+08:00")
    original = add(duty, first["id"])
    add(duty, second["id"])
    assert duty.delete(f"/api/representatives/{original['id']}").status_code == 204
    assert duty.get(f"/api/incidents/{first['id']}/representatives").get_json() == {"items": [], "total": 0}
    assert duty.get(f"/api/incidents/{second['id']}").get_json()["repeat_of"] is None
    assert duty.get("/api/incidents", query_string={"repeat": "true"}).get_json()["total"] == 0
    person = duty.get(f"/api/persons/{original['person_id']}").get_json()
    assert [i["id"] for i in person["incidents"]] == [second["id"]]
    [event] = events_of(duty, "representative.removed")
    assert event["incident_id"] == first["id"] and event["data"]["representative"]["id"] == original["id"]
    assert event["data"]["representative"]["id_number"] == "3101**********1234"
    before = duty.get("/api/events").get_json()["last_seq"]
    assert duty.delete(f"/api/representatives/{original['id']}").status_code == 404
    assert duty.get("/api/events").get_json()["last_seq"] == before
    assert add(duty, first["id"])["person_id"] == original["person_id"]  # may come back


def test_look_up_by_identity_number_finds_the_person_with_their_incidents(duty):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE)
    found = lookup(duty, CHEN)
    assert found["total"] == 1 and found["items"][0]["id"] == rep["person_id"]
    assert found["items"][0]["incidents"][0]["id"] == incident["id"]
    assert lookup(duty, ZHAO) == {"items": [], "total": 0}
    bad = duty.get("/api/persons", query_string={"id_number": "310101195803121230"})
    assert bad.status_code == 422 and "id_number" in bad.get_json()["error"]["fields"]
    assert "id_number" in duty.get("/api/persons").get_json()["error"]["fields"]


def test_reads_and_look_ups_never_decrypt(duty, monkeypatch):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE)

    def refuse(*args, **kwargs):
        raise AssertionError("decrypted while reading")

    monkeypatch.setattr(personal_data, "decrypt", refuse)
    for path in (f"/api/incidents/{incident['id']}", f"/api/incidents/{incident['id']}/representatives",
                 f"/api/persons/{rep['person_id']}", f"/api/persons?id_number={CHEN}"):
        assert duty.get(path).status_code == 200, path
    add(duty, register(duty)["id"])  # a repeat is found by the keyed hash alone


def test_reveal_answers_the_full_numbers_and_logs_who_and_why_never_the_number(duty):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE, address="Hexi village 3")
    response = duty.post(f"/api/persons/{rep['person_id']}/reveal", json={"reason": "Call back about the meeting"})
    assert response.status_code == 200
    assert response.get_json() == {"id_number": CHEN, "phone": PHONE, "address": "Hexi village 3"}
    [event] = events_of(duty, "person.revealed")
    assert event["actor"]["name"] == duty.user["display_name"] and event["actor"]["role"] == "command"
    assert event["data"]["reason"] == "Call back about the meeting"
    assert event["data"]["person"]["id"] == rep["person_id"]
    assert CHEN not in str(event) and PHONE not in str(event)


def test_a_reveal_made_from_an_incident_shows_on_that_incidents_timeline(duty):
    incident, unrelated = register(duty), register(duty)
    rep = add(duty, incident["id"])
    before = duty.get("/api/events").get_json()["last_seq"]
    refused = duty.post(f"/api/persons/{rep['person_id']}/reveal",
                        json={"reason": "Check the roster", "incident_id": unrelated["id"]})
    assert refused.status_code == 422 and "incident_id" in refused.get_json()["error"]["fields"]
    assert CHEN not in refused.get_data(as_text=True)
    assert duty.get("/api/events").get_json()["last_seq"] == before
    response = duty.post(f"/api/persons/{rep['person_id']}/reveal",
                         json={"reason": "Check the roster", "incident_id": incident["id"]})
    assert response.status_code == 200
    timeline = duty.get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]
    assert timeline[-1]["type"] == "person.revealed" and timeline[-1]["data"]["reason"] == "Check the roster"
    assert CHEN not in str(timeline)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}, {"reason": "x" * 501}])
def test_reveal_without_a_reason_is_422_naming_reason_and_reveals_nothing(duty, body):
    incident = register(duty)
    rep = add(duty, incident["id"], phone=PHONE)
    before = duty.get("/api/events").get_json()["last_seq"]
    response = duty.post(f"/api/persons/{rep['person_id']}/reveal", json=body)
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["fields"]
    assert CHEN not in response.get_data(as_text=True)
    assert duty.get("/api/events").get_json()["last_seq"] == before


def _concurrently(app, calls) -> list[int]:
    """Run each call(client) in its own thread at once; return the status codes."""
    from .support import ApiClient

    clients = [ApiClient(app.test_client(), "duty") for _ in calls]
    start, codes = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index):
        start.wait()
        codes[index] = calls[index](clients[index]).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return codes


def test_concurrent_adds_never_pass_the_cap(app, duty, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_REPRESENTATIVES", 3)
    incident = register(duty)
    path = f"/api/incidents/{incident['id']}/representatives"
    calls = [lambda c, n=n: c.post(path, json={"name": "Someone", "id_number": n}) for n in OTHERS]
    codes = _concurrently(app, calls)
    assert sorted(codes) == [201] * 3 + [422] * 3
    assert duty.get(path).get_json()["total"] == 3


def test_the_same_new_person_added_concurrently_to_two_incidents_is_one_person(app, duty):
    made = [register(duty) for _ in range(4)]
    calls = [lambda c, i=i: c.post(f"/api/incidents/{i['id']}/representatives",
                                   json={"name": "Chen Jianguo", "id_number": CHEN}) for i in made]
    assert _concurrently(app, calls) == [201] * 4
    found = lookup(duty, CHEN)
    assert found["total"] == 1 and found["items"][0]["incident_count"] == 4
    assert duty.get("/api/incidents", query_string={"repeat": "true"}).get_json()["total"] == 3


def test_demo_representatives_include_a_repeat_petition(ctx, demo_language):
    duty = db.session.scalar(select(User).where(User.username == "duty"))
    now = utcnow()
    made = [incidents_service.register_incident(actor=duty, data={**data, "occurred_at": now - timedelta(hours=h)})
            for h, data in zip((3, 26, 50, 6), demo_incidents())]
    representatives_demo.seed(duty, made)
    db.session.remove()
    repeats = [i for i in board.list_incidents(actor=duty, filters={"repeat": True, "limit": 50,
                                                                             "offset": 0})[0]]
    assert [i.id for i in repeats] == [made[0].id] and repeats[0].incident.repeat_of_id == made[1].id
    assert db.session.scalar(select(func.count()).select_from(Person)) == 5


def test_concurrent_changes_to_people_sharing_incidents_all_succeed(app, duty):
    shared = [register(duty, occurred_at=f"2026-0{month}-01T09:00:00+08:00") for month in (1, 2)]
    links = {(person, i["id"]): add(duty, i["id"], id_number=person) for person in (CHEN, ZHAO) for i in shared}
    fresh = [register(duty, occurred_at=f"2026-0{month}-01T09:00:00+08:00") for month in (3, 4)]
    calls = [
        lambda c: c.post(f"/api/incidents/{fresh[0]['id']}/representatives", json={"name": "C", "id_number": CHEN}),
        lambda c: c.post(f"/api/incidents/{fresh[1]['id']}/representatives", json={"name": "Z", "id_number": ZHAO}),
        lambda c: c.delete(f"/api/representatives/{links[(CHEN, shared[0]['id'])]['id']}"),
        lambda c: c.delete(f"/api/representatives/{links[(ZHAO, shared[1]['id'])]['id']}"),
    ]
    assert _concurrently(app, calls) == [201, 201, 204, 204]
    repeat_of = {i["id"]: i["repeat_of"] for i in duty.get("/api/incidents").get_json()["items"]}
    # Chen is left on B and C, Zhao on A and D
    assert repeat_of == {shared[0]["id"]: None, shared[1]["id"]: None,
                         fresh[0]["id"]: shared[1]["id"], fresh[1]["id"]: shared[0]["id"]}
