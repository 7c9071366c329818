#!/usr/bin/env bash
# Fails when the extension library needs a symbol that neither the postgres server nor the shared
# libraries it links (libc, libm, libstdc++, libgcc) provide: such a library would load in a test
# build and fail with "undefined symbol" on a user's server.
set -euo pipefail
lib=${1:?usage: check_symbols.sh path/to/mvvd.so}
postgres_bin=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin/postgres}

defined=$(mktemp)
trap 'rm -f "$defined"' EXIT
{
  nm -D --defined-only "$postgres_bin" | awk '{print $3}'
  ldd "$lib" | awk '/=> \// {print $3}' | while read -r dep; do
    nm -D --defined-only "$dep" | awk '{print $3}'
  done
} | sed 's/@.*//' | sort -u >"$defined"

missing=$(nm -D --undefined-only "$lib" | awk '{print $2}' | sed 's/@.*//' | sort -u |
  grep -v -E '^(_ITM_|__gmon_start__|_Jv_RegisterClasses|__cxa_finalize)' | comm -23 - "$defined")
if [ -n "$missing" ]; then
  echo "$lib needs symbols nothing provides:"
  echo "$missing"
  exit 1
fi
echo "symbols: every undefined symbol of $lib is provided"
