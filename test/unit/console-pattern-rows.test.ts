import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../src/domain/pattern';
import { attributeRowsOf, attributesOf, eventPatternOf, eventPatternParts, type Row, patternOf, rowsOf } from '../../web/console/src/pattern-rows';

const row = (key: string, operator: Row['operator'], value = '', upTo = ''): Row => ({ key, operator, value, upTo });

/** Numbers as a marketer types them and reads them back: finite, and no negative zero (typed, it is 0). */
const number = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Object.is(value, -0));
const text = fc.string({ maxLength: 8 });
const matcher = fc.oneof(
  text,
  number,
  text.map((prefix) => ({ prefix })),
  text.map((value) => ({ 'anything-but': value })),
  fc.boolean().map((exists) => ({ exists })),
  fc.tuple(fc.constantFrom('>', '>=', '<', '<='), number).map((comparison) => ({ numeric: comparison })),
  fc.tuple(number, number).map(([low, high]) => ({ numeric: ['>=', Math.min(low, high), '<=', Math.max(low, high)] })),
);
const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);
/** Patterns the rows can say: fields (nested two deep at most) each with a non-empty list of matchers. */
const { pattern } = fc.letrec<{ pattern: Record<string, unknown>; field: unknown }>((tie) => ({
  pattern: fc.dictionary(key, tie('field'), { minKeys: 1, maxKeys: 3 }),
  field: fc.oneof({ depthSize: 'small', maxDepth: 2 }, fc.array(matcher, { minLength: 1, maxLength: 3 }), tie('pattern')),
}));

describe("the journey editor's property rows", () => {
  it('read a pattern into rows and write the same pattern back, for every pattern the rows can say', () => {
    fc.assert(
      fc.property(pattern, (generated) => {
        const rows = rowsOf(generated);
        expect(rows).toBeDefined();
        const written = patternOf(rows ?? []);
        expect(written.problems.size).toBe(0);
        expect(written.pattern).toEqual(generated);
      }),
    );
  });

  it('say rows of one property OR together and different properties AND together, as the matcher reads them', () => {
    const { pattern: written } = patternOf([row('plan', 'is', 'pro'), row('seats', 'between', '5', '50'), row('plan', 'starts-with', 'ent'), row('utm.source', 'exists')]);
    expect(written).toEqual({ plan: ['pro', { prefix: 'ent' }], seats: [{ numeric: ['>=', 5, '<=', 50] }], utm: { source: [{ exists: true }] } });
    expect(rowsOf(written)).toEqual([row('plan', 'is', 'pro'), row('plan', 'starts-with', 'ent'), row('seats', 'between', '5', '50'), row('utm.source', 'exists')]);
    const match = (properties: unknown) => matchesPattern(written, properties);
    expect(match({ plan: 'enterprise', seats: 50, utm: { source: 'ads' } })).toBe(true);
    expect(match({ plan: 'pro', seats: 4, utm: { source: 'ads' } })).toBe(false);
    expect(match({ plan: 'free', seats: 10, utm: { source: 'ads' } })).toBe(false);
    expect(match({ plan: 'pro', seats: 10 })).toBe(false);
  });

  it('leave out, by index and why, rows without a name, with a number that is none, or clashing with a nested property; nothing else changes', () => {
    const { pattern: written, problems } = patternOf([row('', 'is', 'x'), row('seats', '>', 'ten'), row('plan', 'is', 'pro'), row('plan.tier', 'is', 'gold'), row('a..b', 'exists'), row('size', 'between', '1', '')]);
    expect(written).toEqual({ plan: ['pro'] });
    expect([...problems]).toEqual([
      [0, 'name'],
      [1, 'number'],
      [3, 'clash'],
      [4, 'name'],
      [5, 'number'],
    ]);
  });

  it('write a value that reads as the name of a problem ("name", "number", "clash") as the text it is', () => {
    const { pattern: written, problems } = patternOf([row('a', 'is', 'name'), row('a', 'is', 'number'), row('b', 'is-not', 'clash')]);
    expect(written).toEqual({ a: ['name', 'number'], b: [{ 'anything-but': 'clash' }] });
    expect(problems.size).toBe(0);
  });

  it('keep a key named __proto__ an own key, never the prototype', () => {
    const { pattern: written } = patternOf([row('__proto__', 'is', 'x')]);
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    expect(JSON.stringify(written)).toBe('{"__proto__":["x"]}');
  });

  it('say a pattern the rows cannot show is for JSON: other matchers, dotted keys, empty lists, booleans', () => {
    for (const unsaid of [{ a: [{ suffix: 'x' }] }, { a: [{ numeric: ['>', 1, '<', 5] }] }, { 'a.b': ['x'] }, { a: [] }, { a: {} }, { a: [true] }, { a: 'x' }, { a: [{ prefix: { 'equals-ignore-case': 'x' } }] }]) {
      expect(rowsOf(unsaid), JSON.stringify(unsaid)).toBeUndefined();
    }
  });

  it('read an event pattern as its types and property rows, and write it back; more than those is for JSON', () => {
    const entry = { event: { type: ['form_submission'], properties: { formId: ['webinar'] } } };
    const parts = eventPatternParts(entry);
    expect(parts).toEqual({ types: ['form_submission'], rows: [row('formId', 'is', 'webinar')] });
    expect(eventPatternOf(parts?.types ?? [], parts?.rows ?? []).pattern).toEqual(entry);
    expect(eventPatternOf([], []).pattern).toEqual({ event: {} });
    expect(eventPatternParts({ event: { type: ['x'] }, lead: { plan: ['pro'] } })).toBeUndefined();
    expect(eventPatternParts({ event: { type: [{ prefix: 'form' }] } })).toBeUndefined();
  });

  it("read an update_lead step's attributes as typed rows and write them back; a name twice or a bad number is left out", () => {
    const attributes = { plan: 'pro', seats: 12, trial: false, vip: true };
    const rows = attributeRowsOf(attributes);
    expect(attributesOf(rows ?? []).attributes).toEqual(attributes);
    expect(attributeRowsOf({ nested: { a: 1 } })).toBeUndefined();
    const { attributes: written, problems } = attributesOf([
      { key: 'plan', kind: 'text', value: 'pro' },
      { key: 'plan', kind: 'text', value: 'free' },
      { key: 'seats', kind: 'number', value: 'many' },
      { key: ' ', kind: 'true', value: '' },
    ]);
    expect(written).toEqual({ plan: 'pro' });
    expect([...problems]).toEqual([
      [1, 'clash'],
      [2, 'number'],
      [3, 'name'],
    ]);
  });
});
