import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

type Seen = { method: string; url: string; body: unknown };
/** An admin API that answers each request with the next canned response, recording what it was asked. */
function api(seen: Seen[], responses: { status: number; body: unknown }[]) {
  return (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
    seen.push({ method: String(init?.method), url: String(url), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const next = responses.shift() ?? { status: 500, body: { message: 'unexpected request' } };
    return new Response(JSON.stringify(next.body), { status: next.status });
  }) as typeof fetch;
}

function io(fetchImpl: typeof fetch) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: '.', fetch: fetchImpl } satisfies CliIo };
}

const BASE = 'http://localhost:3000/v1/admin/users';

describe('leadflow users', () => {
  it('invites a user with a role, and lists users with role, state and status', async () => {
    const seen: Seen[] = [];
    const run = io(
      api(seen, [
        { status: 201, body: { user: 'ana', name: 'Ana Putri', email: 'ana@example.com', role: 'sales', enabled: true, status: 'FORCE_CHANGE_PASSWORD' } },
        { status: 200, body: { users: [{ user: 'ana', name: 'Ana Putri', email: 'ana@example.com', role: 'sales', enabled: false, status: 'CONFIRMED' }] } },
      ]),
    );
    expect(await main(['users', 'invite', 'ana', '--email', 'ana@example.com', '--name', 'Ana Putri', '--role', 'sales'], run.io)).toBe(0);
    expect(await main(['users', 'list'], run.io)).toBe(0);
    expect(seen).toEqual([
      { method: 'POST', url: BASE, body: { user: 'ana', name: 'Ana Putri', email: 'ana@example.com', role: 'sales' } },
      { method: 'GET', url: BASE, body: undefined },
    ]);
    expect(run.out).toEqual(['ana invited as sales (FORCE_CHANGE_PASSWORD)', 'ana  sales  disabled  CONFIRMED  Ana Putri <ana@example.com>']);
  });

  it('changes a role, disables and enables, on the routes of each', async () => {
    const seen: Seen[] = [];
    const run = io(
      api(seen, [
        { status: 200, body: { user: 'ana', role: 'marketer' } },
        { status: 200, body: { user: 'ana', enabled: false } },
        { status: 200, body: { user: 'ana', enabled: true } },
      ]),
    );
    expect(await main(['users', 'set-role', 'ana', '--role', 'marketer'], run.io)).toBe(0);
    expect(await main(['users', 'disable', 'ana'], run.io)).toBe(0);
    expect(await main(['users', 'enable', 'ana'], run.io)).toBe(0);
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual([`PUT ${BASE}/ana/role`, `POST ${BASE}/ana/disable`, `POST ${BASE}/ana/enable`]);
    expect(seen[0]?.body).toEqual({ role: 'marketer' });
    expect(run.out).toEqual(['ana is now marketer', 'ana disabled', 'ana enabled']);
  });

  it("needs a known --role before calling anything, and shows the API's reason for a refusal", async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [{ status: 409, body: { message: 'An admin cannot disable themselves: another admin must, so the console always keeps one', issues: [{ field: 'user', message: 'is you (ada)' }] } }]));
    expect(await main(['users', 'set-role', 'ana', '--role', 'owner'], run.io)).toBe(1);
    expect(seen).toEqual([]);
    expect(await main(['users', 'disable', 'ada'], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/Disabling ada failed \(409\): An admin cannot disable themselves[\s\S]*user: is you \(ada\)/);
  });
});
