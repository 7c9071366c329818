#!/usr/bin/env bash
# Runs the multivector benchmark (bench/multivector_bench.py: MVVD's multivector index against a
# member table searched per query vector and re-scored in SQL, and an exact sequential scan)
# against a throwaway PostgreSQL 15 cluster with benchmark settings; the cluster is stopped and
# removed at exit, whatever happens. Assumes MVVD is built and installed (`make && make install`
# at the repo top). Not part of CI.
# Usage (as root): bash bench/multivector_bench.sh [multivector_bench.py options]
#   bash bench/multivector_bench.sh --docs 2000 --queries 50
#   bash bench/multivector_bench.sh --candidates 10,50 --baseline-n 50 --json /tmp/mv.json
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
  echo "MVVD is not installed; run \`make && make install\` at the repo top first" >&2
  exit 1
fi

export MVVD_EXTRA_CONF="shared_buffers = 2GB
maintenance_work_mem = 2GB
max_parallel_maintenance_workers = 1
jit = off
work_mem = 64MB"
trap mvvd_cluster_stop EXIT
mvvd_cluster_start
"$PYTHON" bench/multivector_bench.py "$@"
