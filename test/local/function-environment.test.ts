import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { fixtureManifest, httpFunction } from './fixture-manifest';

/**
 * Each local function runs with its own Lambda's environment only: what its manifest entry gives it,
 * the runtime's variables and the local endpoints and credentials, nothing of another function's or
 * of the shell that started the stack. The functions here are fixtures that report what they see.
 */
const HOST_ONLY = 'LEADFLOW_TEST_HOST_ONLY_SETTING';

const manifest = fixtureManifest([
  httpFunction('puts-on-bus', 'test/local/fixtures/report-environment.ts', '/v1/bus', { access: ['bus:put'] }),
  httpFunction('sends-mail', 'test/local/fixtures/report-environment.ts', '/v1/mail', { access: ['ses:send'] }),
  httpFunction('reads-leads', 'test/local/fixtures/read-table.ts', '/v1/leads', { access: [], table: { read: ['LEAD#'] } }),
  httpFunction('granted-no-table', 'test/local/fixtures/read-table.ts', '/v1/no-table', { access: [] }),
]);

/** The variables the Lambda runtime sets, and those the local stack sets for every function. */
const RUNTIME_AND_LOCAL = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'LAMBDA_TASK_ROOT',
  '_HANDLER',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SESV2',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_SCHEDULER',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_DISABLED',
];

type Environment = Record<string, string>;
interface Report {
  atLoad: Environment;
  now: Environment;
  remainingTimeInMillis: number;
}

let stack: LocalStack;
const logged: string[] = [];

beforeAll(async () => {
  process.env[HOST_ONLY] = 'only the shell that started the stack has this';
  // A setting a test stack shortens (test/integration/shared-stack-environment.ts), which every function must get.
  process.env.HELD_CLAIM_FIRST_WAIT_SECONDS = '3';
  stack = await startLocalStack(await onRunDynamoDb({ manifest, log: (line) => logged.push(line) }));
});

afterAll(async () => {
  await stack?.stop();
  delete process.env[HOST_ONLY];
});

const get = (path: string) => fetch(`${stack.apiUrl}${path}`);
const report = async (path: string): Promise<Report> => {
  const response = await get(path);
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
};

describe('the environment of a local function', () => {
  it('is exactly its Lambda environment: the runtime, the local endpoints and what its manifest entry gives it', async () => {
    const { atLoad, now, remainingTimeInMillis } = await report('/v1/bus');
    // Its first invocation, a cold start: as in Lambda, loading the function took none of its 10 s.
    expect(remainingTimeInMillis).toBeGreaterThan(9_000);
    // Powertools settings and the settings tests shorten are taken from the shell, as their comment says.
    const fromShell = Object.keys(process.env).filter((name) => name.startsWith('POWERTOOLS_') || ['CLAIM_STALE_SECONDS', 'HELD_CLAIM_FIRST_WAIT_SECONDS', 'SUBSCRIPTION_TYPES_MAX_AGE_SECONDS', 'ERASURE_SWEEP_DELAY_SECONDS', 'SCHEDULE_SOONEST_SECONDS'].includes(name));
    const expected = [...new Set([...RUNTIME_AND_LOCAL, ...fromShell, 'POWERTOOLS_SERVICE_NAME', 'LEADFLOW_FUNCTION', 'EVENT_BUS_NAME', 'MAX_BODY_BYTES'])];
    expect(Object.keys(now).sort()).toEqual(expected.sort());
    expect(now).toMatchObject({
      LEADFLOW_FUNCTION: 'puts-on-bus',
      AWS_LAMBDA_FUNCTION_NAME: 'leadflow-puts-on-bus',
      EVENT_BUS_NAME: stack.settings.busName,
      POWERTOOLS_SERVICE_NAME: 'leadflow-test',
      HELD_CLAIM_FIRST_WAIT_SECONDS: '3',
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_EVENTBRIDGE: stack.endpoints.eventbridge,
    });
    expect(now[HOST_ONLY]).toBeUndefined();
    // What the module read when it was loaded is the same, so module-scope configuration sees it too.
    expect(atLoad).toEqual(now);
  });

  it("holds no other function's variables, and what one function sets stays in it", async () => {
    const mail = (await report('/v1/mail?set=SET_BY_MAIL')).now;
    const bus = (await report('/v1/bus')).now;
    expect(mail).toMatchObject({ LEADFLOW_FUNCTION: 'sends-mail', SENDER_ADDRESS: stack.settings.senderAddress, SET_BY_MAIL: 'set by another function' });
    expect(mail.EVENT_BUS_NAME).toBeUndefined();
    expect(bus.LEADFLOW_FUNCTION).toBe('puts-on-bus');
    for (const name of ['SENDER_ADDRESS', 'SALES_INBOX', 'SES_CONFIGURATION_SET', 'SES_MAX_SEND_RATE', 'TABLE_NAME', 'SET_BY_MAIL']) expect(bus[name], name).toBeUndefined();
    expect(process.env.SET_BY_MAIL).toBeUndefined();
    expect(process.env.LEADFLOW_FUNCTION).toBeUndefined();
  });

  it('fails a function that reads a variable its manifest entry does not give it, as Lambda would, naming the variable', async () => {
    expect((await get('/v1/no-table')).status).toBe(500);
    expect(logged.join('\n')).toMatch(/granted-no-table: its handler module failed to load .*: Error: granted-no-table: Invalid configuration: TABLE_NAME/);
    // Given it, the same module loads and reads the table, still held to the function's grants.
    const granted = await get('/v1/leads?partition=LEAD%23one');
    expect(await granted.json()).toEqual({ tableName: stack.settings.tableName, outcome: 'read' });
    const refused = await get('/v1/leads?partition=CAMPAIGN%23one');
    expect(await refused.json()).toEqual({ tableName: stack.settings.tableName, outcome: 'AccessDeniedException' });
  });

  it('starts a function again, with a fresh environment, after an error nobody caught ended it', async () => {
    expect((await report('/v1/mail?set=SET_BEFORE_CRASH&crash=1')).now.SET_BEFORE_CRASH).toBe('set by another function');
    const deadline = Date.now() + 20_000;
    while (!logged.some((line) => line.includes('sends-mail: its runtime ended on an error nobody caught'))) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const restarted = (await report('/v1/mail')).now;
    expect(restarted.LEADFLOW_FUNCTION).toBe('sends-mail');
    expect(restarted.SET_BEFORE_CRASH).toBeUndefined();
  });
});
