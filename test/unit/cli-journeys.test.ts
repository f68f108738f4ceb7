import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

const journeyId = '5b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c';
const welcome = {
  name: 'Welcome',
  entry: { kind: 'manual' },
  steps: [{ id: 'hello', type: 'send_email', subscription: 'newsletter', template: { subject: 'Hi', html: '<p>Hi</p>' } }],
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-journeys-'));
  await writeFile(join(dir, 'welcome.yaml'), stringify(welcome));
  await writeFile(join(dir, 'loop.yaml'), stringify({ ...welcome, steps: [{ ...welcome.steps[0], next: 'hello' }] }));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** A CLI run against an API that records each request and answers `body`. */
function cli(body: unknown, status = 200) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { url: string; method?: string; body?: unknown }[] = [];
  const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    requests.push({ url: String(url), method: init?.method, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: dir, fetch };
  return { out, err, requests, run: (...argv: string[]) => main(argv, io) };
}

describe('leadflow journeys', () => {
  it('refuses a journey with a loop without a wait offline, naming the path, and sends nothing', async () => {
    const loop = cli({});
    expect(await loop.run('journeys', 'push', join(dir, 'loop.yaml'))).toBe(1);
    expect(loop.err.join('\n')).toMatch(/steps\.0\.next: loops back to hello without a wait/);
    expect(loop.requests).toEqual([]);
  });

  it('pushes a draft, publishes it and enrols a lead', async () => {
    const saved = { ...welcome, id: journeyId, status: 'draft', draft: welcome, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z' };
    const pushed = cli(saved, 201);
    expect(await pushed.run('journeys', 'push', join(dir, 'welcome.yaml'))).toBe(0);
    expect(pushed.requests[0]).toMatchObject({ method: 'POST', url: 'http://localhost:3000/v1/admin/journeys' });
    const published = cli({ journeyId, status: 'published', version: 2 });
    expect(await published.run('journeys', 'publish', journeyId)).toBe(0);
    expect(published.out).toEqual([`journey ${journeyId} is published (version 2)`]);
    const leadId = '7c1d8c2f-3e5a-4f9b-8c4d-6e7f8a9b0c1d';
    const enrolled = cli({ journeyId, leadId, status: 'requested' }, 202);
    expect(await enrolled.run('journeys', 'enrol', journeyId, leadId)).toBe(0);
    expect(enrolled.requests[0]).toMatchObject({ method: 'POST', url: `http://localhost:3000/v1/admin/journeys/${journeyId}/enrolments`, body: { leadId } });
  });

  it('moves enrolled leads to a version and prints what happened to each; a refusal names the step', async () => {
    const leadIds = ['7c1d8c2f-3e5a-4f9b-8c4d-6e7f8a9b0c1d', '8c1d8c2f-3e5a-4f9b-8c4d-6e7f8a9b0c1d'];
    const moved = cli({ journeyId, version: 3, leads: [{ leadId: leadIds[0], outcome: 'moved' }, { leadId: leadIds[1], outcome: 'ended' }] });
    expect(await moved.run('journeys', 'move', journeyId, ...leadIds, '--version', '3')).toBe(0);
    expect(moved.requests[0]).toMatchObject({ method: 'POST', url: `http://localhost:3000/v1/admin/journeys/${journeyId}/moves`, body: { leadIds, version: 3 } });
    expect(moved.out).toEqual([`lead ${leadIds[0]}: moved`, `lead ${leadIds[1]}: ended`, '1 of 2 moved to version 3']);
    const refused = cli({ message: 'Cannot move 1 lead(s)', issues: [{ field: 'leadIds.0', message: 'cannot move: step pause, where the lead is, does not exist in version 3' }] }, 400);
    expect(await refused.run('journeys', 'move', journeyId, leadIds[0] as string)).not.toBe(0);
    expect(refused.err.join('\n')).toMatch(/leadIds\.0: cannot move: step pause/);
  });

  it('moves every enrolled lead with --all, calling until the move is done, and prints its progress', async () => {
    const progress = (phase: string, counts: Record<string, number>) => ({ journeyId, version: 2, phase, enrolled: 250, refusals: [], counts: { leadsRead: 0, moved: 0, alreadyThere: 0, ended: 0, refused: 0, changedMeanwhile: 0, ...counts }, startedAt: '2026-11-30T12:00:00.000Z', updatedAt: '2026-11-30T12:00:05.000Z' });
    const answers = [
      [202, progress('checking', { leadsRead: 200 })],
      [202, progress('moving', { leadsRead: 200, moved: 200 })],
      [200, progress('done', { leadsRead: 251, moved: 248, ended: 2 })],
    ] as const;
    const out: string[] = [];
    const requests: { url: string; body?: unknown }[] = [];
    const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
      const [status, body] = answers[requests.length] ?? answers[2];
      requests.push({ url: String(url), body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(body), { status });
    }) as typeof globalThis.fetch;
    const io: CliIo = { out: (line) => out.push(line), err: () => {}, env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: dir, fetch };
    expect(await main(['journeys', 'move', journeyId, '--all', '--version', '2'], io)).toBe(0);
    expect(requests).toEqual(Array.from({ length: 3 }, () => ({ url: `http://localhost:3000/v1/admin/journeys/${journeyId}/moves/all`, body: { version: 2 } })));
    expect(out).toEqual(['checking: 200 lead(s) read, 250 enrolled', 'moving: 200 lead(s) read, 200 moved', '248 of 250 enrolled lead(s) moved to version 2 (0 already there, 2 ended, 0 moved on by their runner meanwhile and left)']);
  });

  it('prints the report per journey, step and split arm', async () => {
    const report = {
      journeyId,
      name: 'Welcome',
      status: 'published',
      publishedVersion: 1,
      entered: 10,
      waiting: 3,
      completed: 5,
      exited: 2,
      exitedBy: { goal: 2 },
      goalReached: 2,
      steps: [
        { stepId: 'hello', type: 'send_email', entered: 10, emails: { sent: 9, skipped: 1, interrupted: 0, opened: 6, clicked: 2, skippedBy: { not_opted_in: 1 } } },
        { stepId: 'ab', type: 'split', entered: 9, arms: { a: 4, b: 5 } },
      ],
    };
    const shown = cli(report);
    expect(await shown.run('journeys', 'report', journeyId)).toBe(0);
    expect(shown.out.join('\n')).toBe(
      [
        'Welcome (published, version 1)',
        'entered 10  waiting 3  completed 5  exited 2 (goal 2)  goal reached 2',
        'step                    type             entered',
        'hello                   send_email            10  sent 9  skipped 1 (not_opted_in 1)  opened 6  clicked 2',
        'ab                      split                  9  a 4  b 5',
      ].join('\n'),
    );
  });
});
