import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { FIRST_RECENTLY_MS, OTHERS_WHILE_FIRST_BUSY, tableCallGroupOf, tableCallPriority, tableTurn, tableTurnsMiddleware, type TableTurn } from '../../local/table-call-priority';
import { manifest } from '../../manifest/manifest';

/** Takes `count` turns at once; `taken` says how many have been granted so far, `grantedAt` when (performance.now()). */
function takeMany(turn: TableTurn, count: number) {
  const grantedAt: number[] = [];
  const all = Promise.all(Array.from({ length: count }, () => turn.take().then(() => grantedAt.push(performance.now()))));
  return { all, taken: () => grantedAt.length, grantedAt };
}

/** Lets granted turns' promises settle (a microtask hop each); no timer runs meanwhile. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('table calls of the functions users wait on go first at DynamoDB Local', () => {
  it('puts the scoring path and every HTTP function first, the alert path, the other consumers and timers after', () => {
    const groupOf = (name: string) => {
      const fn = manifest.functions.find((candidate) => candidate.name === name);
      if (!fn) throw new Error(`no function ${name}`);
      return tableCallGroupOf(fn);
    };
    expect(['ingest-events', 'score-lead', 'capture-form'].map(groupOf)).toEqual(['first', 'first', 'first']);
    expect(['alert-sales', 'run-journeys', 'deliver-webhooks', 'track-segments', 'record-lifecycle', 'sweep-journeys'].map(groupOf)).toEqual(['others', 'others', 'others', 'others', 'others', 'others']);
  });

  it('takes the messages of a consumer on a latency path with no batching window', () => {
    const onAPath = manifest.functions.filter((fn) => fn.latencyPath !== undefined && fn.trigger.kind === 'event');
    expect(onAPath.map((fn) => fn.name).sort()).toEqual(['alert-sales', 'score-lead']);
    for (const fn of onAPath) expect(fn.trigger.kind === 'event' && fn.trigger.maxBatchingWindowSeconds).toBe(0);
  });

  it('lets the others make only a few calls at a time while a first call is in flight, one more as each answers', async () => {
    const priority = tableCallPriority();
    const first = tableTurn(priority.enter('first'));
    const others = tableTurn(priority.enter('others'));
    await first.take();
    const waiting = takeMany(others, OTHERS_WHILE_FIRST_BUSY + 3);
    await settle();
    expect(waiting.taken()).toBe(OTHERS_WHILE_FIRST_BUSY);
    others.giveBack();
    await vi.waitFor(() => expect(waiting.taken()).toBe(OTHERS_WHILE_FIRST_BUSY + 1));
    // The first group's call answers: the rest go once it has been quiet for FIRST_RECENTLY_MS, with no other call answering.
    const answeredAt = performance.now();
    first.giveBack();
    await waiting.all;
    // A millisecond's leeway: the turns compare epoch milliseconds.
    for (const at of waiting.grantedAt.slice(OTHERS_WHILE_FIRST_BUSY + 1)) expect(at - answeredAt).toBeGreaterThanOrEqual(FIRST_RECENTLY_MS - 1);
  });

  it('does not hold the others back while the first group is quiet', async () => {
    const priority = tableCallPriority();
    const others = tableTurn(priority.enter('others'));
    const many = takeMany(others, 20);
    await settle();
    expect(many.taken()).toBe(20);
    // A first call that ended long enough ago no longer counts.
    const first = tableTurn(priority.enter('first'));
    await first.take();
    first.giveBack();
    await new Promise((resolve) => setTimeout(resolve, FIRST_RECENTLY_MS * 2));
    const more = takeMany(others, 5);
    await settle();
    expect(more.taken()).toBe(5);
  });

  it('gives back the turns of a worker that ended in the middle of its calls', async () => {
    const priority = tableCallPriority();
    const first = tableTurn(priority.enter('first'));
    const crashed = priority.enter('others');
    const crashedTurn = tableTurn(crashed);
    const waiter = tableTurn(priority.enter('others'));
    await first.take();
    await takeMany(crashedTurn, OTHERS_WHILE_FIRST_BUSY).all;
    const waiting = takeMany(waiter, 1);
    await settle();
    expect(waiting.taken()).toBe(0);
    priority.leave(crashed);
    await vi.waitFor(() => expect(waiting.taken()).toBe(1));
    // A first-group worker that ended mid-call no longer holds the others back either.
    const firstCrashed = priority.enter('first');
    await tableTurn(firstCrashed).take();
    first.giveBack();
    priority.leave(firstCrashed);
    const after = takeMany(waiter, OTHERS_WHILE_FIRST_BUSY + 2);
    await vi.waitFor(() => expect(after.taken()).toBe(OTHERS_WHILE_FIRST_BUSY + 2), { timeout: 5_000 });
  });

  it("takes a turn for each of a client's calls and gives it back when the call fails", async () => {
    const priority = tableCallPriority();
    const first = tableTurn(priority.enter('first'));
    const others = tableTurn(priority.enter('others'));
    await first.take();
    let answering = 0;
    let mostAtOnce = 0;
    let calls = 0;
    const server = createServer((_request, response) => {
      calls += 1;
      answering += 1;
      mostAtOnce = Math.max(mostAtOnce, answering);
      // Every other call fails: its turn is given back all the same.
      const failed = calls % 2 === 0;
      setTimeout(() => {
        answering -= 1;
        response.writeHead(failed ? 500 : 200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(failed ? '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"no"}' : '{}');
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    client.middlewareStack.add(tableTurnsMiddleware(others), { step: 'initialize', priority: 'high' });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))));
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(4);
    expect(mostAtOnce).toBe(OTHERS_WHILE_FIRST_BUSY);
    first.giveBack();
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
