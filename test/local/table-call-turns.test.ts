import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleFunctions } from '../../local/function-bundles';
import { lambdaContext, startFunctionRuntime, type FunctionRuntime } from '../../local/lambda';
import { OTHERS_WHILE_FIRST_BUSY } from '../../local/table-call-priority';
import type { FunctionSpec } from '../../manifest/types';

/**
 * The local runtime gives the functions users wait on the first turn at DynamoDB Local
 * (local/table-call-priority.ts): here an HTTP function's read is held open by a stand-in for
 * DynamoDB while a timer function, in a worker of its own, makes many reads at once.
 */
const spec = (name: string, trigger: FunctionSpec['trigger']): FunctionSpec => ({
  name,
  description: 'test',
  entry: 'test/local/fixtures/table-calls.ts',
  trigger,
  timeoutSeconds: 30,
  memoryMb: 128,
  access: [],
  table: { read: ['LEAD#'] },
});
const waitedOn = spec('waited-on', { kind: 'http', routes: [], audience: 'public' });
const background = spec('background', { kind: 'schedule', expression: 'rate(1 hour)' });

/** Answers each read after a little while, except the waited-on function's, which it holds until told. */
function standInTable() {
  const inFlight = new Map<string, number>();
  let mostBackgroundAtOnce = 0;
  const held: ServerResponse[] = [];
  const answer = (response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end('{}');
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const caller = String((JSON.parse(body) as { Key: { pk: { S: string } } }).Key.pk.S).slice('LEAD#'.length);
      inFlight.set(caller, (inFlight.get(caller) ?? 0) + 1);
      if (caller === 'background') mostBackgroundAtOnce = Math.max(mostBackgroundAtOnce, inFlight.get(caller) ?? 0);
      const done = () => inFlight.set(caller, (inFlight.get(caller) ?? 1) - 1);
      if (caller === waitedOn.name) {
        held.push(response);
        response.on('finish', done);
        return;
      }
      setTimeout(() => {
        done();
        answer(response);
      }, 25);
    });
  });
  return {
    server,
    inFlight: (caller: string) => inFlight.get(caller) ?? 0,
    mostBackgroundAtOnce: () => mostBackgroundAtOnce,
    release: () => held.splice(0).forEach(answer),
  };
}

let bundles: Awaited<ReturnType<typeof bundleFunctions>>;
let runtime: FunctionRuntime;
const table = standInTable();
let endpoint: string;
beforeAll(async () => {
  bundles = await bundleFunctions([waitedOn, background], fileURLToPath(new URL('../..', import.meta.url)));
  runtime = startFunctionRuntime({ bundles, environmentOf: () => ({}), log: () => {}, reports: { capacity: () => {}, metrics: () => {} }, measureCapacity: false });
  await new Promise<void>((resolve) => table.server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(table.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  table.release();
  await runtime?.stop();
  bundles?.release();
  await new Promise((resolve) => table.server.close(resolve));
});

const read = (fn: FunctionSpec, calls: number) => runtime.handlerOf<{ endpoint: string; calls: number; caller: string }, { read: number }>(fn)({ endpoint, calls, caller: fn.name }, lambdaContext(fn));

describe('table calls in the local runtime', () => {
  it("lets another worker's function make only a few calls at a time while a waited-on function's call is in flight", async () => {
    const waitedOnRead = read(waitedOn, 1);
    await vi.waitFor(() => expect(table.inFlight(waitedOn.name)).toBe(1), { timeout: 30_000, interval: 20 });
    expect(await read(background, 8)).toEqual({ read: 8 });
    expect(table.mostBackgroundAtOnce()).toBe(OTHERS_WHILE_FIRST_BUSY);
    table.release();
    expect(await waitedOnRead).toEqual({ read: 1 });
  });
});
