import { describe, expect, it } from 'vitest';
import { clientTokenBuckets } from '../../local/token-buckets';

/** A clock the test moves by hand. */
const clock = () => {
  let at = 1_000_000;
  return { now: () => at, advance: (ms: number) => (at += ms) };
};

describe('per-client token buckets', () => {
  it("lets a client spend its burst, then refuses it with the seconds until its next token, leaving others' buckets untouched", () => {
    const time = clock();
    const clients = clientTokenBuckets({ ratePerSecond: 0.5, burst: 3 }, { maxClients: 100, now: time.now });
    expect([1, 2, 3].map(() => clients.admit('a').admitted)).toEqual([true, true, true]);
    expect(clients.admit('a')).toEqual({ admitted: false, retryAfterSeconds: 2 });
    expect(clients.admit('b')).toEqual({ admitted: true });
    time.advance(2_000);
    expect(clients.admit('a')).toEqual({ admitted: true });
  });

  it('drops the buckets of clients idle long enough to be full again, so memory follows the active clients', () => {
    const time = clock();
    const clients = clientTokenBuckets({ ratePerSecond: 5, burst: 20 }, { maxClients: 100_000, now: time.now });
    for (let n = 0; n < 5_000; n += 1) clients.admit(`10.0.${n >> 8}.${n & 255}`);
    expect(clients.size).toBe(5_000);
    time.advance(4_000);
    clients.admit('10.9.9.9');
    expect(clients.size).toBe(1);
  });

  it('holds at most maxClients buckets under a flood of addresses, evicting the least recently seen', () => {
    const time = clock();
    const clients = clientTokenBuckets({ ratePerSecond: 1, burst: 1 }, { maxClients: 3, now: time.now });
    for (const client of ['a', 'b', 'c']) clients.admit(client);
    expect(clients.admit('a').admitted).toBe(false);
    for (const client of ['d', 'e', 'f', 'g']) clients.admit(client);
    expect(clients.size).toBe(3);
    // 'a' was evicted with the others: it starts again with a full bucket.
    expect(clients.admit('a').admitted).toBe(true);
  });
});
