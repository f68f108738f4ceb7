import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

let dir: string;
const webhookId = '0b6c5f2e-8d3a-4f1b-9e7c-2a4d6f8b1c3e';
const routingYaml = `teams:
  - id: apac
    name: APAC
    inbox: apac@example.com
    reps:
      - { id: ana, name: Ana, email: ana@example.com, capacity: 25 }
rules:
  - when: { lead: { country: [ID, SG] } }
    team: apac
defaultTeam: apac
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-routing-'));
  await writeFile(join(dir, 'routing.yaml'), routingYaml);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function run(answer: (method: string, url: string, body: unknown) => Response) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { method: string; url: string; body: unknown }[] = [];
  const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    const request = { method: init?.method ?? 'GET', url: String(url), body: init?.body ? (JSON.parse(String(init.body)) as unknown) : undefined };
    requests.push(request);
    return answer(request.method, request.url, request.body);
  }) as typeof globalThis.fetch;
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: dir, fetch };
  return { io, out, err, requests };
}

describe('leadflow routing', () => {
  it('put sends the YAML file as the routing configuration and reports what was saved', async () => {
    const cli = run((_method, _url, body) => new Response(JSON.stringify({ ...(body as object), version: 3, updatedAt: '2026-11-25T00:00:00Z' }), { status: 200 }));
    expect(await main(['routing', 'put', join(dir, 'routing.yaml')], cli.io)).toBe(0);
    expect(cli.requests).toEqual([
      {
        method: 'PUT',
        url: 'http://localhost:3000/v1/admin/routing',
        body: {
          teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', capacity: 25 }] }],
          rules: [{ when: { lead: { country: ['ID', 'SG'] } }, team: 'apac' }],
          defaultTeam: 'apac',
        },
      },
    ]);
    expect(cli.out).toEqual(['routing version 3: 1 teams, 1 reps, 1 rules']);
  });

  it('put lists every problem the API found, with its field, and exits 1', async () => {
    const cli = run(() => new Response(JSON.stringify({ message: 'Invalid request: rules[0].team no team emea', issues: [{ field: 'rules[0].team', message: 'no team emea; teams: apac' }] }), { status: 400 }));
    expect(await main(['routing', 'put', join(dir, 'routing.yaml')], cli.io)).toBe(1);
    expect(cli.err.join('\n')).toContain('rules[0].team: no team emea; teams: apac');
  });

  it('get prints the live configuration as JSON', async () => {
    const live = {
      teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', capacity: 25 }] }],
      rules: [],
      defaultTeam: 'apac',
      version: 1,
      updatedAt: '2026-11-25T00:00:00.000Z',
    };
    const cli = run(() => new Response(JSON.stringify(live), { status: 200 }));
    expect(await main(['routing', 'get'], cli.io)).toBe(0);
    expect(JSON.parse(cli.out.join('\n'))).toMatchObject({ defaultTeam: 'apac', version: 1 });
    expect(cli.requests[0]).toMatchObject({ method: 'GET', url: 'http://localhost:3000/v1/admin/routing' });
  });
});

describe('leadflow webhooks', () => {
  it('add registers the endpoint for the events named and prints the secret it is shown only once', async () => {
    const cli = run((_method, _url, body) => new Response(JSON.stringify({ id: webhookId, ...(body as object), createdAt: '2026-11-25T00:00:00Z', secret: 'whsec_abc' }), { status: 201 }));
    expect(await main(['webhooks', 'add', 'https://crm.example.com/hooks', '--events', 'lead.qualified, lead.assigned', '--description', 'CRM'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([
      { method: 'POST', url: 'http://localhost:3000/v1/admin/webhooks', body: { url: 'https://crm.example.com/hooks', eventTypes: ['lead.qualified', 'lead.assigned'], description: 'CRM' } },
    ]);
    expect(cli.out).toEqual([`webhook ${webhookId} registered for lead.qualified, lead.assigned`, 'signing secret (shown only now; the receiver verifies with it and a Standard Webhooks library): whsec_abc']);
  });

  it('add shows the field the API refused, and needs --events before sending anything', async () => {
    const refused = run(() => new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'url', message: 'must be https' }] }), { status: 400 }));
    expect(await main(['webhooks', 'add', 'http://crm.example.com/hooks', '--events', 'lead.qualified'], refused.io)).toBe(1);
    expect(refused.err.join('\n')).toContain('url: must be https');
    const missing = run(() => new Response('{}', { status: 201 }));
    expect(await main(['webhooks', 'add', 'https://crm.example.com/hooks'], missing.io)).toBe(1);
    expect(missing.requests).toEqual([]);
  });

  it('list prints each endpoint on a line, and remove deletes one by id', async () => {
    const cli = run((method) =>
      method === 'GET'
        ? new Response(JSON.stringify({ items: [{ id: webhookId, url: 'https://crm.example.com/hooks', eventTypes: ['lead.qualified'], createdAt: '2026-11-25T00:00:00Z' }] }), { status: 200 })
        : new Response(null, { status: 204 }),
    );
    expect(await main(['webhooks', 'list'], cli.io)).toBe(0);
    expect(await main(['webhooks', 'remove', webhookId], cli.io)).toBe(0);
    expect(cli.out).toEqual([`${webhookId}  https://crm.example.com/hooks  lead.qualified  2026-11-25T00:00:00Z`, `webhook ${webhookId} removed`]);
    expect(cli.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['GET http://localhost:3000/v1/admin/webhooks', `DELETE http://localhost:3000/v1/admin/webhooks/${webhookId}`]);
  });

  it('choices lists every page of the endpoints by host, as marketers may see them, and says when there are none', async () => {
    const second = '5d2e8f1a-3b4c-4d6e-8f9a-0b1c2d3e4f5a';
    const cli = run((_method, url) =>
      new URL(url).searchParams.get('cursor') === 'page-2'
        ? new Response(JSON.stringify({ items: [{ id: second, host: 'hooks.slack.com', eventTypes: ['lead.assigned'] }] }), { status: 200 })
        : new Response(JSON.stringify({ items: [{ id: webhookId, host: 'crm.example.com', eventTypes: ['lead.qualified', 'lead.assigned'], description: 'CRM' }], nextCursor: 'page-2' }), { status: 200 }),
    );
    expect(await main(['webhooks', 'choices'], cli.io)).toBe(0);
    expect(cli.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['GET http://localhost:3000/v1/admin/webhook-choices', 'GET http://localhost:3000/v1/admin/webhook-choices?cursor=page-2']);
    expect(cli.out).toEqual([`${webhookId}  crm.example.com  lead.qualified,lead.assigned  CRM\n${second}  hooks.slack.com  lead.assigned`]);

    const none = run(() => new Response(JSON.stringify({ items: [] }), { status: 200 }));
    expect(await main(['webhooks', 'choices'], none.io)).toBe(0);
    expect(none.out).toEqual(['no webhooks']);
  });

  it('rotate asks for a new secret with the overlap given and prints it and until when the old one signs', async () => {
    const cli = run(() => new Response(JSON.stringify({ id: webhookId, secret: 'whsec_new', previousSecretUntil: '2026-11-25T06:00:00.000Z' }), { status: 200 }));
    expect(await main(['webhooks', 'rotate', webhookId, '--overlap-hours', '6'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([{ method: 'POST', url: `http://localhost:3000/v1/admin/webhooks/${webhookId}/secret`, body: { overlapHours: 6 } }]);
    expect(cli.out).toEqual(['new signing secret (shown only now; the receiver verifies with it and a Standard Webhooks library): whsec_new', 'the old secret also signs until 2026-11-25T06:00:00.000Z']);
  });
});
