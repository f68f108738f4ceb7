import type { FunctionCapacity } from '../local/consumed-capacity';

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
