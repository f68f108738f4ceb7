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
 * Fires a scheduled function at its rate, as EventBridge Scheduler would, or at its `localEverySeconds`
 * (a sweep run every second); a tick that finds the previous run still going is skipped.
 */
export function startSchedule(options: {
  fn: ScheduleFunctionSpec;
  handler: Invoke<ScheduledEvent, unknown>;
  log: (line: string) => void;
}): { stop(): void } {
  const { fn, handler, log } = options;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const event: ScheduledEvent = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [`arn:aws:scheduler:us-east-1:000000000000:schedule/default/${fn.name}`],
      detail: {},
    };
    handler(event, lambdaContext(fn))
      .catch((error: unknown) => log(`${fn.name}: scheduled run failed: ${(error as Error).message}`))
      .finally(() => {
        running = false;
      });
  }, fn.trigger.localEverySeconds ? fn.trigger.localEverySeconds * 1000 : rateMs(fn.trigger.expression));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
