#!/usr/bin/env bash
# One script, same minutes: 3-activity workflows per second at 1/10/100 in flight for
#   (1) the embedded Temporal server with the real Temporalio SDK worker and client (bench/DurableDelivery.Bench.Server),
#   (b) DBOS Transact 5.3 on a throwaway PostgreSQL 15 (bench/dbos/run.sh).
# Usage: bench/server-vs-peers.sh [--duration S] [--repeats N]     (docs/benchmarks.md, "Summary")
set -euo pipefail
cd "$(dirname "$0")/.."
duration=5
repeats=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "server-vs-peers: unknown argument '$1' (use --duration S, --repeats N)" >&2; exit 2 ;;
  esac
done

echo "== build (Release)"
dotnet build bench/DurableDelivery.Bench.Server -c Release -v q -nologo | tail -1
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== (1) embedded Temporal server + real SDK"
bench/DurableDelivery.Bench.Server/bin/Release/net10.0/DurableDelivery.Bench.Server --only throughput \
  --concurrency 1,10,100 --duration "$duration" --repeats "$repeats" --warmup 4 2>&1 | grep -v ' WARN ' | tail -4

echo "== (b) DBOS Transact 5.3 on PostgreSQL 15"
bench/dbos/run.sh --concurrency 1,10,100 --duration "$duration" --repeats "$repeats" 2>&1 | grep -E 'N=|median|error' | grep -v Deprecation
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
