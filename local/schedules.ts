import type { ScheduledEvent } from 'aws-lambda';
import type { ScheduleFunctionSpec } from '../manifest/types';
import { lambdaContext, type Invoke } from './lambda';

const UNIT_MS = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 } as const;

/** The interval of an EventBridge Scheduler `rate(...)` expression; anything else is refused at start-up. */
export function rateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match?.[1] || !match[2]) throw new Error(`Unsupported schedule expression ${JSON.stringify(expression)}: only rate(N minutes|hours|days) runs locally`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * The instant (epoch ms) until which a run's result says nothing is due: Infinity for null (nothing at
 * all), undefined when the result does not say (then the next tick runs).
 */
function nothingDueBefore(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null || !Object.hasOwn(result, 'nothingDueBefore')) return undefined;
  const value = (result as { nothingDueBefore: unknown }).nothingDueBefore;
  if (value === null) return Number.POSITIVE_INFINITY;
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Fires a scheduled function at its rate, as EventBridge Scheduler would, or at its `localEverySeconds`
 * (a sweep run every second); a tick that finds the previous run still going is skipped. With
 * `localRestsWhileNothingDue`, so is a tick before the instant the last run said nothing is due
 * before, while no other function's invocation has ended since that run began (`endedInvocationsOfOthers`)
 * and less than the rate's interval has passed: what falls due is written by functions, and the
 * interval bounds the wait for anything written from outside them (a script, a test), as in AWS.
 */
export function startSchedule(options: {
  fn: ScheduleFunctionSpec;
  handler: Invoke<ScheduledEvent, unknown>;
  log: (line: string) => void;
  /** Invocations of the other functions that have ended so far; required for `localRestsWhileNothingDue`. */
  endedInvocationsOfOthers?: () => number;
}): { stop(): void } {
  const { fn, handler, log, endedInvocationsOfOthers } = options;
  const rate = rateMs(fn.trigger.expression);
  const othersEnded = fn.trigger.localRestsWhileNothingDue ? endedInvocationsOfOthers : undefined;
  if (fn.trigger.localRestsWhileNothingDue && !othersEnded) throw new Error(`${fn.name}: resting while nothing is due needs the other functions' ended invocations`);
  let running = false;
  /** What the last run said: nothing due before `until`, as of `othersEnded` other invocations ended, for a run begun at `ranAt`. */
  let rest: { until: number; othersEnded: number; ranAt: number } | undefined;
  const timer = setInterval(() => {
    if (running) return;
    const now = Date.now();
    if (rest && othersEnded && now < rest.until && now - rest.ranAt < rate && othersEnded() === rest.othersEnded) return;
    running = true;
    rest = undefined;
    const startedWith = othersEnded?.() ?? 0;
    const event: ScheduledEvent = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: '000000000000',
      time: new Date(now).toISOString(),
      region: 'us-east-1',
      resources: [`arn:aws:scheduler:us-east-1:000000000000:schedule/default/${fn.name}`],
      detail: {},
    };
    handler(event, lambdaContext(fn))
      .then((result) => {
        const until = othersEnded ? nothingDueBefore(result) : undefined;
        if (until !== undefined) rest = { until, othersEnded: startedWith, ranAt: now };
      })
      .catch((error: unknown) => log(`${fn.name}: scheduled run failed: ${(error as Error).message}`))
      .finally(() => {
        running = false;
      });
  }, fn.trigger.localEverySeconds ? fn.trigger.localEverySeconds * 1000 : rate);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
