"""Posts a program and a three-interval SIMPLE event starting now; prints the event id."""
import datetime
import json
import sys
import urllib.request

api, token = sys.argv[1:3]


def post(path, body):
    request = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


program = post("/openadr3/3.0.1/programs", {"programName": "demo-ev-shed", "programLongName": "Curtail demo"})
start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)).replace(microsecond=0)
event = post("/openadr3/3.0.1/events", {
    "programID": program["id"], "eventName": "demo peak", "priority": 1,
    "targets": [{"type": "GROUP", "values": ["demo-fleet"]}],
    "payloadDescriptors": [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE"}],
    "intervalPeriod": {"start": start.isoformat().replace("+00:00", "Z"), "duration": "PT1M"},
    "intervals": [
        {"id": 0, "payloads": [{"type": "SIMPLE", "values": [1]}]},
        {"id": 1, "payloads": [{"type": "SIMPLE", "values": [2]}]},
        {"id": 2, "payloads": [{"type": "SIMPLE", "values": [3]}]},
    ],
})
print(event["id"])
