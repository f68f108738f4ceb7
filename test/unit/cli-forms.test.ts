import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';
import { demoForm } from '../fixtures/forms';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-forms-'));
  await writeFile(join(dir, 'demo-request.yaml'), stringify(demoForm()));
  await writeFile(join(dir, 'broken.json'), JSON.stringify({ ...demoForm(), success: { kind: 'redirect', url: 'https://elsewhere.example/thanks' }, fields: [] }));
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

describe('leadflow forms', () => {
  it('pushes a YAML definition under the file name as the form id, and says when nothing changed', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [{ status: 200, body: { formId: 'demo-request', version: 1, created: true } }, { status: 200, body: { formId: 'demo-request', version: 1, created: false } }]));
    expect(await main(['forms', 'push', join(dir, 'demo-request.yaml')], run.io)).toBe(0);
    expect(await main(['forms', 'push', join(dir, 'demo-request.yaml')], run.io)).toBe(0);
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual(['PUT http://localhost:3000/v1/admin/forms/demo-request', 'PUT http://localhost:3000/v1/admin/forms/demo-request']);
    expect(seen[0]?.body).toEqual(demoForm());
    expect(run.out).toEqual(['form demo-request version 1', 'form demo-request version 1 (unchanged: same definition as the latest version)']);
  });

  it('creates a form under a new id, and says why when the id is taken', async () => {
    const seen: Seen[] = [];
    const taken = { message: 'Form demo-request exists already: save a new version of it instead', issues: [{ field: 'formId', message: 'is the id of an existing form' }] };
    const run = io(api(seen, [{ status: 201, body: { formId: 'demo-request', version: 1, created: true } }, { status: 409, body: taken }]));
    expect(await main(['forms', 'create', join(dir, 'demo-request.yaml')], run.io)).toBe(0);
    expect(await main(['forms', 'create', join(dir, 'demo-request.yaml')], run.io)).toBe(1);
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual(['POST http://localhost:3000/v1/admin/forms', 'POST http://localhost:3000/v1/admin/forms']);
    expect(seen[0]?.body).toEqual({ formId: 'demo-request', definition: demoForm() });
    expect(run.out).toEqual(['form demo-request created (version 1)']);
    expect(run.err.join('\n')).toContain('formId: is the id of an existing form');
  });

  it('refuses a definition with problems before calling the API, listing each by its path', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, []));
    expect(await main(['forms', 'push', join(dir, 'broken.json'), '--id', 'broken'], run.io)).toBe(1);
    expect(seen).toEqual([]);
    expect(run.err.join('\n')).toContain('fields: must include the email field: it is how a lead is known');
    expect(run.err.join('\n')).toContain('success.url: must be on one of allowedOrigins (add https://elsewhere.example there)');
  });

  it('lists every form, page by page', async () => {
    const seen: Seen[] = [];
    const form = (formId: string) => ({ formId, title: `Form ${formId}`, latestVersion: 2, createdAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-11-30T10:00:00.000Z' });
    const run = io(api(seen, [{ status: 200, body: { items: [form('a')], nextCursor: 'next' } }, { status: 200, body: { items: [form('b')] } }]));
    expect(await main(['forms', 'list'], run.io)).toBe(0);
    expect(seen.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/forms', 'http://localhost:3000/v1/admin/forms?cursor=next']);
    expect(run.out.map((line) => line.split(/\s+/)[0])).toEqual(['a', 'b']);
  });
});
