import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cliAnswering } from './cli-answering';

describe('leadflow leads find', () => {
  const lead = (id: string, extra: Record<string, unknown> = {}) => ({ id, email: `${id.slice(0, 4)}@example.com`, firstName: 'Jane', lastName: 'Doe', company: 'Acme', createdAt: '2026-11-25T10:00:00.000Z', stage: 'lead', ...extra });
  const ids = ['1b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c', '2b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c', '3b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c'] as const;

  it('reads pages until enough leads match (a page may hold none), and prints each with its stage, score and grade', async () => {
    const found = cliAnswering(
      tmpdir(),
      { body: { items: [], nextCursor: 'c1', scanned: 200 } },
      { body: { items: [lead(ids[0], { score: { total: 112.4, fit: 60, engagement: 52.4, grade: 'A', qualified: true, asOf: '2026-11-25T10:00:00.000Z' } }), lead(ids[1])], nextCursor: 'c2', scanned: 200 } },
      { body: { items: [lead(ids[2])], scanned: 100 } },
    );
    expect(await found.run('leads', 'find', 'Jane', 'Doe', '--stage', 'lead', '--limit', '2')).toBe(0);
    expect(found.requests.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/leads?q=Jane+Doe&stage=lead', 'http://localhost:3000/v1/admin/leads?q=Jane+Doe&stage=lead&cursor=c1']);
    expect(found.out).toEqual([
      `${ids[0]}  1b0c@example.com                 Jane Doe             Acme                 lead         112 A MQL`,
      `${ids[1]}  2b0c@example.com                 Jane Doe             Acme                 lead         -`,
      '(stopped at 2: more may match; --limit for more)',
    ]);
  });

  it('says it stopped when a page held more matches than the limit, even on the last page', async () => {
    const found = cliAnswering(tmpdir(), { body: { items: [lead(ids[0]), lead(ids[1]), lead(ids[2])], scanned: 30 } });
    expect(await found.run('leads', 'find', '--limit', '2')).toBe(0);
    expect(found.out.at(-1)).toBe('(stopped at 2: more may match; --limit for more)');
    const all = cliAnswering(tmpdir(), { body: { items: [lead(ids[0]), lead(ids[1])], scanned: 30 } });
    expect(await all.run('leads', 'find', '--limit', '2')).toBe(0);
    expect(all.out).toHaveLength(2);
  });

  it('says when nothing matches, and refuses a limit that is not a count without asking the API', async () => {
    const none = cliAnswering(tmpdir(), { body: { items: [], scanned: 40 } });
    expect(await none.run('leads', 'find', 'nobody', '--by-score')).toBe(0);
    expect(none.requests.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/leads?q=nobody&sort=score']);
    expect(none.out).toEqual(['no lead matches']);
    const bad = cliAnswering(tmpdir(), { body: { items: [], scanned: 0 } });
    expect(await bad.run('leads', 'find', '--limit', 'many')).toBe(1);
    expect(bad.err.join('\n')).toContain('--limit must be a whole number of 1 or more; got many');
    expect(bad.requests).toEqual([]);
  });
});
