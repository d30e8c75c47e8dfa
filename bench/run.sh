#!/usr/bin/env bash
# The ChatIngest benchmark (docs/performance.md): builds the Release binaries, then runs bench.py.
#   bench/run.sh            full run: a, b, c at 16/64/256 connections (15 s each), d and e with 1,000,000 lines
#   bench/run.sh --quick    smoke run: a few seconds per step, 20,000 replay lines
#   bench/run.sh --soak     5 minutes of sustained push at 64 connections, sampling RSS
# Other options: --only b,c  --seconds N  --lines N  --orders-per-18 N (the mix; default 4). Results: bench/results/<time>.md and .json.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  sed -n '2,6p' "$0" | cut -c3-   # the usage above, without building anything or needing wrk
  exit 0
fi
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk curl python3)" >&2; exit 1; }
done
for project in src/ChatIngest.Api bench/ChatIngest.Bench.Ceiling bench/ChatIngest.Bench.Naive bench/ChatIngest.Bench.Load; do
  dotnet build -c Release --nologo -v q "$project" >/dev/null || { dotnet build -c Release --nologo "$project"; exit 1; }
done
exec python3 bench/bench.py "$@"
