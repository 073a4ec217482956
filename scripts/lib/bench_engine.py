"""Drives scripts/bench-engine: enrolment, one SIMPLE level-3 event, optional crashes, figures."""
import concurrent.futures
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from stack import call, sql, token  # noqa: E402  (the helpers every bench and fault script shares)

vehicles, operator_json, utility_json, logs, crash, latency = sys.argv[1:7]
vehicles, crash = int(vehicles), crash == "1"
OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "0"))
SIM = f"http://127.0.0.1:{19090 + OFFSET}"
APIS = [f"http://127.0.0.1:{18281 + OFFSET}", f"http://127.0.0.1:{18282 + OFFSET}"]
BIN = os.environ.get("CURTAIL_BIN", ".build/release/curtail")


operator, utility = token(APIS[0], operator_json), token(APIS[0], utility_json)
accounts = call("GET", SIM + "/_sim/accounts")
started = time.time()


def enrol(indexed):
    index, account = indexed
    api = APIS[index % 2]
    created = call("POST", api + "/v1/vendor-accounts", {
        "vendor": account["vendor"], "access_token": account["access_token"], "refresh_token": account["refresh_token"],
        "expires_at": account["expires_at"], "groups": ["bench"], "external_id": account["id"]}, operator)
    call("POST", f"{api}/v1/vendor-accounts/{created['id']}/sync", {}, operator)


with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(enrol, enumerate(accounts)))
enrolled = int(sql("SELECT count(*) FROM vehicles"))
print(f"enrolled {enrolled} vehicles from {len(accounts)} accounts in {time.time() - started:.1f} s")

if latency != "0s":
    call("POST", SIM + "/_sim/faults", {"latency": latency})
    print(f"simulator latency now {latency}")
# What every vehicle was doing before the event: the restore must bring each back to exactly this.
prior = {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")} if crash else {}
program = call("POST", APIS[0] + "/openadr3/3.0.1/programs", {"programName": "bench"}, utility)
start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
t0 = time.time()
event = call("POST", APIS[0] + "/openadr3/3.0.1/events", {
    "programID": program["id"], "priority": 1, "targets": [{"type": "GROUP", "values": ["bench"]}],
    "intervalPeriod": {"start": start.isoformat().replace("+00:00", "Z"), "duration": "PT30M"},
    "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [3]}]}]}, utility)
print(f"event posted at {start.isoformat()}")

pids = open(f"{logs}/pids").read().split()
peak_rss = {}
crashes = []
crash_times = sorted(random.uniform(2, 25) for _ in range(3)) if crash else []


def crash_and_restart():
    """kill -9 the first server and start a new one on its port (a new pid, so a new process name in leases)."""
    victim = int(pids[0])
    try:
        os.kill(victim, signal.SIGKILL)
    except ProcessLookupError:
        print(f"  server {victim} had already exited before this kill: see {logs}/curtail-{18281 + OFFSET}.log")
    # Its listening socket is closed only once it has died: wait for that (a zombie holds no sockets), or the new
    # process's bind can fail with "Address already in use" on a loaded machine.
    for _ in range(200):
        try:
            if open(f"/proc/{victim}/stat").read().split(") ")[-1].startswith("Z"):
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    port = 18281 + OFFSET
    env = dict(os.environ, CURTAIL_LISTEN=f"127.0.0.1:{port}")
    log = open(f"{logs}/curtail-{port}.log", "a")
    pids[0] = str(subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log).pid)
    open(f"{logs}/pids", "w").write(" ".join(pids))


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
        crash_and_restart()
        crashes.append(round(time.time() - t0, 1))
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
commands = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' AND command <> 'none'"))
by_kind = sql(f"""SELECT regexp_replace(command, '^[0-9]+:', '') || '=' || outcome, count(*) FROM vehicle_commands
                  WHERE event_id = '{event['id']}' GROUP BY 1 ORDER BY 2 DESC""")
by_process = sql(f"SELECT process, count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' GROUP BY 1 ORDER BY 1")
# Curtailed: applied and charging before Curtail stopped or limited it (a vehicle whose capture read found it idle,
# unplugged or asleep is applied with nothing to restore, and released at the next scheduler pass).
curtailed = int(sql("SELECT count(*) FROM vehicle_states WHERE desired <> 'normal' AND applied = desired AND prior_charging"))
captured_idle = int(sql(f"SELECT count(DISTINCT vehicle_id) FROM vehicle_commands WHERE event_id = '{event['id']}' AND command = 'none'"))
# Telemetry rows written by the sampler: every row minus those the reconciler's capture reads wrote.
samples = int(sql("SELECT count(*) FROM telemetry_samples")) - int(sql(
    f"SELECT count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' AND command = 'capture' AND outcome = 'done'"))
mixed = int(sql("""SELECT count(*) FROM (SELECT vehicle_id, split_part(command_key, ':', 2) AS generation
                   FROM vehicle_commands GROUP BY 1, 2 HAVING count(DISTINCT process) > 1) mixed"""))
unreachable = int(sql("SELECT count(*) FROM vehicle_states WHERE unreachable OR blocked_generation = generation"))
# Recorded stops first, the simulator after: a stop is recorded once the vendor answered, so every vehicle in this
# list was stopped before the snapshot. (The other order counted stops recorded between the two reads, e.g. GM cars
# planned late, once a sample gave their SoC, as "stopped but still charging".)
wrong = sql("SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.applied = 'stopped' AND s.prior_charging").split()
sim = {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")}
still_charging = [vid for vid in wrong if vid and sim.get(vid, {}).get("charging")]
# Found idle at capture (applied with nothing to restore) but charging now: it started since (a schedule, a driver);
# the sampler sees it within an interval and the next pass plans it like any newly charging vehicle.
idle_ids = sql("SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.captured_at IS NOT NULL AND NOT s.prior_charging").split()
started_since = [vid for vid in idle_ids if vid and sim.get(vid, {}).get("charging")]
rate_limited = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE outcome = 'rate_limited'"))

print("== figures")
print(f"vehicles {enrolled}, curtailed {curtailed}, unreachable/blocked {unreachable}")
print(f"POST → first command     {first_command - t0:7.1f} s")
print(f"POST → last command      {last_command - t0:7.1f} s   (settled after {((settled_at or time.time()) - t0):.1f} s)")
# Per commanded vehicle: POST → its first curtailing command recorded (the row is written once the vendor answered).
firsts = sql(f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) || ' ' || percentile_cont(0.99) WITHIN GROUP (ORDER BY t)
                  FROM (SELECT min(extract(epoch FROM created_at)) AS t FROM vehicle_commands
                        WHERE event_id = '{event['id']}' AND command NOT IN ('capture', 'none') AND command NOT LIKE '%wake%'
                        GROUP BY vehicle_id) per_vehicle""").split()
if len(firsts) == 2:
    print(f"POST → a vehicle's first command: p50 {float(firsts[0]) - t0:.1f} s, p99 {float(firsts[1]) - t0:.1f} s")
engine_rate = commands / max(0.001, last_command - first_command)
print(f"vendor requests          {commands} ({engine_rate:.0f}/s between first and last)")
print(f"requests by kind         {by_kind.replace(chr(10), '; ')}")
print(f"found idle/asleep/unplugged at capture (no command): {captured_idle}")
print(f"vendor requests per curtailed vehicle: engine {commands / max(1, curtailed):.2f} + sampler {samples / max(1, curtailed):.2f}")
print(f"429s from the simulator  {rate_limited}")
print(f"peak RSS (MiB) by pid    {peak_rss}")
print(f"work split by process    {by_process.replace(chr(10), '; ')}")
if crash:
    print(f"kill -9 at t+ {crashes} s; generations whose commands came from two processes: {mixed}")
print(f"vehicles stopped by a command but still charging in the simulator: {len(still_charging)}")
for vid in still_charging[:3]:
    v = sim[vid]
    log = sql(f"""SELECT string_agg(c.command || '=' || c.outcome || coalesce('(' || c.reason || ')', '') || '@' || to_char(c.created_at, 'MI:SS.MS'), ', ' ORDER BY c.id)
                 FROM vehicle_commands c JOIN vehicles x ON x.id = c.vehicle_id WHERE x.vendor_vehicle_id = '{vid}'""")
    print(f"  {vid} {v['vendor']} {v['make']} schedule={v.get('schedule_enabled')} soc={v['soc']} limit={v['charge_limit']}: {log}")
print(f"vehicles found idle at capture and charging now (started since; planned at the next sample): {len(started_since)}")


def wrk_compare():
    """wrk against the simulator endpoint the engine used most, rotating over every Tesla (per-vehicle limits)."""
    captures = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' AND command = 'capture'"))
    stops = int(sql(f"SELECT count(*) FROM vehicle_commands WHERE event_id = '{event['id']}' AND command LIKE '%stop_charging'"))
    read = captures >= stops
    tokens = {a["id"]: a["access_token"] for a in accounts if a["vendor"] == "tesla"}
    # Awake Teslas only: a sleeping car's 408 is cheap and would flatter wrk.
    targets = [(v["id"], tokens[v["account_id"]]) for v in sim.values()
               if v["vendor"] == "tesla" and v["account_id"] in tokens and not v["asleep"] and not v["unreachable"]]
    if not targets:
        return
    path = "/api/1/vehicles/%s/vehicle_data?endpoints=charge_state" if read else "/api/1/vehicles/%s/command/charge_stop"
    method, body = ("GET", "nil") if read else ("POST", '"{}"')
    with open(f"{logs}/wrk.lua", "w") as script:
        script.write("local targets = {\n")
        for vid, tok in targets:
            script.write('{"%s", "Bearer %s"},\n' % (path % vid, tok))
        script.write("}\n")
        script.write("local i = 0\n")
        script.write("function init(args) math.randomseed(os.time() + math.random(1000)); i = math.random(#targets) end\n")
        script.write("function request()\n  i = i %% #targets + 1\n  local t = targets[i]\n"
                     "  return wrk.format(\"%s\", t[1], {[\"Authorization\"] = t[2], [\"Content-Type\"] = \"application/json\"}, %s)\nend\n"
                     % (method, body))
    out = subprocess.run(["wrk", "-t2", "-c64", "-d5s", "-s", f"{logs}/wrk.lua", SIM], capture_output=True, text=True).stdout
    rate = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec")), 0.0)
    non2xx = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "all 2xx")
    total = next((int(line.split()[0]) for line in out.splitlines() if " requests in " in line), 0)
    refused = int(non2xx.split()[-1]) if non2xx != "all 2xx" else 0
    # The simulator's per-vehicle limits refuse most of wrk's requests (429s are cheap): compare answered ones too.
    answered = rate * (total - refused) / max(total, 1)
    endpoint = "vehicle_data (charge_state)" if read else "command/charge_stop"
    print(f"wrk -t2 -c64 -d5s on {endpoint} over {len(targets)} awake Teslas: {rate:.0f} req/s ({non2xx}), {answered:.0f} 2xx/s")
    print(f"engine {engine_rate:.0f} req/s vs wrk {rate:.0f} req/s (ratio {engine_rate / max(rate, 1):.2f}); "
          f"vs wrk's 2xx {answered:.0f}/s (ratio {engine_rate / max(answered, 1):.2f})")


if latency == "0s" and not crash:
    wrk_compare()


if not crash:
    sys.exit(0)

# == The restore, crashed too: cancel the event, kill -9 the first server at random moments while vehicles are
# being restored (the restore spread keeps restores coming for that long), then check every vehicle is back to
# exactly its prior state and that no vehicle had commands from two processes in flight at once.
spread = float(os.environ.get("CURTAIL_RESTORE_SPREAD", "0s").rstrip("s") or 0)
call("DELETE", f"{APIS[1]}/openadr3/3.0.1/events/{event['id']}", bearer=utility)
t1 = time.time()
print(f"event cancelled; restores spread over {spread:.0f} s")
restore_kill_times = sorted(random.uniform(1, max(2, spread)) for _ in range(3))
restore_crashes, last_progress, restored_at = [], None, None
while time.time() - t1 < 900:
    sample_rss()
    if restore_kill_times and time.time() - t1 > restore_kill_times[0]:
        restore_kill_times.pop(0)
        crash_and_restart()
        restore_crashes.append(round(time.time() - t1, 1))
    row = sql("""SELECT count(*) FILTER (WHERE desired <> 'normal'), count(*) FILTER (WHERE applied <> 'normal'),
                 count(*) FILTER (WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation AND NOT unreachable),
                 count(*) FILTER (WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation AND NOT unreachable
                                  AND next_attempt_at > now() + interval '5 minutes' AND (lease_until IS NULL OR lease_until < now()))
                 FROM vehicle_states""").split("|")
    not_normal, not_restored, pending, deferred = map(int, row)
    progress = (not_normal, not_restored, pending)
    if progress != last_progress:
        print(f"  r+{time.time() - t1:6.1f}s  desired not normal {not_normal:6}  applied not normal {not_restored:6}  pending {pending:6}", flush=True)
        last_progress = progress
    if not_normal == 0 and pending == 0 and not restore_kill_times:
        restored_at = time.time()
        break
    if not_normal == 0 and pending == deferred and not restore_kill_times:
        print(f"  r+{time.time() - t1:6.1f}s  the {deferred} still pending are deferred more than 5 minutes (vendor Retry-After): not waiting")
        break
    time.sleep(1)

now = {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")}
left_out = set(sql("""SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                      WHERE s.applied <> 'normal' AND (s.unreachable OR s.blocked_generation = s.generation)""").split())
wrong, reached_limit = [], 0
for vid, was in prior.items():
    if vid in left_out:
        continue
    is_ = now.get(vid, {})
    same = (is_.get("charge_enabled") == was["charge_enabled"] and is_.get("charge_limit") == was["charge_limit"]
            and (not was["charging"] or is_.get("amps") == was["amps"]))
    if same and is_.get("charging") != was["charging"] and is_.get("soc", 0) >= is_.get("charge_limit", 100):
        reached_limit += 1  # charged to its limit meanwhile, as it would have without Curtail
    elif not same or is_.get("charging") != was["charging"]:
        wrong.append(vid)
restore_commands = int(sql(f"""SELECT count(*) FROM vehicle_commands c JOIN vehicle_states s ON s.vehicle_id = c.vehicle_id
                               WHERE split_part(c.command_key, ':', 2)::bigint = s.generation AND s.desired = 'normal'"""))
mixed_all = int(sql("""SELECT count(*) FROM (SELECT vehicle_id, split_part(command_key, ':', 2) AS generation
                       FROM vehicle_commands GROUP BY 1, 2 HAVING count(DISTINCT process) > 1) mixed"""))
# Commands of one vehicle from two processes whose spans overlap in time: two processes working it at once.
overlapping = int(sql("""WITH spans AS (
        SELECT vehicle_id, process, split_part(command_key, ':', 2) AS generation, min(created_at) AS first, max(created_at) AS last
        FROM vehicle_commands GROUP BY 1, 2, 3)
    SELECT count(DISTINCT a.vehicle_id) FROM spans a JOIN spans b
      ON a.vehicle_id = b.vehicle_id AND a.process < b.process AND a.first <= b.last AND b.first <= a.last"""))
by_process = sql("SELECT process, count(*) FROM vehicle_commands WHERE created_at >= to_timestamp(%f) GROUP BY 1 ORDER BY 1" % t1)
print("== restore after crashes")
print(f"kill -9 during restore at r+ {restore_crashes} s; restored after {((restored_at or time.time()) - t1):.1f} s")
print(f"restore commands {restore_commands}; work split by process {by_process.replace(chr(10), '; ')}")
print(f"vehicles not back to their prior state (charge enabled, amps, limit, charging): {len(wrong)} of {len(prior) - len(left_out)}"
      f" (unreachable/blocked left out: {len(left_out)}; charged to their limit meanwhile: {reached_limit})")
if wrong:
    print("  e.g. " + "; ".join(f"{vid}: {prior[vid]['charging']}/{prior[vid]['amps']}A/{prior[vid]['charge_limit']} -> "
                                f"{now.get(vid, {}).get('charging')}/{now.get(vid, {}).get('amps')}A/{now.get(vid, {}).get('charge_limit')}"
                                for vid in wrong[:5]))
pending_now = sql("""SELECT v.vendor || ' ' || coalesce(v.make, '') || ' ' || v.vendor_vehicle_id || ': ' || coalesce(s.last_error, 'no error')
                          || ', next attempt in ' || greatest(0, extract(epoch FROM s.next_attempt_at - now()))::int || ' s'
                      FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                      WHERE s.desired <> s.applied AND NOT s.unreachable AND s.blocked_generation IS DISTINCT FROM s.generation""").splitlines()
if pending_now:
    print(f"still pending: {len(pending_now)}: " + "; ".join(pending_now[:5]))
print(f"generations whose commands came from two processes (whole run): {mixed_all}; "
      f"vehicles with commands from two processes overlapping in time: {overlapping}")
