# Throwaway PostgreSQL for demos and tests. Source this file, then `pg_up`; `pg_down` removes it.
# pg_up exports DATABASE_URL, PGHOST, PGUSER and PGDATABASE. The server listens on a unix socket in a
# temp dir only (no TCP port, so no clashes), with durability off because the data is disposable.

pg_up() {
    PG_BIN="${PG_BIN:-$(pg_config --bindir 2>/dev/null)}"
    # Debian's pg_config (from libpq-dev) may point at /usr/bin; the server binaries live per version.
    if [ ! -x "$PG_BIN/initdb" ]; then
        PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    fi
    [ -x "$PG_BIN/initdb" ] || { echo "pg_up: no initdb found (install postgresql)" >&2; return 1; }
    PG_TMP="$(mktemp -d /tmp/curtail-pg.XXXXXX)"
    local run=()
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root: run the server as Debian's postgres user.
        chown postgres:postgres "$PG_TMP"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync --no-instructions >"$PG_TMP/initdb.log" 2>&1 \
        || { cat "$PG_TMP/initdb.log" >&2; return 1; }
    export PG_BIN PG_TMP
    pg_start || return 1
    export DATABASE_URL="postgresql://postgres@/postgres?host=$PG_TMP"
    export PGHOST="$PG_TMP" PGUSER=postgres PGDATABASE=postgres
}

pg_down() {
    [ -n "${PG_TMP:-}" ] || return 0
    local run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
    unset PG_TMP
}

# Starts the server pg_up created again after pg_stop (same data, same socket).
pg_start() {
    local run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 30 \
        -o "-c listen_addresses='' -c unix_socket_directories='$PG_TMP' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
}

# Stops it, keeping the data: `pg_stop fast` (clients disconnected, clean shutdown) or `pg_stop immediate` (a crash:
# recovery on the next start). For fault scripts.
pg_stop() {
    local run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m "${1:-fast}" -w stop >/dev/null
}
