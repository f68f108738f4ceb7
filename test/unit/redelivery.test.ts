import { describe, expect, it } from 'vitest';
import { untilClaimStale } from '../../src/adapters/redelivery';
import { claimStaleSeconds, heldClaimFirstWaitSeconds } from '../../src/config';
import { manifest } from '../../manifest/manifest';
import { isEventFunction } from '../../manifest/types';
import { sharedStackEnvironment } from '../integration/shared-stack-environment';

describe('waiting for a held claim', () => {
  it('starts short, for a concurrent duplicate, and doubles up to the stale time', () => {
    const wait = untilClaimStale(150, heldClaimFirstWaitSeconds({}));
    expect([1, 2, 3, 4, 5, 6].map(wait)).toEqual([12, 24, 48, 96, 150, 150]);
  });

  it('takes its first wait from HELD_CLAIM_FIRST_WAIT_SECONDS where a test stack sets it, and refuses a wait that is not a positive whole number', () => {
    expect([1, 2, 3].map(untilClaimStale(30, heldClaimFirstWaitSeconds({ HELD_CLAIM_FIRST_WAIT_SECONDS: '2' })))).toEqual([2, 4, 8]);
    for (const bad of ['0', '-1', '1.5', 'soon']) expect(() => heldClaimFirstWaitSeconds({ HELD_CLAIM_FIRST_WAIT_SECONDS: bad }), bad).toThrow();
  });

  const claimingConsumers = ['alert-sales', 'send-confirmation', 'deliver-webhooks', 'follow-up-handoff'].map((name) => {
    const fn = manifest.functions.filter(isEventFunction).find((candidate) => candidate.name === name);
    if (!fn) throw new Error(`${name} is not an event function of the manifest`);
    return fn;
  });

  // In AWS (nothing set) and on the shared test stack, which shortens both the first wait and the stale time.
  for (const [where, env] of [['in AWS', {}], ['on the shared test stack', sharedStackEnvironment]] as const) {
    it.each(claimingConsumers)(`$name ${where}: the waits before its last receive add up to the stale time, so a crashed holder is taken over before the DLQ`, (fn) => {
      const stale = claimStaleSeconds(fn.timeoutSeconds, env);
      const wait = untilClaimStale(stale, heldClaimFirstWaitSeconds(env));
      const waited = Array.from({ length: fn.trigger.maxReceiveCount - 1 }, (_, index) => wait(index + 1)).reduce((sum, seconds) => sum + seconds, 0);
      expect(waited).toBeGreaterThanOrEqual(stale);
    });
  }
});
