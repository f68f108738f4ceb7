import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAnswering } from './cli-answering';

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
const cli = (body: unknown, status = 200) => cliAnswering(dir, { body, status });

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
    const moving = cliAnswering(
      dir,
      { status: 202, body: progress('checking', { leadsRead: 200 }) },
      { status: 202, body: progress('moving', { leadsRead: 200, moved: 200 }) },
      { status: 200, body: progress('done', { leadsRead: 251, moved: 248, ended: 2 }) },
    );
    expect(await moving.run('journeys', 'move', journeyId, '--all', '--version', '2')).toBe(0);
    expect(moving.requests).toEqual(Array.from({ length: 3 }, () => ({ method: 'POST', url: `http://localhost:3000/v1/admin/journeys/${journeyId}/moves/all`, body: { version: 2 } })));
    expect(moving.out).toEqual(['checking: 200 lead(s) read, 250 enrolled', 'moving: 200 lead(s) read, 200 moved', '248 of 250 enrolled lead(s) moved to version 2 (0 already there, 2 ended, 0 moved on by their runner meanwhile and left)']);
  });

  it('lists every journey with its status and the version new leads enter', async () => {
    const listed = cli({ items: [
      { id: journeyId, name: 'Welcome', status: 'published', publishedVersion: 2, draft: welcome, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-26T10:00:00.000Z' },
      { id: '6b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c', name: 'Win-back', status: 'draft', draft: welcome, createdAt: '2026-11-27T10:00:00.000Z', updatedAt: '2026-11-27T10:00:00.000Z' },
    ] });
    expect(await listed.run('journeys', 'list')).toBe(0);
    expect(listed.requests[0]).toMatchObject({ method: 'GET', url: 'http://localhost:3000/v1/admin/journeys' });
    expect(listed.out).toEqual([
      `${journeyId}  Welcome                        published  v2    2026-11-26T10:00:00.000Z`,
      '6b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c  Win-back                       draft      -     2026-11-27T10:00:00.000Z',
    ]);
  });

  it('shows the draft as stored, as a journey file: fields in a file\'s order, none added', async () => {
    // The table hands a map back in no particular order.
    const scrambled = { steps: [{ template: welcome.steps[0]?.template, subscription: 'newsletter', type: 'send_email', id: 'hello' }], entry: { kind: 'manual' }, name: 'Welcome' };
    const shown = cli({ id: journeyId, name: 'Welcome', status: 'draft', draft: scrambled, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z' });
    expect(await shown.run('journeys', 'show', journeyId)).toBe(0);
    expect(shown.requests[0]).toMatchObject({ method: 'GET', url: `http://localhost:3000/v1/admin/journeys/${journeyId}` });
    const file = shown.out.join('\n');
    expect(file.split('\n').slice(0, 5)).toEqual(['name: Welcome', 'entry:', '  kind: manual', 'steps:', '  - id: hello']);
    expect(parse(file)).toEqual(welcome);
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
