"""Helpers shared by the scripts that drive a whole stack (scripts/lib/stack.sh): HTTP calls, tokens, SQL through
psql, enrolment, a SIMPLE event, progress of the reconciler, the simulator's view, and per-process RSS/fds."""
import concurrent.futures
import datetime
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

SIM = "http://127.0.0.1:19090"


def call(method, url, body=None, bearer=None, form=None, timeout=120):
    data, headers = None, {}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = form.encode(), "application/x-www-form-urlencoded"
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
        return json.loads(text) if text and response.headers.get_content_subtype().endswith("json") else text


def status(url, timeout=5):
    """The HTTP status of a GET, or None when there is no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def token(api, client_json):
    client = json.loads(client_json)
    form = f"grant_type=client_credentials&client_id={client['client_id']}&client_secret={client['client_secret']}"
    return call("POST", api + "/openadr3/3.0.1/auth/token", form=form)["access_token"]


def sql(query):
    return subprocess.run(["psql", "-Atq", "-c", query], capture_output=True, text=True, check=True).stdout.strip()


def enrol(apis, operator, group="bench", threads=16):
    """Enrols every simulator account (round-robin over `apis`) into `group` and syncs its vehicles."""
    accounts = call("GET", SIM + "/_sim/accounts")

    def one(indexed):
        index, account = indexed
        api = apis[index % len(apis)]
        created = call("POST", api + "/v1/vendor-accounts", {
            "vendor": account["vendor"], "access_token": account["access_token"],
            "refresh_token": account["refresh_token"], "expires_at": account["expires_at"], "groups": [group],
            "external_id": account["id"]}, operator)
        call("POST", f"{api}/v1/vendor-accounts/{created['id']}/sync", {}, operator)

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, enumerate(accounts)))
    return accounts


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def post_simple_event(api, utility, level=3, group="bench", duration="PT30M", program_name="bench"):
    """A program and one SIMPLE event starting now; returns (event, start)."""
    program = call("POST", api + "/openadr3/3.0.1/programs", {"programName": program_name}, utility)
    start = utc_now()
    event = call("POST", api + "/openadr3/3.0.1/events", {
        "programID": program["id"], "priority": 1, "targets": [{"type": "GROUP", "values": [group]}],
        "intervalPeriod": {"start": iso(start), "duration": duration},
        "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [level]}]}]}, utility)
    return event, start


def progress():
    """(curtail targets, curtailed as desired, vehicles still to move, vehicles not yet restored)."""
    row = sql("""SELECT count(*) FILTER (WHERE desired <> 'normal'),
                        count(*) FILTER (WHERE desired <> 'normal' AND applied = desired),
                        count(*) FILTER (WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation
                                                                  AND NOT unreachable),
                        count(*) FILTER (WHERE applied <> 'normal')
                 FROM vehicle_states""").split("|")
    return tuple(map(int, row))


def sim_vehicles():
    return {v["id"]: v for v in call("GET", SIM + "/_sim/vehicles")}


def desired_by_vendor_id():
    rows = sql("""SELECT v.vendor_vehicle_id, s.desired, s.applied FROM vehicle_states s
                  JOIN vehicles v ON v.id = s.vehicle_id""").splitlines()
    return {r.split("|")[0]: (r.split("|")[1], r.split("|")[2]) for r in rows if r}


def check_curtailed(sim):
    """Vehicles Curtail says are curtailed whose simulator state disagrees: (checked, [(id, desired, sim state)])."""
    wrong, checked = [], 0
    for vid, (desired, applied) in desired_by_vendor_id().items():
        if desired == "normal" or applied != desired:
            continue
        checked += 1
        v = sim[vid]
        if desired == "stopped" and v["charging"]:
            wrong.append((vid, desired, "charging"))
        elif desired.startswith("limited:") and v["charging"] and v["draw_amps"] > int(desired.split(":")[1]):
            wrong.append((vid, desired, f"drawing {v['draw_amps']} A"))
    return checked, wrong


SETTINGS = ("charge_enabled", "amps", "charge_limit")


def check_restored(before, after):
    """Vehicles whose own settings (charge_enabled, amps, charge_limit) differ from before the event."""
    return [(vid, {k: (before[vid][k], after[vid][k]) for k in SETTINGS if before[vid][k] != after[vid][k]})
            for vid in before if any(before[vid][k] != after[vid][k] for k in SETTINGS)]


def ford_schedule_quirk(vid, difference, after):
    """A Ford/Lincoln with a location schedule charges to 100 % on START whatever its limit (vendors/smartcar.md §7):
    its limit reads 100 after any restore that starts it, faults or not."""
    v = after[vid]
    return (v["make"] in ("FORD", "LINCOLN") and v["schedule_enabled"] and list(difference) == ["charge_limit"]
            and difference["charge_limit"][1] == 100)


def duplicated_commands(event_id=None):
    """Effective commands (done or already) repeated for one vehicle, generation and step; and generations whose
    effective commands came from two processes (a hand-over after a failure, not a repeat)."""
    where = f"AND event_id = '{event_id}'" if event_id else ""
    duplicated = int(sql(f"""SELECT count(*) FROM (SELECT vehicle_id, command_key FROM vehicle_commands
                             WHERE outcome IN ('done', 'already') {where} GROUP BY 1, 2 HAVING count(*) > 1) d"""))
    mixed = int(sql("""SELECT count(*) FROM (SELECT vehicle_id, split_part(command_key, ':', 2) AS generation
                       FROM vehicle_commands WHERE outcome IN ('done', 'already')
                       GROUP BY 1, 2 HAVING count(DISTINCT process) > 1) mixed"""))
    return duplicated, mixed


def outcomes(event_id=None):
    where = f"WHERE event_id = '{event_id}'" if event_id else ""
    rows = sql(f"SELECT outcome, count(*) FROM vehicle_commands {where} GROUP BY 1 ORDER BY 1").splitlines()
    return ", ".join(r.replace("|", " ") for r in rows)


def process_stats(pid):
    """(RSS KiB, open fds) of a live process, or None."""
    try:
        rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return None


class Clock:
    """Seconds since a start, for timelines."""

    def __init__(self):
        self.t0 = time.time()

    def __call__(self):
        return time.time() - self.t0

    def stamp(self):
        return f"{datetime.datetime.now(datetime.timezone.utc).strftime('%H:%M:%S.%f')[:-3]}Z t+{self():6.1f}s"


def explain(vendor_vehicle_ids, sim, limit=3):
    """For a few vehicles: make, and Curtail's command log (generation:step outcome), to read a mismatch."""
    lines = []
    for vid in list(vendor_vehicle_ids)[:limit]:
        log = sql(f"""SELECT string_agg(split_part(c.command_key, ':', 2) || ':' || c.command || ' ' || c.outcome
                                        || coalesce(' (' || c.reason || ')', ''), ', ' ORDER BY c.created_at)
                      FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.vendor_vehicle_id = '{vid}'""")
        v = sim.get(vid, {})
        lines.append(f"    {vid} {v.get('vendor')} {v.get('make')} {v.get('model')}: {log}")
    return "\n".join(lines)
