import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { App, Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_OPERATIONS_SENT } from '../../infra/bundle-plugins';
import { bundleFunction, bundleFunctions, PROJECT_ROOT } from '../../infra/function-bundling';
import { LeadflowAlarms } from '../../infra/alarms';
import { LeadflowFunction } from '../../infra/leadflow-function';
import { manifest } from '../../manifest/manifest';
import { openApiDocument } from '../../src/api/openapi';
import type { Access, FunctionSpec } from '../../manifest/types';
import { httpEvent } from '../handlers/fixtures';

const bundlesFolder = mkdtempSync(join(tmpdir(), 'leadflow-bundles-'));
afterAll(() => rmSync(bundlesFolder, { recursive: true, force: true }));

/**
 * Every function's bundle as `cdk deploy` ships it (the test of `cdk deploy` below compares one with
 * deploy's asset), built once for the file, all in one esbuild build (bundleFunctions).
 */
let deployedBundles: ReturnType<typeof bundleFunctions> | undefined;
const allDeployedBundles = () => (deployedBundles ??= bundleFunctions(Object.fromEntries(manifest.functions.map((spec) => [spec.name, spec.entry])), join(bundlesFolder, 'functions')));

/** A function's bundle as shipped: its path and size, and what each input added to esbuild's bundle before the second minifier pass (by path, in bytes). */
async function deployedBundle(name: string) {
  const bundle = (await allDeployedBundles())[name];
  if (!bundle) throw new Error(`no bundle of ${name}`);
  const inputs = Object.entries(bundle.output.inputs).filter(([, input]) => input.bytesInOutput > 0);
  const bytesOf = (pattern: RegExp) => inputs.filter(([path]) => pattern.test(path)).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  const sdkBytes = bytesOf(/(?:^|\/)node_modules\/@(aws-sdk|smithy)\//);
  return {
    path: bundle.outfile,
    bytes: bundle.bytes,
    sdkBytes,
    besidesSdkBytes: bundle.output.bytes - sdkBytes,
    bytesOf,
    inputs: inputs.map(([path]) => path),
    /** Every input esbuild read for it, those tree-shaken to nothing included. */
    inputsRead: Object.keys(bundle.output.inputs),
  };
}

/** Writes `lines` as the script `<name>.ts` in `folder` and bundles it as a function is deployed; the bundle's path. */
async function bundledScript(folder: string, name: string, lines: readonly string[]): Promise<string> {
  const entry = join(folder, `${name}.ts`);
  writeFileSync(entry, lines.join('\n'));
  const bundlePath = join(folder, `${name}.mjs`);
  await bundleFunction(entry, bundlePath);
  return bundlePath;
}

/**
 * Issue 15's limit, 300 KiB, on the bundle as shipped (after the second minifier pass), which every
 * function is within since run-journeys handed its email and notify steps to send-journey-email
 * (2026-12-01; docs/performance.md, "Function bundles and cold imports", says how each got there). The
 * other two hold what esbuild's bundle gives the SDK, and everything else, before that pass (its
 * metafile says what each input added), a KiB or so above the largest reached on 2026-12-01: the SDK
 * part is largest in alert-sales and follow-up-handoff (200.8 KiB: DynamoDB, SES, EventBridge, Secrets
 * Manager), the rest in manage-campaigns (154.6 KiB; run-journeys 145.6, every other function under
 * 139), then 156.4 KiB with the source-mapped stack traces and the reading of a request's events stored
 * as one item (both 2026-12-01, late), then 158.6 KiB with events and scores stored packed (2026-12-04,
 * src/adapters/packed-values.ts: every function that reads or writes an event item or a score), then
 * 159.7 KiB with the subscription types read again for a type the input names (2026-12-05,
 * SubscriptionTypeStore.current: manage-campaigns, whose whole bundle is then 299.5 KiB), and 159.2 KiB
 * once the campaign's plan had an adapter of its own (CampaignPlans, 2026-12-05: manage-campaigns 299.1 KiB).
 * api-docs held the second at 300 KiB while it built the OpenAPI document of every route at run time;
 * its bundle now carries the document built with it (infra/bundle-plugins.ts), 99.8 KiB besides the SDK.
 */
const LIMIT_KIB = { bundle: 300, sdk: 202, besidesSdk: 160.5 };

/** The SDK clients a function's grants let it call: a client it has no grant for is dead weight. */
const CLIENT_OF_ACCESS: Partial<Record<Access, string | readonly string[]>> = {
  'bus:put': 'client-eventbridge',
  'ses:send': 'client-sesv2',
  'secret:signing-keys': 'client-secrets-manager',
  'secret:privacy-salt': 'client-secrets-manager',
  'scheduler:manage': 'client-scheduler',
  // The user pool's id comes from a secret the console stack writes (the main stack cannot name it).
  'users:manage': ['client-cognito-identity-provider', 'client-secrets-manager'],
};
const callableClients = (spec: FunctionSpec) =>
  new Set([
    ...(spec.table ? ['client-dynamodb'] : []),
    // A queue consumer may change the visibility of its own messages.
    ...(spec.trigger.kind === 'event' ? ['client-sqs'] : []),
    ...spec.access.flatMap((access) => CLIENT_OF_ACCESS[access] ?? []),
  ]);

describe('function bundles as deployed', () => {
  beforeAll(() => allDeployedBundles(), 300_000);

  it.each(manifest.functions.map((spec) => [spec.name, spec] as const))(
    '%s carries only the SDK code Lambda calls, only the English zod locale, and stays within 300 KiB and the sizes its parts reached',
    async (_, spec) => {
      const bundle = await deployedBundle(spec.name);
      const packagesIn = (pattern: RegExp) => [...new Set(bundle.inputs.flatMap((path) => path.match(pattern)?.[1] ?? []))].sort();
      // Only the environment's credentials (how Lambda gives them); no other link of the default chain, nor the STS and SSO clients it brings.
      expect(packagesIn(/(?:^|\/)node_modules\/@aws-sdk\/((credential-provider|nested-clients|token-providers)[^/]*)\//).filter((name) => name !== 'credential-provider-env')).toEqual([]);
      expect(packagesIn(/(?:^|\/)node_modules\/@smithy\/(credential-provider-imds)\//)).toEqual([]);
      expect(bundle.inputs.filter((path) => path.includes('/@smithy/core/dist-es/submodules/event-streams/'))).toEqual([]);
      expect(packagesIn(/(?:^|\/)node_modules\/@aws-sdk\/(client-[^/]+)\//).filter((client) => !callableClients(spec).has(client))).toEqual([]);
      // A bundle keeps the errors of the operations listed as sent (infra/bundle-plugins.ts): every operation it can send is listed.
      const unlisted = bundle.inputs.flatMap((path) => {
        const [, client = '', operation = ''] = path.match(/\/@aws-sdk\/(client-[^/]+)\/dist-es\/commands\/(\w+)Command\.js$/) ?? [];
        return operation && !(SDK_OPERATIONS_SENT[client] ?? []).includes(operation) ? [`${client} ${operation}`] : [];
      });
      expect(unlisted).toEqual([]);
      // zod as a value (`import { z }`, `z.core.$ZodError`) brings every one of zod's 64 locales (258 KB): only English, or none.
      expect(bundle.inputs.filter((path) => /\/zod\/.*\/locales\//.test(path)).map((path) => path.replace(/.*\/locales\//, '')).filter((locale) => locale !== 'en.js')).toEqual([]);
      // Runtime schemas are zod mini's: classic zod's schemas would bring all of it back.
      expect(bundle.inputs.filter((path) => /\/zod\/v4\/classic\//.test(path))).toEqual([]);
      // What infra/bundle-plugins.ts leaves out: every shape of a client's service, zod's JSON Schema generator, mnemonist, the SDK's ini parser.
      expect(bundle.bytesOf(/\/zod\/v4\/core\/(json-schema-processors|to-json-schema)\.js$/)).toBeLessThan(3 * 1024);
      expect(bundle.bytesOf(/\/@aws-sdk\/client-sesv2\/dist-es\/schemas\//)).toBeLessThan(8 * 1024);
      expect(bundle.inputs.filter((path) => /\/node_modules\/mnemonist\/|\/shared-ini-file-loader\/parseIni\.js$/.test(path))).toEqual([]);
      // No function may Scan: lib-dynamodb's Scan paginator, made whether read or not, no longer brings the command.
      expect(bundle.inputs.filter((path) => /\/@aws-sdk\/(?:lib|client)-dynamodb\/dist-es\/(?:commands\/ScanCommand|pagination\/ScanPaginator)\.js$/.test(path))).toEqual([]);
      // Nothing of the local runtime (its IAM stand-in, the table grant check, runs in local mode only).
      expect(bundle.inputs.filter((path) => /(?:^|\/)local\//.test(path) && !path.includes('node_modules'))).toEqual([]);
      // DynamoDB's endpoint cache is left out: no command may consult it through the discovery middleware.
      expect(bundle.inputs.filter((path) => /\/@aws-sdk\/(endpoint-cache|middleware-endpoint-discovery\/dist-es\/endpointDiscoveryMiddleware)/.test(path))).toEqual([]);
      // Nor the adaptive retry mode's rate limiter, the signer's event-stream header encoding, the SDK's log entries, the MD5 fallback, nor web-stream bodies: each replaced by a stand-in of a few lines.
      expect(bundle.inputs.filter((path) => /\/util-retry\/DefaultRateLimiter\.js$/.test(path))).toEqual([]);
      expect(bundle.bytesOf(/\/(?:signature-v4\/dist-es\/HeaderFormatter|middleware-logger\/loggerMiddleware|smithy-client\/schemaLogFilter|md5\/Md5Js|util-stream\/(?:sdk-stream-mixin|stream-collector)\.browser)\.js$/)).toBeLessThan(1024);
      expect(bundle.bytes).toBeLessThanOrEqual(LIMIT_KIB.bundle * 1024);
      expect(bundle.sdkBytes).toBeLessThanOrEqual(LIMIT_KIB.sdk * 1024);
      expect(bundle.besidesSdkBytes).toBeLessThanOrEqual(LIMIT_KIB.besidesSdk * 1024);
    },
  );
});

const run = promisify(execFile);

/** The first frame of a stack trace printed in `output`. */
const firstFrame = (output: string) => output.split('\n').find((line) => /^\s+at /.test(line));

/** The line of src/config.ts that throws on a missing setting. */
function configErrorLine(): number {
  const line = readFileSync(join(PROJECT_ROOT, 'src', 'config.ts'), 'utf8').split('\n').findIndex((text) => text.includes('throw new Error(`Invalid configuration')) + 1;
  expect(line).toBeGreaterThan(0);
  return line;
}

describe('zod in a function bundle', () => {
  // Inside the project, where the entry's `zod` resolves to node_modules.
  mkdirSync(join(PROJECT_ROOT, '.leadflow'), { recursive: true });
  const folder = mkdtempSync(join(PROJECT_ROOT, '.leadflow', 'bundle-zod-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('validates as it does unbundled, through Standard Schema too (Powertools batch), and refuses only to produce JSON Schema', async () => {
    const bundlePath = await bundledScript(folder, 'zod', [
      "import * as z from 'zod';",
      'const Lead = z.strictObject({ email: z.email(), score: z.int().min(0).optional() });',
      "const standard = await Lead['~standard'].validate({ email: 'not an address' });",
      'let jsonSchema;',
      'try { jsonSchema = Lead.toJSONSchema(); } catch (error) { jsonSchema = String(error); }',
      "console.log(JSON.stringify({ parsed: Lead.parse({ email: 'ada@example.com', score: 3 }), issues: Lead.safeParse({ email: 'x', score: -1 }).error?.issues.map((issue) => issue.path.join('.')), standard: standard.issues?.map((issue) => issue.message), jsonSchema }));",
    ]);

    const { stdout } = await run(process.execPath, [bundlePath], { timeout: 60_000 });

    expect(JSON.parse(stdout)).toEqual({
      parsed: { email: 'ada@example.com', score: 3 },
      issues: ['email', 'score'],
      standard: ['Invalid email address'],
      jsonSchema: expect.stringContaining("leave out zod's JSON Schema generation"),
    });
  });
});

describe('the plugins of a function bundle', () => {
  mkdirSync(join(PROJECT_ROOT, '.leadflow'), { recursive: true });
  const folder = mkdtempSync(join(PROJECT_ROOT, '.leadflow', 'bundle-plugins-'));
  /**
   * What the stand-in answers, in order: an error of `type`, or (without one) a success with `body`,
   * or what `answer` makes of the request's body.
   */
  const responses: { type?: string; body: Record<string, unknown>; answer?: (request: Record<string, unknown>) => Record<string, unknown> }[] = [];
  let requestsServed = 0;
  const dynamodb = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requestsServed += 1;
      const { type, body, answer } = responses.shift() ?? { type: 'InternalServerError', body: {} };
      const answered = answer ? answer(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : body;
      if (!type) return response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answered));
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type }).end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: type, ...body }));
    });
  });
  beforeAll(() => new Promise<void>((resolve) => dynamodb.listen(0, '127.0.0.1', resolve)));
  /** Runs a bundled script against the stand-in, with credentials in its environment as Lambda gives them; returns what it printed. */
  const runAgainstStandIn = async (bundlePath: string, environment: Record<string, string> = {}) => {
    const { port } = dynamodb.address() as AddressInfo;
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', ...environment };
    return (await run(process.execPath, [bundlePath], { env, timeout: 60_000 })).stdout;
  };
  afterAll(async () => {
    await new Promise<void>((resolve) => dynamodb.close(() => resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  it("keep the errors of the operations sent, as the SDK reads them, and name any other by the service's code", async () => {
    const bundlePath = await bundledScript(folder, 'errors', [
      "import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';",
      "import { DeleteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';",
      "import { documentClient } from '../../src/adapters/clients';",
      "import { conditionally, failedConditions } from '../../src/adapters/dynamo-errors';",
      'const client = documentClient();',
      "const refused = await conditionally(client.send(new PutCommand({ TableName: 't', Item: { pk: 'a' } })), 'written', 'refused');",
      "const transaction = await client.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a' } } }, { Put: { TableName: 't', Item: { pk: 'b' } } }] })).catch((error) => error);",
      "const undeclared = await client.send(new DeleteCommand({ TableName: 't', Key: { pk: 'a' } })).catch((error) => error);",
      'console.log(JSON.stringify({ refused, transaction: [transaction instanceof TransactionCanceledException, failedConditions(transaction)], undeclared: [undeclared.name, undeclared.$fault, undeclared.message] }));',
    ]);
    responses.push(
      { type: 'ConditionalCheckFailedException', body: {} },
      { type: 'TransactionCanceledException', body: { CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] } },
      // Only DynamoDB's table management declares it: the bundle has no class for it.
      { type: 'TableNotFoundException', body: {} },
    );

    const stdout = await runAgainstStandIn(bundlePath, { AWS_MAX_ATTEMPTS: '1' });

    expect(readFileSync(bundlePath, 'utf8')).not.toContain('TableNotFoundException"');
    expect(JSON.parse(stdout)).toEqual({ refused: 'refused', transaction: [true, [false, true]], undeclared: ['TableNotFoundException', 'client', 'TableNotFoundException'] });
  });

  it('retry a throttled call in the standard mode, and refuse the adaptive mode they leave out instead of ignoring it', async () => {
    const bundlePath = await bundledScript(folder, 'retries', [
      "import { PutCommand } from '@aws-sdk/lib-dynamodb';",
      "import { documentClient } from '../../src/adapters/clients';",
      "const output = await documentClient().send(new PutCommand({ TableName: 't', Item: { pk: 'a' } })).then((result) => result.$metadata.attempts, (error) => String(error));",
      'console.log(JSON.stringify(output));',
    ]);
    const attempts = async (extra: Record<string, string>) => JSON.parse(await runAgainstStandIn(bundlePath, extra)) as unknown;
    responses.length = 0;
    requestsServed = 0;
    responses.push({ type: 'ThrottlingException', body: {} }, { type: 'ProvisionedThroughputExceededException', body: {} }, { body: {} });

    expect(await attempts({})).toBe(3);
    expect(requestsServed).toBe(3);
    requestsServed = 0;
    expect(await attempts({ AWS_RETRY_MODE: 'adaptive' })).toEqual(expect.stringContaining('retry in the standard mode only'));
    expect(requestsServed).toBe(0);
  });

  it("resolve the document client's middleware once per command class, each call sending its own input and reading its own answer", async () => {
    const bundlePath = await bundledScript(folder, 'document-commands', [
      "import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';",
      "import { documentClient } from '../../src/adapters/clients';",
      'const client = documentClient();',
      // Each resolution of a document command starts with a copy of the client's stack.
      'let resolutions = 0;',
      'const concat = client.middlewareStack.concat.bind(client.middlewareStack);',
      'client.middlewareStack.concat = (from) => { resolutions += 1; return concat(from); };',
      "const items = await Promise.all(['a', 'b', 'c'].map((pk) => client.send(new GetCommand({ TableName: 't', Key: { pk } })).then((output) => output.Item)));",
      "const puts = [await client.send(new PutCommand({ TableName: 't', Item: { pk: 'd', n: 1 }, ReturnValues: 'ALL_OLD' })), await client.send(new PutCommand({ TableName: 't', Item: { pk: 'e', n: 2 }, ReturnValues: 'ALL_OLD' }))];",
      'console.log(JSON.stringify({ items, old: puts.map((output) => output.Attributes), resolutions }));',
    ]);
    const sent: unknown[] = [];
    /** Echoes the partition key the request names, as an item's and as what it read. */
    const echo = (request: Record<string, unknown>) => {
      sent.push(request);
      const key = ((request.Key ?? request.Item) as { pk: { S: string } }).pk;
      return request.Key ? { Item: { pk: key, read: { S: `item ${key.S}` } } } : { Attributes: { pk: key, read: { S: `replaced ${key.S}` } } };
    };
    responses.length = 0;
    responses.push(...Array.from({ length: 5 }, () => ({ body: {}, answer: echo })));

    const stdout = await runAgainstStandIn(bundlePath);

    expect(JSON.parse(stdout)).toEqual({
      items: ['a', 'b', 'c'].map((pk) => ({ pk, read: `item ${pk}` })),
      old: ['d', 'e'].map((pk) => ({ pk, read: `replaced ${pk}` })),
      // One for GetCommand, one for PutCommand: lib-dynamodb alone resolves on every call (5).
      resolutions: 2,
    });
    // The three gets go out together, in whatever order their connections deliver them.
    expect(sent.slice(0, 3)).toEqual(expect.arrayContaining(['a', 'b', 'c'].map((pk) => ({ TableName: 't', Key: { pk: { S: pk } } }))));
    expect(sent.slice(3)).toEqual([
      { TableName: 't', Item: { pk: { S: 'd' }, n: { N: '1' } }, ReturnValues: 'ALL_OLD' },
      { TableName: 't', Item: { pk: { S: 'e' }, n: { N: '2' } }, ReturnValues: 'ALL_OLD' },
    ]);
  });

  it("sign with the credentials the environment held at the first call, by one signer per client, as the SDK's default chain keeps them", async () => {
    const bundlePath = await bundledScript(folder, 'signer', [
      "import { GetCommand } from '@aws-sdk/lib-dynamodb';",
      "import { documentClient } from '../../src/adapters/clients';",
      'const client = documentClient();',
      "const get = (pk) => client.send(new GetCommand({ TableName: 't', Key: { pk } }));",
      "await get('a');",
      // Lambda does not change a running function's environment; the default chain would not read it again.
      "process.env.AWS_ACCESS_KEY_ID = 'AKIDCHANGED';",
      "await get('b');",
      'const signers = [await client.config.signer(), await client.config.signer()];',
      'console.log(JSON.stringify({ oneSigner: signers[0] === signers[1] }));',
    ]);
    const credentialsSent: string[] = [];
    const dynamodbWithHeaders = createServer((request, response) => {
      credentialsSent.push(String(request.headers.authorization).match(/Credential=(\w+)\//)?.[1] ?? '');
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
    });
    await new Promise<void>((resolve) => dynamodbWithHeaders.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = dynamodbWithHeaders.address() as AddressInfo;
      const { stdout } = await run(process.execPath, [bundlePath], {
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'AKIDFIRST', AWS_SECRET_ACCESS_KEY: 'secret' },
        timeout: 60_000,
      });

      expect(JSON.parse(stdout)).toEqual({ oneSigner: true });
      expect(credentialsSent).toEqual(['AKIDFIRST', 'AKIDFIRST']);
    } finally {
      await new Promise<void>((resolve) => dynamodbWithHeaders.close(() => resolve()));
    }
  });

  it("hand each call a view of the client's configuration, not a copy, and leave the configuration as it was", async () => {
    const bundlePath = await bundledScript(folder, 'configuration', [
      "import { GetCommand } from '@aws-sdk/lib-dynamodb';",
      "import { resolveParams } from '@smithy/core/endpoints';",
      "import { documentClient } from '../../src/adapters/clients';",
      'const client = documentClient();',
      // A copy reads every member of the configuration; a view only those asked for.
      'let copies = 0;',
      "Object.defineProperty(client.config, 'copiedWhole', { get: () => { copies += 1; return true; }, enumerable: true });",
      'const before = { endpoint: client.config.endpoint, isCustomEndpoint: client.config.isCustomEndpoint };',
      "const get = (pk) => client.send(new GetCommand({ TableName: 't', Key: { pk } })).then((output) => output.Item);",
      "const items = [await get('a'), await get('b'), await get('c')];",
      'const unchanged = client.config.endpoint === before.endpoint && client.config.isCustomEndpoint === before.isCustomEndpoint;',
      // A client that declares no endpoint parameters is given the whole configuration as parameters, the view's inherited members too.
      "const view = Object.assign(Object.create({ region: 'eu-west-1', useFipsEndpoint: false }), { endpoint: 'http://local' });",
      'const parameters = await resolveParams({}, { getEndpointParameterInstructions: () => ({}) }, view);',
      'console.log(JSON.stringify({ items, copies, unchanged, parameters }));',
    ]);
    const echo = (request: Record<string, unknown>) => ({ Item: { pk: (request.Key as { pk: { S: string } }).pk, read: { S: 'yes' } } });
    responses.length = 0;
    responses.push(...Array.from({ length: 3 }, () => ({ body: {}, answer: echo })));

    const stdout = await runAgainstStandIn(bundlePath);

    // The one copy is the signer's, made at the first request (above); copied per call, 10.
    expect(JSON.parse(stdout)).toEqual({ items: ['a', 'b', 'c'].map((pk) => ({ pk, read: 'yes' })), copies: 1, unchanged: true, parameters: { region: 'eu-west-1', useFipsEndpoint: false, endpoint: 'http://local' } });
  });

  it('leave out the module-level schemas of leadflow code that a function never reads, and keep what its modules do when they load', async () => {
    // Under a `src` folder of the project, as leadflow's own modules are.
    mkdirSync(join(folder, 'src'), { recursive: true });
    writeFileSync(
      join(folder, 'src', 'schemas.ts'),
      [
        "import * as z from 'zod/mini';",
        "z.config({ customError: () => 'refused by the module' });",
        'export const Read = z.object({ name: z.string().check(z.minLength(1)) });',
        'export const Unread = z.object({ unreadField: z.string().check(z.minLength(2)) });',
        "export const loaded = ['module ran'];",
      ].join('\n'),
    );
    const entry = join(folder, 'schemas-entry.ts');
    writeFileSync(entry, ["import { loaded, Read } from './src/schemas';", "console.log(JSON.stringify({ loaded, issues: Read.safeParse({ name: '' }).error?.issues.map((issue) => issue.message) }));"].join('\n'));
    const bundlePath = join(folder, 'schemas.mjs');
    await bundleFunction(entry, bundlePath);

    const { stdout } = await run(process.execPath, [bundlePath], { timeout: 60_000 });

    expect(readFileSync(bundlePath, 'utf8')).not.toContain('unreadField');
    expect(JSON.parse(stdout)).toEqual({ loaded: ['module ran'], issues: ['refused by the module'] });
  });
});

describe('the EventBridge client of a function bundle', () => {
  mkdirSync(join(PROJECT_ROOT, '.leadflow'), { recursive: true });
  const folder = mkdtempSync(join(PROJECT_ROOT, '.leadflow', 'bundle-events-'));
  const requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const eventBridge = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }));
    });
  });
  beforeAll(() => new Promise<void>((resolve) => eventBridge.listen(0, '127.0.0.1', resolve)));
  afterAll(async () => {
    await new Promise<void>((resolve) => eventBridge.close(() => resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  it('signs PutEvents with SigV4 as AWS verifies it (its multi-region signer is left out)', async () => {
    const bundlePath = await bundledScript(folder, 'events', [
      "import { PutEventsCommand } from '@aws-sdk/client-eventbridge';",
      "import { eventBridgeClient } from '../../src/adapters/clients';",
      "const output = await eventBridgeClient().send(new PutEventsCommand({ Entries: [{ Source: 'leadflow', DetailType: 'lead.identified', Detail: '{}', EventBusName: 'bus' }] }));",
      'console.log(JSON.stringify(output.Entries));',
    ]);
    const { port } = eventBridge.address() as AddressInfo;
    const credentials = { accessKeyId: 'AKIDEVENTS', secretAccessKey: 'events-secret' };

    const { stdout } = await run(process.execPath, [bundlePath], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      timeout: 60_000,
    });

    expect(JSON.parse(stdout)).toEqual([{ EventId: 'e-1' }]);
    expect(readFileSync(bundlePath, 'utf8')).not.toContain('signature-v4-crt');
    const [request] = requests;
    const authorization = String(request?.headers.authorization);
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEVENTS\/\d{8}\/eu-west-1\/events\/aws4_request, SignedHeaders=/);
    const signedHeaders = authorization.match(/SignedHeaders=([^,]+)/)?.[1]?.split(';') ?? [];
    const amzDate = String(request?.headers['x-amz-date']);
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'events', sha256: Hash.bind(null, 'sha256') });
    const expected = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: request?.path ?? '', query: {}, headers: Object.fromEntries(signedHeaders.map((name) => [name, String(request?.headers[name])])), body: request?.body },
      { signingDate },
    );
    expect(authorization).toBe(expected.headers.authorization);
  });
});

describe('endpoints in a function bundle', () => {
  mkdirSync(join(PROJECT_ROOT, '.leadflow'), { recursive: true });
  const folder = mkdtempSync(join(PROJECT_ROOT, '.leadflow', 'bundle-endpoints-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("resolve every client's endpoint in every partition as the SDK does unbundled (its partition table is left without region descriptions)", async () => {
    const entry = join(folder, 'endpoints.ts');
    writeFileSync(
      entry,
      [
        "import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';",
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
        "import { SchedulerClient } from '@aws-sdk/client-scheduler';",
        "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
        "import { SESv2Client } from '@aws-sdk/client-sesv2';",
        "import { SQSClient } from '@aws-sdk/client-sqs';",
        "const regions = ['eu-west-1', 'eu-central-2', 'us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-3', 'ca-central-1', 'sa-east-1', 'me-central-1', 'il-central-1', 'mx-central-1', 'eusc-de-east-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'xx-nowhere-9'];",
        'const clients = [CognitoIdentityProviderClient, DynamoDBClient, EventBridgeClient, SchedulerClient, SecretsManagerClient, SESv2Client, SQSClient];',
        'const endpoints = [];',
        'for (const Client of clients) for (const Region of regions) for (const [UseFIPS, UseDualStack] of [[false, false], [true, false], [false, true]]) {',
        "  const config = new Client({ region: Region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }).config;",
        '  try { endpoints.push(JSON.stringify(config.endpointProvider({ Region, UseFIPS, UseDualStack }))); } catch (error) { endpoints.push(String(error)); }',
        '}',
        'console.log(JSON.stringify(endpoints));',
      ].join('\n'),
    );
    const bundlePath = join(folder, 'endpoints.mjs');
    await bundleFunction(entry, bundlePath);
    const environment = { PATH: process.env.PATH ?? '' };

    const [bundled, unbundled] = await Promise.all([
      run(process.execPath, [bundlePath], { env: environment, timeout: 60_000 }),
      run(process.execPath, ['--import', 'tsx', entry], { cwd: PROJECT_ROOT, env: environment, timeout: 60_000 }),
    ]);

    const endpoints = JSON.parse(unbundled.stdout) as string[];
    expect(endpoints.filter((endpoint) => endpoint.includes('"url":"https://')).length).toBeGreaterThan(endpoints.length / 2);
    expect(JSON.parse(bundled.stdout)).toEqual(endpoints);
  }, 60_000);
});

describe('cdk deploy', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'leadflow-bundle-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('ships the bundle measured above, plugins included', async () => {
    const spec = manifest.functions.find((candidate) => candidate.name === 'get-lead');
    if (!spec) throw new Error('no get-lead function');
    // CloudFormation's own validation is test/infra/cloudformation-validation.test.ts's: here it would
    // only start its engine again.
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Bundles');
    new LeadflowFunction(stack, 'GetLead', { spec, environment: {}, alarms: new LeadflowAlarms(stack, new SnsAction(new Topic(stack, 'Alarms'))) });
    app.synth();
    const [asset] = readdirSync(outdir).filter((name) => name.startsWith('asset.'));

    expect(readFileSync(join(outdir, String(asset), 'index.mjs'), 'utf8')).toBe(readFileSync((await deployedBundle(spec.name)).path, 'utf8'));
    expect(readdirSync(join(outdir, String(asset))).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  }, 300_000);
});

/**
 * get-lead's deployed bundle, run in a Node process of its own against a stand-in for DynamoDB that
 * records every request: what the bundle's SDK sends, and whether it signs it as AWS checks.
 */
describe('a deployed bundle calling AWS', () => {
  const folder = mkdtempSync(join(tmpdir(), 'leadflow-bundle-'));
  let bundlePath = '';
  const requests: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const dynamodb = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Items: [], Count: 0, ScannedCount: 0 }));
    });
  });
  const credentials = { accessKeyId: 'AKIDLEADFLOWBUNDLE', secretAccessKey: 'bundle-secret-access-key', sessionToken: 'bundle-session-token' };

  beforeAll(async () => {
    bundlePath = (await deployedBundle('get-lead')).path;
    await new Promise<void>((resolve) => dynamodb.listen(0, '127.0.0.1', resolve));
  }, 300_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => dynamodb.close(() => resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  /** Invokes the bundle's handler for one lead with exactly `environment`; its response. */
  async function getLead(environment: Record<string, string>) {
    requests.length = 0;
    const event = httpEvent({ method: 'GET', path: '/v1/admin/leads/6c4f2d3e-8a4b-4c2f-9d1e-0f5a7b3c2d10', route: '/v1/admin/leads/{leadId}', pathParameters: { leadId: '6c4f2d3e-8a4b-4c2f-9d1e-0f5a7b3c2d10' } });
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundlePath).href)}); console.log(JSON.stringify(await handler(${JSON.stringify(event)}, { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 10000 })));`;
    const { port } = dynamodb.address() as AddressInfo;
    // A home of its own with a default profile in ~/.aws: the SDK's stock chain would sign with it.
    const home = join(folder, 'home');
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIDFROMINIFILE\naws_secret_access_key = ini-secret\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', HOME: home, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`, TABLE_NAME: 'leadflow', MAX_BODY_BYTES: '1048576', POWERTOOLS_LOG_LEVEL: 'SILENT', ...environment },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as { statusCode: number };
  }

  it('signs each request with the credentials Lambda puts in its environment, as AWS verifies them', async () => {
    const response = await getLead({ AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken });

    expect(response.statusCode).toBe(404);
    expect(requests.length).toBeGreaterThan(0);
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: Hash.bind(null, 'sha256') });
    for (const request of requests) {
      const authorization = String(request.headers.authorization);
      expect(authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/\\d{8}/eu-west-1/dynamodb/aws4_request, SignedHeaders=`));
      expect(request.headers['x-amz-security-token']).toBe(credentials.sessionToken);
      // The signature AWS would compute over the headers the request says it signed.
      const signedHeaders = authorization.match(/SignedHeaders=([^,]+)/)?.[1]?.split(';') ?? [];
      const amzDate = String(request.headers['x-amz-date']);
      const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
      const expected = await signer.sign(
        {
          method: request.method,
          protocol: 'http:',
          hostname: '127.0.0.1',
          path: request.path,
          query: {},
          headers: Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])])),
          body: request.body,
        },
        { signingDate },
      );
      expect(authorization).toBe(expected.headers.authorization);
    }
  });

  it('without credentials in its environment it calls nothing, not even with a profile on disk', async () => {
    const response = await getLead({});

    expect(response.statusCode).toBe(500);
    expect(requests).toEqual([]);
  });

  it('names the TypeScript line of an error in its stack trace, as Lambda logs it (the source map carried through both minifiers)', async () => {
    // No Node options: the bundle maps its own traces (infra/injected/source-mapped-stack-traces.ts).
    const loading = run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(bundlePath).href)})`], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });

    const failure = await loading.then(
      () => undefined,
      (error: unknown) => error as { stderr: string },
    );
    expect(failure?.stderr).toMatch(/Invalid configuration: TABLE_NAME/);
    // The error's first frame maps to the line of src/config.ts that throws it. Not its function's name:
    // the minifier may inline readConfig into the handler, and the frame is then named after that.
    expect(firstFrame(failure?.stderr ?? '')).toMatch(new RegExp(`/src/config\\.ts:${configErrorLine()}:\\d+\\)?$`));
    // Positions only: the sources' text would be three times as much to read and parse at the first trace.
    expect(Object.keys(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as object).sort()).toEqual(['mappings', 'names', 'sources', 'version']);
  });

  it('reads its source map when the first stack trace is written, not when it loads', async () => {
    const copy = join(folder, 'lazy');
    mkdirSync(copy, { recursive: true });
    copyFileSync(bundlePath, join(copy, 'index.mjs'));
    copyFileSync(`${bundlePath}.map`, join(copy, 'index.mjs.map'));
    const trace = (mapGoneAfterLoading: boolean) =>
      run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { renameSync } from 'node:fs'; try { await import(${JSON.stringify(pathToFileURL(join(copy, 'index.mjs')).href)}); } catch (error) { ${mapGoneAfterLoading ? `renameSync(${JSON.stringify(join(copy, 'index.mjs.map'))}, ${JSON.stringify(join(copy, 'gone.map'))});` : ''} console.log(error.stack); }`,
        ],
        { env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', NODE_NO_WARNINGS: '1' }, timeout: 60_000 },
      ).then(({ stdout }) => firstFrame(stdout));

    // Loaded, failed, then its map taken away before the error's trace is written: the trace cannot be
    // mapped, because nothing read the map while the bundle loaded.
    expect(await trace(true)).toMatch(/\/lazy\/index\.mjs:\d+:\d+\)?$/);
    // Put back, it is read at the first trace.
    renameSync(join(copy, 'gone.map'), join(copy, 'index.mjs.map'));
    expect(await trace(false)).toMatch(new RegExp(`/src/config\\.ts:${configErrorLine()}:\\d+\\)?$`));
  });
});

/**
 * api-docs' deployed bundle carries the OpenAPI document generated at build time (infra/bundle-plugins.ts),
 * not the manifest, the routes' schemas and the generator: run in a Node process of its own, it serves
 * the very document the sources generate (what `npm start` serves and `npm run openapi` prints).
 */
describe('the api-docs bundle', () => {
  it('serves exactly the document the sources generate, without the generator or the manifest inside', async () => {
    const bundle = await deployedBundle('api-docs');
    expect(bundle.inputsRead.filter((path) => /zod-to-openapi|manifest\/manifest\.ts$|src\/api\/openapi\.ts$|functions\/(?!api-docs\/)[^/]+\/routes\.ts$/.test(path))).toEqual([]);

    const event = httpEvent({ method: 'GET', path: '/v1/openapi.json', route: '/v1/openapi.json' });
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle.path).href)}); const context = { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 5000 }; const first = await handler(${JSON.stringify(event)}, context); const second = await handler(${JSON.stringify(event)}, context); console.log(JSON.stringify({ first, sameBody: first.body === second.body }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', MAX_BODY_BYTES: '1048576', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const { first, sameBody } = JSON.parse(stdout) as { first: { statusCode: number; headers: Record<string, string>; body: string }; sameBody: boolean };

    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.body).toBe(JSON.stringify(openApiDocument()));
    expect(sameBody).toBe(true);
  }, 120_000);
});
