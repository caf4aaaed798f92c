"""What a suite that uses the Rostra fixtures looks like; CI runs it (scripts/pytest-fixture-test)."""

import base64
import json
import urllib.error
import urllib.request
import uuid

from rostra_fixture import ROSA_USER, ROSTI_TOKEN


def call(method, url, headers=None, body=None):
    """(status, decoded JSON or text) of one request; a client a real suite would not need."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode(errors="replace")


def rosti_headers(extra=None):
    return {"Authorization": "Token " + ROSTI_TOKEN, **(extra or {})}


def rosa_headers(extra=None, user=ROSA_USER):
    credentials = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": "Basic " + credentials, **(extra or {})}


def upload(rosa_url, name, content, headers):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return call("POST", rosa_url + "api/v1/upload", body=body,
                headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_rostra_runs_on_free_ports(rostra):
    assert rostra.ready["rosti"]["port"] not in (0, 8000)
    assert rostra.ready["rosa"]["port"] not in (0, 8001)
    assert call("GET", rostra.rosti_url + "__admin/health")[1]["api"] == "rosti"


def test_seed_token_lists_the_demo_companies(rostra_reset):
    status, companies = call("GET", rostra_reset.rosti_url + "api/v1/companies/", rosti_headers())
    assert status == 200
    assert {"Dana Demo", "Pekárna Novák s.r.o."} <= {company["name"] for company in companies}


def test_reset_forgets_an_upload(rostra_reset):
    status, answer = upload(rostra_reset.rosa_url, "build.log", b"reset me\n", rosa_headers())
    assert status == 201
    find = rostra_reset.rosa_url + "api/v1/file_stores.json?hash=" + answer["sha1_hash"]
    assert len(call("GET", find)[1]) == 1
    rostra_reset.reset()
    assert call("GET", find)[1] == []


def test_a_tenant_sees_only_its_own_uploads(rostra_tenant, rostra):
    status, answer = upload(rostra_tenant.rosa_url, "mine.txt", b"tenant only\n", rosa_headers(rostra_tenant.headers))
    assert status == 201
    find = rostra.rosa_url + "api/v1/file_stores.json?hash=" + answer["sha1_hash"]
    assert call("GET", find, rostra_tenant.headers)[1][0]["file_name"] == "mine.txt"
    assert call("GET", find)[1] == []  # the default tenant never saw it


def test_an_account_made_in_a_tenant_works_there_only(rostra_tenant):
    account = rostra_tenant.admin("POST", "accounts", {"api": "rosti", "name": "CI Bot"})
    headers = {"Authorization": account["authorization"]}
    status, companies = call("GET", rostra_tenant.rosti_url + "api/v1/companies/", {**headers, **rostra_tenant.headers})
    assert status == 200 and [company["name"] for company in companies] == ["CI Bot"]
    assert call("GET", rostra_tenant.rosti_url + "api/v1/companies/", headers)[0] == 401


def test_a_fault_rule_fails_the_next_upload_once(rostra_tenant):
    rostra_tenant.admin("POST", "faults", {"api": "rosa", "method": "POST", "path": "^/api/v1/upload",
                                           "status": 503, "times": 1})
    headers = rosa_headers(rostra_tenant.headers)
    assert upload(rostra_tenant.rosa_url, "a.txt", b"retry me\n", headers)[0] == 503
    assert upload(rostra_tenant.rosa_url, "a.txt", b"retry me\n", headers)[0] == 201
    journal = rostra_tenant.admin("GET", "requests?method=POST")
    assert [entry["status"] for entry in journal["requests"]] == [201, 503]
