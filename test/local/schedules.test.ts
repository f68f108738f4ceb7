import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateMs, startSchedule } from '../../local/schedules';
import type { ScheduleFunctionSpec } from '../../manifest/types';
import { scheduledTestFunction } from './fixtures/test-functions';

const spec = scheduledTestFunction('nightly-report', 'unused', { expression: 'rate(5 minutes)', timeoutSeconds: 10 });

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

  describe('a sweep that rests while nothing is due', () => {
    const sweep: ScheduleFunctionSpec = { ...spec, name: 'sweep', trigger: { kind: 'schedule', expression: 'rate(1 minute)', localEverySeconds: 1, localRestsWhileNothingDue: true } };
    /** A sweep answering `answer(run, others)` on each run, the other functions' ended invocations counted in `others`. */
    function resting(answer: (run: number, others: { ended: number }) => unknown, fn = sweep) {
      vi.useFakeTimers();
      const others = { ended: 0 };
      let runs = 0;
      const schedule = startSchedule({
        fn,
        handler: async () => answer((runs += 1), others),
        log: () => {},
        endedInvocationsOfOthers: () => others.ended,
      });
      return { others, runs: () => runs, schedule };
    }
    afterEach(() => vi.useRealTimers());

    it('runs every second while its runs do not say that nothing is due', async () => {
      const { runs, schedule } = resting(() => ({ shards: [0] }));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(runs()).toBe(10);
      schedule.stop();
    });

    it('skips the seconds before the instant its last run named, then runs', async () => {
      // The first run, at 1 s, names 10.5 s; later runs name nothing.
      const { runs, schedule } = resting((run) => (run === 1 ? { nothingDueBefore: new Date(Date.now() + 9_500).toISOString() } : {}));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(runs()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(runs()).toBe(2);
      await vi.advanceTimersByTimeAsync(3_000);
      expect(runs()).toBe(5);
      schedule.stop();
    });

    it('runs at the next second once another function has ended an invocation, which may have written what falls due', async () => {
      const { others, runs, schedule } = resting(() => ({ nothingDueBefore: null }));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(runs()).toBe(1);
      others.ended += 1;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(runs()).toBe(2);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(runs()).toBe(2);
      schedule.stop();
    });

    it('counts an invocation that ended while the run was under way: the run may have looked before its write', async () => {
      const { runs, schedule } = resting((_run, others) => {
        others.ended += 1;
        return { nothingDueBefore: null };
      });
      await vi.advanceTimersByTimeAsync(3_000);
      expect(runs()).toBe(3);
      schedule.stop();
    });

    it('with nothing in the index at all, still runs at its rate, for what was written from outside the functions', async () => {
      const { runs, schedule } = resting(() => ({ nothingDueBefore: null }));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(runs()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(runs()).toBe(2);
      schedule.stop();
    });

    it('runs at the next second after a run that failed, and ignores an instant it cannot read', async () => {
      const { runs, schedule } = resting((run) => {
        if (run === 1) throw new Error('table unavailable');
        return { nothingDueBefore: 'soon' };
      });
      await vi.advanceTimersByTimeAsync(4_000);
      expect(runs()).toBe(4);
      schedule.stop();
    });

    it('rests only when its manifest entry says so, and refuses to start without the count it rests on', async () => {
      const { runs, schedule } = resting(() => ({ nothingDueBefore: null }), { ...sweep, trigger: { ...sweep.trigger, localRestsWhileNothingDue: false } });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(runs()).toBe(5);
      schedule.stop();
      expect(() => startSchedule({ fn: sweep, handler: async () => undefined, log: () => {} })).toThrow(/ended invocations/);
    });
  });
});
