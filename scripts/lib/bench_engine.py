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

vehicles, operator_json, utility_json, logs, crash, latency = sys.argv[1:7]
vehicles, crash = int(vehicles), crash == "1"
PORT_A = os.environ.get("BENCH_API_PORT_A", "18281")
SIM = f"http://127.0.0.1:{os.environ.get('BENCH_SIM_PORT', '19090')}"
APIS = [f"http://127.0.0.1:{PORT_A}", f"http://127.0.0.1:{os.environ.get('BENCH_API_PORT_B', '18282')}"]
BIN = os.environ.get("CURTAIL_BIN", ".build/release/curtail")


def call(method, url, body=None, bearer=None, form=None):
    data, headers = None, {}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = form.encode(), "application/x-www-form-urlencoded"
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
        return json.loads(text) if text else None


def token(client_json):
    client = json.loads(client_json)
    form = f"grant_type=client_credentials&client_id={client['client_id']}&client_secret={client['client_secret']}"
    return call("POST", APIS[0] + "/openadr3/3.0.1/auth/token", form=form)["access_token"]


def sql(query):
    return subprocess.run(["psql", "-Atq", "-c", query], capture_output=True, text=True, check=True).stdout.strip()


operator, utility = token(operator_json), token(utility_json)
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
        env = dict(os.environ, CURTAIL_LISTEN=f"127.0.0.1:{PORT_A}")
        log = open(f"{logs}/curtail-{PORT_A}.log", "a")
        pids[0] = str(subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log).pid)
        open(f"{logs}/pids", "w").write(" ".join(pids))
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
sim = {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")}
wrong = sql("SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.applied = 'stopped' AND s.prior_charging").split()
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
    endpoint = "vehicle_data (charge_state)" if read else "command/charge_stop"
    print(f"wrk -t2 -c64 -d5s on {endpoint} over {len(targets)} awake Teslas: {rate:.0f} req/s ({non2xx})")
    print(f"engine {engine_rate:.0f} req/s vs wrk {rate:.0f} req/s (ratio {engine_rate / max(rate, 1):.2f})")


if latency == "0s" and not crash:
    wrk_compare()
