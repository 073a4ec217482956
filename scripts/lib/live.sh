# A live Curtail for checks and benchmarks: a throwaway PostgreSQL (unless DATABASE_URL is set), the vehicle
# simulator and `curtail serve` on free loopback ports. Source scripts/lib/setup.sh and scripts/lib/pg.sh first.
#
#   live_up .build/debug/curtail     # exports API and LIVE_SIM (base URLs), LIVE_LOGS (log dir); `live_down` stops all
#   TOKEN=$(live_token "read_all write_programs write_events")
#
# Extra environment for the server passes through (e.g. CURTAIL_WEBHOOK_ALLOW_NETWORKS). With CURTAIL_TLS_CERT and
# CURTAIL_TLS_KEY set, the server speaks HTTPS, API is an https:// URL and curl trusts that certificate.

live_curl() {
    if [ -n "${CURTAIL_TLS_CERT:-}" ]; then curl --cacert "$CURTAIL_TLS_CERT" "$@"; else curl "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

live_up() {
    LIVE_BIN="$1"
    LIVE_PIDS=()
    LIVE_OWN_PG=0
    LIVE_LOGS="$(mktemp -d /tmp/curtail-live.XXXXXX)"
    if [ -z "${DATABASE_URL:-}" ]; then pg_up; LIVE_OWN_PG=1; fi
    local sim_port api_port
    sim_port=$(free_port)
    api_port=$(free_port)
    export LIVE_SIM="http://127.0.0.1:$sim_port"
    local sim="$LIVE_SIM"
    "$LIVE_BIN" sim --listen "127.0.0.1:$sim_port" --vehicles 20 --seed 5 >"$LIVE_LOGS/sim.log" 2>&1 &
    LIVE_PIDS+=($!)
    wait_for_http "$sim/_sim/accounts"
    export CURTAIL_LISTEN="127.0.0.1:$api_port"
    export CURTAIL_SECRET_KEY="${CURTAIL_SECRET_KEY:-$(openssl rand -hex 32)}"
    export TESLA_API_BASE="$sim" TESLA_AUTH_URL="$sim/oauth2/v3/token" TESLA_CLIENT_ID=curtail-live
    export SMARTCAR_API_BASE="$sim" SMARTCAR_AUTH_URL="$sim/oauth/token"
    export SMARTCAR_CLIENT_ID=curtail-live SMARTCAR_CLIENT_SECRET=live-secret
    export CURTAIL_LOG_LEVEL="${CURTAIL_LOG_LEVEL:-warning}"
    "$LIVE_BIN" migrate >/dev/null
    "$LIVE_BIN" serve >"$LIVE_LOGS/curtail.log" 2>&1 &
    LIVE_PIDS+=($!)
    local scheme=http
    [ -n "${CURTAIL_TLS_CERT:-}" ] && scheme=https
    export API="$scheme://127.0.0.1:$api_port"
    for _ in $(seq 1 300); do
        live_curl -fsS -o /dev/null "$API/readyz" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for $API/readyz (log: $LIVE_LOGS/curtail.log)" >&2
    return 1
}

live_down() {
    for pid in "${LIVE_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${LIVE_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    LIVE_PIDS=()
    [ "${LIVE_OWN_PG:-0}" = 1 ] && pg_down
    LIVE_OWN_PG=0
}

# Creates an API client with `scopes` (space-separated) and prints a bearer token for it.
live_client() {  # scopes → client JSON ({client_id, client_secret, ...})
    "$LIVE_BIN" clients create --name "live-$RANDOM" --scopes "$1"
}

live_token() {  # scopes → bearer token
    local client id secret
    client=$(live_client "$1")
    id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$client")
    secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")
    live_curl -fsS -X POST "$API/openadr3/3.0.1/auth/token" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$id" \
        --data-urlencode "client_secret=$secret" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
