#!/usr/bin/env bash
# Runs every test layer of MVVD on this machine: installs the Debian packages it needs, builds with
# warnings as errors, checks formatting and the library's symbols, runs the C++ core's GoogleTest
# suite, installs the extension, runs the pg_regress suite against a throwaway PostgreSQL cluster
# that is always stopped afterwards, and the TAP tests (crash recovery, streaming standby, a
# library of the same names, the index format version, concurrent inserts) on clusters of their own. Every test
# layer runs even when an earlier one failed; the last line sums them all as "N passed, N
# failed", and the exit status is non-zero if anything failed.
# Usage (as root on a fresh Debian bookworm machine, or as a user with the packages installed
# and write access to PostgreSQL's directories): bash test/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/deps.sh
source test/lib/cluster.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

step() { printf '\n==== %s\n' "$*"; }
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/mvvd-tests.XXXXXX")
passed=0
failed=0
layers=()
# Adds a layer's counts to the totals.
tally() {
  passed=$((passed + $2))
  failed=$((failed + $3))
  layers+=("$(printf '%-22s %5d passed, %d failed' "$1:" "$2" "$3")")
}
cleanup() {
  mvvd_cluster_stop
  rm -rf "$LOGS"
}
trap cleanup EXIT

step "packages"
mvvd_install_deps

step "build (warnings are errors)"
make -s -j2 MVVD_WERROR=1

step "format and symbols"
checks_ok=0
checks_bad=0
if bash test/check_format.sh; then checks_ok=$((checks_ok + 1)); else checks_bad=$((checks_bad + 1)); fi
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" mvvd.control)
if bash test/check_symbols.sh mvvd.so "src/sql/mvvd--$version.sql"; then
  checks_ok=$((checks_ok + 1))
else
  checks_bad=$((checks_bad + 1))
fi
tally "format, symbols" "$checks_ok" "$checks_bad"

step "core unit tests (GoogleTest)"
cmake -S test -B build/core -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/core -j2 >/dev/null
rm -f "$LOGS/gtest.json"
build/core/core_tests --gtest_brief=1 --gtest_output="json:$LOGS/gtest.json" || true
if [ -f "$LOGS/gtest.json" ]; then
  read -r ran bad < <(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(r["tests"], r["failures"] + r.get("errors", 0))' "$LOGS/gtest.json")
  tally "GoogleTest cases" $((ran - bad)) "$bad"
else
  tally "GoogleTest cases" 0 1 # the test program died before writing its report
fi

step "install"
make -s install

step "pg_regress"
mvvd_cluster_start
status=0
make -s installcheck 2>&1 | tee "$LOGS/regress.out" || status=$?
ok=$(grep -c -E '\.\.\. ok ' "$LOGS/regress.out" || true)
bad=$(grep -c -E '\.\.\. (FAILED|failed)' "$LOGS/regress.out" || true)
[ "$status" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1 # pg_regress itself failed
if [ "$bad" -gt 0 ]; then
  [ -f regression.diffs ] && head -n 200 regression.diffs
  echo "---- server log (tail)"
  tail -n 50 "$MVVD_CLUSTER_DIR/server.log"
fi
tally "pg_regress files" "$ok" "$bad"
mvvd_cluster_stop

step "TAP (crash recovery, streaming standby, same names, format version, concurrent inserts, space reuse, places taken during VACUUM)"
status=0
bash test/tap.sh 2>&1 | tee "$LOGS/tap.out" || status=$?
ok=$(grep -c -E '^ok [0-9]+' "$LOGS/tap.out" || true)
bad=$(grep -c -E '^not ok [0-9]+' "$LOGS/tap.out" || true)
[ "$status" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1 # a test script died
tally "TAP assertions" "$ok" "$bad"

step "summary"
printf '%s\n' "${layers[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
