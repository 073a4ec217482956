# The whole system on one machine, for benchmarks and fault scripts: a throwaway PostgreSQL (unless DATABASE_URL is
# set), the simulator on 127.0.0.1:19090 and Curtail processes on the given ports, all sharing one database.
# Source after setup.sh and pg.sh, from the repository root; then
#
#   stack_up VEHICLES PORT...     e.g. stack_up 2000 18281 18282
#
# leaves: BIN (the release binary), STACK_LOGS (a temp dir: sim.log, curtail-PORT.log, pids), STACK_PIDS (sim first,
# then one Curtail process per port, also written to $STACK_LOGS/pids), OPERATOR and UTILITY (client JSON for
# `scripts/lib/stack.py`). stack_down kills them (and any pid a script appended to $STACK_LOGS/pids) and pg_down.
# Extra simulator flags: SIM_EXTRA_ARGS (array).

stack_up() {
    local vehicles="$1"
    shift
    ensure_system_packages curl python3
    swift build -c release --product curtail 2>&1 | tail -n 1
    BIN=.build/release/curtail
    STACK_PIDS=()
    [ -n "${DATABASE_URL:-}" ] || pg_up
    export CURTAIL_SECRET_KEY="$(openssl rand -hex 32)" CURTAIL_RESTORE_SPREAD="${CURTAIL_RESTORE_SPREAD:-0s}"
    export CURTAIL_CONTROL_SHARE="${CURTAIL_CONTROL_SHARE:-0}"
    export TESLA_API_BASE=http://127.0.0.1:19090 TESLA_AUTH_URL=http://127.0.0.1:19090/oauth2/v3/token TESLA_CLIENT_ID=bench
    export SMARTCAR_API_BASE=http://127.0.0.1:19090 SMARTCAR_AUTH_URL=http://127.0.0.1:19090/oauth/token
    export SMARTCAR_CLIENT_ID=bench SMARTCAR_CLIENT_SECRET=s
    export CURTAIL_DB_POOL_SIZE="${CURTAIL_DB_POOL_SIZE:-20}" CURTAIL_LOG_LEVEL="${CURTAIL_LOG_LEVEL:-warning}"
    STACK_LOGS=$(mktemp -d /tmp/curtail-stack.XXXXXX)
    export STACK_LOGS BIN
    $BIN sim --listen 127.0.0.1:19090 --vehicles "$vehicles" --seed 3 "${SIM_EXTRA_ARGS[@]}" >"$STACK_LOGS/sim.log" 2>&1 &
    STACK_PIDS+=($!)
    echo "${STACK_PIDS[*]}" >"$STACK_LOGS/pids"
    wait_for_http http://127.0.0.1:19090/_sim/accounts 60
    $BIN migrate >/dev/null 2>&1
    local port
    for port in "$@"; do
        CURTAIL_LISTEN="127.0.0.1:$port" $BIN serve >>"$STACK_LOGS/curtail-$port.log" 2>&1 &
        STACK_PIDS+=($!)
    done
    echo "${STACK_PIDS[*]}" >"$STACK_LOGS/pids"
    for port in "$@"; do wait_for_http "http://127.0.0.1:$port/readyz" 60; done
    OPERATOR=$($BIN clients create --name stack-operator --scopes "fleet_read fleet_write read_all" 2>/dev/null)
    UTILITY=$($BIN clients create --name stack-utility --scopes "read_all write_programs write_events" 2>/dev/null)
    export OPERATOR UTILITY
}

stack_down() {
    local pid
    for pid in "${STACK_PIDS[@]}" $(cat "${STACK_LOGS:-/nonexistent}/pids" 2>/dev/null); do
        kill -9 "$pid" 2>/dev/null || true
    done
    pg_down
}
