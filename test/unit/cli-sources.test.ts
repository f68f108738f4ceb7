import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

const sourceId = '7d0c1b8e-3f4a-4b2c-9d1e-5a6b7c8d9e0f';

function run(answer: (method: string, url: string, body: unknown) => Response) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { method: string; url: string; body: unknown }[] = [];
  const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    const request = { method: init?.method ?? 'GET', url: String(url), body: init?.body ? (JSON.parse(String(init.body)) as unknown) : undefined };
    requests.push(request);
    return answer(request.method, request.url, request.body);
  }) as typeof globalThis.fetch;
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: process.cwd(), fetch };
  return { io, out, err, requests };
}

const source = (keys: object[], writeKey?: string) => ({ id: sourceId, name: 'Marketing site', origins: ['https://www.example.com'], createdAt: '2026-11-30T00:00:00.000Z', ...(writeKey ? { writeKey } : {}), keys });

describe('leadflow sources', () => {
  it('add sends the name and origins and prints the write key for the snippet', async () => {
    const cli = run(() => new Response(JSON.stringify(source([{ writeKey: 'wk_a', createdAt: '2026-11-30T00:00:00.000Z', valid: true }], 'wk_a')), { status: 201 }));
    expect(await main(['sources', 'add', 'Marketing site', '--origins', 'https://www.example.com, https://example.com'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([{ method: 'POST', url: 'http://localhost:3000/v1/admin/sources', body: { name: 'Marketing site', origins: ['https://www.example.com', 'https://example.com'] } }]);
    expect(cli.out).toEqual([`source ${sourceId} added for https://www.example.com`, 'write key: wk_a']);
  });

  it('add needs --origins before sending anything, and shows the field the API refused', async () => {
    const missing = run(() => new Response('{}', { status: 201 }));
    expect(await main(['sources', 'add', 'Site'], missing.io)).toBe(1);
    expect(missing.requests).toEqual([]);
    const refused = run(() => new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'origins[0]', message: 'must be an origin' }] }), { status: 400 }));
    expect(await main(['sources', 'add', 'Site', '--origins', 'www.example.com'], refused.io)).toBe(1);
    expect(refused.err.join('\n')).toContain('origins[0]: must be an origin');
  });

  it('update replaces the origins, keeping the name it reads, or renames; it needs one of the two before sending anything', async () => {
    const answers: Response[] = [];
    const cli = run((method) => (method === 'GET' ? new Response(JSON.stringify({ items: [source([])] }), { status: 200 }) : (answers.shift() ?? new Response('{}', { status: 500 }))));
    answers.push(new Response(JSON.stringify({ ...source([]), origins: ['https://www.example.com', 'https://shop.example.com'] }), { status: 200 }));
    expect(await main(['sources', 'update', sourceId, '--origins', 'https://www.example.com,https://shop.example.com'], cli.io)).toBe(0);
    expect(cli.requests[1]).toEqual({ method: 'PUT', url: `http://localhost:3000/v1/admin/sources/${sourceId}`, body: { name: 'Marketing site', origins: ['https://www.example.com', 'https://shop.example.com'] } });
    expect(cli.out).toEqual([`source ${sourceId} (Marketing site) now takes calls from https://www.example.com, https://shop.example.com`]);

    answers.push(new Response(JSON.stringify({ ...source([]), name: 'Main site' }), { status: 200 }));
    expect(await main(['sources', 'update', sourceId, '--name', 'Main site'], cli.io)).toBe(0);
    expect(cli.requests[3]?.body).toEqual({ name: 'Main site', origins: ['https://www.example.com'] });

    const neither = run(() => new Response('{}', { status: 200 }));
    expect(await main(['sources', 'update', sourceId], neither.io)).toBe(1);
    expect(neither.requests).toEqual([]);
    const unknown = run(() => new Response(JSON.stringify({ items: [] }), { status: 200 }));
    expect(await main(['sources', 'update', sourceId, '--name', 'X'], unknown.io)).toBe(1);
    expect(unknown.err.join('\n')).toContain(`No source ${sourceId}`);
  });

  it('rotate asks for the grace period given and prints the new key and the old one\'s end', async () => {
    const rotated = source([{ writeKey: 'wk_b', createdAt: '2026-11-30T01:00:00.000Z', valid: true }, { writeKey: 'wk_a', createdAt: '2026-11-30T00:00:00.000Z', validUntil: '2026-11-30T03:00:00.000Z', valid: true }], 'wk_b');
    const cli = run(() => new Response(JSON.stringify(rotated), { status: 200 }));
    expect(await main(['sources', 'rotate', sourceId, '--grace-hours', '2'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([{ method: 'POST', url: `http://localhost:3000/v1/admin/sources/${sourceId}/keys`, body: { graceHours: 2 } }]);
    expect(cli.out).toEqual(['new write key: wk_b', '  wk_a  valid until 2026-11-30T03:00:00.000Z']);
  });

  it('revoke names one key with --key, or all of them without, and list shows each key\'s state', async () => {
    const one = run(() => new Response(JSON.stringify(source([])), { status: 200 }));
    expect(await main(['sources', 'revoke', sourceId, '--key', 'wk_a'], one.io)).toBe(0);
    expect(one.requests[0]?.body).toEqual({ writeKey: 'wk_a' });
    const all = run(() => new Response(JSON.stringify(source([])), { status: 200 }));
    expect(await main(['sources', 'revoke', sourceId], all.io)).toBe(0);
    expect(all.requests[0]).toEqual({ method: 'POST', url: `http://localhost:3000/v1/admin/sources/${sourceId}/revocations`, body: {} });
    const listed = run(() => new Response(JSON.stringify({ items: [source([{ writeKey: 'wk_a', createdAt: '2026-11-30T00:00:00.000Z', revokedAt: '2026-11-30T02:00:00.000Z', valid: false }])] }), { status: 200 }));
    expect(await main(['sources', 'list'], listed.io)).toBe(0);
    expect(listed.out).toEqual([`${sourceId}  Marketing site  https://www.example.com\n  wk_a  revoked 2026-11-30T02:00:00.000Z`]);
  });
});
