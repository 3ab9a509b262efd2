'use strict';
// Peer benchmark: DBOS Transact (@dbos-inc/dbos-sdk 5.3) running the workload of
// bench/DurableDelivery.Bench.Server: a workflow of three steps that do nothing, started and
// awaited in a closed loop keeping N in flight. DBOS is a library: the workflows run in this
// process and checkpoint to PostgreSQL (the URL in DBOS_SYSTEM_DATABASE_URL).
//
// Figures per N: workflows per second; step latency (one step's end to the next step's start in
// the same workflow, on this process's monotonic clock) p50/p99; CPU ms per workflow of this Node
// process (process.cpuUsage) and, when DBOS_BENCH_PG_PID names the postmaster, of the PostgreSQL
// server (utime+stime of the postmaster and its children, from /proc); and, read on a connection
// of its own, the write transactions (transaction IDs assigned) and WAL bytes per workflow.
//
// Usage: node bench.js [--concurrency 1,10,100] [--duration 5] [--warmup 5] [--repeats 1] [--pool-size 10]

const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { DBOS } = require('@dbos-inc/dbos-sdk');
const { Client } = require('pg');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const levels = arg('--concurrency', '1,10,100').split(',').map((s) => parseInt(s, 10));
const duration = parseFloat(arg('--duration', '5'));
const warmup = parseFloat(arg('--warmup', '5'));
const repeats = parseInt(arg('--repeats', '1'), 10);
const poolSize = parseInt(arg('--pool-size', '10'), 10); // 10 is DBOS's default
const dbUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
if (!dbUrl) {
  console.error('error: DBOS_SYSTEM_DATABASE_URL is not set (a postgresql:// URL)');
  process.exit(2);
}
if (levels.some((n) => !(n > 0)) || !(duration > 0) || !(warmup >= 0) || !(repeats > 0) || !(poolSize > 0)) {
  console.error('error: bad arguments; usage: node bench.js [--concurrency 1,10,100] [--duration 5] [--warmup 5] [--repeats 1] [--pool-size 10]');
  process.exit(2);
}

// ---- the workload ---------------------------------------------------------------------------

const now = () => process.hrtime.bigint(); // monotonic, ns
const lastEnd = new Map(); // workflow ID -> end of its previous step
let gaps = []; // ns
let recording = false;

async function stepBody(step) {
  const start = now();
  const id = DBOS.workflowID ?? '';
  if (step > 1 && recording) {
    const end = lastEnd.get(id);
    if (end !== undefined) gaps.push(Number(start - end));
  }
  lastEnd.delete(id);
  if (step < 3) lastEnd.set(id, now());
  return step;
}
const benchStep = DBOS.registerStep(stepBody, { name: 'benchStep' });

async function threeStepWorkflow() {
  let sum = 0;
  for (let step = 1; step <= 3; step++) sum += await benchStep(step);
  return sum;
}
const benchWorkflow = DBOS.registerWorkflow(threeStepWorkflow, { name: 'threeStepWorkflow' });

async function closedLoop(n, seconds) {
  const end = now() + BigInt(Math.round(seconds * 1e9));
  let completed = 0;
  async function loop() {
    while (now() < end) {
      const handle = await DBOS.startWorkflow(benchWorkflow)();
      await handle.getResult();
      completed++;
    }
  }
  await Promise.all(Array.from({ length: n }, loop));
  return completed;
}

// ---- PostgreSQL server CPU from /proc --------------------------------------------------------

const pgPid = parseInt(process.env.DBOS_BENCH_PG_PID ?? '', 10);
let clockTicks = 100;
try {
  clockTicks = parseInt(execFileSync('getconf', ['CLK_TCK']).toString().trim(), 10) || 100;
} catch {
  /* keep 100 */
}

function statFields(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3; ppid 4; utime 14; stime 15; cutime 16; cstime 17.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

// Postmaster's own and reaped children's time, plus every live child's: ticks.
function pgCpuTicks() {
  if (!(pgPid > 0)) return undefined;
  const master = statFields(pgPid);
  if (!master) return undefined;
  let ticks = Number(master[11]) + Number(master[12]) + Number(master[13]) + Number(master[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pgPid) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === pgPid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks;
}

// ---- PostgreSQL counters: transaction IDs assigned (write transactions) and WAL position -----

let probe;
async function pgCounters() {
  // pg_current_snapshot() assigns no transaction ID, so reading it does not move the counter.
  const r = await probe.query(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xid, (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS wal",
  );
  return { xid: Number(r.rows[0].xid), wal: Number(r.rows[0].wal) };
}

// ---- run ------------------------------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(Math.max(Math.ceil((p / 100) * sorted.length) - 1, 0), sorted.length - 1);
  return sorted[i];
}
const median = (values) => percentile([...values].sort((a, b) => a - b), 50);
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').trim();
const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main() {
  let version = '?';
  try {
    const dir = require('node:path').dirname(require.resolve('@dbos-inc/dbos-sdk'));
    version = JSON.parse(fs.readFileSync(require('node:path').join(dir, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    /* not exported */
  }
  console.log(`DBOS Transact ${version} (Node ${process.version}); machine: ${require('node:os').cpus().length} CPUs; load ${load()}`);
  DBOS.setConfig({
    name: 'dd-bench',
    systemDatabaseUrl: dbUrl,
    systemDatabasePoolSize: poolSize,
    logLevel: 'warn',
  });
  await DBOS.launch();
  probe = new Client({ connectionString: dbUrl });
  await probe.connect();
  try {
    const results = new Map(levels.map((n) => [n, []]));
    for (let r = 0; r < repeats; r++) {
      for (const n of levels) {
        // Warm-up: JIT, pool connections, PostgreSQL caches.
        recording = false;
        await closedLoop(Math.max(n, 10), warmup);
        lastEnd.clear();
        gaps = [];
        recording = true;
        const cpu0 = process.cpuUsage();
        const pg0 = pgCpuTicks();
        const c0 = await pgCounters();
        const t0 = now();
        const completed = await closedLoop(n, duration);
        const wall = Number(now() - t0) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        const pg1 = pgCpuTicks();
        const c1 = await pgCounters();
        recording = false;
        const sorted = gaps.map((g) => g / 1e6).sort((a, b) => a - b);
        const row = {
          rate: completed / wall,
          completed,
          wall,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          nodeCpu: (cpu.user + cpu.system) / 1000 / completed,
          pgCpu: pg0 !== undefined && pg1 !== undefined ? ((pg1 - pg0) * 1000) / clockTicks / completed : NaN,
          xacts: (c1.xid - c0.xid) / completed,
          walKb: (c1.wal - c0.wal) / 1024 / completed,
        };
        results.get(n).push(row);
        console.log(
          `${repeats > 1 ? `  round ${r + 1} ` : ''}N=${n}: ${f(row.rate, 0)} wf/s (${completed} in ${f(wall, 1)} s); ` +
            `step p50 ${f(row.p50, 2)} ms p99 ${f(row.p99, 2)} ms; CPU/wf Node ${f(row.nodeCpu, 2)} ms, ` +
            `PostgreSQL ${f(row.pgCpu, 2)} ms; write xacts/wf ${f(row.xacts, 1)}, WAL ${f(row.walKb, 1)} KB/wf; load ${load().split(' ')[0]}`,
        );
      }
    }
    if (repeats > 1) {
      console.log(`median of ${repeats} rounds:`);
      for (const n of levels) {
        const list = results.get(n);
        const m = (k) => median(list.map((x) => x[k]));
        console.log(
          `N=${n}: ${f(m('rate'), 0)} wf/s (min ${f(Math.min(...list.map((x) => x.rate)), 0)}, max ${f(Math.max(...list.map((x) => x.rate)), 0)}); ` +
            `step p50 ${f(m('p50'), 2)} ms p99 ${f(m('p99'), 2)} ms; CPU/wf Node ${f(m('nodeCpu'), 2)} ms, PostgreSQL ${f(m('pgCpu'), 2)} ms; write xacts/wf ${f(m('xacts'), 1)}, WAL ${f(m('walKb'), 1)} KB/wf`,
        );
      }
    }
    console.log(`load after: ${load()}`);
  } finally {
    await probe.end();
    await DBOS.shutdown();
  }
}

main().catch((e) => {
  console.error(`error: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
