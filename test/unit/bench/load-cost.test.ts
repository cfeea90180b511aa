import { describe, expect, it } from 'vitest';
import { COMPUTE_GOAL_USD_PER_TB, costPerTb, cpuSecondsAllowedPerEvent, lambdaComputePerTb } from '../../../bench/load-cost.ts';

describe('the compute cost model (bench/load-cost.ts)', () => {
  it('the CPU the goal allows costs exactly the goal at one full vCPU (1,769 MB), and no less at a smaller size', () => {
    const allowed = cpuSecondsAllowedPerEvent(COMPUTE_GOAL_USD_PER_TB);
    expect(lambdaComputePerTb(allowed, 1769)).toBeCloseTo(COMPUTE_GOAL_USD_PER_TB, 6);
    // A smaller function gets a share of a vCPU: the same CPU takes longer and costs the same.
    expect(lambdaComputePerTb(allowed, 512)).toBeCloseTo(COMPUTE_GOAL_USD_PER_TB, 6);
    // A larger one gets no faster on one thread and costs more.
    expect(lambdaComputePerTb(allowed, 3538)).toBeCloseTo(2 * COMPUTE_GOAL_USD_PER_TB, 6);
  });

  it('reports the allowance in microseconds and what the process stage\'s essential work alone costs', () => {
    const allowedUs = cpuSecondsAllowedPerEvent(COMPUTE_GOAL_USD_PER_TB) * 1e6;
    const r = costPerTb({ process: 20e-6, processEssential: 10e-6 }, {});
    expect(r.goal_floor.cpu_us_per_event_allowed).toBeCloseTo(allowedUs, 1);
    // Linear in CPU per event: the essential work costs half the CPU path's figure.
    expect(r.goal_floor.process_essential_usd_per_tb).toBeCloseTo(r.compute_usd_per_tb.process! / 2, 2);
    expect(costPerTb({}, {}).goal_floor.process_essential_usd_per_tb).toBeNull();
  });
});
