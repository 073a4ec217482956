"""Shows an event unfold (fleet power from the simulator, Curtail's participation counts), then its report."""
import json
import sys
import time
import urllib.error
import urllib.request

sim, api, token, event_id = sys.argv[1:5]


def get(url, bearer=None):
    request = urllib.request.Request(url)
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def fleet():
    vehicles = get(f"{sim}/_sim/vehicles")
    charging = [v for v in vehicles if v["charging"]]
    return len(vehicles), len(charging), sum(v["power_kw"] for v in vehicles)


total, charging, power = fleet()
print(f"== before: {charging}/{total} vehicles charging, {power:.0f} kW")
deadline = time.time() + float(sys.argv[5]) if len(sys.argv) > 5 else time.time() + 4 * 60 + 30
last = None
while time.time() < deadline:
    total, charging, power = fleet()
    try:
        report = get(f"{api}/v1/events/{event_id}/report", token)
        states = report.get("participation", {})
        status = report.get("status", "?")
    except urllib.error.HTTPError as error:
        states, status = {"report": error.code}, "?"
    line = f"   {time.strftime('%H:%M:%S')} event {status:9} charging {charging:4}/{total}  fleet {power:8.0f} kW  {json.dumps(states, sort_keys=True)}"
    if line[12:] != last:
        print(line, flush=True)
        last = line[12:]
    if status == "completed":
        break
    time.sleep(3)

report = get(f"{api}/v1/events/{event_id}/report", token)
print("== per-interval report")
print(f"   {'#':>2} {'start':20} {'requested':>14} {'baseline kW':>12} {'measured kW':>12} {'curtailed kW':>13}  participation")
for interval in report["intervals"]:
    print(f"   {interval['index']:>2} {interval['start'][:19]:20} {str(interval['requested']):>14} {interval['baseline_kw']:12.1f} "
          f"{interval['measured_kw']:12.1f} {interval['curtailed_kw']:13.1f}  {json.dumps(interval['participation'], sort_keys=True)}")
# Restores are spread over CURTAIL_RESTORE_SPREAD after the end, so the fleet does not rebound at once: watch them.
print("== restoring (spread over CURTAIL_RESTORE_SPREAD)")
settle_deadline, previous, steady = time.time() + 90, None, 0
while time.time() < settle_deadline:
    total, charging, power = fleet()
    print(f"   {time.strftime('%H:%M:%S')} charging {charging:4}/{total}  fleet {power:8.0f} kW", flush=True)
    steady = steady + 1 if charging == previous else 0
    previous = charging
    if steady >= 3:
        break
    time.sleep(5)
print(f"== after: {charging}/{total} vehicles charging, {power:.0f} kW (vehicles that reached their charge limit during the event stay stopped)")
print(f"   dashboard: {api}/dashboard")
