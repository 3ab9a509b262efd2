#!/usr/bin/env bash
# Peer benchmark: DBOS Transact 5.3 on a throwaway local PostgreSQL 15 cluster, the workload of
# bench/DurableDelivery.Bench.Server (3-step workflows, closed loop, N in flight).
# Usage: bench/dbos/run.sh [--concurrency 1,10,100] [--duration 5] [--warmup 5] [--repeats 1] [--pool-size 10]
# The cluster lives in a temp dir on a free loopback port, fsync on (PostgreSQL's default), and is
# stopped and deleted on exit. As root, PostgreSQL runs as the user "postgres" (initdb refuses root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found (Node 20 or later is needed)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node $(node --version) is too old: 20 or later is needed"
command -v npm >/dev/null || die "npm not found"

bindir=""
if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir="$(pg_config --bindir)"
elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  bindir=/usr/lib/postgresql/15/bin
fi
[ -n "$bindir" ] || die "PostgreSQL server binaries not found (no pg_config, no /usr/lib/postgresql/15/bin/initdb): apt-get install postgresql-15"
pg_version="$("$bindir/postgres" --version)"
case "$pg_version" in
  *" 15."*) ;;
  *) echo "warning: expected PostgreSQL 15, found: $pg_version" >&2 ;;
esac

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id -u postgres >/dev/null 2>&1 || die "running as root but there is no user 'postgres' to run PostgreSQL as (useradd --system postgres)"
  command -v runuser >/dev/null || die "runuser not found (util-linux)"
  as_pg=(runuser -u postgres --)
fi

if [ ! -d "$here/node_modules/@dbos-inc/dbos-sdk" ]; then
  echo "installing node modules (npm ci)..."
  (cd "$here" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed in $here"
fi

tmp="$(mktemp -d -t dd-dbos-bench.XXXXXX)"
data="$tmp/data"
bench_pid=""
cleanup() {
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [ -f "$data/postmaster.pid" ]; then
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$tmp"

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')"

"${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c max_connections=200" start >/dev/null \
  || { cat "$tmp/postgres.log" >&2; die "PostgreSQL did not start"; }
"$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE dbos_bench" >/dev/null \
  || die "could not create the benchmark database"
settings="$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -F ' ' \
  -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','wal_sync_method','full_page_writes','shared_buffers')")"
echo "$pg_version on 127.0.0.1:$port (data in $data); $settings"

export DBOS_SYSTEM_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/dbos_bench"
export DBOS_BENCH_PG_PID="$(head -n1 "$data/postmaster.pid")"
# In the background so that a signal to this script runs the trap at once (bash defers traps until a
# foreground child exits).
node "$here/bench.js" "$@" &
bench_pid=$!
wait "$bench_pid"
