#!/usr/bin/env bash
# Runs the multivector benchmark (bench/multivector_bench.py: MVVD's multivector index against a
# member table searched per query vector and re-scored in SQL, and an exact sequential scan)
# against a throwaway PostgreSQL 15 cluster (shared_buffers and maintenance_work_mem 2GB).
# Not part of CI.
# Usage (as root): bash bench/multivector_bench.sh [multivector_bench.py options]
#   bash bench/multivector_bench.sh --docs 2000 --queries 50
#   bash bench/multivector_bench.sh --candidates 10,50 --baseline-n 50 --json /tmp/mv.json
exec bash "$(dirname "$0")/with_cluster.sh" 2GB bench/multivector_bench.py "$@"
