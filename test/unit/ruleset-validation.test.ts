import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scoringView, type Lead } from '../../src/domain/lead';
import { diffRulesets, formatDiff, isEmptyDiff } from '../../src/domain/scoring/diff';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { LEAD_CONDITION_FIELDS, validateRuleset } from '../../src/domain/scoring/validate';

const withRules = (...rules: unknown[]) => ({ ...starterRuleset, version: 'draft-1', rules });
const rule = (overrides: Record<string, unknown>) => ({ id: 'r', description: 'A rule', score: 'engagement', points: 5, when: { event: { type: ['page_view'] } }, ...overrides });
const issuesOf = (input: unknown) => {
  const result = validateRuleset(input);
  return result.valid ? [] : result.issues;
};

describe('validateRuleset', () => {
  it('accepts the starter ruleset', () => {
    expect(validateRuleset(starterRuleset)).toMatchObject({ valid: true, issues: [] });
  });

  it('ships rulesets/starter.yaml as the starter ruleset, ready to copy', () => {
    const file = parse(readFileSync(new URL('../../rulesets/starter.yaml', import.meta.url), 'utf8')) as Ruleset;
    expect({ ...file, version: starterRuleset.version }).toEqual(starterRuleset);
  });

  it('reports every error at once, each at its rule id and field', () => {
    const issues = issuesOf(
      withRules(
        rule({ id: 'no-points', points: 0 }),
        rule({ id: 'bad-score', score: 'vibes' }),
        rule({ id: 'typo', score: 'fit', when: { lead: { rol: ['CEO'] } } }),
      ),
    );
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['rules[no-points].points', 'rules[bad-score].score', 'rules[typo].when.lead.rol']));
    expect(issues.find((issue) => issue.path === 'rules[typo].when.lead.rol')?.message).toMatch(/unknown field `rol`.*role/);
  });

  it('names a rule without an id by its position', () => {
    expect(issuesOf(withRules({ description: 'x', score: 'fit', points: 1, when: { lead: { role: ['CEO'] } } }))).toContainEqual(
      expect.objectContaining({ path: 'rules[0].id' }),
    );
  });

  it.each([
    ['an empty value list', { event: { type: [] } }, 'rules[r].when.event.type', /empty/],
    ['an empty numeric range', { lead: { teamSize: [{ numeric: ['>', 100, '<', 10] }] } }, 'rules[r].when.lead.teamSize[0]', /contains no number/],
    ['a point range excluded by its own bound', { lead: { budget: [{ numeric: ['>', 5, '<=', 5] }] } }, 'rules[r].when.lead.budget[0]', /contains no number/],
    ['a text operator on a number', { event: { type: ['page_view'] }, lead: { teamSize: [{ prefix: '1' }] } }, 'rules[r].when.lead.teamSize', /prefix compares text/],
    ['a number compared with text', { event: { type: ['page_view'] }, lead: { teamSize: ['large'] } }, 'rules[r].when.lead.teamSize', /is text/],
    ['numeric on a text field', { event: { type: ['page_view'] }, lead: { country: [{ numeric: ['>', 1] }] } }, 'rules[r].when.lead.country', /numeric compares numbers/],
    ['an unknown root', { evnt: { type: ['page_view'] } }, 'rules[r].when.evnt', /nothing a rule can look at/],
    ['an unknown activity figure', { activity: { lastSeen: [{ numeric: ['>', 1] }] } }, 'rules[r].when.activity.lastSeen', /unknown field/],
    ['an operator the matcher does not know', { event: { type: [{ regex: 'x' }] } }, 'rules[r].when.event.type[0]', /unsupported operator "regex"/],
  ])('refuses a condition that can never match: %s', (_name, when, path, message) => {
    const issues = issuesOf(withRules(rule({ when })));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('keeps a list whose other values can still match', () => {
    expect(issuesOf(withRules(rule({ when: { event: { type: ['page_view'] }, lead: { teamSize: ['large', { numeric: ['>', 10] }] } } })))).toEqual([]);
  });

  it('refuses a fit rule that looks at an event, and caps on rules that do not count events', () => {
    const issues = issuesOf(withRules(rule({ id: 'fit-event', score: 'fit', when: { event: { type: ['x'] } } }), rule({ id: 'capped', when: { activity: { eventCount: [{ numeric: ['>', 1] }] } }, cap: { max: 1 } })));
    expect(issues).toContainEqual({ path: 'rules[fit-event].when.event', message: expect.stringMatching(/fit rule sees only `lead`/) });
    expect(issues).toContainEqual({ path: 'rules[capped].cap', message: expect.stringMatching(/only engagement rules that look at `event`/) });
  });

  it('refuses duplicate ids, grades out of order and a recycle score above the MQL score', () => {
    const issues = issuesOf({ ...withRules(rule({}), rule({})), grades: { A: 10, B: 20, C: 5, D: 0 }, mql: { minScore: 50, minGrade: 'B', recycleBelowScore: 60 } });
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['rules[r].id', 'grades.B', 'mql.recycleBelowScore']));
  });

  it('knows every field the scoring view gives rules', () => {
    const lead = { id: 'l', email: 'a@b.co', subscriptions: {} } as unknown as Lead;
    expect(Object.keys(scoringView(lead)).sort()).toEqual([...LEAD_CONDITION_FIELDS].sort());
  });
});

describe('diffRulesets', () => {
  it('lists settings, added, removed and changed rules', () => {
    const [first, second, ...rest] = starterRuleset.rules;
    if (!first || !second) throw new Error('starter ruleset too short');
    const draft: Ruleset = {
      ...starterRuleset,
      version: 'draft-2',
      halfLifeDays: 14,
      rules: [{ ...first, points: 25 }, ...rest, { id: 'new-rule', description: 'New', score: 'engagement', points: 3, when: { event: { type: ['email_click'] } } }],
    };
    const diff = diffRulesets(starterRuleset, draft);
    expect(diff.settings).toEqual([{ path: 'halfLifeDays', before: 30, after: 14 }]);
    expect(diff.added.map((added) => added.id)).toEqual(['new-rule']);
    expect(diff.removed.map((removed) => removed.id)).toEqual([second.id]);
    expect(diff.changed).toEqual([{ id: first.id, changes: [{ path: 'points', before: 20, after: 25 }] }]);
    expect(formatDiff(diff)).toContain(`~ ${first.id}\n    points: 20 -> 25`);
    expect(isEmptyDiff(diffRulesets(starterRuleset, starterRuleset))).toBe(true);
  });
});
