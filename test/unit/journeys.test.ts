import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { JourneyDefinition, type JourneyDefinitionInput } from '../../src/domain/journeys/definition';
import { advance, enter, mayEnter, type EnrolmentState, type InterpreterContext } from '../../src/domain/journeys/interpreter';
import { dateEntryAt, nextLocalTime } from '../../src/domain/journeys/local-time';
import { issuePath, validateJourney } from '../../src/domain/journeys/validate';

const email = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'send_email', subscription: 'newsletter', template: { subject: id, html: `<p>${id}</p>` }, ...extra });
const journey = (steps: unknown[], extra: Partial<JourneyDefinitionInput> = {}): unknown => ({ name: 'test', entry: { kind: 'manual' }, steps, ...extra });
const problems = (input: unknown, known = {}) => {
  const result = validateJourney(input, known);
  return result.valid ? [] : result.issues.map((issue) => `${issuePath(issue)}: ${issue.message}`);
};
const parsed = (input: unknown) => JourneyDefinition.parse(input);

describe('journey validation', () => {
  it('accepts every starter journey in journeys/', () => {
    const folder = join(import.meta.dirname, '../../journeys');
    const files = readdirSync(folder).filter((file) => file.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) expect([file, problems(parseYaml(readFileSync(join(folder, file), 'utf8')))]).toEqual([file, []]);
  });

  it('names steps no path reaches', () => {
    expect(problems(journey([email('a'), { id: 'stop', type: 'exit' }, email('orphan')]))).toEqual(['steps.2: step orphan can never be reached from the first step']);
  });

  it('names references to steps that do not exist', () => {
    expect(problems(journey([email('a', { next: 'nowhere' })]))).toEqual(['steps.0.next: names no step: nowhere']);
  });

  it('refuses a loop without a wait, and accepts one with a wait', () => {
    expect(problems(journey([email('a'), email('b', { next: 'a' })]))).toEqual(['steps.1.next: loops back to a without a wait: a -> b -> a']);
    expect(problems(journey([email('a'), { id: 'pause', type: 'wait', duration: { days: 1 }, next: 'a' }]))).toEqual([]);
  });

  it('names a branch arm an enclosing branch already ruled out', () => {
    const where = { lead: { country: ['ID'] } };
    const steps = [
      { id: 'outer', type: 'branch', where, onTrue: 'inner', onFalse: 'b' },
      { id: 'inner', type: 'branch', where, onTrue: 'a', onFalse: 'b' },
      email('a', { next: 'end' }),
      email('b', { next: 'end' }),
      { id: 'end', type: 'exit' },
    ];
    expect(problems(journey(steps))).toEqual(['steps.1.onFalse: this arm is never taken: the condition always holds here (decided by an earlier branch or empty)']);
  });

  it('names conditions no lead can meet, unknown templates and split percentages, with their paths', () => {
    const steps = [
      { id: 'pick', type: 'branch', where: { lead: { industy: ['saas'] } }, onTrue: 'a', onFalse: 'b' },
      { id: 'a', type: 'send_email', subscription: 'newsletter', template: { templateId: '6b1f6a2e-8c1d-4d1e-9f55-1b2c3d4e5f60' }, next: 'end' },
      { id: 'b', type: 'split', arms: [{ name: 'x', percent: 50, next: 'end' }, { name: 'y', percent: 40, next: 'end' }] },
      { id: 'end', type: 'exit' },
    ];
    const found = problems(journey(steps), { templateIds: new Set() });
    expect(found).toContainEqual(expect.stringMatching(/^steps\.0\.where\.lead\.industy: /));
    expect(found).toContain('steps.1.template.templateId: no stored template 6b1f6a2e-8c1d-4d1e-9f55-1b2c3d4e5f60');
    expect(found).toContain('steps.2.arms: percentages add up to 90, not 100');
  });

  it('refuses malformed subscription type ids and unknown step types at their path (the catalogue is checked on save)', () => {
    expect(problems(journey([email('a', { subscription: 'Spam!' })]))[0]).toMatch(/^steps\.0\.subscription: /);
    expect(problems(journey([{ id: 'a', type: 'teleport' }]))[0]).toMatch(/^steps\.0\.type: /);
  });
});

const context = (now: string, view: Record<string, unknown> = { lead: { stage: 'lead' } }): InterpreterContext => ({ now: new Date(now), view, timeZone: 'UTC' });

/** Runs an enrolment from `state` until it waits (each email ending at once) or ends, collecting the ids of the steps with effects. */
function runUntilStill(definition: JourneyDefinition, state: EnrolmentState, first: Parameters<typeof advance>[2], ctx: InterpreterContext) {
  const done: string[] = [];
  let input = first;
  let current = state;
  for (;;) {
    const step = advance(definition, current, input, ctx);
    if (step.effect) done.push(step.effect.step.id);
    current = step.enrolment;
    if (!step.changed) return { state: current, done };
    if (current.awaiting === 'email') input = { kind: 'email-ended', seq: current.seq - 1 };
    else if (current.status === 'active') input = { kind: 'continue' };
    else return { state: current, done };
  }
}

describe('journey interpreter', () => {
  const welcome = parsed(journey([email('one'), { id: 'pause', type: 'wait', duration: { seconds: 30 } }, email('two')], { goal: { where: { lead: { stage: ['customer'] } } } }));
  const start = enter(welcome, 'j1', 1, 'lead-1', 1, new Date('2026-01-05T08:00:00Z')).enrolment;

  it('runs each effect step once in order, waits, and completes', () => {
    const first = runUntilStill(welcome, start, { kind: 'continue' }, context('2026-01-05T08:00:00Z'));
    expect(first.done).toEqual(['one']);
    expect(first.state).toMatchObject({ status: 'waiting', stepId: 'pause', seq: 2, wakeAt: '2026-01-05T08:00:30.000Z' });
    const second = runUntilStill(welcome, first.state, { kind: 'timer', seq: 2 }, context('2026-01-05T08:00:31Z'));
    expect(second.done).toEqual(['two']);
    expect(second.state.status).toBe('completed');
  });

  it('waits at an email step until the email has ended, then goes on once; its timer alone moves nothing', () => {
    const reached = advance(welcome, start, { kind: 'continue' }, context('2026-01-05T08:00:00Z'));
    expect(reached.effect).toMatchObject({ seq: 0, step: { id: 'one' } });
    expect(reached.enrolment).toMatchObject({ status: 'waiting', stepId: 'one', seq: 1, awaiting: 'email', wakeAt: '2026-01-05T08:05:00.000Z' });
    expect(reached.counts).toContainEqual({ metric: 'waiting', delta: 1 });
    const waiting = reached.enrolment;
    expect(advance(welcome, waiting, { kind: 'continue' }, context('2026-01-05T08:00:01Z')).changed).toBe(false);
    expect(advance(welcome, waiting, { kind: 'timer', seq: 1 }, context('2026-01-05T08:06:00Z')).changed).toBe(false);
    expect(advance(welcome, waiting, { kind: 'email-ended', seq: 1 }, context('2026-01-05T08:00:01Z')).changed).toBe(false);
    const ended = advance(welcome, waiting, { kind: 'email-ended', seq: 0 }, context('2026-01-05T08:00:01Z'));
    expect(ended.enrolment).toMatchObject({ status: 'waiting', stepId: 'pause', seq: 2 });
    expect(ended.enrolment.awaiting).toBeUndefined();
    expect(ended.counts.filter((count) => count.metric === 'waiting')).toEqual([{ metric: 'waiting', delta: -1 }, { metric: 'waiting', delta: 1 }]);
    expect(advance(welcome, ended.enrolment, { kind: 'email-ended', seq: 0 }, context('2026-01-05T08:00:02Z')).changed).toBe(false);
  });

  it("puts an active enrolment's runner check five minutes after it was entered or moved past a step with an effect of its own", () => {
    expect(start).toMatchObject({ status: 'active', stepId: 'one', seq: 0, wakeAt: '2026-01-05T08:05:00.000Z' });
    const tagged = parsed(journey([{ id: 'tag', type: 'update_lead', attributes: { tier: 'gold' } }, email('one')]));
    const moved = advance(tagged, enter(tagged, 'j1', 1, 'lead-1', 1, new Date('2026-01-05T08:00:00Z')).enrolment, { kind: 'continue' }, context('2026-01-05T09:00:00Z'));
    expect(moved.effect).toMatchObject({ seq: 0, step: { id: 'tag' } });
    expect(moved.enrolment).toMatchObject({ status: 'active', stepId: 'one', seq: 1, wakeAt: '2026-01-05T09:05:00.000Z' });
  });

  it('ignores a stale or repeated timer', () => {
    const waiting = runUntilStill(welcome, start, { kind: 'continue' }, context('2026-01-05T08:00:00Z')).state;
    expect(advance(welcome, waiting, { kind: 'timer', seq: 1 }, context('2026-01-05T08:01:00Z')).changed).toBe(false);
  });

  it('ends at the goal before the next email, counting a conversion', () => {
    const waiting = runUntilStill(welcome, start, { kind: 'continue' }, context('2026-01-05T08:00:00Z')).state;
    const reached = advance(welcome, waiting, { kind: 'timer', seq: 2 }, context('2026-01-05T08:01:00Z', { lead: { stage: 'customer' } }));
    expect(reached.effect).toBeUndefined();
    expect(reached.enrolment).toMatchObject({ status: 'exited', exitReason: 'goal' });
    expect(reached.counts).toContainEqual({ metric: 'goal' });
  });

  it('takes the event arm or the timeout arm of a wait for an event', () => {
    const definition = parsed(journey([
      { id: 'listen', type: 'wait_for_event', event: { event: { type: ['page_view'] } }, timeout: { hours: 1 }, onEvent: 'clicked', onTimeout: 'quiet' },
      email('clicked', { next: 'end' }),
      email('quiet', { next: 'end' }),
      { id: 'end', type: 'exit', reason: 'done' },
    ]));
    const waiting = runUntilStill(definition, enter(definition, 'j', 1, 'l', 1, new Date()).enrolment, { kind: 'continue' }, context('2026-01-05T08:00:00Z')).state;
    expect(advance(definition, waiting, { kind: 'event', event: { type: 'form_submission', properties: {} } }, context('2026-01-05T08:10:00Z')).changed).toBe(false);
    expect(runUntilStill(definition, waiting, { kind: 'event', event: { type: 'page_view', properties: {} } }, context('2026-01-05T08:10:00Z')).done).toEqual(['clicked']);
    expect(runUntilStill(definition, waiting, { kind: 'timer', seq: waiting.seq }, context('2026-01-05T09:00:01Z')).done).toEqual(['quiet']);
  });

  it('takes the same split arm every time the same step is run again', () => {
    const definition = parsed(journey([
      { id: 'ab', type: 'split', arms: [{ name: 'a', percent: 50, next: 'a' }, { name: 'b', percent: 50, next: 'b' }] },
      email('a', { next: 'end' }),
      email('b', { next: 'end' }),
      { id: 'end', type: 'exit' },
    ]));
    const arms = new Map<string, number>();
    for (let lead = 0; lead < 400; lead += 1) {
      const state = enter(definition, 'j', 1, `lead-${lead}`, 1, new Date()).enrolment;
      const once = advance(definition, state, { kind: 'continue' }, context('2026-01-05T08:00:00Z'));
      const again = advance(definition, state, { kind: 'continue' }, context('2026-01-05T09:00:00Z'));
      expect(again.effect?.step.id).toBe(once.effect?.step.id);
      arms.set(once.effect?.step.id ?? '', (arms.get(once.effect?.step.id ?? '') ?? 0) + 1);
    }
    expect(arms.get('a')).toBeGreaterThan(150);
    expect(arms.get('b')).toBeGreaterThan(150);
  });

  it('lets a lead enter again only as the re-entry rule says', () => {
    const ended: EnrolmentState = { ...start, status: 'completed', endedAt: '2026-01-01T00:00:00Z' };
    expect(mayEnter({ reentry: { kind: 'once' } }, ended, new Date('2027-01-01T00:00:00Z'))).toBe(false);
    expect(mayEnter({ reentry: { kind: 'after', days: 10 } }, ended, new Date('2026-01-05T00:00:00Z'))).toBe(false);
    expect(mayEnter({ reentry: { kind: 'after', days: 10 } }, ended, new Date('2026-01-11T00:00:00Z'))).toBe(true);
    expect(mayEnter({ reentry: { kind: 'after', days: 10 } }, start, new Date('2027-01-11T00:00:00Z'))).toBe(false);
  });
});

describe('journey local times', () => {
  it('waits until the next weekday morning in the lead\'s zone', () => {
    // Friday 2026-01-09 10:00 in Jakarta (UTC+7) -> Monday 09:00 Jakarta = 02:00 UTC.
    expect(nextLocalTime(new Date('2026-01-09T03:00:00Z'), 'Asia/Jakarta', '09:00', ['mon', 'tue', 'wed', 'thu', 'fri']).toISOString()).toBe('2026-01-12T02:00:00.000Z');
    expect(nextLocalTime(new Date('2026-01-09T01:00:00Z'), 'Asia/Jakarta', '09:00').toISOString()).toBe('2026-01-09T02:00:00.000Z');
  });

  it('reads a date attribute with an offset in the lead\'s zone', () => {
    expect(dateEntryAt('2026-03-31', -30, '09:00', 'America/New_York')?.toISOString()).toBe('2026-03-01T14:00:00.000Z');
    expect(dateEntryAt('not a date', 0, '09:00', 'UTC')).toBeUndefined();
  });
});
