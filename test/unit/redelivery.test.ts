import { describe, expect, it } from 'vitest';
import { untilClaimStale } from '../../src/adapters/redelivery';
import { manifest } from '../../manifest/manifest';
import { isEventFunction } from '../../manifest/types';

describe('waiting for a held claim', () => {
  const wait = untilClaimStale(150);

  it('starts short, for a concurrent duplicate, and doubles up to the stale time', () => {
    expect([1, 2, 3, 4, 5, 6].map(wait)).toEqual([12, 24, 48, 96, 150, 150]);
  });

  it.each(['alert-sales', 'send-confirmation', 'deliver-webhooks', 'follow-up-handoff'])(
    '%s: the waits before its last receive add up to the stale time, so a crashed holder is taken over before the DLQ',
    (name) => {
      const fn = manifest.functions.filter(isEventFunction).find((candidate) => candidate.name === name);
      const retries = (fn?.trigger.maxReceiveCount ?? 0) - 1;
      const waited = Array.from({ length: retries }, (_, index) => wait(index + 1)).reduce((sum, seconds) => sum + seconds, 0);
      expect(waited).toBeGreaterThanOrEqual(150);
    },
  );
});
