import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FormDefinition } from '../../src/domain/forms/definition';
import { demoForm } from '../fixtures/forms';
import { cliAnswering } from './cli-answering';

/** A stored map comes back from the table in no particular order: the same fields, reversed at every level. */
function scrambled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrambled);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([name, field]) => [name, scrambled(field)]));
}

const firstLines = (lines: string[], count: number) => lines.join('\n').split('\n').slice(0, count);

describe('leadflow <group> show: what the API holds as a file to keep in git and push back', () => {
  it('shows the active ruleset (or a version) in a ruleset file\'s order, as it was written', async () => {
    const starter = parse(await readFile('rulesets/starter.yaml', 'utf8')) as Record<string, unknown>;
    const shown = cliAnswering(tmpdir(), { body: { active: 'starter-1', items: [] } }, { body: { version: 'starter-1', status: 'active', ruleset: scrambled(starter), createdAt: '2026-11-22T00:00:00.000Z', updatedAt: '2026-11-22T00:00:00.000Z' } });
    expect(await shown.run('rules', 'show')).toBe(0);
    expect(shown.requests.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/rulesets', 'http://localhost:3000/v1/admin/rulesets/starter-1']);
    expect(firstLines(shown.out, 3)).toEqual([`version: ${String(starter.version)}`, 'halfLifeDays: 30', 'grades:']);
    expect(parse(shown.out.join('\n'))).toEqual(starter);
  });

  it('shows a form\'s latest definition, or a version of it, that pushes back unchanged', async () => {
    const definition = demoForm();
    const stored = { formId: 'demo-request', version: 2, createdAt: '2026-11-30T10:00:00.000Z', definition: scrambled(definition) };
    const latest = cliAnswering(tmpdir(), { body: stored });
    expect(await latest.run('forms', 'show', 'demo-request')).toBe(0);
    expect(latest.requests[0]?.url).toBe('http://localhost:3000/v1/admin/forms/demo-request');
    expect(firstLines(latest.out, 1)).toEqual(['title:']);
    // The API answers with the defaults filled in, as the form is stored and served.
    expect(parse(latest.out.join('\n'))).toEqual(FormDefinition.parse(definition));
    const older = cliAnswering(tmpdir(), { body: { ...stored, version: 1 } });
    expect(await older.run('forms', 'show', 'demo-request', '--version', '1')).toBe(0);
    expect(older.requests[0]?.url).toBe('http://localhost:3000/v1/admin/forms/demo-request/versions/1');
  });

  it('shows a saved segment without what the API adds to it (id, version, times), so push --id takes it', async () => {
    const definition = { name: 'Warm SaaS', description: 'Looked at pricing', where: { lead: { industry: ['SaaS'] } }, history: [{ event: { type: ['page_view'] }, withinDays: 14 }] };
    const segmentId = '6a0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c';
    const shown = cliAnswering(tmpdir(), { body: scrambled({ ...definition, id: segmentId, version: 3, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-26T10:00:00.000Z' }) });
    expect(await shown.run('segments', 'show', segmentId)).toBe(0);
    expect(shown.requests[0]?.url).toBe(`http://localhost:3000/v1/admin/segments/${segmentId}`);
    expect(parse(shown.out.join('\n'))).toEqual(definition);
    expect(Object.keys(parse(shown.out.join('\n')) as object)).toEqual(['where', 'history', 'name', 'description']);
  });

  it('shows a template\'s HTML, text part or subject, of the latest version or another, as push takes them', async () => {
    const templateId = '5b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c';
    const version = { templateId, name: 'Welcome', version: 2, subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>\n<p>Welcome</p>\n', createdAt: '2026-11-25T10:00:00.000Z' };
    const latest = { ...version, latestVersion: 2, updatedAt: '2026-11-25T10:00:00.000Z', versions: [{ version: 1, createdAt: '2026-11-24T10:00:00.000Z' }, { version: 2, createdAt: '2026-11-25T10:00:00.000Z' }] };
    const html = cliAnswering(tmpdir(), { body: latest });
    expect(await html.run('templates', 'show', templateId)).toBe(0);
    expect(html.requests[0]?.url).toBe(`http://localhost:3000/v1/admin/templates/${templateId}`);
    expect(html.out).toEqual(['<p>Hello</p>\n<p>Welcome</p>']);
    const subject = cliAnswering(tmpdir(), { body: { ...version, version: 1, text: 'Hello' } });
    expect(await subject.run('templates', 'show', templateId, '--version', '1', '--part', 'subject')).toBe(0);
    expect(subject.requests[0]?.url).toBe(`http://localhost:3000/v1/admin/templates/${templateId}/versions/1`);
    expect(subject.out).toEqual(['Hi {{ lead.firstName | "there" }}']);
    const noText = cliAnswering(tmpdir(), { body: latest });
    expect(await noText.run('templates', 'show', templateId, '--part', 'text')).toBe(1);
    expect(noText.err.join('\n')).toContain(`Template ${templateId} version 2 has no text part`);
    const bogus = cliAnswering(tmpdir(), { body: latest });
    expect(await bogus.run('templates', 'show', templateId, '--part', 'css')).toBe(1);
    expect(bogus.err.join('\n')).toContain('--part must be one of html, text, subject; got css');
    expect(bogus.requests).toEqual([]);
  });

  it('names the resource a refused read was for', async () => {
    const missing = cliAnswering(tmpdir(), { status: 404, body: { message: 'No form nope' } });
    expect(await missing.run('forms', 'show', 'nope')).toBe(1);
    expect(missing.err.join('\n')).toContain('Reading form nope failed (404): No form nope');
  });
});
