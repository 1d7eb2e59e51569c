#!/usr/bin/env bash
# Lint, type-check, gate on the project's eval set, then run the whole test suite.
# Exits non-zero on any failure, including a pytest run that collected no tests
# (pytest's exit status 5). With arguments, only pytest runs, with those arguments.
set -uo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff format --check src tests evals bench || exit 1
.venv/bin/ruff check src tests evals bench || exit 1
.venv/bin/mypy || exit 1

# The quality gate: the project's own eval set against evals/thresholds.toml.
if [ "$#" -eq 0 ]; then
  .venv/bin/tracker-rag eval --thresholds evals/thresholds.toml || exit 1
fi

.venv/bin/pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
