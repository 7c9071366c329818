#!/usr/bin/env bash
# Runs the SQL benchmark (bench/sql_bench.py) against a throwaway PostgreSQL 15 cluster with
# benchmark settings; the cluster is stopped and removed at exit, whatever happens.
# Assumes MVVD is built and installed (`make && make install` at the repo top); pgvector is
# measured too when the server has its extension `vector` installed.
# Usage (as root): bash bench/sql_bench.sh [sql_bench.py options]
#   bash bench/sql_bench.sh --systems pgvector --builds 3
#   bash bench/sql_bench.sh --n 5000 --ef 10,40 --json /tmp/bench.json
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/deps.sh
source test/lib/cluster.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# Debian's python3-psycopg and python3-numpy belong to the system python, not to any other one.
PYTHON=${PYTHON:-/usr/bin/python3}

# Only what the benchmark needs; mvvd_install_deps is a no-op when they are all present.
# shellcheck disable=SC2034  # read by mvvd_install_deps
MVVD_PACKAGES=(postgresql-15 python3-numpy python3-psycopg)
mvvd_install_deps

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/mvvd.control" ]; then
  echo "note: MVVD is not installed; run \`make && make install\` at the repo top to measure it" >&2
fi

export MVVD_EXTRA_CONF="shared_buffers = 4GB
maintenance_work_mem = 4GB
max_parallel_maintenance_workers = 1
jit = off
work_mem = 64MB"
trap mvvd_cluster_stop EXIT
mvvd_cluster_start
"$PYTHON" bench/sql_bench.py "$@"
