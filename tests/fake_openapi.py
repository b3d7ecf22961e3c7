"""Every answer pdhooks-fake gives must match the response schema Pipedrive publishes for it.

Reads testdata/pipedrive/openapi-webhooks.yaml (a copy of Pipedrive's OpenAPI text), turns each
response schema into JSON Schema (OpenAPI 3.0 `nullable: true` becomes `type: [T, "null"]`, `format: date-time` a pattern),
starts $PDH_FAKE_BIN, collects real answers over HTTP and validates each one.

The published schemas leave every field optional; the fake promises more, so the check is
stricter than the text in two ways: a BaseWebhook must carry all of its fields and no others,
and each response's top-level fields must be there. A self-test first proves that a webhook with
the wrong types (is_active as a boolean, id as a string) is rejected.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import jsonschema
import yaml

SRC = os.environ.get("PDH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
SPEC = os.path.join(SRC, "testdata", "pipedrive", "openapi-webhooks.yaml")
FAKE = os.environ.get("PDH_FAKE_BIN")
TOKEN = "test-token"

failures = []
DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"


def to_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: nullable, and the BaseWebhook strictness."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("example", "nullable")}
    if node.get("nullable"):
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
        if "allOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    if node.get("format") == "date-time":
        # Checked by pattern: jsonschema's own date-time check needs an optional module.
        out["pattern"] = DATE_TIME
    if node.get("title") == "BaseWebhook" and "properties" in node:
        out["required"] = sorted(node["properties"].keys())
        out["additionalProperties"] = False
    return out


def response_schema(spec, path, method, status, required=()):
    resp = spec["paths"][path][method]["responses"][str(status)]
    schema = to_json_schema(resp["content"]["application/json"]["schema"])
    if required:
        schema = {"allOf": [schema, {"type": "object", "required": list(required)}]}
    return schema


def check(name, schema, body):
    try:
        doc = json.loads(body)
    except ValueError as e:
        failures.append(f"{name}: not JSON ({e}): {body[:200]!r}")
        return
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
    for e in errors:
        failures.append(f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    print(f"{'ok  ' if not errors else 'FAIL'} {name}")


def self_test(spec):
    """The schema must refuse a webhook with wrong types, or this test proves nothing."""
    schema = response_schema(spec, "/webhooks", "get", 200, ("success", "status", "data"))
    good = spec["paths"]["/webhooks"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    v = jsonschema.Draft7Validator(schema)
    if list(v.iter_errors(good)):
        failures.append("self-test: Pipedrive's own example does not validate")
    for field, value in (("is_active", True), ("id", "1"), ("last_http_status", "200"),
                         ("type", "other"), ("http_auth_password", 5),
                         ("add_time", "2019-10-25 08:25:27")):
        bad = copy.deepcopy(good)
        bad["data"][0][field] = value
        if not list(v.iter_errors(bad)):
            failures.append(f"self-test: {field}={value!r} was accepted")
    bad = copy.deepcopy(good)
    del bad["data"][0]["admin_id"]
    if not list(v.iter_errors(bad)):
        failures.append("self-test: a webhook without admin_id was accepted")


class Fake:
    def __init__(self, state_path):
        self.proc = subprocess.Popen([FAKE, "--port", "0", "--token", TOKEN, "--state", state_path,
                                      "--oauth-app", "app-token", "--company", "7:other-token"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("port="):
            self.proc.kill()
            raise SystemExit(f"pdhooks-fake did not start: {line!r}")
        self.base = f"http://127.0.0.1:{line[5:]}"

    def call(self, method, path, body=None, token=TOKEN, ctype="application/json", bearer=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token and not bearer:
            req.add_header("x-api-token", token)
        if bearer:
            req.add_header("Authorization", "Bearer " + bearer)
        if data is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=30)


def main():
    if not FAKE:
        raise SystemExit("PDH_FAKE_BIN is not set (run through ctest)")
    with open(SPEC, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    self_test(spec)

    seed = [
        {"event_action": "create", "event_object": "deal",
         "subscription_url": "https://hooks.example.com/deals",
         "http_auth_user": "u", "http_auth_password": "secret"},
        {"id": 50, "type": "application", "event_action": "*", "event_object": "*",
         "subscription_url": "https://app.example.com/"},
        {"event_action": "added", "event_object": "activityType", "version": "1.0",
         "is_active": 0, "subscription_url": "http://old.example.com/x", "last_http_status": 410,
         "last_delivery_time": "2025-01-02T03:04:05.000Z", "type": "automation"},
    ]
    tmp = tempfile.mkdtemp(prefix="pdhooks-openapi-")
    state = os.path.join(tmp, "state.json")
    with open(state, "w", encoding="utf-8") as f:
        json.dump(seed, f)
    fake = Fake(state)
    try:
        get200 = response_schema(spec, "/webhooks", "get", 200, ("success", "status", "data"))
        post201 = response_schema(spec, "/webhooks", "post", 201, ("success", "status", "data"))
        post400 = response_schema(spec, "/webhooks", "post", 400, ("success", "status", "errors"))
        del200 = response_schema(spec, "/webhooks/{id}", "delete", 200, ("success", "status"))
        del403 = response_schema(spec, "/webhooks/{id}", "delete", 403, ("success", "message"))
        del404 = response_schema(spec, "/webhooks/{id}", "delete", 404, ("success", "status", "errors"))
        unauth = {m: response_schema(spec, p, m, 401, ("success", "error", "errorCode"))
                  for p, m in (("/webhooks", "get"), ("/webhooks", "post"), ("/webhooks/{id}", "delete"))}

        # Delivery health set through the control API, times in the form the spec gives.
        st, _ = fake.call("POST", "/_fake/webhooks/50",
                          json.dumps({"last_http_status": 500, "is_active": 0,
                                      "last_delivery_time": "2026-11-30T10:00:00.000Z",
                                      "remove_time": "2026-11-30T11:00:00.000Z",
                                      "remove_reason": "no successful delivery"}), token=None)
        expect(st, 200, "POST /_fake/webhooks/50")
        for mode in ("masked", "real", "null"):
            st, _ = fake.call("POST", "/_fake/config", json.dumps({"password_listing": mode}), token=None)
            assert st == 200
            answer(fake, 200, "GET", f"GET 200 (passwords {mode})", get200, "GET", "/v1/webhooks")

        good = {"subscription_url": "https://hooks.example.com/p", "event_action": "change",
                "event_object": "person", "name": "people"}
        body = answer(fake, 201, "POST", "POST 201", post201,
                      "POST", "/v1/webhooks", json.dumps(good))
        created = json.loads(body)["data"]["id"]
        answer(fake, 201, "POST with all fields", "POST 201 (all fields)", post201,
               "POST", "/v1/webhooks", json.dumps(dict(good, user_id=9, version="2.0",
                                                      http_auth_user=None,
                                                      http_auth_password="pw")))
        # A Marketplace app's create and its own listing; another company's.
        answer(fake, 201, "POST as an app", "POST 201 (OAuth app)", post201,
               "POST", "/v1/webhooks", json.dumps(good), bearer="app-token")
        answer(fake, 200, "GET as an app", "GET 200 (OAuth app)", get200,
               "GET", "/v1/webhooks", bearer="app-token")
        answer(fake, 201, "POST in company 7", "POST 201 (company 7)", post201,
               "POST", "/v1/webhooks", json.dumps(good), token="other-token")
        body = answer(fake, 200, "GET in company 7", "GET 200 (company 7)", get200,
                      "GET", "/v1/webhooks", token="other-token")
        if [h["company_id"] for h in json.loads(body)["data"]] != [7]:
            failures.append(f"company 7 lists {body}")
        answer(fake, 201, "POST form", "POST 201 (form-encoded)", post201,
               "POST", "/v1/webhooks",
               "subscription_url=https%3A%2F%2Fh.example%2F&event_action=create"
               "&event_object=deal&name=form&user_id=3",
               ctype="application/x-www-form-urlencoded")

        for label, bad in (("empty object", "{}"), ("malformed JSON", "{\"a\":"),
                           ("array", "[1]"),
                           ("wrong types", json.dumps(dict(good, user_id="x", version=2,
                                                           http_auth_user=1))),
                           ("v1 action with 2.0", json.dumps(dict(good, event_action="added"))),
                           ("Pipedrive URL", json.dumps(dict(good, subscription_url="https://api.pipedrive.com/v1")))):
            answer(fake, 400, f"POST {label}", f"POST 400 ({label})", post400,
                   "POST", "/v1/webhooks", bad)

        answer(fake, 200, "DELETE", "DELETE 200", del200, "DELETE", f"/v1/webhooks/{created}")
        answer(fake, 403, "DELETE application webhook", "DELETE 403", del403,
               "DELETE", "/v1/webhooks/50")
        answer(fake, 404, "DELETE again", "DELETE 404", del404,
               "DELETE", f"/v1/webhooks/{created}")

        for method, path in (("GET", "/v1/webhooks"), ("POST", "/v1/webhooks"),
                             ("DELETE", "/v1/webhooks/1")):
            for token in (None, "wrong"):
                answer(fake, 401, f"{method} token={token}", f"{method} 401 (token {token})",
                       unauth[method.lower()],
                       method, path, json.dumps(good) if method == "POST" else None, token=token)
    finally:
        rc = fake.stop()
        os.unlink(state)
        os.rmdir(tmp)
    if rc != 0:
        failures.append(f"pdhooks-fake exited with {rc}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


def answer(fake, want, what, name, schema, *args, **kw):
    """fake.call(*args, **kw), expecting status want and a body that schema accepts; returns
    the body."""
    st, body = fake.call(*args, **kw)
    expect(st, want, what)
    check(name, schema, body)
    return body


def expect(got, want, what):
    if got != want:
        failures.append(f"{what}: status {got}, expected {want}")


if __name__ == "__main__":
    sys.exit(main())
