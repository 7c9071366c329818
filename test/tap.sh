#!/usr/bin/env bash
# Runs MVVD's TAP tests (test/t/*.pl) with PostgreSQL's own TAP framework (PostgreSQL::Test::Cluster)
# against the installed extension. The tests are copied into a fresh temp dir owned by the user that
# runs them (postgres when invoked as root: PostgreSQL refuses to run as root), so the repo's parent
# directories need not be readable by that user. Any server a failed test left running is stopped,
# and the tests' logs are printed on failure.
# Usage: bash test/tap.sh [test files relative to test/, e.g. t/001_hnsw_crash.pl]
# Env: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config), MVVD_TAP_KEEP=1 keeps the temp dir.
set -euo pipefail

SRC_DIR=$(cd "$(dirname "$0")" && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..   # .../lib/pgxs/src/makefiles/.. = .../lib/pgxs/src
PGXS_DIR=$(cd "$PGXS_DIR" && pwd)
PERL_LIB_DIR=$PGXS_DIR/test/perl
PG_REGRESS_BIN=$PGXS_DIR/test/regress/pg_regress

for f in "$PERL_LIB_DIR/PostgreSQL/Test/Cluster.pm" "$PG_REGRESS_BIN" "$PG_BINDIR/initdb"; do
  [ -e "$f" ] || { echo "tap.sh: missing $f (is postgresql-server-dev / postgresql installed?)" >&2; exit 2; }
done
perl -MIPC::Run -e 1 2>/dev/null || { echo "tap.sh: Perl module IPC::Run missing (apt-get install libipc-run-perl)" >&2; exit 2; }

if [ "$(id -u)" -eq 0 ]; then
  RUN_USER=postgres
  as_user() { runuser -u "$RUN_USER" -- "$@"; }
else
  RUN_USER=$(id -un)
  as_user() { "$@"; }
fi

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mvvd-tap.XXXXXX")
chmod 755 "$WORK_DIR"
cp -R "$SRC_DIR/t" "$WORK_DIR/t"
if [ "$(id -u)" -eq 0 ]; then chown -R "$RUN_USER": "$WORK_DIR"; fi

status=1
cleanup() {
  local pidfile datadir
  # Stop every server a test left behind (a passing test stops its own; a failed one may not).
  while IFS= read -r -d '' pidfile; do
    datadir=$(dirname "$pidfile")
    echo "tap.sh: stopping leftover server in $datadir" >&2
    as_user "$PG_BINDIR/pg_ctl" stop -m immediate -D "$datadir" >/dev/null 2>&1 || true
  done < <(find "$WORK_DIR" -name postmaster.pid -print0 2>/dev/null)
  if [ "$status" -eq 0 ] && [ -z "${MVVD_TAP_KEEP:-}" ]; then
    rm -rf "$WORK_DIR"
  else
    echo "tap.sh: test files and logs kept in $WORK_DIR" >&2
  fi
}
trap cleanup EXIT

cd "$WORK_DIR"
if [ "$#" -gt 0 ]; then TESTS=("$@"); else TESTS=(t/*.pl); fi
[ -e "${TESTS[0]}" ] || { echo "tap.sh: no tests found (${TESTS[*]})" >&2; exit 2; }
if as_user env \
    PATH="$PG_BINDIR:$PATH" \
    PERL5LIB="$PERL_LIB_DIR${PERL5LIB:+:$PERL5LIB}" \
    PG_REGRESS="$PG_REGRESS_BIN" \
    PG_CONFIG="$PG_CONFIG" \
    TESTDIR="$WORK_DIR" \
    top_builddir="$WORK_DIR" \
    PG_TEST_TIMEOUT_DEFAULT="${PG_TEST_TIMEOUT_DEFAULT:-180}" \
    prove -v --timer "${TESTS[@]}"; then
  status=0
else
  status=$?
  echo
  echo "==== TAP tests failed; logs follow"
  # Server logs use log_statement = all and can be long: show the end of those.
  for log in "$WORK_DIR"/tmp_check/log/*; do
    [ -f "$log" ] || continue
    lines=$(wc -l <"$log")
    if [ "$lines" -gt 400 ] && [[ $(basename "$log") != regress_log_* ]]; then
      echo "---- $log (last 400 of $lines lines)"
      tail -n 400 "$log"
    else
      echo "---- $log"
      cat "$log"
    fi
  done
fi
exit "$status"
