import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPattern, operatorsIn, PatternError, validatePattern } from '../../src/domain/pattern';

// Examples follow the EventBridge content-filtering documentation.
const event = {
  source: 'aws.ec2',
  'detail-type': 'EC2 Instance State-change Notification',
  detail: {
    state: 'running',
    'instance-id': 'i-0123456789',
    c_count: 5,
    d_count: 7,
    x_limit: 301.8,
    'source-ip': '10.0.0.123',
    tags: ['prod', 'web'],
    location: null,
  },
};

describe('matchesPattern', () => {
  it.each([
    ['exact string', { source: ['aws.ec2'] }, true],
    ['exact string, other value', { source: ['aws.s3'] }, false],
    ['OR inside a list', { detail: { state: ['pending', 'running'] } }, true],
    ['AND across fields', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, false],
    ['a number is not its string', { detail: { c_count: ['5'] } }, false],
    ['number', { detail: { c_count: [5] } }, true],
    ['null', { detail: { location: [null] } }, true],
    ['array input: any element', { detail: { tags: ['web'] } }, true],
    ['prefix', { detail: { 'instance-id': [{ prefix: 'i-01' }] } }, true],
    ['prefix ignoring case', { 'detail-type': [{ prefix: { 'equals-ignore-case': 'ec2 INSTANCE' } }] }, true],
    ['suffix', { 'detail-type': [{ suffix: 'Notification' }] }, true],
    ['suffix ignoring case', { 'detail-type': [{ suffix: { 'equals-ignore-case': 'NOTIFICATION' } }] }, true],
    ['equals-ignore-case', { detail: { state: [{ 'equals-ignore-case': 'RUNNING' }] } }, true],
    ['numeric range', { detail: { c_count: [{ numeric: ['>', 0, '<=', 5] }], x_limit: [{ numeric: ['>=', 300] }] } }, true],
    ['numeric range, outside', { detail: { d_count: [{ numeric: ['<', 7] }] } }, false],
    ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['anything-but value', { detail: { state: [{ 'anything-but': 'stopped' }] } }, true],
    ['anything-but list', { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, false],
    ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, false],
    ['anything-but suffix', { detail: { state: [{ 'anything-but': { suffix: 'ped' } }] } }, true],
    ['anything-but ignoring case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING'] } }] } }, false],
    ['anything-but on a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['exists true', { detail: { state: [{ exists: true }] } }, true],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
    ['wildcard', { 'detail-type': [{ wildcard: 'EC2*State-change*' }] }, true],
    ['wildcard, no match', { 'detail-type': [{ wildcard: '*Scaling*' }] }, false],
    ['escaped star is literal', { source: [{ wildcard: 'aws.\\*' }] }, false],
    ['cidr v4', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['cidr v4, outside', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
    ['$or', { $or: [{ source: ['aws.s3'] }, { detail: { c_count: [{ numeric: ['>', 1] }] } }] }, true],
    ['$or, no option', { $or: [{ source: ['aws.s3'] }, { detail: { state: ['stopped'] } }] }, false],
  ])('%s', (_, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('matches IPv6 blocks', () => {
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:0:0:1::1' })).toBe(true);
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' })).toBe(false);
  });

  it('always matches an input against a pattern made of its own values', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((key) => key !== '$or'), scalar, { minKeys: 1 }), (input) => {
        const pattern = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, [value]]));
        expect(matchesPattern(pattern, input)).toBe(true);
      }),
    );
  });

  it('never matches anything-but a value against that value', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer()), (value) => {
      expect(matchesPattern({ field: [{ 'anything-but': [value] }] }, { field: value })).toBe(false);
    }));
  });
});

describe('arrays of objects, as EventBridge matches them', () => {
  const order = { items: [{ sku: 'A1', qty: 1 }, { sku: 'B2', qty: 3, gift: true }], shipments: [[{ carrier: 'jne' }], [{ carrier: 'dhl', tracked: true }]] };

  it('matches a nested pattern when one element of the array matches it', () => {
    expect(matchesPattern({ items: { sku: ['B2'] } }, order)).toBe(true);
    expect(matchesPattern({ items: { sku: ['C3'] } }, order)).toBe(false);
  });

  it('takes every field of a nested pattern from the same element', () => {
    expect(matchesPattern({ items: { sku: ['B2'], qty: [3] } }, order)).toBe(true);
    expect(matchesPattern({ items: { sku: ['A1'], qty: [3] } }, order)).toBe(false);
    expect(matchesPattern({ items: { sku: ['A1'], gift: [{ exists: false }] } }, order)).toBe(true);
  });

  it('looks through arrays of arrays', () => {
    expect(matchesPattern({ shipments: { carrier: ['dhl'], tracked: [true] } }, order)).toBe(true);
    expect(matchesPattern({ shipments: { carrier: ['jne'], tracked: [true] } }, order)).toBe(false);
  });
});

describe('anything-but sets and numeric ranges', () => {
  it('excludes values starting or ending with any of a set of prefixes or suffixes', () => {
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: ['tmp-', 'test-'] } }] }, { a: 'prod-1' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: ['tmp-', 'test-'] } }] }, { a: 'test-1' })).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': { suffix: ['.tmp', '.bak'] } }] }, { a: 'x.bak' })).toBe(false);
  });

  it.each([
    [{ a: [{ 'anything-but': ['x', 1] }] }, 'not both'],
    [{ a: [{ 'anything-but': { prefix: '' } }] }, 'may not be empty'],
    [{ a: [{ numeric: ['<', 1, '>', 0] }] }, 'lower bound'],
    [{ a: [{ numeric: ['>', 30, '<', 1] }] }, 'contains no number'],
  ])('refuses %j', (pattern, message) => {
    expect(() => validatePattern(pattern)).toThrow(message);
  });
});

describe('validatePattern', () => {
  it.each([
    [{ detail: { url: [{ regex: '.*' }] } }, 'detail.url[0]', 'unsupported operator "regex"'],
    [{ detail: { state: [] } }, 'detail.state', 'may not be empty'],
    [{ detail: { state: 'running' } }, 'detail.state', 'must be an array'],
    [{ count: [{ numeric: ['>', 'five'] }] }, 'count[0]', 'numeric bounds must be numbers'],
    [{ name: [{ wildcard: 'a**b' }] }, 'name[0]', 'consecutive'],
    [{ $or: [{ a: ['x'] }] }, '$or', 'at least two'],
  ])('refuses %j naming %s', (pattern, path, message) => {
    let caught: unknown;
    try {
      validatePattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PatternError);
    expect((caught as PatternError).path).toBe(path);
    expect((caught as PatternError).message).toContain(message);
  });
});

describe('operatorsIn', () => {
  it('lists the operators a pattern uses', () => {
    expect(operatorsIn({ a: [{ prefix: 'x' }], b: { c: [{ numeric: ['>', 1] }] }, $or: [{ d: ['e'] }, { f: [{ exists: true }] }] })).toEqual(['$or', 'exists', 'numeric', 'prefix']);
  });
});
