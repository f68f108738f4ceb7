import * as z from 'zod/mini';

/**
 * Reads a function's configuration from its environment once, at cold start, and fails fast naming
 * every missing variable, so a mis-wired deployment breaks loudly on its first invocation.
 */
export function readConfig<T extends z.core.$ZodShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodMiniObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

export const setting = z.string().check(z.minLength(1));
export const positiveInteger = z.coerce.number().check(z.int(), z.positive());

/**
 * How long a function keeps the subscription types it read: a minute, so every consent check and page
 * does not read the item, and an admin's change reaches every function within that minute.
 * `SUBSCRIPTION_TYPES_MAX_AGE_SECONDS` shortens it where a test must see a change at once (the shared
 * test stack); nothing sets it in AWS.
 */
export function subscriptionTypesMaxAgeSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return env.SUBSCRIPTION_TYPES_MAX_AGE_SECONDS === undefined ? 60 : positiveInteger.parse(env.SUBSCRIPTION_TYPES_MAX_AGE_SECONDS);
}

/**
 * How old a claim (an alert, a confirmation, a webhook delivery being sent) must be before a retry
 * may take it over: five of the function's timeouts, by when Lambda has surely ended the invocation
 * that made it. `CLAIM_STALE_SECONDS` shortens it where a test must see a crashed holder taken over
 * within its deadline (the local crash test); nothing sets it in AWS.
 */
export function claimStaleSeconds(functionTimeoutSeconds: number, env: NodeJS.ProcessEnv = process.env): number {
  return env.CLAIM_STALE_SECONDS === undefined ? 5 * functionTimeoutSeconds : positiveInteger.parse(env.CLAIM_STALE_SECONDS);
}

/**
 * How soon a one-time schedule asked for now (or a moment already past) fires: a minute, since
 * EventBridge Scheduler takes only `at()` times in the future and fires them within their minute.
 * `SCHEDULE_SOONEST_SECONDS` shortens it where a test waits for one (the campaign crash test, whose
 * claims cut off by the kill are settled by such a schedule); nothing sets it in AWS.
 */
export function scheduleSoonestSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return env.SCHEDULE_SOONEST_SECONDS === undefined ? 60 : positiveInteger.parse(env.SCHEDULE_SOONEST_SECONDS);
}

/**
 * How long a record that found its claim held waits before its first retry: twelve seconds, by when
 * a concurrent duplicate holding it has usually finished. `HELD_CLAIM_FIRST_WAIT_SECONDS` shortens it
 * where a test waits for every message to be handled before it counts what must have happened once
 * (the shared test stack, which shortens `CLAIM_STALE_SECONDS` with it so that the waits still reach the
 * stale time); nothing sets it in AWS.
 */
export function heldClaimFirstWaitSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return env.HELD_CLAIM_FIRST_WAIT_SECONDS === undefined ? 12 : positiveInteger.parse(env.HELD_CLAIM_FIRST_WAIT_SECONDS);
}

/**
 * How long after an erasure its sweep runs (lead.erasure-sweep-due): fifteen minutes, Lambda's longest
 * timeout, by when any invocation that read the lead just before the erasure has ended (a retry reads
 * it again and finds it gone). `ERASURE_SWEEP_DELAY_SECONDS` shortens it where a test waits for the
 * sweep (the shared test stack); nothing sets it in AWS.
 */
export function erasureSweepDelaySeconds(env: NodeJS.ProcessEnv = process.env): number {
  return env.ERASURE_SWEEP_DELAY_SECONDS === undefined ? 900 : positiveInteger.parse(env.ERASURE_SWEEP_DELAY_SECONDS);
}
