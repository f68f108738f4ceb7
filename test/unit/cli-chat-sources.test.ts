import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

function run(answer: (method: string, url: string, body: unknown) => Response) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { method: string; url: string; body: unknown }[] = [];
  const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    const request = { method: init?.method ?? 'GET', url: String(url), body: init?.body ? (JSON.parse(String(init.body)) as unknown) : undefined };
    requests.push(request);
    return answer(request.method, request.url, request.body);
  }) as typeof globalThis.fetch;
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: tmpdir(), fetch };
  return { io, out, err, requests };
}

const API = 'http://localhost:3000/v1/admin/chat-sources';

describe('leadflow chat-sources', () => {
  it("add sends a tool's secret and prints the webhook path, never the secret back", async () => {
    const cli = run(() => new Response(JSON.stringify({ id: 'intercom', kind: 'intercom', createdAt: '2026-11-30T00:00:00Z', webhookPath: '/v1/chat/intercom' }), { status: 201 }));
    expect(await main(['chat-sources', 'add', 'intercom', 'intercom', '--secret', 'client-secret-1'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([{ method: 'POST', url: API, body: { id: 'intercom', kind: 'intercom', secret: 'client-secret-1' } }]);
    expect(cli.out).toEqual(['chat source intercom added: point the intercom webhook at <API base URL>/v1/chat/intercom']);
  });

  it('add builds a generic mapping from its path options and prints the generated secret once', async () => {
    const cli = run(() => new Response(JSON.stringify({ id: 'site', kind: 'generic', createdAt: '2026-11-30T00:00:00Z', webhookPath: '/v1/chat/site', secret: 'whsec_abc' }), { status: 201 }));
    expect(await main(['chat-sources', 'add', 'site', 'generic', '--conversation-id', 'data.conversation.id', '--message-text', 'data.message.text', '--visitor-email', 'data.visitor.email'], cli.io)).toBe(0);
    expect(cli.requests[0]?.body).toEqual({ id: 'site', kind: 'generic', mapping: { conversationId: 'data.conversation.id', messageText: 'data.message.text', visitorEmail: 'data.visitor.email' } });
    expect(cli.out.at(-1)).toBe('signing secret (shown only now; the sender signs Standard Webhooks with it): whsec_abc');
    const missing = run(() => new Response('{}', { status: 201 }));
    expect(await main(['chat-sources', 'add', 'site', 'generic'], missing.io)).toBe(1);
    expect(missing.requests).toEqual([]);
  });

  it('add shows the field the API refused', async () => {
    const refused = run(() => new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'secret', message: 'is required' }] }), { status: 400 }));
    expect(await main(['chat-sources', 'add', 'ic', 'intercom'], refused.io)).toBe(1);
    expect(refused.err.join('\n')).toContain('secret: is required');
  });

  it('list, rotate and remove', async () => {
    const cli = run((method, url) => {
      if (method === 'GET') return new Response(JSON.stringify({ items: [{ id: 'tawk', kind: 'tawkto', createdAt: '2026-11-30T00:00:00Z' }] }), { status: 200 });
      if (url.endsWith('/secret')) return new Response(JSON.stringify({ id: 'tawk', previousSecretUntil: '2026-11-30T02:00:00.000Z' }), { status: 200 });
      return new Response(null, { status: 204 });
    });
    expect(await main(['chat-sources', 'list'], cli.io)).toBe(0);
    expect(await main(['chat-sources', 'rotate', 'tawk', '--secret', 'tawk-secret-2', '--overlap-hours', '2'], cli.io)).toBe(0);
    expect(await main(['chat-sources', 'remove', 'tawk'], cli.io)).toBe(0);
    expect(cli.requests.map((request) => [`${request.method} ${request.url}`, request.body])).toEqual([
      [`GET ${API}`, undefined],
      [`POST ${API}/tawk/secret`, { secret: 'tawk-secret-2', overlapHours: 2 }],
      [`DELETE ${API}/tawk`, undefined],
    ]);
    expect(cli.out).toEqual(['tawk  tawkto  2026-11-30T00:00:00Z', 'the old secret also verifies until 2026-11-30T02:00:00.000Z', 'chat source tawk removed']);
  });
});
