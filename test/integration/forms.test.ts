import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { demoForm } from '../fixtures/forms';
import { stackClient } from './helpers';
import { sharedStack } from './shared-stack';

let stack: LocalStack;
const { admin } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

const saved = async (formId: string, body: unknown) => {
  const response = await admin('PUT', `/v1/admin/forms/${formId}`, body);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('forms as versioned data on the local stack', () => {
  it('saves versions that never change: the same definition makes none, a changed one the next, and the hosted page follows the latest', async () => {
    const formId = `versions-${randomUUID().slice(0, 8)}`;
    expect(await saved(formId, demoForm())).toEqual({ status: 200, body: { formId, version: 1, created: true } });
    expect(await saved(formId, demoForm())).toEqual({ status: 200, body: { formId, version: 1, created: false } });
    const retitled = demoForm({ title: { en: 'Talk to sales', id: 'Hubungi tim penjualan' } });
    expect(await saved(formId, retitled)).toEqual({ status: 200, body: { formId, version: 2, created: true } });

    const latest = (await (await admin('GET', `/v1/admin/forms/${formId}`)).json()) as { version: number; definition: { title: { en: string } } };
    expect(latest).toMatchObject({ version: 2, definition: { title: { en: 'Talk to sales' } } });
    const first = (await (await admin('GET', `/v1/admin/forms/${formId}/versions/1`)).json()) as { definition: { title: { en: string } } };
    expect(first.definition.title.en).toBe('Request a demo');
    const listed = (await (await admin('GET', '/v1/admin/forms?limit=200')).json()) as { items: { formId: string; latestVersion: number }[] };
    expect(listed.items.find((item) => item.formId === formId)?.latestVersion).toBe(2);

    const page = await fetch(`${stack.apiUrl}/f/${formId}`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Talk to sales</title>');
  });

  it('refuses a definition with a 400 naming each problem by its path, saving nothing', async () => {
    const formId = `invalid-${randomUUID().slice(0, 8)}`;
    const refused = await saved(formId, { ...demoForm(), unknownFields: 'refuse', success: { kind: 'redirect', url: 'https://elsewhere.example/thanks' } });
    expect(refused.status).toBe(400);
    expect((refused.body.issues as { field: string }[]).map((issue) => issue.field).sort()).toEqual(['unknownFields']);
    expect((await admin('GET', `/v1/admin/forms/${formId}`)).status).toBe(404);
    const cross = await saved(formId, { ...demoForm(), success: { kind: 'redirect', url: 'https://elsewhere.example/thanks' } });
    expect(cross.body.issues).toEqual([{ field: 'success.url', message: 'must be on one of allowedOrigins (add https://elsewhere.example there)' }]);
  });

  it('creates a form under a new id as its version 1, and refuses an id in use (409 naming formId) without adding a version', async () => {
    const formId = `created-${randomUUID().slice(0, 8)}`;
    const create = (definition: unknown) => admin('POST', '/v1/admin/forms', { formId, definition });
    const created = await create(demoForm());
    expect({ status: created.status, body: await created.json() }).toEqual({ status: 201, body: { formId, version: 1, created: true } });
    const taken = await create(demoForm({ title: { en: 'Someone else', id: 'Orang lain' } }));
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { issues: unknown }).issues).toEqual([{ field: 'formId', message: 'is the id of an existing form' }]);
    const bad = await admin('POST', '/v1/admin/forms', { formId: 'no spaces', definition: { ...demoForm(), fields: [] } });
    expect(bad.status).toBe(400);
    expect([...new Set(((await bad.json()) as { issues: { field: string }[] }).issues.map((issue) => issue.field))].sort()).toEqual(['definition.fields', 'formId']);
    const latest = (await (await admin('GET', `/v1/admin/forms/${formId}`)).json()) as { version: number; definition: { title: { en: string } } };
    expect(latest).toMatchObject({ version: 1, definition: { title: { en: 'Request a demo' } } });
  });

  it('needs the admin token', async () => {
    expect((await fetch(`${stack.apiUrl}/v1/admin/forms`)).status).toBe(403);
  });
});
