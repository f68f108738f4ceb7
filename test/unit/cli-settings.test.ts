import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: '/tmp', fetch };
  return { io, out, err, requests };
}

describe('leadflow settings send-policy', () => {
  it('set sends the cap, quiet hours and zone, and says what was saved', async () => {
    const cli = run((_method, _url, body) => new Response(JSON.stringify({ ...(body as object), version: 2 }), { status: 200 }));
    expect(await main(['settings', 'send-policy', 'set', '--cap', '3/7', '--quiet-hours', '21:00-08:00', '--time-zone', 'Europe/Paris'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([
      { method: 'PUT', url: 'http://localhost:3000/v1/admin/settings/send-policy', body: { frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: { start: '21:00', end: '08:00' }, defaultTimeZone: 'Europe/Paris' } },
    ]);
    expect(cli.out).toEqual(['send policy version 2', 'frequency cap: 3 marketing emails per lead in any 7 days', "quiet hours: 21:00-08:00 in the lead's time zone", 'default time zone: Europe/Paris']);
  });

  it('get shows the policy, none until one is saved', async () => {
    const cli = run(() => new Response(JSON.stringify({ defaultTimeZone: 'UTC', version: 0 }), { status: 200 }));
    expect(await main(['settings', 'send-policy', 'get'], cli.io)).toBe(0);
    expect(cli.requests[0]).toMatchObject({ method: 'GET', url: 'http://localhost:3000/v1/admin/settings/send-policy' });
    expect(cli.out).toEqual(['send policy version 0', 'frequency cap: none', 'quiet hours: none', 'default time zone: UTC']);
  });

  it('refuses a malformed cap before calling the API', async () => {
    const cli = run(() => new Response('{}', { status: 200 }));
    expect(await main(['settings', 'send-policy', 'set', '--cap', 'three'], cli.io)).toBe(1);
    expect(cli.requests).toEqual([]);
    expect(cli.err.join('\n')).toContain('--cap must be <emails>/<days>');
  });

  it('shows the field the API refused', async () => {
    const cli = run(() => new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'defaultTimeZone', message: 'must be a known IANA time zone such as Europe/Paris' }] }), { status: 400 }));
    expect(await main(['settings', 'send-policy', 'set', '--time-zone', 'Mars/Base'], cli.io)).toBe(1);
    expect(cli.err.join('\n')).toContain('defaultTimeZone: must be a known IANA time zone');
  });
});

describe('leadflow settings subscription-types', () => {
  const catalogue = {
    version: 3,
    updatedAt: '2026-11-30T19:00:00.000Z',
    updatedBy: 'ana',
    types: [
      { id: 'newsletter', label: { en: 'Newsletter', id: 'Buletin' }, description: { en: 'Monthly.', id: 'Bulanan.' }, doubleOptIn: true, transactional: false, archived: false },
      { id: 'offers', label: { en: 'Offers', id: 'Penawaran' }, description: { en: 'Deals.', id: 'Diskon.' }, doubleOptIn: true, transactional: false, archived: true },
    ],
  };

  it('get lists each type with its opt-in mode, archived ones marked, and who saved the version', async () => {
    const cli = run(() => new Response(JSON.stringify(catalogue), { status: 200 }));
    expect(await main(['settings', 'subscription-types', 'get'], cli.io)).toBe(0);
    expect(cli.requests[0]).toMatchObject({ method: 'GET', url: 'http://localhost:3000/v1/admin/settings/subscription-types' });
    expect(cli.out[0]).toBe('subscription types version 3, saved by ana at 2026-11-30T19:00:00.000Z');
    expect(cli.out[1]).toMatch(/^newsletter\s+Newsletter\s+double opt-in$/);
    expect(cli.out[2]).toMatch(/^offers\s+Offers\s+double opt-in {2}archived$/);
  });

  it('put sends the file as it is (what get --json printed, edited) and shows a refused field', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'subtypes-cli-'));
    try {
      const file = join(folder, 'types.json');
      await writeFile(file, JSON.stringify(catalogue));
      const saved = run((_method, _url, body) => new Response(JSON.stringify({ ...(body as object), version: 4, updatedBy: 'service' }), { status: 200 }));
      expect(await main(['settings', 'subscription-types', 'put', file], saved.io)).toBe(0);
      expect(saved.requests).toEqual([{ method: 'PUT', url: 'http://localhost:3000/v1/admin/settings/subscription-types', body: catalogue }]);
      expect(saved.out[0]).toMatch(/^subscription types version 4, saved by service/);
      const refused = run(() => new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'types[1].id', message: 'repeats newsletter' }] }), { status: 400 }));
      expect(await main(['settings', 'subscription-types', 'put', file], refused.io)).toBe(1);
      expect(refused.err.join('\n')).toContain('types[1].id: repeats newsletter');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('delete sends the version read now (or the one given) and shows what uses a type it cannot delete', async () => {
    const answers = [new Response(JSON.stringify(catalogue), { status: 200 }), new Response(JSON.stringify({ ...catalogue, version: 4, types: catalogue.types.slice(0, 1) }), { status: 200 })];
    const deleted = run(() => answers.shift() ?? new Response('{}', { status: 500 }));
    expect(await main(['settings', 'subscription-types', 'delete', 'offers'], deleted.io)).toBe(0);
    expect(deleted.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET http://localhost:3000/v1/admin/settings/subscription-types',
      'DELETE http://localhost:3000/v1/admin/settings/subscription-types/offers?version=3',
    ]);
    expect(deleted.out[0]).toMatch(/^subscription types version 4/);
    const refused = run(() => new Response(JSON.stringify({ message: 'Conflict', issues: [{ field: 'typeId', message: 'cannot delete offers: it is used by form "Contact us" (contact). Archive it instead' }] }), { status: 409 }));
    expect(await main(['settings', 'subscription-types', 'delete', 'offers', '--version', '3'], refused.io)).toBe(1);
    expect(refused.requests).toHaveLength(1);
    expect(refused.err.join('\n')).toContain('typeId: cannot delete offers: it is used by form "Contact us"');
  });

  it('backfill-consent-index calls the backfill page after page until there is no cursor, resumes with --from, and stops at a refusal', async () => {
    const answers = [
      new Response(JSON.stringify({ scanned: 200, indexed: 12, nextCursor: 'c1' }), { status: 200 }),
      new Response(JSON.stringify({ scanned: 35, indexed: 1 }), { status: 200 }),
    ];
    const cli = run(() => answers.shift() ?? new Response('{}', { status: 500 }));
    expect(await main(['settings', 'subscription-types', 'backfill-consent-index'], cli.io)).toBe(0);
    expect(cli.requests).toEqual([
      { method: 'POST', url: 'http://localhost:3000/v1/admin/consent-index/backfill', body: {} },
      { method: 'POST', url: 'http://localhost:3000/v1/admin/consent-index/backfill', body: { cursor: 'c1' } },
    ]);
    expect(cli.out).toEqual([
      '200 leads looked at, 12 consent records indexed (resume with --from c1)',
      '235 leads looked at, 13 consent records indexed',
      'every consent record is indexed by type: deleting a subscription type now trusts the index',
    ]);

    const resumed = run(() => new Response(JSON.stringify({ message: 'Invalid request: cursor is not a cursor this list gave', issues: [{ field: 'cursor', message: 'is not a cursor this list gave: start again without it' }] }), { status: 400 }));
    expect(await main(['settings', 'subscription-types', 'backfill-consent-index', '--from', 'c9'], resumed.io)).toBe(1);
    expect(resumed.requests).toEqual([{ method: 'POST', url: 'http://localhost:3000/v1/admin/consent-index/backfill', body: { cursor: 'c9' } }]);
    expect(resumed.err.join('\n')).toContain('cursor: is not a cursor this list gave');
  });
});
