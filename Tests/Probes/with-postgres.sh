#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server and STANDING_TEST_DATABASE_URL (plus PGPASSWORD) set for it:
#
#   Tests/Probes/with-postgres.sh swift test        # what .ci/run does: the store tests run against SQLite and PostgreSQL
#   Tests/Probes/with-postgres.sh bash              # a shell with the URL set, for working on the PostgreSQL store
#
# Installs Debian's `postgresql` when initdb is missing, creates a cluster with initdb in a temporary directory (as the
# `postgres` user when run as root: PostgreSQL refuses to run as root), listens on 127.0.0.1 only (port
# STANDING_TEST_PG_PORT, default 55432) with SCRAM password authentication, creates a role and a database owned by it,
# runs the command, then stops the server and removes the directory whatever the command's outcome. The exit status is
# the command's. Bounded: the server gets 60 s to start and to stop.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGUMENT...]" >&2
    exit 2
fi

port="${STANDING_TEST_PG_PORT:-55432}"

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
    echo "installing: postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(find_bin)"
fi

# The server's user: `postgres` (created by Debian's package) when we are root, ourselves otherwise.
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

started_at=$(date +%s)
cluster="$(mktemp -d /tmp/standing-pg.XXXXXX)"
password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 24)"
role=standing
database=standing_test
[ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
chmod 700 "$cluster"

stop() {
    if [ -f "$cluster/data/postmaster.pid" ]; then
        as_server_user "$bin/pg_ctl" -D "$cluster/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster"
}
trap stop EXIT

printf '%s\n' "$password" >"$cluster/pwfile"
[ "$(id -u)" -eq 0 ] && chown postgres: "$cluster/pwfile"
# The superuser is the server's OS user (peer-free: only the Unix socket in the cluster directory, with the password).
as_server_user "$bin/initdb" -D "$cluster/data" -U postgres --pwfile="$cluster/pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
rm -f "$cluster/pwfile"
# Durability as the ops notes recommend (fsync and synchronous_commit stay on), sized for a test machine.
as_server_user "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$cluster -c max_connections=200" \
    start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }

export PGPASSWORD="$password"
psql_admin() { as_server_user env PGPASSWORD="$password" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_admin -d postgres -c "CREATE ROLE $role LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE $database OWNER $role"

export STANDING_TEST_DATABASE_URL="postgres://$role@127.0.0.1:$port/$database"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ready in $(($(date +%s) - started_at)) s;" \
    "STANDING_TEST_DATABASE_URL=$STANDING_TEST_DATABASE_URL"
status=0
"$@" || status=$?
exit $status
