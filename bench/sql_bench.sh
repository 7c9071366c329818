#!/usr/bin/env bash
# Runs the SQL benchmark (bench/sql_bench.py) against a throwaway PostgreSQL 15 cluster with
# benchmark settings (shared_buffers and maintenance_work_mem 4GB). pgvector is measured too when
# the server has its extension `vector` installed.
# Usage (as root): bash bench/sql_bench.sh [sql_bench.py options]
#   bash bench/sql_bench.sh --systems pgvector --builds 3
#   bash bench/sql_bench.sh --n 5000 --ef 10,40 --json /tmp/bench.json
exec bash "$(dirname "$0")/with_cluster.sh" 4GB bench/sql_bench.py "$@"
