#!/usr/bin/env bash
# Two checks of the extension library's dynamic symbols:
# - it exports exactly what Postgres looks up: Pg_magic_func, _PG_init, and each C function the
#   extension script names with its pg_finfo_ record. Postgres loads libraries with RTLD_GLOBAL,
#   so any other exported name can clash with another extension's (pgvector exports hnswbuild,
#   l2_distance, ...) and bind one library's calls to the other's functions;
# - it needs no symbol that neither the postgres server nor the shared libraries it links (libc,
#   libm, libstdc++, libgcc) provide: such a library would load in a test build and fail with
#   "undefined symbol" on a user's server.
# Usage: check_symbols.sh path/to/mvvd.so path/to/mvvd--VERSION.sql
set -euo pipefail
lib=${1:?usage: check_symbols.sh path/to/mvvd.so path/to/extension-script.sql}
script=${2:?usage: check_symbols.sh path/to/mvvd.so path/to/extension-script.sql}
postgres_bin=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin/postgres}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the extension script makes Postgres look up.
{
  echo Pg_magic_func
  echo _PG_init
  grep -o "'MODULE_PATHNAME', *'[A-Za-z0-9_]*'" "$script" | sed "s/.*, *'//; s/'//" |
    while read -r fn; do echo "$fn"; echo "pg_finfo_$fn"; done
} | sort -u >"$tmp/wanted"
if grep -q "AS 'MODULE_PATHNAME' " "$script"; then
  echo "$script names a C function without its symbol (AS 'MODULE_PATHNAME', 'mvvd_...'):"
  grep -n "AS 'MODULE_PATHNAME' " "$script"
  exit 1
fi
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"
extra=$(comm -23 "$tmp/exported" "$tmp/wanted")
absent=$(comm -13 "$tmp/exported" "$tmp/wanted")
if [ -n "$extra" ]; then
  echo "$lib exports $(echo "$extra" | wc -l) names Postgres does not look up, e.g.:"
  echo "$extra" | head -n 20
  exit 1
fi
if [ -n "$absent" ]; then
  echo "$lib does not export what its extension script names:"
  echo "$absent"
  exit 1
fi
if grep -v -E '^(Pg_magic_func|_PG_init|(pg_finfo_)?mvvd_[a-z0-9_]+)$' "$tmp/wanted"; then
  echo "exported names above lack the mvvd_ prefix"
  exit 1
fi

{
  nm -D --defined-only "$postgres_bin" | awk '{print $3}'
  ldd "$lib" | awk '/=> \// {print $3}' | while read -r dep; do
    nm -D --defined-only "$dep" | awk '{print $3}'
  done
} | sed 's/@.*//' | sort -u >"$tmp/defined"

missing=$(nm -D --undefined-only "$lib" | awk '{print $2}' | sed 's/@.*//' | sort -u |
  grep -v -E '^(_ITM_|__gmon_start__|_Jv_RegisterClasses|__cxa_finalize)' | comm -23 - "$tmp/defined")
if [ -n "$missing" ]; then
  echo "$lib needs symbols nothing provides:"
  echo "$missing"
  exit 1
fi
echo "symbols: $lib exports only its $(wc -l <"$tmp/wanted") names; every symbol it needs is provided"
