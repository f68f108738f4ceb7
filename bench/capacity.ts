import type { FunctionCapacity } from '../local/consumed-capacity';
import type { LocalStack } from '../local/stack';
import { manifest } from '../manifest/manifest';

/**
 * DynamoDB on-demand prices in us-east-1 since the cut of November 2024, in dollars per million
 * request units (see README, Performance, for the sources).
 */
export const ON_DEMAND_DOLLARS_PER_MILLION = { writeRequestUnits: 0.625, readRequestUnits: 0.125 } as const;

/** SES outbound email in us-east-1: $0.10 per 1,000 emails, in dollars per email. */
export const SES_DOLLARS_PER_EMAIL = 0.1 / 1000;

/** Read and write units in `capacity`, DynamoDB's and the estimate for refused writes apart, per function. */
export function summedUnits(capacity: Record<string, FunctionCapacity>) {
  const byFunction = Object.entries(capacity).map(([name, fn]) => {
    const targets = Object.values(fn.targets);
    return {
      name,
      calls: fn.calls,
      callMilliseconds: fn.callMilliseconds,
      readUnits: targets.reduce((sum, target) => sum + target.readUnits, 0),
      writeUnits: targets.reduce((sum, target) => sum + target.writeUnits, 0),
      estimatedFailedWriteUnits: fn.estimatedFailedWriteUnits,
    };
  });
  const byTarget = new Map<string, { readUnits: number; writeUnits: number }>();
  for (const fn of Object.values(capacity)) {
    for (const [target, consumed] of Object.entries(fn.targets)) {
      const sum = byTarget.get(target) ?? { readUnits: 0, writeUnits: 0 };
      byTarget.set(target, { readUnits: sum.readUnits + consumed.readUnits, writeUnits: sum.writeUnits + consumed.writeUnits });
    }
  }
  return {
    byFunction,
    byTarget,
    readUnits: byFunction.reduce((sum, fn) => sum + fn.readUnits, 0),
    writeUnits: byFunction.reduce((sum, fn) => sum + fn.writeUnits, 0),
    estimatedFailedWriteUnits: byFunction.reduce((sum, fn) => sum + fn.estimatedFailedWriteUnits, 0),
  };
}

/** No table call for this long: whatever the last phase set off has finished. */
const QUIET_MS = 3_000;
/** The longest a bench waits for a phase to finish. */
export const PHASE_DEADLINE_MS = 300_000;
/**
 * Functions run by a timer (locally some every second, as sweep-journeys): they call DynamoDB whether or
 * not work arrives, so they neither keep a phase from settling nor count in the units of what a bench sends.
 */
const TIMED = new Set(manifest.functions.filter((fn) => fn.trigger.kind === 'schedule').map((fn) => fn.name));

export const untimed = (capacity: Record<string, FunctionCapacity>) => Object.fromEntries(Object.entries(capacity).filter(([name]) => !TIMED.has(name)));
export const totalCalls = (capacity: Record<string, FunctionCapacity>) => Object.values(untimed(capacity)).reduce((sum, fn) => sum + fn.calls, 0);

/** Waits until no function but the timed ones has called DynamoDB for QUIET_MS; returns when the last call was seen (to 250 ms). */
export async function settled(stack: LocalStack): Promise<number> {
  const deadline = Date.now() + PHASE_DEADLINE_MS;
  let calls = totalCalls(stack.measurements.capacity());
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS) {
    if (Date.now() > deadline) throw new Error('the stack did not settle within the deadline');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = totalCalls(stack.measurements.capacity());
    if (now !== calls) {
      calls = now;
      quietSince = Date.now();
    }
  }
  return quietSince;
}
