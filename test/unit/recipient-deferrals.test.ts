import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScheduledRecipientDeferrals, type CreateOneTimeSchedule } from '../../src/adapters/recipient-deferrals';
import { scheduleSoonestSeconds } from '../../src/config';

/** The deferrals with a Scheduler that records the schedules asked of it. */
function deferralsRecording(soonestMs: number) {
  const asked: Parameters<CreateOneTimeSchedule>[0][] = [];
  const create: CreateOneTimeSchedule = async (schedule) => {
    asked.push(schedule);
    return 'created';
  };
  return { deferrals: new ScheduledRecipientDeferrals(create, soonestMs), asked };
}

describe('recipients put back on the bus by a one-time schedule', () => {
  afterEach(() => vi.useRealTimers());

  it('fires at the time asked when it is far enough ahead, and no sooner than the soonest a schedule takes when it is due already', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-06T10:00:00.000Z') });
    const { deferrals, asked } = deferralsRecording(scheduleSoonestSeconds({}) * 1000);
    await deferrals.defer('c-1', ['lead-2', 'lead-1'], '2026-12-06T18:00:00.000Z');
    await deferrals.settleLater('c-1', ['lead-3'], '2026-12-06T09:59:30.000Z');
    expect(asked.map((schedule) => [schedule.at, schedule.detail])).toEqual([
      ['2026-12-06T18:00:00', { version: 1, correlationId: 'c-1', campaignId: 'c-1', leadIds: ['lead-1', 'lead-2'] }],
      // Scheduler takes only times ahead: a settling already due fires a minute on.
      ['2026-12-06T10:01:00', { version: 1, correlationId: 'c-1', campaignId: 'c-1', leadIds: ['lead-3'], settleClaims: true }],
    ]);
  });

  it('takes the soonest from SCHEDULE_SOONEST_SECONDS where a test stack sets it, and refuses one that is not a positive whole number', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-06T10:00:00.000Z') });
    const { deferrals, asked } = deferralsRecording(scheduleSoonestSeconds({ SCHEDULE_SOONEST_SECONDS: '2' }) * 1000);
    await deferrals.settleLater('c-1', ['lead-3'], '2026-12-06T09:59:30.000Z');
    await deferrals.settleLater('c-1', ['lead-4'], '2026-12-06T10:00:20.000Z');
    expect(asked.map((schedule) => schedule.at)).toEqual(['2026-12-06T10:00:02', '2026-12-06T10:00:20']);
    for (const bad of ['0', '-1', '1.5', 'soon']) expect(() => scheduleSoonestSeconds({ SCHEDULE_SOONEST_SECONDS: bad }), bad).toThrow();
  });
});
