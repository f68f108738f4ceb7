import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateMs, startSchedule } from '../../local/schedules';
import type { ScheduleFunctionSpec } from '../../manifest/types';

const spec: ScheduleFunctionSpec = {
  name: 'nightly-report',
  description: 'test',
  entry: 'unused',
  trigger: { kind: 'schedule', expression: 'rate(5 minutes)' },
  timeoutSeconds: 10,
  memoryMb: 128,
  access: [],
};

afterEach(() => {
  vi.useRealTimers();
});

describe('local schedules', () => {
  it('reads EventBridge Scheduler rate expressions', () => {
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(5 minutes)')).toBe(300_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
  });

  it('refuses what it cannot run, so start-up fails instead of a schedule silently never firing', () => {
    expect(() => rateMs('cron(0 12 * * ? *)')).toThrow(/only rate\(N minutes\|hours\|days\)/);
    expect(() => rateMs('rate(5 seconds)')).toThrow();
  });

  it('invokes the handler with a scheduled event at each interval until stopped', async () => {
    vi.useFakeTimers();
    const received: ScheduledEvent[] = [];
    const schedule = startSchedule({ fn: spec, handler: async (event) => void received.push(event), log: () => {} });
    await vi.advanceTimersByTimeAsync(3 * 300_000);
    expect(received).toHaveLength(3);
    expect(received[0]).toMatchObject({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' });
    schedule.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(received).toHaveLength(3);
  });
});
