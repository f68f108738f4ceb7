import { describe, expect, it } from 'vitest';
import { countFromEnv } from '../../bench/env';

describe("the bench's counts from the environment", () => {
  it('takes the fallback when the variable is unset or empty, and the number when it is a whole one', () => {
    expect(countFromEnv('BENCH_LEADS', 200, 1, {})).toBe(200);
    expect(countFromEnv('BENCH_LEADS', 200, 1, { BENCH_LEADS: '' })).toBe(200);
    expect(countFromEnv('BENCH_LEADS', 200, 1, { BENCH_LEADS: '50' })).toBe(50);
    expect(countFromEnv('BENCH_CAMPAIGN_COST_RECIPIENTS', 5_000, 0, { BENCH_CAMPAIGN_COST_RECIPIENTS: '0' })).toBe(0);
  });

  it.each(['abc', '1.5', '-3', '0', '1e400'])('refuses %j, naming the variable, where at least 1 is needed', (text) => {
    expect(() => countFromEnv('BENCH_CAMPAIGN_RECIPIENTS', 100_000, 1, { BENCH_CAMPAIGN_RECIPIENTS: text })).toThrow(`BENCH_CAMPAIGN_RECIPIENTS must be a whole number of at least 1, not "${text}"`);
  });
});
