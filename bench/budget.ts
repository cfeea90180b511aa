/**
 * BUDGET step under contention, against the local DynamoDB: CONCURRENCY invocations charge ONE hot
 * tenant at once (as the process function does with one invocation per Kafka partition), for
 * ROUNDS rounds, each a batch of BATCH events of 300 bytes, with the real clock and the standard
 * plan. Round trips are counted at the HTTP layer (every request to the DynamoDB endpoint), so the
 * figure does not trust the store's own counters. Figures: round trips per charge (mean and max)
 * and milliseconds per charge (p50 and p99, wall time of `take`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Bench, BenchFigure } from './harness.ts';
import { resolvePlan } from '../shared/tenants/plans.ts';

const CONCURRENCY = 6;
const BATCH = 500;

async function contention(rounds: number, within: boolean): Promise<BenchFigure[]> {
  const { DynamoBudgetStore } = await import('../shared/adapters/budget-store.ts');
  const { dynamodb } = await import('../shared/config.ts');
  const endpoint = dynamodb().endpoint ?? '';
  // At the cap: the standard plan, asked for more than its rate. Within the plan: a burst no round reaches.
  const plan = within ? resolvePlan('standard', { eventsBurst: 1e9, bytesBurst: 1e12, dailyBytes: 1e15 }) : resolvePlan('standard');
  const tenant = `bench-budget-${randomUUID().slice(0, 8)}`;
  // One store per invocation: each Lambda container has its own.
  const stores = Array.from({ length: CONCURRENCY }, () => new DynamoBudgetStore());
  const sizes = Array<number>(BATCH).fill(300);
  const own = new AsyncLocalStorage<{ n: number }>();
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const c = own.getStore();
    if (c && url.startsWith(endpoint)) c.n++;
    return realFetch(input, init);
  }) as typeof fetch;
  const perCharge: number[] = [];
  const ms: number[] = [];
  let admitted = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        stores.map(async (s, i) => {
          // Each charge counts its own requests (the charges interleave).
          const c = { n: 0 };
          const t0 = performance.now();
          const g = await own.run(c, () => s.take(tenant, plan, sizes, `bench|p${i}:${round}`, Date.now));
          ms.push(performance.now() - t0);
          perCharge.push(c.n);
          admitted += g.admitted;
        }),
      );
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const total = perCharge.reduce((a, b) => a + b, 0);
  const what = within ? 'within the plan' : 'at the cap';
  const detail = `${CONCURRENCY} concurrent charges on one tenant x ${rounds} rounds, ${BATCH} events each (standard plan, ${what}); ${admitted} admitted, ${total} requests`;
  return [
    { name: `budget step, ${what}, DynamoDB round trips per charge (mean)`, value: Number((total / perCharge.length).toFixed(2)), unit: 'requests', lowerIsBetter: true, detail },
    { name: `budget step, ${what}, DynamoDB round trips per charge (max)`, value: Math.max(...perCharge), unit: 'requests', lowerIsBetter: true },
    { name: `budget step, ${what}, time per charge p50`, value: Number(q(0.5).toFixed(1)), unit: 'ms', lowerIsBetter: true },
    { name: `budget step, ${what}, time per charge p99`, value: Number(q(0.99).toFixed(1)), unit: 'ms', lowerIsBetter: true },
  ];
}

const bench: Bench = {
  name: 'budget',
  needsServices: true,
  async run(ctx) {
    const rounds = ctx.quick ? 3 : 20;
    return [...(await contention(rounds, false)), ...(await contention(rounds, true))];
  },
};

export default bench;
