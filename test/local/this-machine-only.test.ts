import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, freePort, type RunningDynamoDb, startDynamoDb } from '../../local/services';
import {
  ALLOWED_HOSTS_VARIABLE,
  allowedHostNames,
  answerThisMachineOnly,
  isAddressedToThisMachine,
  isFromThisMachine,
  NOT_THIS_MACHINE_MESSAGE,
  NOT_THIS_MACHINE_PAGE_MESSAGE,
  type PageCallers,
} from '../../local/this-machine-only';
import { runDynamoDb } from '../run-dynamodb';

/**
 * A web page reaches the local stand-ins two ways: through a name its site points at 127.0.0.1 once
 * the page has loaded (DNS rebinding), as its own origin, its requests naming the site's host; and by
 * a form's POST to 127.0.0.1, which no page needs leave to send, its browser naming the page's origin.
 * Every stand-in answers only requests addressed to this machine and no page but this machine's (the
 * API answers any page's): the Node ones through local/this-machine-only.ts, DynamoDB Local through
 * its launcher's copy of the rules (local/LoopbackDynamoDbLocal.java), checked here alike.
 */
const HOSTS: readonly (readonly [host: string | undefined, thisMachine: boolean])[] = [
  ['127.0.0.1:8000', true],
  ['127.0.0.1', true],
  ['localhost:3000', true],
  ['LocalHost:3000', true],
  ['[::1]:4566', true],
  ['rebound.example:8000', false],
  ['rebound.example', false],
  ['localhost.rebound.example:8000', false],
  ['127.0.0.1.nip.io:8000', false],
  ['app.localhost:3000', false],
  ['127.0.0.2:8000', false],
  ['localhost:3000:3000', false],
  ['localhost:123456', false],
  ['', false],
  [undefined, false],
];
/** The Hosts a request can carry as sent (Node's and Jetty's parsers refuse an HTTP/1.1 request without one themselves). */
const SENT_HOSTS = HOSTS.filter((entry): entry is readonly [string, boolean] => entry[0] !== undefined);

const ORIGINS: readonly (readonly [origin: string | undefined, thisMachine: boolean])[] = [
  [undefined, true],
  ['http://127.0.0.1:8005', true],
  ['http://localhost:3000', true],
  ['https://localhost', true],
  ['http://[::1]:8080', true],
  ['https://elsewhere.example', false],
  ['http://localhost.elsewhere.example', false],
  ['http://127.0.0.1.nip.io:8005', false],
  ['null', false],
  ['file://', false],
  ['http://127.0.0.1:8005/', false],
];
const SENT_ORIGINS = ORIGINS.filter((entry): entry is readonly [string, boolean] => entry[0] !== undefined);

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A request to `url` naming `host` in its Host header (none at all for undefined), as a rebound page's would. */
function send(url: string, host: string | undefined, options: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, method: options.method ?? 'GET', path: '/', setHost: false, headers: { ...options.headers, ...(host === undefined ? {} : { host }) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** A form's POST from the page of `origin`, as any page may send one to any address without asking first. */
const formPostFrom = (url: string, origin: string) =>
  send(url, new URL(url).host, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=CreateTopic&Name=from-a-page' });

/** The status line of an HTTP/1.0 request without a Host header, which the parsers let through. */
function sendWithoutHost(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.end('GET / HTTP/1.0\r\n\r\n');
  });
}

const refused = (message: string): Answer => ({ status: 403, body: JSON.stringify({ message }) });

/** A DynamoDB Scan as the SDK sends it; DynamoDB Local checks that a signature is there, not that it is right. */
const scan = (tableName: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.Scan',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    ...headers,
  },
  body: JSON.stringify({ TableName: tableName, Limit: 1 }),
});

describe('the rules', () => {
  it.each(HOSTS)('Host %j names this machine: %s', (host, thisMachine) => {
    expect(isAddressedToThisMachine(host)).toBe(thisMachine);
  });

  it.each(ORIGINS)('Origin %j is no page or a page of this machine: %s', (origin, thisMachine) => {
    expect(isFromThisMachine(origin)).toBe(thisMachine);
  });
});

/** Names a developer allows besides this machine's (a codespace's forwarded address), and what they let through. */
const ALLOWED = ['leadflow-3000.app.example.dev', 'devbox.internal'];
const ALLOWED_CASES: readonly (readonly [host: string, origin: string | undefined, answered: boolean])[] = [
  ['leadflow-3000.app.example.dev', undefined, true],
  ['LeadFlow-3000.App.Example.Dev:443', 'https://leadflow-3000.app.example.dev', true],
  ['devbox.internal:8005', 'http://devbox.internal:8005', true],
  ['127.0.0.1:8000', 'https://devbox.internal', true],
  ['evil.leadflow-3000.app.example.dev', undefined, false],
  ['leadflow-3000.app.example.dev.evil.example', undefined, false],
  ['devbox.internal', 'https://evil.example', false],
  ['devbox.internal', 'https://devbox.internal.evil.example', false],
];

describe('names allowed besides this machine’s', () => {
  it(`reads them from ${ALLOWED_HOSTS_VARIABLE}, comma-separated, in lower case`, () => {
    expect(allowedHostNames({ [ALLOWED_HOSTS_VARIABLE]: ' LeadFlow-3000.app.example.dev, ,devbox.internal,' })).toEqual(ALLOWED);
    expect(allowedHostNames({})).toEqual([]);
  });

  it.each(ALLOWED_CASES)('Host %j, Origin %j: answered %s', (host, origin, answered) => {
    expect(isAddressedToThisMachine(host, ALLOWED) && isFromThisMachine(origin, ALLOWED)).toBe(answered);
  });

  it(`a Node server made while ${ALLOWED_HOSTS_VARIABLE} names them answers them`, async () => {
    process.env[ALLOWED_HOSTS_VARIABLE] = ALLOWED.join(',');
    const server = createServer((_request, response) => response.writeHead(200).end('answered'));
    try {
      answerThisMachineOnly(server, 'this-machine-pages');
    } finally {
      delete process.env[ALLOWED_HOSTS_VARIABLE];
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const [host, origin, answered] of ALLOWED_CASES) {
        expect(await send(url, host, origin === undefined ? {} : { headers: { origin } }), `${host} ${origin}`).toEqual(answered ? { status: 200, body: 'answered' } : expect.objectContaining({ status: 403 }));
      }
    } finally {
      await closeServer(server);
    }
  });
});

describe.each<PageCallers>(['this-machine-pages', 'any-page'])('a Node server answering this machine only, %s', (pages) => {
  let server: Server;
  let url: string;
  let reached = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      reached += 1;
      request.resume();
      response.writeHead(200).end('answered');
    });
    answerThisMachineOnly(server, pages);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  it.each(SENT_HOSTS)('Host %j: answered by the server only if it names this machine', async (host, thisMachine) => {
    const before = reached;
    const answer = await send(url, host);
    expect(answer).toEqual(thisMachine ? { status: 200, body: 'answered' } : refused(NOT_THIS_MACHINE_MESSAGE));
    expect(reached).toBe(thisMachine ? before + 1 : before);
  });

  it('refuses a request without a Host', async () => {
    const before = reached;
    expect(await sendWithoutHost(url)).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(reached).toBe(before);
  });

  it.each(SENT_ORIGINS)(`a form's POST from the page of %j: answered by the server only if the page is this machine's or any page may call`, async (origin, thisMachine) => {
    const before = reached;
    const answered = thisMachine || pages === 'any-page';
    expect(await formPostFrom(url, origin)).toEqual(answered ? { status: 200, body: 'answered' } : refused(NOT_THIS_MACHINE_PAGE_MESSAGE));
    expect(reached).toBe(answered ? before + 1 : before);
  });

  it('refuses a page elsewhere even when the request names this machine (Host first)', async () => {
    expect(await send(url, 'rebound.example', { headers: { origin: 'http://rebound.example' } })).toEqual(refused(NOT_THIS_MACHINE_MESSAGE));
  });
});

describe('DynamoDB Local answering this machine only', () => {
  let endpoint: string;
  const tableName = `this-machine-only-${Date.now()}`;

  beforeAll(async () => {
    const running = await runDynamoDb();
    if (!running) throw new Error('this file runs inside `vitest run`, which starts the run’s DynamoDB Local');
    endpoint = running.endpoint;
    const created = await send(endpoint, new URL(endpoint).host, {
      ...scan(tableName, { 'x-amz-target': 'DynamoDB_20120810.CreateTable' }),
      body: JSON.stringify({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
    });
    expect(created.status).toBe(200);
  }, 60_000);

  it.each(SENT_HOSTS.filter(([host]) => host !== ''))('Host %j: a Scan answered only if it names this machine', async (host, thisMachine) => {
    const answer = await send(endpoint, host, scan(tableName));
    if (thisMachine) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ Items: [], Count: 0 });
    } else {
      // Jetty's own parser refuses a Host that is not a host and port (two ports, a port over 65535) first.
      expect(answer).toEqual(/^localhost:(3000:3000|123456)$/.test(host) ? { status: 400, body: expect.not.stringContaining('Items') } : refused(NOT_THIS_MACHINE_MESSAGE));
    }
  });

  it('refuses a request without a Host', async () => {
    expect(await sendWithoutHost(endpoint)).toMatch(/^HTTP\/1\.[01] 403 /);
  });

  it.each(SENT_ORIGINS)('a Scan from the page of %j: answered only if the page is this machine’s', async (origin, thisMachine) => {
    const answer = await send(endpoint, new URL(endpoint).host, scan(tableName, { origin }));
    if (thisMachine) expect(answer.status).toBe(200);
    else expect(answer).toEqual(refused(NOT_THIS_MACHINE_PAGE_MESSAGE));
  });
});

describe(`DynamoDB Local started with ${ALLOWED_HOSTS_VARIABLE}`, () => {
  let dynamoDb: RunningDynamoDb | undefined;

  beforeAll(async () => {
    process.env[ALLOWED_HOSTS_VARIABLE] = ALLOWED.join(',');
    dynamoDb = await startDynamoDb({ port: await freePort(), reset: false, log: () => {} });
  }, 120_000);
  afterAll(async () => {
    delete process.env[ALLOWED_HOSTS_VARIABLE];
    await dynamoDb?.stop();
  }, 60_000);

  it.each(ALLOWED_CASES)('Host %j, Origin %j: answered %s', async (host, origin, answered) => {
    const answer = await send(dynamoDb?.endpoint ?? '', host, scan('no-such-table', origin === undefined ? {} : { origin }));
    // Answered: DynamoDB Local itself says the table is not there.
    if (answered) expect(answer).toEqual({ status: 400, body: expect.stringContaining('ResourceNotFoundException') });
    else expect(answer.status).toBe(403);
  });
});
