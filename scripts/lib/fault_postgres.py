"""Drives scripts/fault-postgres: a SIMPLE event, PostgreSQL stopped and started again while vehicles are being
curtailed and again while they are being restored, /readyz watched throughout, then the simulator checked."""
import os
import subprocess
import sys
import threading
import time

from stack import (SIM, Clock, call, check_curtailed, check_restored, duplicated_commands, enrol, explain, ford_schedule_quirk,
                   outcomes,
                   post_simple_event, progress, sim_vehicles, sql, status, token)

down_seconds, mode, latency = float(sys.argv[1]), sys.argv[2], sys.argv[3]
APIS = ["http://127.0.0.1:18281", "http://127.0.0.1:18282"]
operator, utility = token(APIS[0], os.environ["OPERATOR"]), token(APIS[0], os.environ["UTILITY"])
clock = Clock()


def log(message):
    print(f"  {clock.stamp()}  {message}", flush=True)


enrol(APIS, operator)
vehicles = int(sql("SELECT count(*) FROM vehicles"))
log(f"enrolled {vehicles} vehicles")
before = sim_vehicles()
# Vendor latency keeps many commands in flight, so the restart lands in the middle of the work.
call("POST", SIM + "/_sim/faults", {"latency": latency})
log(f"simulator latency now {latency}")

# /readyz of each process, every 100 ms, transitions printed as they happen.
transitions, stop_watching = [], threading.Event()


def watch(api):
    last = "unset"
    while not stop_watching.is_set():
        code = status(api + "/readyz", timeout=2)
        if code != last:
            transitions.append((clock(), api, code))
            log(f"readyz {api[-5:]} -> {code if code else 'no answer'}")
            last = code
        time.sleep(0.1)


watchers = [threading.Thread(target=watch, args=(api,), daemon=True) for api in APIS]
for w in watchers:
    w.start()


def restart_postgres(why):
    log(f"pg_ctl stop -m {mode} ({why})")
    subprocess.run(["bash", "-c", f"source scripts/lib/pg.sh && pg_stop {mode}"], check=True)
    log(f"PostgreSQL down; starting it again in {down_seconds:.0f} s")
    time.sleep(down_seconds)
    subprocess.run(["bash", "-c", "source scripts/lib/pg.sh && pg_start"], check=True)
    log("PostgreSQL up (pg_ctl start returned)")


def safe_progress():
    try:
        return progress()
    except subprocess.CalledProcessError:
        return None


def wait(until, what, fault_when=None, fault_name=None, limit=600):
    """Polls progress every 0.5 s, printing changes, until `until(p)`; runs the fault once `fault_when(p)`."""
    last, faulted, start = None, fault_when is None, clock()
    while clock() - start < limit:
        p = safe_progress()
        if p is not None and p != last:
            log(f"targets {p[0]:5}  curtailed {p[1]:5}  to move {p[2]:5}  not normal {p[3]:5}")
            last = p
        if p is not None and not faulted and fault_when(p):
            restart_postgres(fault_name)
            faulted = True
            continue
        if p is not None and faulted and until(p):
            log(f"{what}")
            return True
        time.sleep(0.5)
    log(f"gave up waiting: {what}")
    return False


event, start = post_simple_event(APIS[0], utility)
log(f"event {event['id']} posted (SIMPLE 3)")
curtail_ok = wait(lambda p: p[0] > 0 and p[2] == 0, "every curtail target applied",
                  fault_when=lambda p: p[0] > 0 and p[1] >= p[0] * 0.25, fault_name="25% curtailed")
after_curtail = sim_vehicles()
checked, wrong = check_curtailed(after_curtail)
log(f"simulator agrees with {checked - len(wrong)}/{checked} curtailed vehicles; disagreeing: {wrong[:5]}")

call("DELETE", f"{APIS[1]}/openadr3/3.0.1/events/{event['id']}", bearer=utility)
log("event deleted (cancelled)")
targets = progress()[3]
restore_ok = wait(lambda p: p[0] == 0 and p[2] == 0, "every vehicle that can be restored is back to normal",
                  fault_when=lambda p: p[3] <= targets * 0.75, fault_name="25% restored")
stop_watching.set()
after = sim_vehicles()
changed = check_restored(before, after)
duplicated, mixed = duplicated_commands()

print("== figures")
print(f"vehicles {vehicles}, vendor latency {latency}; PostgreSQL stopped ({mode}) for {down_seconds:.0f} s twice: mid-curtailment, mid-restore")
print("readyz transitions:")
for t, api, code in transitions:
    print(f"  t+{t:6.1f}s  {api}  {code if code else 'no answer'}")
print(f"curtailment settled: {curtail_ok}; simulator disagrees with {len(wrong)} of {checked} curtailed vehicles")
quirk = [c for c in changed if ford_schedule_quirk(c[0], c[1], after)]
other = [c for c in changed if c not in quirk]
print(f"restore settled: {restore_ok}; vehicles whose own settings differ from before the event: {len(other)} {other[:5]}")
print(f"  plus {len(quirk)} Ford/Lincoln with a location schedule whose limit reads 100 after START (vendor quirk, "
      f"smartcar.md §7; Curtail sets the limit back first): {quirk[:2]}")
if changed:
    print(explain([c[0] for c in other + quirk], after))
print(f"effective commands repeated for one vehicle/generation/step: {duplicated}; generations whose effective commands came from two processes: {mixed}")
print(f"command outcomes: {outcomes()}")
stuck = sql("""SELECT v.vendor_vehicle_id || ' ' || s.applied || ' unreachable=' || s.unreachable || ' ' || coalesce(s.last_error, '')
                FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.applied <> 'normal'""").splitlines()
print(f"vehicles not back to normal in Curtail: {len(stuck)} {stuck[:5]}")
print(f"vehicles still unreachable or blocked: {sql('SELECT count(*) FROM vehicle_states WHERE unreachable OR blocked_generation = generation')}")
