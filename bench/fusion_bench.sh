#!/usr/bin/env bash
# Runs the cross-field search benchmark (bench/fusion_bench.py) against a throwaway PostgreSQL 15
# cluster with benchmark settings (shared_buffers and maintenance_work_mem 4GB).
# Usage (as root): bash bench/fusion_bench.sh [fusion_bench.py options]
#   bash bench/fusion_bench.sh --n 20000 --nq 100 --mfeat none
exec bash "$(dirname "$0")/with_cluster.sh" 4GB bench/fusion_bench.py "$@"
