// TypeScript side of `cargo xtask bench`: the twin of examples/bench_load.rs with
// `@flowglad/server` 0.18.0. Same arguments, same one-line JSON result.
//
//   node bench.mjs --impl ts --scenario billing|usage|bulk --base-url URL --api-key KEY \
//     --customer ID --subscription SUB --n 1000 --concurrency 32 [--batch 100] [--warmup 10]
//
// `new FlowgladServer({customerExternalId, getCustomerDetails, apiKey, baseURL})` per call,
// like a request handler does. CPU time and peak RSS come from process.resourceUsage().
import { FlowgladServer } from '@flowglad/server';

const args = {
  impl: 'ts', scenario: 'billing', baseUrl: process.env.FLOWGLAD_BASE_URL ?? '',
  apiKey: process.env.FLOWGLAD_SECRET_KEY ?? '', customer: 'bench_customer', subscription: '',
  n: 100, concurrency: 1, batch: 100, warmup: 10, txnPrefix: `txn-${process.pid}`, maxSeconds: 120,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [k, v] = [argv[i], argv[i + 1]];
  if (v === undefined) throw new Error(`${k} needs a value`);
  const map = {
    '--impl': ['impl', String], '--scenario': ['scenario', String], '--base-url': ['baseUrl', String],
    '--api-key': ['apiKey', String], '--customer': ['customer', String],
    '--subscription': ['subscription', String], '--n': ['n', Number],
    '--concurrency': ['concurrency', Number], '--batch': ['batch', Number],
    '--warmup': ['warmup', Number], '--txn-prefix': ['txnPrefix', String],
    '--max-seconds': ['maxSeconds', Number],
  }[k];
  if (!map) throw new Error(`unknown argument ${k}`);
  args[map[0]] = map[1](v);
}

const server = () => new FlowgladServer({
  customerExternalId: args.customer,
  getCustomerDetails: async (id) => ({ name: 'Bench', email: `${id}@example.com` }),
  apiKey: args.apiKey,
  baseURL: args.baseUrl,
});
const event = (txn) => ({
  amount: 1, usageMeterSlug: 'api_calls', subscriptionId: args.subscription, transactionId: txn,
});

async function op(i, tag) {
  const txn = (k) => `${args.txnPrefix}-${tag}-${k}`;
  switch (args.scenario) {
    case 'billing': {
      const billing = await server().getBilling();
      billing.checkFeatureAccess('premium_feature');
      return 0;
    }
    case 'usage':
      await server().createUsageEvent(event(txn(i)));
      return 1;
    case 'bulk': {
      const usageEvents = [];
      for (let k = 0; k < args.batch; k++) usageEvents.push(event(txn(i * args.batch + k)));
      await server().bulkCreateUsageEvents({ usageEvents });
      return args.batch;
    }
    default:
      throw new Error(`unknown scenario ${args.scenario}`);
  }
}

const cpu = () => { const r = process.resourceUsage(); return (r.userCPUTime + r.systemCPUTime) / 1e6; };

for (let i = 0; i < args.warmup; i++) await op(i, 'warmup');
const cpu0 = cpu();
const start = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
let next = 0;
let events = 0;
const latencies = [];
const errors = [];
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= args.n || elapsed() > args.maxSeconds) return;
    const t = process.hrtime.bigint();
    try {
      const recorded = await op(i, 'run'); // not `events += await ..`: that reads `events` first
      events += recorded;
    } catch (e) { errors.push(String(e?.message ?? e)); }
    latencies.push(Number((process.hrtime.bigint() - t) / 1000n));
  }
}
await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, worker));
const wall = elapsed();
const cpu1 = cpu();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length === 0 ? 0
  : latencies[Math.min(latencies.length, Math.max(1, Math.ceil((p / 100) * latencies.length))) - 1];
console.log(JSON.stringify({
  impl: args.impl, scenario: args.scenario, concurrency: args.concurrency, ops: latencies.length,
  events, errors: errors.length, wall_s: wall, ops_per_s: latencies.length / wall,
  events_per_s: events / wall, p50_us: pct(50), p99_us: pct(99), cpu_s: cpu1 - cpu0,
  max_rss_kb: process.resourceUsage().maxRSS,
}));
if (errors.length > 0) {
  console.error(`bench.mjs: ${errors.length} errors, first: ${errors[0]}`);
  process.exit(1);
}
