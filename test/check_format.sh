#!/usr/bin/env bash
# Fails when a C or C++ source is not clang-format clean (src/pg has its own PostgreSQL-like style
# file). Skipped, with a note, where clang-format is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format not installed: format check skipped"
  exit 0
fi
bad=$(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null | while read -r f; do
  [ -f "$f" ] || continue
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
done)
if [ -n "$bad" ]; then
  echo "not clang-format clean (run clang-format -i on them):"
  echo "$bad"
  exit 1
fi
echo "format: clean"
