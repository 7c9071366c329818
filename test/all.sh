#!/usr/bin/env bash
# Runs every test layer of MVVD on this machine: installs the Debian packages it needs, builds with
# warnings as errors, runs the C++ core's GoogleTest suite, installs the extension, runs the
# pg_regress suite against a throwaway PostgreSQL cluster that is always stopped afterwards, and
# the TAP tests (crash recovery, streaming standby) on clusters of their own.
# Usage (as root on a fresh Debian bookworm machine, or as a user with the packages installed
# and write access to PostgreSQL's directories): bash test/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/deps.sh
source test/lib/cluster.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

step() { printf '\n==== %s\n' "$*"; }

step "packages"
mvvd_install_deps

step "build (warnings are errors)"
make -s -j2 MVVD_WERROR=1

step "format and symbols"
bash test/check_format.sh
bash test/check_symbols.sh mvvd.so "src/sql/mvvd--$(sed -n "s/^default_version = '\(.*\)'/\1/p" mvvd.control).sql"

step "core unit tests (GoogleTest)"
make -s unittest

step "install"
make -s install

step "pg_regress"
trap mvvd_cluster_stop EXIT
mvvd_cluster_start
if ! make -s installcheck; then
  [ -f regression.diffs ] && head -n 200 regression.diffs
  echo "---- server log (tail)"; tail -n 50 "$MVVD_CLUSTER_DIR/server.log"
  exit 1
fi

mvvd_cluster_stop

step "TAP (crash recovery, streaming standby)"
bash test/tap.sh

step "all tests passed"
