#!/usr/bin/env bash
# Lint, type-check and run the whole test suite. Exits non-zero on any failure,
# including a pytest run that collected no tests (pytest's exit status 5).
set -uo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff format --check src tests evals bench || exit 1
.venv/bin/ruff check src tests evals bench || exit 1
.venv/bin/mypy || exit 1

.venv/bin/pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
