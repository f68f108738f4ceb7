import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, runCli, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Email templates as versioned data on the local stack: pushed from files with the CLI, versioned,
 * previewed for a lead, and copied into a campaign that keeps its version when the template moves on.
 */
let stack: LocalStack;
let dir: string;
const { post, admin, mails } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
  dir = await mkdtemp(join(tmpdir(), 'leadflow-templates-'));
  await writeFile(join(dir, 'welcome.html'), '<p>Hello {{ lead.firstName | "there" }}, welcome to {{ lead.attributes.plan | "our" }} plan.</p>');
  await writeFile(join(dir, 'welcome-2.html'), '<h1>Welcome aboard, {{ lead.firstName | "friend" }}!</h1>');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(stack, dir, ...argv);
const json = async <T>(response: Response, status: number): Promise<T> => {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
};

describe('templates on the local stack', () => {
  it('creates a template, adds a version, previews it for a lead, and creates a campaign from version 1 that keeps it', async () => {
    const pushed = await cli('templates', 'push', join(dir, 'welcome.html'), '--name', 'Welcome', '--subject', 'Welcome, {{ lead.firstName | "friend" }}');
    expect(pushed.err).toBe('');
    const [, templateId] = /^template (\S+) version 1$/.exec(pushed.out) ?? [];
    expect(templateId).toBeDefined();

    const second = await cli('templates', 'push', join(dir, 'welcome-2.html'), '--name', 'Welcome', '--subject', 'Welcome aboard', '--id', String(templateId));
    expect(second.out).toBe(`template ${templateId} version 2`);
    expect((await cli('templates', 'push', join(dir, 'welcome-2.html'), '--name', 'Welcome', '--subject', 'Welcome aboard', '--id', String(templateId))).out).toBe(`template ${templateId} version 2 (unchanged: same content as the latest version)`);
    expect((await cli('templates', 'list')).out).toMatch(new RegExp(`${templateId} {2}Welcome +v2 `));
    const detail = await json<{ latestVersion: number; subject: string; versions: { version: number }[] }>(await admin('GET', `/v1/admin/templates/${templateId}`), 200);
    expect(detail).toMatchObject({ latestVersion: 2, subject: 'Welcome aboard' });
    expect(detail.versions.map((version) => version.version)).toEqual([1, 2]);

    const email = `rin-${randomUUID()}@example.com`;
    const { leadId } = await json<{ leadId: string }>(await post('/v1/forms/contact/submissions', { email, firstName: '<i>Rin</i>', consent: ['newsletter'] }), 202);
    const preview = await json<{ version: number; rendered: { subject: string; html: string; text: string } }>(await admin('POST', `/v1/admin/templates/${templateId}/preview`, { leadId, version: 1 }), 200);
    expect(preview.version).toBe(1);
    expect(preview.rendered.subject).toBe('Welcome, <i>Rin</i>');
    expect(preview.rendered.html).toContain('<p>Hello &lt;i&gt;Rin&lt;/i&gt;, welcome to our plan.</p>');
    expect(preview.rendered.text).toMatch(/Unsubscribe: https:\/\/preview\.invalid\//);
    const latestPreview = await json<{ rendered: { html: string } }>(await admin('POST', `/v1/admin/templates/${templateId}/preview`, {}), 200);
    expect(latestPreview.rendered.html).toContain('<h1>Welcome aboard, friend!</h1>');
    const draftPreview = await json<{ draft: boolean; rendered: { html: string } }>(await admin('POST', `/v1/admin/templates/${templateId}/preview`, { leadId, draft: { subject: 'Draft', html: '<p>Unsaved, {{ lead.firstName }}</p>' } }), 200);
    expect(draftPreview.rendered.html).toContain('<p>Unsaved, &lt;i&gt;Rin&lt;/i&gt;</p>');

    // A test send reaches the colleague, personalised with the lead, through send-campaign.
    const tester = `tester-${randomUUID()}@example.com`;
    expect(await json(await admin('POST', `/v1/admin/templates/${templateId}/test`, { to: [tester], leadId, version: 1 }), 202)).toEqual({ templateId, version: 1, to: [tester] });
    const testMail = await eventually(async () => (await mails()).find((mail) => mail.destination.to.includes(tester)));
    expect(testMail.subject).toBe('[Test] Welcome, <i>Rin</i>');

    const created = await json<{ id: string; template: { subject: string; html: string }; templateRef: { templateId: string; version: number } }>(
      await admin('POST', '/v1/admin/campaigns', { name: 'Welcome series', subscription: 'newsletter', template: { templateId, version: 1 } }),
      201,
    );
    expect(created.templateRef).toEqual({ templateId, version: 1 });
    expect(created.template.subject).toBe('Welcome, {{ lead.firstName | "friend" }}');

    // A third version changes neither version 1 nor the campaign made from it.
    await writeFile(join(dir, 'welcome-3.html'), '<p>Version three</p>');
    expect((await cli('templates', 'push', join(dir, 'welcome-3.html'), '--name', 'Welcome', '--subject', 'Three', '--id', String(templateId))).out).toBe(`template ${templateId} version 3`);
    const campaign = await json<{ template: { subject: string; html: string }; templateRef: { version: number } }>(await admin('GET', `/v1/admin/campaigns/${created.id}`), 200);
    expect(campaign).toMatchObject({ template: { subject: 'Welcome, {{ lead.firstName | "friend" }}', html: created.template.html }, templateRef: { version: 1 } });
    expect(await json<{ html: string }>(await admin('GET', `/v1/admin/templates/${templateId}/versions/1`), 200)).toMatchObject({ html: created.template.html });
    const campaignPreview = await json<{ rendered: { html: string } }>(await admin('GET', `/v1/admin/campaigns/${created.id}/preview?leadId=${leadId}`), 200);
    expect(campaignPreview.rendered.html).toContain('Hello &lt;i&gt;Rin&lt;/i&gt;');

    const unknownVersion = await json<{ issues: { field: string }[] }>(await admin('POST', '/v1/admin/campaigns', { name: 'x', subscription: 'newsletter', template: { templateId, version: 9 } }), 400);
    expect(unknownVersion.issues.map((issue) => issue.field)).toEqual(['template.version']);
  });
});
