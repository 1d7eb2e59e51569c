#!/usr/bin/env bash
# Install Tracker RAG and its development tools into .venv in this checkout.
# torch goes first, pinned to the CPU build, so that nothing pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
echo "installed into $(pwd)/.venv"
