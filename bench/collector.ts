import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../local/stack';
import { inBatches, percentile } from './batches';

const ORIGIN = 'https://bench.example.com';

/**
 * Collector throughput: `visitors` browsers, `concurrency` at a time, each posting one batch of
 * `callsPerBatch` Segment calls to /v1/batch as analytics.js sends them (text/plain, Basic auth, an
 * Origin bound to the source): pages of pricing, demo and feature URLs and track events, the last
 * call an identify with an address. Reports requests and calls accepted per second and the latency
 * of a batch request.
 */
export async function collectorThroughput(stack: LocalStack, visitors: number, callsPerBatch: number, concurrency: number) {
  const created = await fetch(`${stack.apiUrl}/v1/admin/sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken}` },
    body: JSON.stringify({ name: 'bench', origins: [ORIGIN] }),
  });
  const { writeKey } = (await created.json()) as { writeKey: string };
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const pages = ['pricing', 'demo', 'features/scoring', 'blog/post'];
  const latencies: number[] = [];
  let calls = 0;
  const started = Date.now();
  await inBatches(
    Array.from({ length: visitors }, (_, index) => index),
    concurrency,
    async (index) => {
      const anonymousId = randomUUID();
      const timestamp = new Date().toISOString();
      const batch = Array.from({ length: callsPerBatch }, (_, n) => {
        const common = { messageId: `ajs-next-${randomUUID()}`, anonymousId, timestamp };
        if (n === callsPerBatch - 1) return { ...common, type: 'identify', userId: `user-${index}`, traits: { email: `collector-${index}-${anonymousId.slice(0, 8)}@example.com` } };
        if (n % 3 === 2) return { ...common, type: 'track', event: 'Webinar Registered', properties: { webinarId: 'bench' } };
        const url = `https://bench.example.com/${pages[n % pages.length]}`;
        return { ...common, type: 'page', properties: { url, path: new URL(url).pathname, title: 'Bench' } };
      });
      const before = performance.now();
      const response = await fetch(`${stack.apiUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization, origin: ORIGIN },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      });
      if (response.status !== 200) throw new Error(`/v1/batch answered ${response.status}: ${await response.text()}`);
      latencies.push(performance.now() - before);
      calls += batch.length;
    },
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    visitors,
    callsPerBatch,
    concurrency,
    batchesPerSecond: Math.round((visitors / seconds) * 10) / 10,
    callsPerSecond: Math.round((calls / seconds) * 10) / 10,
    batchP50Ms: Math.round(percentile(latencies, 50)),
    batchP99Ms: Math.round(percentile(latencies, 99)),
  };
}
