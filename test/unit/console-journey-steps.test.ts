import { describe, expect, it } from 'vitest';
import { successors } from '../../src/domain/journeys/validate';
import type { JourneyDefinition } from '../../src/domain/journeys/definition';
import { addStep, deleteStep, replaceStep, type Definition } from '../../web/console/src/journey-steps';

const email = (id: string, next?: string) => ({ id, type: 'send_email' as const, subscription: 'newsletter' as const, template: { subject: id, html: '<p></p>' }, ...(next ? { next } : {}) });
const journey = (...steps: Definition['steps']): Definition => ({ name: 'Steps', entry: { kind: 'manual' }, steps });

/** Each step with where it goes on to, as the engine reads the definition. */
const flow = (definition: Definition) => definition.steps.map((step, index) => `${step.id}->${successors(definition as JourneyDefinition, index).map((way) => way.stepId).join('|')}`);

describe("the visual journey editor's step changes", () => {
  it('adds a step after one, in its way on, whether that way was the next in the list or named', () => {
    expect(flow(addStep(journey(email('a'), { id: 'end', type: 'exit' }), { after: 0 }, 'wait').definition)).toEqual(['a->wait-1', 'wait-1->end', 'end->']);
    const named = addStep(journey(email('a', 'c'), email('b'), email('c')), { after: 0 }, 'wait');
    expect(named.index).toBe(1);
    expect(flow(named.definition)).toEqual(['a->wait-1', 'wait-1->c', 'b->c', 'c->']);
  });

  it('adds a step on one arm of a branch, going on where the arm went', () => {
    const branched = journey({ id: 'x', type: 'branch', where: { lead: { country: ['ID'] } }, onTrue: 'a', onFalse: 'b' }, email('a'), email('b'));
    const added = addStep(branched, { index: 0, field: ['onTrue'] }, 'send_email');
    expect(flow(added.definition)).toEqual(['x->send-email-1|b', 'send-email-1->a', 'a->b', 'b->']);
    expect(added.definition.steps[added.index]?.id).toBe('send-email-1');
  });

  it('deletes a step by re-pointing the steps that led to it where it went', () => {
    const deleted = deleteStep(journey(email('a'), { id: 'w', type: 'wait', duration: { days: 1 } }, email('b')), 1);
    expect('definition' in deleted && flow(deleted.definition)).toEqual(['a->b', 'b->']);
    const named = deleteStep(journey({ id: 'x', type: 'branch', where: {}, onTrue: 'w', onFalse: 'c' }, email('b'), { id: 'w', type: 'wait', duration: { days: 1 }, next: 'c' }, email('c')), 2);
    expect('definition' in named && flow(named.definition)).toEqual(['x->c|c', 'b->c', 'c->']);
  });

  it('refuses to delete, with the reason, what leaves the steps leading to it nowhere to go', () => {
    const branching = journey(email('a', 'x'), { id: 'x', type: 'branch', where: {}, onTrue: 'b', onFalse: 'c' }, email('b'), email('c'));
    expect(deleteStep(branching, 1)).toEqual({ refused: { reason: 'branches', from: ['a'] } });
    expect(deleteStep(journey(email('a'), { id: 'end', type: 'exit' }), 1)).toEqual({ refused: { reason: 'dead-end', from: ['a'] } });
    expect(deleteStep(journey(email('a')), 0)).toEqual({ refused: { reason: 'only' } });
    expect(deleteStep(journey(email('a', 'c'), email('b'), email('c')), 0)).toEqual({ refused: { reason: 'first', to: 'c' } });
  });

  it('renames a step in every way on that named it', () => {
    const renamed = replaceStep(journey(email('a', 'b'), email('b')), 1, email('welcome'));
    expect(flow(renamed)).toEqual(['a->welcome', 'welcome->']);
  });
});
