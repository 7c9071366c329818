# A throwaway PostgreSQL cluster on a private unix socket (no TCP port, so nothing can clash).
# Postgres refuses to run as root, so as root the server runs as the postgres user.
# Sourced by test/all.sh and test/demo.sh; call mvvd_cluster_stop from an EXIT trap.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
MVVD_CLUSTER_DIR=""

# Runs a command as the user that owns the cluster.
mvvd_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Makes a temporary directory the cluster owner can use.
mvvd_owned_tmpdir() {
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/mvvd.$1.XXXXXX")
  chmod 755 "$d"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$d"
  echo "$d"
}

# Starts a cluster and exports PGHOST/PGPORT/PGUSER/PGDATABASE for psql and pg_regress.
mvvd_cluster_start() {
  MVVD_CLUSTER_DIR=$(mvvd_owned_tmpdir cluster)
  local data="$MVVD_CLUSTER_DIR/data"
  mvvd_as_owner "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$MVVD_CLUSTER_DIR/initdb.log" 2>&1 ||
    { cat "$MVVD_CLUSTER_DIR/initdb.log" >&2; return 1; }
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$MVVD_CLUSTER_DIR'
port = 5432
fsync = off
max_parallel_workers_per_gather = 2
${MVVD_EXTRA_CONF:-}
CONF
  mvvd_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$MVVD_CLUSTER_DIR/server.log" -w -t 60 start >/dev/null ||
    { cat "$MVVD_CLUSTER_DIR/server.log" >&2; return 1; }
  export PGHOST="$MVVD_CLUSTER_DIR" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

# Stops the cluster (immediately) and removes it; safe to call twice or when none was started.
mvvd_cluster_stop() {
  [ -n "$MVVD_CLUSTER_DIR" ] || return 0
  if [ -f "$MVVD_CLUSTER_DIR/data/postmaster.pid" ]; then
    mvvd_as_owner "$PG_BIN/pg_ctl" -D "$MVVD_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$MVVD_CLUSTER_DIR"
  MVVD_CLUSTER_DIR=""
}
