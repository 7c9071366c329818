#!/usr/bin/env bash
# Runs a Python benchmark program against a throwaway PostgreSQL 15 cluster with benchmark
# settings; the cluster is stopped and removed at exit, whatever happens. MVVD should be built
# and installed first (`make && make install` at the repo top).
# Usage (as root): bash bench/with_cluster.sh SHARED_BUFFERS PROGRAM.py [program options]
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/deps.sh
source test/lib/cluster.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# Debian's python3-psycopg and python3-numpy belong to the system python, not to any other one.
PYTHON=${PYTHON:-/usr/bin/python3}
shared_buffers=$1
program=$2
shift 2

# Only what the benchmarks need; mvvd_install_deps is a no-op when they are all present.
# shellcheck disable=SC2034  # read by mvvd_install_deps
MVVD_PACKAGES=(postgresql-15 python3-numpy python3-psycopg)
mvvd_install_deps

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/mvvd.control" ]; then
  echo "note: MVVD is not installed; run \`make && make install\` at the repo top to measure it" >&2
fi

export MVVD_EXTRA_CONF="shared_buffers = $shared_buffers
maintenance_work_mem = $shared_buffers
max_parallel_maintenance_workers = 1
jit = off
work_mem = 64MB"
trap mvvd_cluster_stop EXIT
mvvd_cluster_start
"$PYTHON" "$program" "$@"
