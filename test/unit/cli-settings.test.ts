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
