"""Drives scripts/fault-simulator: a SIMPLE event, the vendors down (every vendor and token request dropped
unanswered, POST /_sim/faults {"outage_seconds": N}) as soon as the event's vehicles are planned, so the commands
in flight finish and the rest meet the outage, then the event cancelled and
the fleet restored; prints the timeline and checks the simulator's view: nothing lost, nothing duplicated."""
import os
import sys
import time

from stack import (SIM, Clock, call, check_curtailed, check_restored, duplicated_commands, enrol, explain, ford_schedule_quirk,
                   outcomes,
                   post_simple_event, progress, sim_vehicles, sql, token)

outage, latency = float(sys.argv[1]), sys.argv[2]
APIS = ["http://127.0.0.1:18281", "http://127.0.0.1:18282"]
operator, utility = token(APIS[0], os.environ["OPERATOR"]), token(APIS[0], os.environ["UTILITY"])
clock = Clock()


def log(message):
    print(f"  {clock.stamp()}  {message}", flush=True)


enrol(APIS, operator)
vehicles = int(sql("SELECT count(*) FROM vehicles"))
before = sim_vehicles()
# Vehicles the simulator has out of coverage from the start can never be commanded; they are reported, not waited for.
out_of_reach = {vid for vid, v in before.items() if v["unreachable"]}
log(f"enrolled {vehicles} vehicles ({len(out_of_reach)} out of coverage in the simulator from the start)")
# Vendor latency keeps the curtailment going long enough for the outage to land in the middle of it; the outage
# POST replaces the fault configuration, so the latency is set again with it.
call("POST", SIM + "/_sim/faults", {"latency": latency})
log(f"simulator latency now {latency}")


def waiting():
    """Vehicles Curtail still has to move (unreachable ones included), except those the simulator never reaches."""
    rows = sql("""SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                  WHERE s.desired <> s.applied AND s.blocked_generation IS DISTINCT FROM s.generation""").split()
    return len([r for r in rows if r not in out_of_reach])


def status_line():
    wanted, done, _, not_normal = progress()
    row = sql("""SELECT count(*) FILTER (WHERE outcome = 'retry'), count(*) FILTER (WHERE outcome IN ('done', 'already'))
                 FROM vehicle_commands""").split("|")
    unreachable = sql("SELECT count(*) FROM vehicle_states WHERE unreachable")
    return (f"targets {wanted:5}  curtailed {done:5}  waiting {waiting():5}  not normal {not_normal:5}  "
            f"failed attempts {row[0]:>6}  effective commands {row[1]:>6}  marked unreachable {unreachable:>4}")


outage_started = outage_ended = None


def wait(until, what, fault_when=None, limit=900):
    global outage_started, outage_ended
    last_line, last_print, start = None, 0, clock()
    while clock() - start < limit:
        line = status_line()
        p = progress()
        if line != last_line and (clock() - last_print >= 5 or outage_started is None):
            log(line)
            last_line, last_print = line, clock()
        if fault_when is not None and outage_started is None and fault_when(p):
            call("POST", SIM + "/_sim/faults", {"outage_seconds": outage, "latency": latency})
            outage_started = clock()
            log(f"vendors down for {outage:.0f} s: every vendor and token request dropped unanswered (/_sim stays up)")
        if outage_started is not None and outage_ended is None and clock() - outage_started >= outage:
            outage_ended = clock()
            log("outage over: the vendors answer again")
        if (fault_when is None or outage_ended is not None) and until(p):
            log(f"{what} ({status_line()})")
            return True
        time.sleep(1)
    log(f"gave up waiting: {what}")
    return False


event, start = post_simple_event(APIS[0], utility)
log(f"event {event['id']} posted (SIMPLE 3)")
curtail_ok = wait(lambda p: p[0] > 0 and waiting() == 0, "every reachable curtail target applied",
                  fault_when=lambda p: p[0] > 0)
settled = clock()
checked, wrong = check_curtailed(sim_vehicles())
log(f"simulator agrees with {checked - len(wrong)}/{checked} curtailed vehicles; disagreeing: {wrong[:5]}")
call("DELETE", f"{APIS[1]}/openadr3/3.0.1/events/{event['id']}", bearer=utility)
log("event deleted (cancelled)")
restore_ok = wait(lambda p: p[0] == 0 and waiting() == 0, "every reachable vehicle back to normal")
after = sim_vehicles()
changed = [c for c in check_restored(before, after) if c[0] not in out_of_reach]
duplicated, mixed = duplicated_commands()
lost = sql("""SELECT count(*) FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
              WHERE s.applied <> 'normal' OR s.desired <> 'normal'""")

print("== figures")
print(f"vehicles {vehicles}, vendor latency {latency}; vendors down {outage:.0f} s from t+{outage_started:.1f}s to t+{outage_ended:.1f}s")
print(f"curtailment settled: {curtail_ok} at t+{settled:.1f}s ({settled - outage_ended:.1f} s after the outage); "
      f"simulator disagrees with {len(wrong)} of {checked} curtailed vehicles")
quirk = [c for c in changed if ford_schedule_quirk(c[0], c[1], after)]
other = [c for c in changed if c not in quirk]
print(f"restore settled: {restore_ok}; vehicles whose own settings differ from before the event: {len(other)} {other[:5]}")
print(f"  plus {len(quirk)} Ford/Lincoln with a location schedule whose limit reads 100 after START (vendor quirk, "
      f"smartcar.md §7; Curtail sets the limit back first): {quirk[:2]}")
if changed:
    print(explain([c[0] for c in other + quirk], after))
print(f"vehicles not back to normal in Curtail: {lost} (out of coverage from the start: {len(out_of_reach)})")
print(f"effective commands repeated for one vehicle/generation/step: {duplicated}; generations whose effective commands came from two processes: {mixed}")
print(f"command outcomes: {outcomes()}")
print(f"attempts per vehicle that needed retries: " + sql("""SELECT coalesce(max(n), 0) || ' max, ' || coalesce(round(avg(n), 1), 0) || ' mean'
      FROM (SELECT vehicle_id, count(*) AS n FROM vehicle_commands WHERE outcome = 'retry' GROUP BY 1) r"""))
