"""Seeds a live Curtail with one object of every kind and writes a schemathesis.toml that pins the path parameters
to them, so Schemathesis reaches the found paths (200s, real bodies) instead of only 404s.

Usage: python api_conformance_seed.py SIM_URL API_URL TOKEN OUT_TOML
"""
import json
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

sim, api, token, out = sys.argv[1:5]
vtn = f"{api}/openadr3/3.0.1"


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


account = call("GET", f"{sim}/_sim/accounts")[0]
created = call("POST", f"{api}/v1/vendor-accounts", {
    "vendor": account["vendor"], "access_token": account["access_token"], "refresh_token": account["refresh_token"],
    "expires_at": account["expires_at"], "groups": ["conformance"], "external_id": account["id"],
})
call("POST", f"{api}/v1/vendor-accounts/{created['id']}/sync", {})
vehicle = call("GET", f"{api}/v1/vehicles?limit=1")[0]["id"]

start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
program = call("POST", f"{vtn}/programs", {"programName": "conformance"})["id"]
event = call("POST", f"{vtn}/events", {
    "programID": program, "eventName": "conformance", "targets": [{"type": "GROUP", "values": ["conformance"]}],
    "intervalPeriod": {"start": start, "duration": "PT15M"},
    "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [1]}]}],
})["id"]
report = call("POST", f"{vtn}/reports", {
    "programID": program, "eventID": event, "clientName": "conformance",
    "resources": [{"resourceName": "r1", "intervalPeriod": {"start": start, "duration": "PT15M"},
                   "intervals": [{"id": 0, "payloads": [{"type": "USAGE", "values": [1.5]}]}]}],
})["id"]
subscription = call("POST", f"{vtn}/subscriptions", {
    "clientName": "conformance", "programID": program,
    "objectOperations": [{"objects": ["EVENT"], "operations": ["POST"], "callbackUrl": "https://subscriber.example.net/cb"}],
})["id"]
ven = call("POST", f"{vtn}/vens", {"venName": "conformance"})["id"]
resource = call("POST", f"{vtn}/vens/{ven}/resources", {"resourceName": "conformance", "venID": ven})["id"]


def operation(path_regex, parameters):
    pairs = ", ".join(f'"{key}" = "{value}"' for key, value in parameters.items())
    return f'[[operations]]\ninclude-path-regex = "{path_regex}"\nparameters = {{ {pairs} }}\n'


with open(out, "w") as toml:
    toml.write("# Written by scripts/lib/api_conformance_seed.py: path parameters pinned to seeded objects.\n")
    toml.write(operation("^/openadr3/3.0.1/programs/", {"path.programID": program}))
    toml.write(operation("^/openadr3/3.0.1/events/", {"path.eventID": event}))
    toml.write(operation("^/openadr3/3.0.1/reports/", {"path.reportID": report}))
    toml.write(operation("^/openadr3/3.0.1/subscriptions/", {"path.subscriptionID": subscription}))
    toml.write(operation("^/openadr3/3.0.1/vens/[^/]+$", {"path.venID": ven}))
    toml.write(operation("^/openadr3/3.0.1/vens/.+/resources", {"path.venID": ven, "path.resourceID": resource}))
    toml.write(operation("^/v1/vendor-accounts/", {"path.id": created["id"]}))
    toml.write(operation("^/v1/vehicles/", {"path.id": vehicle}))
    toml.write(operation("^/v1/groups/", {"path.group": "conformance", "path.id": vehicle}))
    toml.write(operation("^/v1/events/", {"path.id": event}))
print(f"seeded: program {program}, event {event}, report {report}, subscription {subscription}, ven {ven}, "
      f"vehicle {vehicle}, account {created['id']}")
