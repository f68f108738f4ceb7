import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSes, startSesServer } from '../../local/ses';
import { closeServer, freePort, type RunningService } from '../../local/services';

/**
 * The local SES stand-in answers SendEmail with aws-ses-v2-local's handler outside its Express app
 * (local/ses.ts). What a sender or a person reading the sent mail sees must not change:
 * each request here goes to the stack's stand-in and to the package's own server, and the answers are
 * compared.
 */
const AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20261204/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00';
const simpleEmail = (subject: string) => ({
  FromEmailAddress: 'news@example.com',
  Destination: { ToAddresses: ['jane@example.com'] },
  Content: {
    Simple: {
      Subject: { Data: subject },
      Body: { Html: { Data: '<p>Hello</p>' }, Text: { Data: 'Hello' } },
      Headers: [{ Name: 'List-Unsubscribe', Value: '<https://mail.example.com/u>' }],
    },
  },
});

let stack: RunningService;
let packageServer: Server;
let packageUrl: string;

beforeAll(async () => {
  stack = await startSes(await freePort());
  const port = await freePort();
  packageServer = await startSesServer({ host: '127.0.0.1', port });
  packageUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await Promise.all([stack?.stop(), packageServer && closeServer(packageServer)]);
});

const post = (base: string, path: string, body: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', body, headers });
const storedEmails = async () => ((await (await fetch(`${stack.endpoint}/store`)).json()) as { emails: { messageId: string; subject: string; destination: { to: string[] }; headers?: { name: string; value: string }[] }[] }).emails;

describe('the SES stand-in answers SendEmail as aws-ses-v2-local does', () => {
  const json = { 'content-type': 'application/json', authorization: AUTHORIZATION };
  const cases: { name: string; path: string; body: string; headers: Record<string, string> }[] = [
    { name: 'a simple email', path: '/v2/email/outbound-emails', body: JSON.stringify(simpleEmail('Both')), headers: json },
    { name: 'a body its schema refuses', path: '/v2/email/outbound-emails', body: JSON.stringify({ Destination: { ToAddresses: ['jane@example.com'] } }), headers: json },
    { name: 'a simple email without a subject', path: '/v2/email/outbound-emails', body: JSON.stringify({ ...simpleEmail('x'), Content: { Simple: { Body: { Text: { Data: 'Hi' } } } } }), headers: json },
    { name: 'a simple email without a sender', path: '/v2/email/outbound-emails', body: JSON.stringify({ ...simpleEmail('x'), FromEmailAddress: undefined }), headers: json },
    { name: 'no authorization', path: '/v2/email/outbound-emails', body: JSON.stringify(simpleEmail('x')), headers: { 'content-type': 'application/json' } },
    { name: 'another route', path: '/v2/email/outbound-bulk-emails', body: JSON.stringify({}), headers: json },
  ];

  for (const request of cases) {
    it(`answers ${request.name} with the package's status and body`, async () => {
      const [ours, theirs] = await Promise.all([stack.endpoint, packageUrl].map((base) => post(base, request.path, request.body, request.headers)));
      const [ourBody, theirBody] = await Promise.all([ours, theirs].map(async (response) => ({ ...(JSON.parse((await response?.text()) || '{}') as Record<string, unknown>), MessageId: undefined })));
      expect(ours?.status).toBe(theirs?.status);
      expect(ours?.headers.get('content-type')).toBe(theirs?.headers.get('content-type'));
      expect(ourBody).toEqual(theirBody);
    });
  }

  it('answers SendEmail itself, without the Express app, and keeps the email as the package does', async () => {
    const subject = `Direct ${Date.now()}`;
    const response = await post(stack.endpoint, '/v2/email/outbound-emails', JSON.stringify(simpleEmail(subject)), json);
    const { MessageId } = (await response.json()) as { MessageId: string };
    // Express names itself on every answer it makes; the direct route does not.
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect((await post(packageUrl, '/v2/email/outbound-emails', JSON.stringify(simpleEmail('x')), json)).headers.get('x-powered-by')).toBe('Express');
    const stored = (await storedEmails()).find((email) => email.subject === subject);
    expect(stored).toMatchObject({ messageId: MessageId, destination: { to: ['jane@example.com'] }, headers: [{ name: 'List-Unsubscribe', value: '<https://mail.example.com/u>' }] });
  });

  it('refuses a body that is not JSON with a 400 naming it, and keeps nothing', async () => {
    const before = (await storedEmails()).length;
    const response = await post(stack.endpoint, '/v2/email/outbound-emails', '{"Content":', json);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ detail: expect.stringContaining('not JSON') });
    expect((await storedEmails()).length).toBe(before);
  });

  it('is what the SDK reaches: SendEmail through SESv2Client is kept with its headers', async () => {
    const client = new SESv2Client({ endpoint: stack.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const subject = `SDK ${Date.now()}`;
    const { MessageId } = await client.send(new SendEmailCommand(simpleEmail(subject)));
    client.destroy();
    expect((await storedEmails()).find((email) => email.subject === subject)).toMatchObject({ messageId: MessageId, headers: [{ name: 'List-Unsubscribe' }] });
  });
});
