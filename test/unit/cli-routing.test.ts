import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

let dir: string;
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
    const cli = run(() => new Response(JSON.stringify({ teams: [], rules: [], defaultTeam: 'apac', version: 1 }), { status: 200 }));
    expect(await main(['routing', 'get'], cli.io)).toBe(0);
    expect(JSON.parse(cli.out.join('\n'))).toMatchObject({ defaultTeam: 'apac', version: 1 });
    expect(cli.requests[0]).toMatchObject({ method: 'GET', url: 'http://localhost:3000/v1/admin/routing' });
  });
});
