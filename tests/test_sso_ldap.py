"""Signing in with the county's directory: a real OpenLDAP server (Debian's slapd) started by the tests, with a small
directory loaded into it; the password is checked by a bind as the user."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ldap3 import Connection, Server

from .support import IN_CI, PASSWORD, free_port, wait_until

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SUFFIX = "dc=county,dc=gov"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{SUFFIX}", "directory-root-secret"
# uid: the directory's password (psb and lvb have accounts here too; ghost has none; admin keeps a local password)
PEOPLE = {"psb": "psb-directory-pass", "lvb": "lvb-directory-pass", "ghost": "ghost-directory-pass",
          "admin": "admin-directory-pass", "hrss": "hrss-directory-pass"}

CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root}"
rootpw {password}
directory {folder}/data
"""


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    """slapd on a free port of 127.0.0.1 with ou=people holding PEOPLE; stopped at the end of the module."""
    if not Path(SLAPD).exists():
        if IN_CI:
            pytest.fail("slapd is missing: `make ldap` installs Debian's slapd")
        pytest.skip("the directory tests need Debian's slapd: run `make ldap` (apt-get install slapd ldap-utils)")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "data").mkdir()
    (folder / "slapd.conf").write_text(CONFIG.format(folder=folder, suffix=SUFFIX, root=ROOT_DN,
                                                     password=ROOT_PASSWORD))
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen([SLAPD, "-f", str(folder / "slapd.conf"), "-h", f"{url}/", "-d", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def bound():  # it answers a bind as its root
            try:
                return Connection(Server(url, connect_timeout=1), ROOT_DN, ROOT_PASSWORD, auto_bind=True)
            except Exception:  # not listening yet
                return process.poll() is not None

        admin = wait_until(bound, 30, every=0.1)
        if not isinstance(admin, Connection):
            raise RuntimeError(f"slapd did not start: {process.stderr.read().decode()[-2000:]}")
        admin.add(SUFFIX, ["top", "dcObject", "organization"], {"dc": "county", "o": "County"})
        admin.add(f"ou=people,{SUFFIX}", ["top", "organizationalUnit"], {"ou": "people"})
        for uid, password in PEOPLE.items():
            assert admin.add(f"uid={uid},ou=people,{SUFFIX}", ["inetOrgPerson"],
                             {"uid": uid, "cn": uid, "sn": uid, "userPassword": password}), admin.result
        admin.unbind()
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def with_directory(app, directory, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", directory)
    monkeypatch.setitem(app.config, "LDAP_USER_DN", f"uid={{username}},ou=people,{SUFFIX}")
    monkeypatch.setitem(app.config, "LDAP_TIMEOUT", 2.0)
    return directory


def sign_in(client_for, username: str, password: str, language: str = "en"):
    return client_for().client.post("/api/session", json={"username": username, "password": password},
                                    headers={"Accept-Language": language})


def test_a_user_signs_in_with_the_directorys_password_and_the_event_names_the_method(with_directory, client_for,
                                                                                      duty):
    start = duty.get("/api/events?limit=1").get_json()["last_seq"]
    response = sign_in(client_for, "psb", PEOPLE["psb"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["username"] == "psb"
    (event,) = duty.get(f"/api/events?after={start}").get_json()["items"]
    assert event["type"] == "session.started" and event["data"] == {
        "user_id": response.get_json()["user"]["id"], "username": "psb", "method": "ldap"}
    assert PEOPLE["psb"] not in str(event)


@pytest.mark.parametrize("username,password,why", [
    ("psb", "not-the-directory-pass", "a wrong password"),
    ("ghost", PEOPLE["ghost"], "in the directory but not here: never a new account"),
    ("admin", PEOPLE["admin"], "the administrator signs in with the local password"),
    ("psb)(uid=*", PEOPLE["psb"], "a username cannot widen the DN"),
])
def test_the_directory_lets_in_only_active_users_known_here(with_directory, client_for, admin_client, username,
                                                            password, why):
    users_before = admin_client.get("/api/users?limit=500").get_json()["total"]
    response = sign_in(client_for, username, password)
    assert response.status_code == 401, why
    assert admin_client.get("/api/users?limit=500").get_json()["total"] == users_before


def test_a_disabled_user_stays_out_whatever_the_directory_says(with_directory, client_for, admin_client):
    lvb = next(u for u in admin_client.get("/api/users?limit=500").get_json()["items"] if u["username"] == "lvb")
    assert admin_client.patch(f"/api/users/{lvb['id']}", json={"active": False}).status_code == 200
    assert sign_in(client_for, "lvb", PEOPLE["lvb"]).status_code == 401


def test_the_administrator_and_the_local_password_still_sign_in(with_directory, client_for):
    assert sign_in(client_for, "admin", PASSWORD).status_code == 200
    assert sign_in(client_for, "hrss", PASSWORD).status_code == 200


@pytest.mark.parametrize("language,words", [("en", "directory does not answer"), ("zh-CN", "没有响应")])
def test_a_directory_that_is_down_is_said_and_the_local_password_still_works(app, client_for, monkeypatch, language,
                                                                              words):
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setitem(app.config, "LDAP_TIMEOUT", 1.0)
    refused = sign_in(client_for, "psb", PEOPLE["psb"], language)
    assert refused.status_code == 503 and words in refused.get_json()["error"]["message"]
    assert sign_in(client_for, "psb", PASSWORD, language).status_code == 200


def test_the_sign_in_page_names_the_county_directory(with_directory, client_for, app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_NAME", "Riverside County Directory")
    page = client_for().get("/login?lang=en").get_data(as_text=True)
    assert "Riverside County Directory" in page
    monkeypatch.setitem(app.config, "LDAP_URL", None)
    assert "Riverside County Directory" not in client_for().get("/login?lang=en").get_data(as_text=True)


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")
