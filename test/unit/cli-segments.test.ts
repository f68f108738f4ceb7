import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAnswering } from './cli-answering';

const segmentId = '6a0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c';
const pricingVisitors = {
  name: 'Pricing visitors',
  where: { lead: { industry: ['SaaS'] } },
  history: [{ event: { type: ['page_view'], properties: { url: [{ wildcard: '*/pricing*' }] } }, withinDays: 14 }],
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-segments-'));
  await writeFile(join(dir, 'pricing.yaml'), stringify(pricingVisitors));
  await writeFile(join(dir, 'typo.yaml'), stringify({ ...pricingVisitors, where: { lead: { industy: ['SaaS'] } } }));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** A CLI run against an API that records each request and answers `body`. */
const cli = (body: unknown, status = 200) => cliAnswering(dir, { body, status });

describe('leadflow segments', () => {
  it('pushes a segment file as a new segment, or as the next version of --id', async () => {
    const saved = { ...pricingVisitors, id: segmentId, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z' };
    const created = cli({ ...saved, version: 1 }, 201);
    expect(await created.run('segments', 'push', join(dir, 'pricing.yaml'))).toBe(0);
    expect(created.requests[0]).toMatchObject({ method: 'POST', url: 'http://localhost:3000/v1/admin/segments', body: pricingVisitors });
    expect(created.out).toEqual([`segment ${segmentId} version 1`]);

    const edited = cli({ ...saved, version: 2, updatedAt: '2026-11-26T10:00:00.000Z', created: true });
    expect(await edited.run('segments', 'push', join(dir, 'pricing.yaml'), '--id', segmentId)).toBe(0);
    expect(edited.requests[0]).toMatchObject({ method: 'PUT', url: `http://localhost:3000/v1/admin/segments/${segmentId}` });
    expect(edited.out).toEqual([`segment ${segmentId} version 2`]);

    const unchanged = cli({ ...saved, version: 2, created: false });
    expect(await unchanged.run('segments', 'push', join(dir, 'pricing.yaml'), '--id', segmentId)).toBe(0);
    expect(unchanged.out).toEqual([`segment ${segmentId} version 2 (unchanged: same definition as the latest version)`]);
  });

  it('refuses a segment file with a typo offline, naming the path, and sends nothing', async () => {
    const typo = cli({});
    expect(await typo.run('segments', 'push', join(dir, 'typo.yaml'))).toBe(1);
    expect(typo.err.join('\n')).toMatch(/where\.lead\.industy: unknown field `industy`/);
    expect(typo.requests).toEqual([]);
  });

  it('previews a saved segment by id, or a file before saving it, with the count and a sample', async () => {
    const audience = { count: 2, complete: true, leadsScanned: 40, sample: [{ leadId: 'l-1', email: 'ana@example.com' }, { leadId: 'l-2', email: 'ben@example.com' }] };
    const saved = cli({ segmentId, version: 2, audience });
    expect(await saved.run('segments', 'preview', segmentId, '--subscription', 'events')).toBe(0);
    expect(saved.requests[0]).toMatchObject({ method: 'GET', url: `http://localhost:3000/v1/admin/segments/${segmentId}/preview?subscription=events` });
    expect(saved.out.join('\n')).toBe('2 leads in the segment (all 40 leads read)\n  ana@example.com  l-1\n  ben@example.com  l-2');

    const tried = cli({ audience: { ...audience, complete: false } });
    expect(await tried.run('segments', 'preview', join(dir, 'pricing.yaml'))).toBe(0);
    expect(tried.requests[0]).toMatchObject({ method: 'POST', url: 'http://localhost:3000/v1/admin/segments/preview', body: { where: pricingVisitors.where, history: pricingVisitors.history } });
    expect(tried.out[0]?.split('\n')[0]).toBe("2 leads in the segment (among the first 40 leads read; stopped at the preview's limit)");
  });
});
