import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction } from '../../manifest/types';
import type { SeedHints } from './hostile-requests';
import { answerProblem, fuzzRoute, fuzzTargets, linkHints, publicRoutes, startFuzzStack } from './public-routes';

/** Inputs per route in `npm test`; `npm run fuzz` runs 1,000 per route. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

let stack: LocalStack;
let client: DynamoDBClient;
let hints: SeedHints;

beforeAll(async () => {
  stack = await startFuzzStack();
  client = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb });
  hints = await linkHints(stack);
});
afterAll(async () => {
  client?.destroy();
  await stack?.stop();
});

describe('hostile input on every public route (and the admin routes of the list sorted by score)', () => {
  it('covers every public route the manifest declares', () => {
    const declared = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'public').flatMap((fn) => fn.trigger.routes.map((route) => `${route.method} ${route.path}`));
    expect(publicRoutes().map((route) => `${route.method} ${route.path}`).sort()).toEqual(declared.sort());
  });

  it.each(fuzzTargets({}).map((target) => [target.label] as const))(
    '%s: no 5xx, every refusal says what is wrong, and a refused request leaves the table as it was',
    async (label) => {
      const target = fuzzTargets(hints).find((candidate) => candidate.label === label);
      if (!target) throw new Error(`No fuzz target ${label}`);
      const report = await fuzzRoute(stack, client, target.route, target.hints, RUNS, undefined, target.label, target.admin);
      expect(report.failures).toEqual([]);
      expect(report.storeChanges).toBe(0);
      expect(report.inputs).toBe(RUNS);
    },
  );
});

describe('the fuzzer\'s own checks', () => {
  it('flags a 5xx, a 400 without a field, a vague zod text and a JSON refusal without a message', () => {
    expect(answerProblem({ status: 500, contentType: 'application/json', body: '{"message":"Internal Server Error"}' })).toMatch(/500/);
    expect(answerProblem({ status: 400, contentType: 'application/json', body: '{"message":"Invalid request"}' })).toMatch(/names no field/);
    expect(answerProblem({ status: 400, contentType: 'application/json', body: '{"message":"x","issues":[{"field":"email","message":"Invalid input"}]}' })).toMatch(/vague/);
    expect(answerProblem({ status: 413, contentType: 'application/json', body: '{}' })).toMatch(/without a message/);
    expect(answerProblem({ status: 400, contentType: 'text/html', body: '{"message":"x"}' })).toMatch(/HTML page/);
    expect(answerProblem({ status: 400, contentType: 'application/json', body: '{"message":"Invalid request: email must be a string","issues":[{"field":"email","message":"must be a string"}]}' })).toBeUndefined();
  });
});
