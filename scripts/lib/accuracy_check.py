"""Posts an event to the demo fleet, waits for it to end and settle, then compares Curtail's reported curtailed
kWh per interval with the simulator's counterfactual truth."""
import datetime
import json
import sys
import time
import urllib.request

sim, api, utility, operator, interval_s, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])


def call(method, url, body=None, bearer=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


clock = call("GET", f"{sim}/_sim/clock")
skew = clock["now_seconds"] - time.time()
print(f"   simulator clock: scale {clock.get('time_scale')}, skew {skew:+.1f} s")
program = call("POST", f"{api}/openadr3/3.0.1/programs", {"programName": f"accuracy-{int(time.time())}"}, utility)
start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=60)).replace(microsecond=0)
levels = [2, 3, 2, 3, 2, 3][:count]
event = call("POST", f"{api}/openadr3/3.0.1/events", {
    "programID": program["id"], "eventName": "accuracy", "priority": 1,
    "targets": [{"type": "GROUP", "values": ["demo-fleet"]}],
    "payloadDescriptors": [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE"}],
    "intervalPeriod": {"start": start.isoformat().replace("+00:00", "Z"), "duration": f"PT{interval_s}S"},
    "intervals": [{"id": i, "payloads": [{"type": "SIMPLE", "values": [level]}]} for i, level in enumerate(levels)],
}, utility)
end = start.timestamp() + interval_s * count
print(f"   event {event['id']}: {count} x {interval_s} s from {start.isoformat()}")
while time.time() < end + 75:
    try:
        report = call("GET", f"{api}/v1/events/{event['id']}/report", bearer=operator)
        print(f"   {time.strftime('%H:%M:%S')} {report['status']:9} {json.dumps(report['participation'], sort_keys=True)}", flush=True)
    except Exception as error:  # noqa: BLE001
        print(f"   report: {error}")
    time.sleep(20)
report = call("GET", f"{api}/v1/events/{event['id']}/report", bearer=operator)
print("== per interval: reported (per-vehicle baseline) and control-group estimate vs the simulator's truth")
print(f"   {'#':>2} {'reported kWh':>13} {'control kWh':>12} {'truth kWh':>10} {'error':>8}  {'ctl error':>9}  participation")
worst = 0.0
worst_control = 0.0
for interval in report["intervals"]:
    begin = datetime.datetime.fromisoformat(interval["start"].replace("Z", "+00:00")).timestamp()
    truth = call("GET", f"{sim}/_sim/truth?from={begin + skew:.3f}&to={begin + interval_s + skew:.3f}&vehicles=false")
    hours = interval_s / 3600
    reported = interval["curtailed_kwh"]
    control = (interval.get("control_estimate_kw") or {}).get("kw")
    control_kwh = control * hours if control is not None else float("nan")
    true_kwh = truth["curtailed_kwh"]
    error = (reported - true_kwh) / true_kwh * 100 if true_kwh else float("nan")
    control_error = (control_kwh - true_kwh) / true_kwh * 100 if true_kwh else float("nan")
    worst = max(worst, abs(error))
    worst_control = max(worst_control, abs(control_error)) if control_error == control_error else float("inf")
    print(f"   {interval['index']:>2} {reported:13.2f} {control_kwh:12.2f} {true_kwh:10.2f} {error:+7.2f}%  {control_error:+8.2f}%  {json.dumps(interval['participation'], sort_keys=True)}")
    estimate = interval.get("control_estimate_kw") or {}
    if estimate:
        low, high = (x * hours for x in estimate["ci95"])
        print(f"      control: {estimate['control_count']} controls, {estimate['treatment_count']} curtailed, ratio {estimate.get('control_ratio', float('nan')):.4f}, 95% CI {low:.2f} .. {high:.2f} kWh ({'covers' if low <= true_kwh <= high else 'misses'} the truth)")
print(f"== worst interval error: per-vehicle baseline {worst:.2f}%, control group {worst_control:.2f}% (target 5%)")
sys.exit(0 if worst <= 5 and worst_control <= 5 else 1)
