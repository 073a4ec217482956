"""Points the vendors' published Python SDKs at a running `curtail sim` and checks that they work unchanged:
listing vehicles, reading charge state, and start/stop/limit commands. Exit status 0 when every check passes.

Usage: python sim_sdk_check.py http://127.0.0.1:9090
"""
import asyncio
import json
import os
import sys
import urllib.request

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:9090"
os.environ["SMARTCAR_API_ORIGIN"] = BASE
os.environ["SMARTCAR_AUTH_ORIGIN"] = BASE + "/oauth/token"

failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (f"  ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(name)


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def pick(vendor, predicate):
    accounts = {a["id"]: a for a in control("GET", "/_sim/accounts")}
    for v in control("GET", f"/_sim/vehicles?vendor={vendor}"):
        if predicate(v):
            return v, accounts[v["account_id"]]
    raise SystemExit(f"no {vendor} vehicle fits")


async def tesla_checks():
    import aiohttp
    from tesla_fleet_api import TeslaFleetApi

    vehicle, account = pick("tesla", lambda v: True)
    vin = vehicle["id"]
    control("PATCH", f"/_sim/vehicles/{vin}", {"plugged_in": True, "asleep": False, "soc": 40, "charging": True})
    control("PATCH", f"/_sim/accounts/{account['id']}", {"limits": {"vehicle_commands_per_minute": None}})
    async with aiohttp.ClientSession() as session:
        api = TeslaFleetApi(session=session, access_token=account["access_token"], server=BASE)
        car = api.vehicles.createFleet(vin)
        listed = await car.list()
        check("tesla: list vehicles", any(v["vin"] == vin for v in listed["response"]), listed)
        data = await car.vehicle_data(endpoints=["charge_state"])
        cs = data["response"]["charge_state"]
        check("tesla: vehicle_data charge_state", cs["charging_state"] == "Charging" and isinstance(cs["charger_power"], int), cs)
        r = await car.charge_stop()
        check("tesla: charge_stop", r["response"]["result"] is True, r)
        r = await car.charge_stop()
        check("tesla: charge_stop again → not_charging", r["response"] == {"result": False, "reason": "not_charging"}, r)
        r = await car.charge_start()
        check("tesla: charge_start", r["response"]["result"] is True, r)
        r = await car.set_charge_limit(75)
        check("tesla: set_charge_limit", r["response"]["result"] is True, r)
        r = await car.set_charging_amps(8)
        check("tesla: set_charging_amps", r["response"]["result"] is True, r)
        cs = (await car.vehicle_data(endpoints=["charge_state"]))["response"]["charge_state"]
        check("tesla: state reflects commands", cs["charge_limit_soc"] == 75 and cs["charge_amps"] == 8, cs)
        r = await car.wake_up()
        check("tesla: wake_up", r["response"]["state"] == "online", r)


def smartcar_checks():
    import smartcar

    vehicle, account = pick(
        "smartcar", lambda v: v["make"] in ("FORD", "VOLKSWAGEN", "TESLA") and not v["schedule_enabled"])
    vid = vehicle["id"]
    control("PATCH", f"/_sim/vehicles/{vid}", {"plugged_in": True, "soc": 55, "charging": False})
    control("PATCH", f"/_sim/accounts/{account['id']}", {"limits": {"vehicle_requests_per_hour": None}})
    token = account["access_token"]
    listed = smartcar.get_vehicles(token)
    check("smartcar: get_vehicles", vid in listed.vehicles, listed)
    car = smartcar.Vehicle(vid, token)
    attrs = car.attributes()
    check("smartcar: attributes", attrs.make == vehicle["make"], attrs)
    charge = car.charge()
    check("smartcar: charge", charge.is_plugged_in is True and charge.state == "NOT_CHARGING", charge)
    battery = car.battery()
    check("smartcar: battery", abs(battery.percent_remaining - 0.55) < 0.01, battery)
    r = car.start_charge()
    check("smartcar: start_charge", r.status == "success", r)
    check("smartcar: charge after start", car.charge().state == "CHARGING")
    r = car.stop_charge()
    check("smartcar: stop_charge", r.status == "success", r)
    try:
        car.stop_charge()
        check("smartcar: stop when stopped → NOT_CHARGING", False, "no error")
    except smartcar.SmartcarException as e:
        check("smartcar: stop when stopped → NOT_CHARGING", e.code == "NOT_CHARGING" and e.status_code == 409, e)
    r = car.set_charge_limit(0.7)
    check("smartcar: set_charge_limit", r.status == "success", r)
    check("smartcar: get_charge_limit", abs(car.get_charge_limit().limit - 0.7) < 1e-9)
    client = smartcar.AuthClient(client_id="sim", client_secret="sim", redirect_uri="http://localhost/cb")
    access = client.exchange_refresh_token(account["refresh_token"])
    check("smartcar: exchange_refresh_token rotates", access.refresh_token != account["refresh_token"], access)
    check("smartcar: new access token works", smartcar.Vehicle(vid, access.access_token).charge().is_plugged_in)


def main():
    asyncio.run(tesla_checks())
    smartcar_checks()
    print(f"{'OK' if not failures else 'FAILED'}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
