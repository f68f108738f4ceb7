import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

let dir: string;
const welcomeId = '5e1a9c3d-7b2f-4a6e-8d0c-1f3b5a7c9e2d';
const newsletterId = '9c4e2a7b-1d3f-4b5a-8e6c-0a2b4d6f8e1c';
const welcome = { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello {{ lead.firstName | "there" }}</p>', text: 'Hello {{ lead.firstName | "there" }}' };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-templates-'));
  await writeFile(join(dir, 'welcome.html'), welcome.html);
  await writeFile(join(dir, 'welcome.txt'), welcome.text);
  await writeFile(join(dir, 'typo.html'), '<p>Hello {{ lead.frist_name }}</p>');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

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
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: dir, fetch: fetchImpl } satisfies CliIo };
}

describe('leadflow templates push', () => {
  it('creates a template from an HTML file (and a text file) and prints its id and version', async () => {
    const seen: Seen[] = [];
    const created = { templateId: welcomeId, name: 'Welcome', version: 1, latestVersion: 1, ...welcome, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z' };
    const run = io(api(seen, [{ status: 201, body: created }]));
    expect(await main(['templates', 'push', join(dir, 'welcome.html'), '--name', 'Welcome', '--subject', 'Hi {{ lead.firstName | "there" }}', '--text', join(dir, 'welcome.txt')], run.io)).toBe(0);
    expect(seen).toEqual([{
      method: 'POST',
      url: 'http://localhost:3000/v1/admin/templates',
      body: { name: 'Welcome', subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello {{ lead.firstName | "there" }}</p>', text: 'Hello {{ lead.firstName | "there" }}' },
    }]);
    expect(run.out).toEqual([`template ${welcomeId} version 1`]);
  });

  it('adds a version to the template named by --id, and says when the content was the same', async () => {
    const seen: Seen[] = [];
    const added = { templateId: welcomeId, name: 'Welcome', version: 2, subject: 'Hi', html: welcome.html, createdAt: '2026-11-26T10:00:00.000Z', created: true };
    const unchanged = { templateId: welcomeId, name: 'Welcome', version: 2, created: false, message: 'The content is the same as version 2: no new version' };
    const run = io(api(seen, [{ status: 200, body: added }, { status: 200, body: unchanged }]));
    const push = ['templates', 'push', join(dir, 'welcome.html'), '--name', 'Welcome', '--subject', 'Hi', '--id', welcomeId];
    expect(await main(push, run.io)).toBe(0);
    expect(await main(push, run.io)).toBe(0);
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual([`PUT http://localhost:3000/v1/admin/templates/${welcomeId}`, `PUT http://localhost:3000/v1/admin/templates/${welcomeId}`]);
    expect(run.out).toEqual([`template ${welcomeId} version 2`, `template ${welcomeId} version 2 (unchanged: same content as the latest version)`]);
  });

  it('refuses a template with an unknown field before calling the API, naming the part', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, []));
    expect(await main(['templates', 'push', join(dir, 'typo.html'), '--name', 'Typo', '--subject', 'Hi'], run.io)).toBe(1);
    expect(seen).toEqual([]);
    expect(run.err.join('\n')).toMatch(/typo\.html: 1 problem\(s\)\n {2}html: unknown field lead\.frist_name in html; known: lead\.firstName/);
  });

  it('needs a name and a subject, and shows the API error with the fields at fault', async () => {
    const missing = io(api([], []));
    expect(await main(['templates', 'push', join(dir, 'welcome.html'), '--name', 'Welcome'], missing.io)).toBe(1);
    expect(missing.err).toEqual(['templates push needs --name and --subject']);
    const conflict = io(api([], [{ status: 409, body: { message: `Template ${welcomeId} got a new version while this one was saved` } }]));
    expect(await main(['templates', 'push', join(dir, 'welcome.html'), '--name', 'W', '--subject', 'Hi', '--id', welcomeId], conflict.io)).toBe(1);
    expect(conflict.err.join('\n')).toBe(`Adding a version to template ${welcomeId} failed (409): Template ${welcomeId} got a new version while this one was saved`);
  });
});

describe('leadflow templates list', () => {
  it('prints each template with its latest version and last change, following the list page by page', async () => {
    const seen: Seen[] = [];
    const firstPage = { items: [{ templateId: newsletterId, name: 'Newsletter', latestVersion: 3, createdAt: '2026-11-01T10:00:00.000Z', updatedAt: '2026-11-24T10:00:00.000Z' }], nextCursor: 'next/page+1' };
    const lastPage = { items: [{ templateId: welcomeId, name: 'Welcome', latestVersion: 1, createdAt: '2026-11-20T10:00:00.000Z', updatedAt: '2026-11-20T10:00:00.000Z' }] };
    const run = io(api(seen, [{ status: 200, body: firstPage }, { status: 200, body: lastPage }]));
    expect(await main(['templates', 'list'], run.io)).toBe(0);
    expect(seen.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/templates', 'http://localhost:3000/v1/admin/templates?cursor=next%2Fpage%2B1']);
    expect(run.out).toHaveLength(2);
    expect(run.out[0]).toMatch(new RegExp(`^${newsletterId} {2}Newsletter +v3 +2026-11-24T10:00:00\\.000Z$`));
    expect(run.out[1]).toMatch(new RegExp(`^${welcomeId} {2}Welcome +v1 +2026-11-20`));
  });
});

describe('leadflow templates test', () => {
  it('queues a test send to the addresses of --to, with the lead, version and subscription given, and prints what was queued', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [{ status: 202, body: { templateId: welcomeId, version: 2, to: ['me@example.com', 'you@example.com'] } }]));
    const argv = ['templates', 'test', welcomeId, '--to', 'me@example.com, you@example.com', '--lead', newsletterId, '--version', '2', '--subscription', 'events'];
    expect(await main(argv, run.io)).toBe(0);
    expect(seen).toEqual([
      { method: 'POST', url: `http://localhost:3000/v1/admin/templates/${welcomeId}/test`, body: { to: ['me@example.com', 'you@example.com'], leadId: newsletterId, version: 2, subscription: 'events' } },
    ]);
    expect(run.out).toEqual([`test of template ${welcomeId} version 2 queued for 2 address(es)`]);
  });

  it('refuses a missing --to before calling the API, and prints the fields the API refused', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [{ status: 400, body: { message: 'Invalid request', issues: [{ field: 'to[0]', message: 'must be an email address' }] } }]));
    expect(await main(['templates', 'test', welcomeId], run.io)).not.toBe(0);
    expect(seen).toEqual([]);
    expect(await main(['templates', 'test', welcomeId, '--to', 'nope'], run.io)).not.toBe(0);
    expect(run.err.join('\n')).toContain('templates test needs --to');
    expect(run.err.join('\n')).toContain('to[0]: must be an email address');
  });
});
