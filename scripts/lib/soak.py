"""Drives scripts/soak: a long event on the whole fleet (its level changed every two minutes, so the reconciler keeps
working), mixed API traffic from a few threads, and every 30 s the RSS and open fds of each Curtail process; at the
end a verdict comparing the last third of the samples with the middle third."""
import os
import random
import sys
import threading
import time
import urllib.error

from stack import (SIM, Clock, call, enrol, iso, post_simple_event, process_stats, progress, sql, token, utc_now)

minutes = float(sys.argv[1])
APIS = ["http://127.0.0.1:18281", "http://127.0.0.1:18282"]
operator_json, utility_json = os.environ["OPERATOR"], os.environ["UTILITY"]
operator, utility = token(APIS[0], operator_json), token(APIS[0], utility_json)
sim_pid, *pids = open(os.environ["STACK_LOGS"] + "/pids").read().split()
clock = Clock()


def log(message):
    print(f"  {clock.stamp()}  {message}", flush=True)


enrol(APIS, operator)
log(f"enrolled {sql('SELECT count(*) FROM vehicles')} vehicles")
duration = int(minutes) + 10
event, start = post_simple_event(APIS[0], utility, duration=f"PT{duration}M", program_name="soak")
program_id = event["programID"]
log(f"event {event['id']} posted: SIMPLE 3 for {duration} min on every vehicle")

counts, counts_lock, stop = {}, threading.Lock(), threading.Event()


def count(name, status):
    with counts_lock:
        counts[(name, status)] = counts.get((name, status), 0) + 1


def request(name, method, path, body=None, bearer=None, form=None):
    api = random.choice(APIS)
    try:
        result = call(method, api + path, body=body, bearer=bearer, form=form, timeout=60)
        count(name, 200)
        return result
    except urllib.error.HTTPError as error:
        error.read()
        count(name, error.code)
    except Exception as error:  # noqa: BLE001 - counted, shown in the summary
        count(name, type(error).__name__)


def traffic(seed):
    rng = random.Random(seed)
    created = []
    while not stop.is_set():
        r = rng.random()
        if r < 0.10:
            client = __import__("json").loads(operator_json if rng.random() < 0.5 else utility_json)
            request("token", "POST", "/openadr3/3.0.1/auth/token",
                    form=f"grant_type=client_credentials&client_id={client['client_id']}&client_secret={client['client_secret']}")
        elif r < 0.35:
            request("fleet list", "GET", f"/v1/vehicles?limit=100&skip={rng.randrange(0, 9900)}", bearer=operator)
        elif r < 0.50:
            request("events list", "GET", "/openadr3/3.0.1/events", bearer=utility)
        elif r < 0.62:
            request("event read", "GET", f"/openadr3/3.0.1/events/{event['id']}", bearer=utility)
        elif r < 0.72:
            request("report", "GET", f"/v1/events/{event['id']}/report", bearer=operator)
        elif r < 0.80:
            request("openadr reports", "GET", f"/openadr3/3.0.1/reports?eventID={event['id']}", bearer=utility)
        elif r < 0.92:
            request("metrics", "GET", "/metrics")
        elif r < 0.96:
            # A future event on a group nobody is in: stored, scheduled, planned for no one; deleted again later.
            later = utc_now().replace(year=utc_now().year + 1)
            posted = request("POST event", "POST", "/openadr3/3.0.1/events", bearer=utility, body={
                "programID": program_id, "priority": 5, "targets": [{"type": "GROUP", "values": ["nobody"]}],
                "intervalPeriod": {"start": iso(later), "duration": "PT1H"},
                "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [1]}]}]})
            if isinstance(posted, dict):
                created.append(posted["id"])
        elif created:
            request("DELETE event", "DELETE", f"/openadr3/3.0.1/events/{created.pop(0)}", bearer=utility)
        time.sleep(rng.uniform(0.005, 0.05))


def relevel():
    """Every two minutes the running event's level changes (PUT), so vehicles are commanded throughout."""
    levels, index = [2, 3, 1, 3], 0
    while not stop.wait(120):
        level = levels[index % len(levels)]
        index += 1
        body = {k: v for k, v in event.items() if k not in ("id", "createdDateTime", "modificationDateTime", "objectType")}
        body["intervals"] = [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [level]}]}]
        request("PUT event", "PUT", f"/openadr3/3.0.1/events/{event['id']}", bearer=utility, body=body)
        log(f"event level now {level}")


threads = [threading.Thread(target=traffic, args=(i,), daemon=True) for i in range(4)]
threads.append(threading.Thread(target=relevel, daemon=True))
for t in threads:
    t.start()

names = {pid: f"serve:{18281 + i}" for i, pid in enumerate(pids)}
names[sim_pid] = "sim"
series = {pid: [] for pid in pids + [sim_pid]}
print("   time      " + "  ".join(f"{names[p]:>22}" for p in pids + [sim_pid]) + "   engine: targets curtailed to-move")
print("             " + "  ".join(f"{'RSS KiB':>14} {'fds':>7}" for _ in pids + [sim_pid]))
end = time.time() + minutes * 60
while True:
    cells = []
    for pid in pids + [sim_pid]:
        stats = process_stats(pid)
        series[pid].append(stats)
        cells.append(f"{stats[0]:>14} {stats[1]:>7}" if stats else f"{'gone':>22}")
    wanted, done, pending, _ = progress()
    print(f"  t+{clock():6.0f}s  " + "  ".join(cells) + f"   {wanted:6} {done:6} {pending:6}", flush=True)
    if time.time() >= end:
        break
    time.sleep(max(0, min(30, end - time.time())))
stop.set()

print("== requests (name, status: count)")
with counts_lock:
    for (name, status), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"  {name:16} {status}: {n}")
print("== verdict (mean of the last third of the samples against the middle third)")
for pid in pids + [sim_pid]:
    samples = [s for s in series[pid] if s]
    third = len(samples) // 3
    if third < 1:
        print(f"  {names[pid]}: too few samples")
        continue
    middle, last = samples[third:2 * third], samples[-third:]
    rss_m, rss_l = sum(s[0] for s in middle) / len(middle), sum(s[0] for s in last) / len(last)
    fd_m, fd_l = sum(s[1] for s in middle) / len(middle), sum(s[1] for s in last) / len(last)
    rss_change, fd_change = (rss_l - rss_m) / rss_m * 100, fd_l - fd_m
    rss_verdict = "flat" if abs(rss_change) < 5 else ("growing" if rss_change > 0 else "shrinking")
    fd_verdict = "flat" if abs(fd_change) < max(5, fd_m * 0.05) else ("growing" if fd_change > 0 else "shrinking")
    print(f"  {names[pid]}: RSS {rss_m:.0f} → {rss_l:.0f} KiB ({rss_change:+.1f} %): {rss_verdict}; "
          f"fds {fd_m:.1f} → {fd_l:.1f} ({fd_change:+.1f}): {fd_verdict}")
