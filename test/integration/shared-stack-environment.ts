/**
 * What the shared test stack (shared-stack.ts) puts in its worker's environment, which every local
 * function is given (local/function-environment.ts passes these through; nothing sets them in AWS):
 * - no Powertools logs;
 * - a test that edits the subscription types sees the change in every function within a second;
 * - a duplicate record that found its claim held (a confirmation, an alert) comes back after 2 s, not
 *   12, so a test that waits for every message to be handled before it counts the mail waits seconds
 *   less; the claim's stale time is shortened with it, so that the waits before a record's last receive
 *   still reach it (test/unit/redelivery.test.ts checks both);
 * - an erasure's sweep runs eight seconds after it, not fifteen minutes (test/integration/subscribers.test.ts
 *   writes under the erased lead before it runs).
 */
export const sharedStackEnvironment = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  SUBSCRIPTION_TYPES_MAX_AGE_SECONDS: '1',
  HELD_CLAIM_FIRST_WAIT_SECONDS: '2',
  CLAIM_STALE_SECONDS: '30',
  ERASURE_SWEEP_DELAY_SECONDS: '8',
} as const satisfies NodeJS.ProcessEnv;
