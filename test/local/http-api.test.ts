import { request } from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../local/http-api';
import { freePort } from '../../local/services';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, type HttpFunctionSpec } from '../../manifest/types';

/**
 * The local HTTP API in front of stand-in functions (they answer as capture-form and the preference
 * centre would, and record what they were given), with the manifest's own limits.
 */
const spec = (name: string): HttpFunctionSpec => {
  const found = manifest.functions.filter(isHttpFunction).find((fn) => fn.name === name);
  if (!found) throw new Error(`no HTTP function ${name}`);
  return found;
};
const invocations: APIGatewayProxyEventV2[] = [];
const recording = (statusCode: number) => async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  invocations.push(event);
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'accepted' }) };
};

let api: { url: string; stop(): Promise<void> };
let port: number;

beforeAll(async () => {
  port = await freePort();
  api = await startHttpApi({
    port,
    routes: [
      { fn: spec('capture-form'), handler: recording(202) },
      { fn: spec('preference-centre'), handler: recording(200) },
    ],
    settings: manifest.http,
    allowedOrigins: ['*'],
    devToken: 'test-token',
    log: () => {},
  });
});

afterAll(async () => {
  await api?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request from `localAddress`: every 127.x.y.z reaches the loopback interface, so each is its own client. */
function send(method: string, path: string, localAddress = '127.0.0.1', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, method, path, localAddress, headers: body === undefined ? {} : { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const submit = (localAddress: string) => send('POST', '/v1/forms/contact/submissions', localAddress, JSON.stringify({ email: 'jane@example.com' }));

describe('per-client limit on public routes', () => {
  it("lets a second client's form post through with 202 while another floods the route, refusing the flood with 429 and Retry-After", async () => {
    const flood: Answer[] = [];
    let flooding = true;
    const flooder = async () => {
      while (flooding) flood.push(await submit('127.0.0.1'));
    };
    // Far more than the route's own rate: without a per-client limit the flood keeps its bucket empty.
    const flooders = Array.from({ length: 32 }, flooder);
    try {
      const deadline = Date.now() + 10_000;
      while (!flood.some((answer) => answer.status === 429) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      const others: Answer[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) others.push(await submit('127.0.0.2'));
      expect(others.map((answer) => answer.status)).toEqual([202, 202, 202]);
    } finally {
      flooding = false;
      await Promise.all(flooders);
    }
    const refused = flood.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused[0]?.body ?? '{}')).toEqual({ message: 'Too Many Requests' });
  });
});

describe('malformed request targets', () => {
  it.each([
    '/v1/forms/%E0%A4%A/submissions',
    '/v1/forms/%/submissions',
    '/v1/forms/%zz/submissions',
    '/v1/forms/%C0%AF/submissions',
  ])('answers 400 Bad Request for %s without invoking the function, as API Gateway does', async (path) => {
    const before = invocations.length;
    const answer = await send('POST', path, '127.0.0.3', '{}');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Bad Request' });
    expect(invocations.length).toBe(before);
  });

  it.each(['/v1/preferences?token=%', '/v1/preferences?token=%E0%A4%A', '/v1/preferences?%=1', '/v1/preferences?lang=en&token=abc%2'])(
    'answers 400 Bad Request for a malformed query %s without invoking the function',
    async (path) => {
      const before = invocations.length;
      const answer = await send('GET', path, '127.0.0.3');
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Bad Request' });
      expect(invocations.length).toBe(before);
    },
  );

  it('decodes well-formed escapes and joins a repeated query parameter with commas, as payload 2.0 does', async () => {
    expect((await send('POST', '/v1/forms/caf%C3%A9/submissions', '127.0.0.3', '{}')).status).toBe(202);
    expect(invocations.at(-1)?.pathParameters).toEqual({ formId: 'café' });
    expect((await send('GET', '/v1/preferences?lang=id&lang=en&token=a+b%2B&__proto__=x', '127.0.0.3')).status).toBe(200);
    const event = invocations.at(-1);
    expect(event?.rawQueryString).toBe('lang=id&lang=en&token=a+b%2B&__proto__=x');
    expect(event?.queryStringParameters).toEqual({ lang: 'id,en', token: 'a b+', ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(event?.queryStringParameters)).toBe(Object.prototype);
  });

  it('answers 400, never a 5xx, for a control character in the request line', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET /v1/forms/\u0001/submissions HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('never answers a 5xx to any path or query built from escapes, stray % and printable characters', async () => {
    const piece = fc.oneof(
      fc.constantFrom('%', '%2', '%zz', '%E0%A4%A', '%C3%A9', '%00', '%2F', '+', '&', '=', '?', '/', '..', '%25'),
      fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~!$\'()*,;:@'.split('')), maxLength: 6 }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }), fc.array(piece, { maxLength: 8 }), async (formId, query) => {
        // A client of its own each time, so well-formed requests reach the function, not the per-client 429.
        run += 1;
        const client = `127.1.${Math.floor(run / 250)}.${(run % 250) + 1}`;
        const answer = await send('POST', `/v1/forms/${formId.join('')}/submissions?${query.join('')}`, client, '{}');
        expect(answer.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
