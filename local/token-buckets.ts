import type { RateLimit } from '../manifest/types';

/** A request let through, or refused with the whole seconds after which one more would be. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  refilledAt: number;
}

function take(bucket: Bucket, limit: RateLimit, now: number): Admission {
  bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * limit.ratePerSecond);
  bucket.refilledAt = now;
  if (bucket.tokens < 1) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.ratePerSecond)) };
  bucket.tokens -= 1;
  return { admitted: true };
}

/** API Gateway stage throttling: one token bucket (per route), shared by every caller. */
export function tokenBucket(limit: RateLimit, now: () => number = Date.now): () => Admission {
  const bucket: Bucket = { tokens: limit.burst, refilledAt: now() };
  return () => take(bucket, limit, now());
}

/**
 * A token bucket per client, so one client spending its own cannot starve the others. Memory stays
 * bounded: a bucket idle long enough to be full again is the same as a new one and is dropped, and
 * past `maxClients` live buckets (a flood from many addresses) the least recently seen go first,
 * which at worst hands those clients a fresh burst.
 */
export function clientTokenBuckets(limit: RateLimit, options: { maxClients: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  const refillMs = (limit.burst / limit.ratePerSecond) * 1000;
  let sweptAt = now();

  const dropIdle = (at: number) => {
    sweptAt = at;
    for (const [client, bucket] of buckets) if (at - bucket.refilledAt >= refillMs) buckets.delete(client);
  };

  return {
    admit(client: string): Admission {
      const at = now();
      if (at - sweptAt >= refillMs) dropIdle(at);
      const bucket = buckets.get(client) ?? { tokens: limit.burst, refilledAt: at };
      // Re-inserted on each use, so Map order (insertion order) puts the least recently seen first.
      buckets.delete(client);
      buckets.set(client, bucket);
      if (buckets.size > options.maxClients) {
        const leastRecent = buckets.keys().next().value;
        if (leastRecent !== undefined) buckets.delete(leastRecent);
      }
      return take(bucket, limit, at);
    },
    /** Clients whose bucket is held in memory. */
    get size() {
      return buckets.size;
    },
  };
}
