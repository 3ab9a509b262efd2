#!/usr/bin/env bash
# Cross-process writes under load (docs/benchmarks.md, engine, session 7): the engine bench runs 100 workflows in flight
# on a store (its worker and writer in one process) while another process, `ddctl workflow start`, writes a start to
# the same store; prints how long each ddctl process took, alternating between the ddctl builds given (e.g. one built
# before a change and one after). Usage: bench/cross-process-write.sh DDCTL_A [DDCTL_B] [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
a=${1:?usage: bench/cross-process-write.sh DDCTL_A [DDCTL_B] [PAIRS]}
b=${2:-$a}
pairs=${3:-8}
bench=bench/DurableDelivery.Bench/bin/Release/net10.0/DurableDelivery.Bench
[ -x "$bench" ] || { echo "build the bench first: dotnet build bench/DurableDelivery.Bench -c Release" >&2; exit 2; }
root=$(mktemp -d /tmp/dd-xproc-XXXXXX)
trap 'kill $load 2>/dev/null || true; rm -rf "$root"' EXIT
"$bench" --only throughput --concurrency 100 --repeats 1 --warmup 3 --duration 150 --data-root "$root" --keep > "$root/bench.txt" 2>&1 &
load=$!
while [ -z "$(ls -d "$root"/*tp100*/ 2>/dev/null)" ]; do sleep 0.5; done
store=$(ls -d "$root"/*tp100*/); sleep 2
echo "store under load: $store"
for i in $(seq 1 "$pairs"); do
  for bin in "$a" "$b"; do
    t0=$(date +%s%N)
    "$bin" workflow start --type ApprovalWorkflow -w "probe-$i-$RANDOM" --input '{"change":"x","bakeSeconds":5}' --data-dir "$store" > /dev/null
    echo "$bin: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  done
done
kill $load 2>/dev/null || true
wait $load 2>/dev/null || true
echo "after the load (idle store):"
for bin in "$a" "$b"; do
  t0=$(date +%s%N)
  "$bin" workflow start --type ApprovalWorkflow -w "idle-$RANDOM" --input '{"change":"x","bakeSeconds":5}' --data-dir "$store" > /dev/null
  echo "$bin: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done
