"""Drives scripts/bench-engine: enrolment, one SIMPLE level-3 event, optional crashes, figures."""
import os
import random
import signal
import subprocess
import sys
import time

from stack import SIM, call, enrol, post_simple_event, sql, token

vehicles, operator_json, utility_json, logs, crash, latency = sys.argv[1:7]
vehicles, crash = int(vehicles), crash == "1"
APIS = ["http://127.0.0.1:18281", "http://127.0.0.1:18282"]
BIN = ".build/release/curtail"

operator, utility = token(APIS[0], operator_json), token(APIS[0], utility_json)
started = time.time()
accounts = enrol(APIS, operator)
enrolled = int(sql("SELECT count(*) FROM vehicles"))
print(f"enrolled {enrolled} vehicles from {len(accounts)} accounts in {time.time() - started:.1f} s")

if latency != "0s":
    call("POST", SIM + "/_sim/faults", {"latency": latency})
    print(f"simulator latency now {latency}")
t0 = time.time()
event, start = post_simple_event(APIS[0], utility)
print(f"event posted at {start.isoformat()}")

# The pids file lists the simulator first, then the two Curtail processes.
sim_pid, *pids = open(f"{logs}/pids").read().split()
peak_rss = {}
crashes = []
crash_times = sorted(random.uniform(2, 25) for _ in range(3)) if crash else []


def sample_rss():
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    peak_rss[pid] = int(line.split()[1]) // 1024
        except FileNotFoundError:
            pass


last_progress, settled_at = None, None
while time.time() - t0 < 600:
    sample_rss()
    if crash_times and time.time() - t0 > crash_times[0]:
        crash_times.pop(0)
        victim = pids[0]
        os.kill(int(victim), signal.SIGKILL)
        crashes.append(round(time.time() - t0, 1))
        env = dict(os.environ, CURTAIL_LISTEN="127.0.0.1:18281")
        log = open(f"{logs}/curtail-18281.log", "a")
        pids[0] = str(subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log).pid)
        open(f"{logs}/pids", "w").write(" ".join([sim_pid] + pids))
    row = sql("""SELECT count(*) FILTER (WHERE desired <> 'normal'), count(*) FILTER (WHERE desired <> 'normal' AND applied = desired),
                 count(*) FILTER (WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation AND NOT unreachable)
                 FROM vehicle_states""").split("|")
    wanted, done, pending = map(int, row)
    progress = (wanted, done, pending)
    if progress != last_progress:
        print(f"  t+{time.time() - t0:6.1f}s  curtail targets {wanted:6}  applied {done:6}  pending {pending:6}", flush=True)
        last_progress = progress
    if wanted > 0 and pending == 0 and not crash_times:
        settled_at = time.time()
        break
    time.sleep(1)

last_command = float(sql(f"SELECT coalesce(extract(epoch FROM max(created_at)), 0) FROM vehicle_commands WHERE event_id = '{event['id']}'"))
first_command = float(sql(f"SELECT coalesce(extract(epoch FROM min(created_at)), 0) FROM vehicle_commands WHERE event_id = '{event['id']}'"))
commands = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE event_id = '{event['id']}'"))
by_process = sql(f"SELECT process, count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' GROUP BY 1 ORDER BY 1")
curtailed = int(sql("SELECT count(*) FROM vehicle_states WHERE desired <> 'normal' AND applied = desired"))
samples = int(sql("SELECT count(*) FROM telemetry_samples"))
mixed = int(sql("""SELECT count(*) FROM (SELECT vehicle_id, split_part(command_key, ':', 2) AS generation
                   FROM vehicle_commands GROUP BY 1, 2 HAVING count(DISTINCT process) > 1) mixed"""))
unreachable = int(sql("SELECT count(*) FROM vehicle_states WHERE unreachable OR blocked_generation = generation"))
sim = {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")}
wrong = sql("SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.applied = 'stopped'").split()
still_charging = [vid for vid in wrong if vid and sim.get(vid, {}).get("charging")]
rate_limited = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE outcome = 'rate_limited'"))

print("== figures")
print(f"vehicles {enrolled}, curtailed {curtailed}, unreachable/blocked {unreachable}")
print(f"POST → first command     {first_command - t0:7.1f} s")
print(f"POST → last command      {last_command - t0:7.1f} s   (settled after {((settled_at or time.time()) - t0):.1f} s)")
print(f"commands                 {commands} ({commands / max(0.001, last_command - first_command):.0f}/s)")
print(f"vendor requests per curtailed vehicle: commands {commands / max(1, curtailed):.2f} + telemetry samples {samples / max(1, curtailed):.2f}")
print(f"429s from the simulator  {rate_limited}")
print(f"peak RSS (MiB) by pid    {peak_rss}")
print(f"work split by process    {by_process.replace(chr(10), '; ')}")
if crash:
    print(f"kill -9 at t+ {crashes} s; generations whose commands came from two processes: {mixed}")
print(f"vehicles applied 'stopped' but still charging in the simulator: {len(still_charging)}")
