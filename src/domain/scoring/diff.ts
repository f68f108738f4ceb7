import { isDeepStrictEqual } from 'node:util';
import type { Rule, Ruleset } from './ruleset';

export interface Change {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface RulesetDiff {
  readonly from: string;
  readonly to: string;
  /** Half-life, grade thresholds and MQL criteria. */
  readonly settings: readonly Change[];
  readonly added: readonly Rule[];
  readonly removed: readonly Rule[];
  readonly changed: readonly { readonly id: string; readonly changes: readonly Change[] }[];
}

const RULE_FIELDS = ['description', 'score', 'when', 'points', 'cap'] as const;

function settingsChanges(before: Ruleset, after: Ruleset): Change[] {
  const pairs: [string, unknown, unknown][] = [
    ['halfLifeDays', before.halfLifeDays, after.halfLifeDays],
    ...(['A', 'B', 'C', 'D'] as const).map((grade): [string, unknown, unknown] => [`grades.${grade}`, before.grades[grade], after.grades[grade]]),
    ...(['minScore', 'minGrade', 'recycleBelowScore'] as const).map((field): [string, unknown, unknown] => [`mql.${field}`, before.mql[field], after.mql[field]]),
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([path, a, b]) => ({ path, before: a, after: b }));
}

/** What changes between two rulesets, rule by rule (matched by id). */
export function diffRulesets(before: Ruleset, after: Ruleset): RulesetDiff {
  const beforeById = new Map(before.rules.map((rule) => [rule.id, rule]));
  const afterById = new Map(after.rules.map((rule) => [rule.id, rule]));
  const changed = after.rules.flatMap((rule) => {
    const previous = beforeById.get(rule.id);
    if (!previous) return [];
    const changes = RULE_FIELDS.filter((field) => !isDeepStrictEqual(previous[field], rule[field])).map((field) => ({
      path: field,
      before: previous[field],
      after: rule[field],
    }));
    return changes.length ? [{ id: rule.id, changes }] : [];
  });
  return {
    from: before.version,
    to: after.version,
    settings: settingsChanges(before, after),
    added: after.rules.filter((rule) => !beforeById.has(rule.id)),
    removed: before.rules.filter((rule) => !afterById.has(rule.id)),
    changed,
  };
}

export const isEmptyDiff = (diff: RulesetDiff) =>
  !diff.settings.length && !diff.added.length && !diff.removed.length && !diff.changed.length;

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
const signed = (points: number) => (points > 0 ? `+${points}` : `${points}`);

/** The diff as a reader would want it in a terminal or a pull request. */
export function formatDiff(diff: RulesetDiff): string {
  if (isEmptyDiff(diff)) return `${diff.from} -> ${diff.to}: no changes`;
  const lines = [`${diff.from} -> ${diff.to}`];
  for (const change of diff.settings) lines.push(`~ ${change.path}: ${show(change.before)} -> ${show(change.after)}`);
  for (const rule of diff.added) lines.push(`+ ${rule.id} (${rule.score}, ${signed(rule.points)}): ${rule.description}`);
  for (const rule of diff.removed) lines.push(`- ${rule.id} (${rule.score}, ${signed(rule.points)}): ${rule.description}`);
  for (const rule of diff.changed) {
    lines.push(`~ ${rule.id}`);
    for (const change of rule.changes) lines.push(`    ${change.path}: ${show(change.before)} -> ${show(change.after)}`);
  }
  return lines.join('\n');
}
