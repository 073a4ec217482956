"""Enrols every simulated vendor account through Curtail's operator API and syncs its vehicles."""
import json
import sys
import urllib.request

sim, api, token = sys.argv[1:4]


def call(method, url, body=None, bearer=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


accounts = call("GET", f"{sim}/_sim/accounts")
enrolled = 0
for account in accounts:
    created = call("POST", f"{api}/v1/vendor-accounts", {
        "vendor": account["vendor"], "access_token": account["access_token"], "refresh_token": account["refresh_token"],
        "expires_at": account["expires_at"], "groups": ["demo-fleet"], "external_id": account["id"],
    }, token)
    result = call("POST", f"{api}/v1/vendor-accounts/{created['id']}/sync", {}, token)
    enrolled += len(result.get("added", []))
print(f"   {len(accounts)} accounts, {enrolled} vehicles enrolled")
