#!/usr/bin/env bash
# Run every benchmark once, one after another, at the sizes bench/RESULTS.md quotes.
# Usage: bash bench/run_all.sh OUT_DIR   (about an hour on 2 idle cores)
# Each script's table goes to OUT_DIR/<name>.txt and its figures to OUT_DIR/<name>.json.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: bash bench/run_all.sh OUT_DIR}"
mkdir -p "$out"
python=.venv/bin/python
status=0

run() {
  local name="$1"
  shift
  echo "== $name: $*" >&2
  "$python" "bench/$name.py" "$@" --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.log" || status=1
  cat "$out/$name.txt"
}

run ingest_bench --repeats 1
run query_bench --sizes 1000,10000,100000 --http --queries 100
run throughput_bench --workers 1,2 --clients 16 --seconds 30 --repeats 3
run profile_hot_paths --articles 20 --questions 40 --out "$out/profiles"
exit "$status"
