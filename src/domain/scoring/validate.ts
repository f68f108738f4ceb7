import type * as z from 'zod/mini';
import { CUSTOMER_FIELDS } from '../care/customer';
import { PatternError, validatePattern } from '../pattern';
import { conditionRoots, ruleKind, Ruleset, type RuleKind } from './ruleset';

/** One thing wrong with a ruleset, at a path a marketer can find: `rules[pricing-page].when.event.type`. */
export interface RulesetIssue {
  readonly path: string;
  readonly message: string;
}

export type RulesetValidation =
  | { readonly valid: true; readonly ruleset: Ruleset; readonly issues: readonly [] }
  | { readonly valid: false; readonly issues: readonly RulesetIssue[] };

export type FieldType = 'string' | 'number' | 'object' | 'any';
/** A field's type, or for an object whose fields are known (`lead.customer`), the type of each. */
export type FieldSpec = FieldType | Readonly<Record<string, FieldType>>;
/** What each root of a condition holds: `{ lead: { role: 'string', customer: { latestNps: 'number', ... } } }`. */
export type ConditionFields = Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;

/** What each condition root holds, so a typo or a type mismatch is refused instead of never matching. */
const FIELDS = {
  lead: {
    role: 'string',
    industry: 'string',
    teamSize: 'number',
    annualRevenue: 'number',
    budget: 'number',
    country: 'string',
    company: 'string',
    preferredChannel: 'string',
    emailDomain: 'string',
    subscriptions: 'object',
    attributes: 'object',
    customer: CUSTOMER_FIELDS,
  },
  event: { id: 'string', type: 'string', occurredAt: 'string', properties: 'object' },
  activity: { daysSinceLastEvent: 'number', eventCount: 'number', engagement: 'number' },
} as const satisfies ConditionFields;
export const RULE_CONDITION_FIELDS: ConditionFields = FIELDS;

/** The lead fields a condition may name: `{ lead: { <field>: ... } }`. */
export const LEAD_CONDITION_FIELDS = Object.keys(FIELDS.lead);

const ROOTS_BY_KIND: Record<RuleKind, readonly string[]> = {
  profile: ['lead'],
  event: ['event', 'lead'],
  activity: ['lead', 'activity'],
};

const STRING_OPERATORS = ['prefix', 'suffix', 'wildcard', 'equals-ignore-case', 'cidr'];
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a ruleset as a marketer wrote it: every problem at once, each with its path by rule id
 * and field, including conditions that parse but can never match (a typo in a field name, a numeric
 * range that is empty, a text operator on a number, a fit rule that looks at an event).
 */
export function validateRuleset(input: unknown): RulesetValidation {
  const rawRules = isRecord(input) && Array.isArray(input.rules) ? input.rules : [];
  const ruleLabel = (index: number) => {
    const rule = rawRules[index];
    return isRecord(rule) && typeof rule.id === 'string' && rule.id ? `rules[${rule.id}]` : `rules[${index}]`;
  };
  const issues: RulesetIssue[] = [];
  const parsed = Ruleset.safeParse(input);
  if (!parsed.success) issues.push(...parsed.error.issues.map((issue) => ({ path: issuePath(issue, ruleLabel), message: issue.message })));

  const seen = new Set<string>();
  rawRules.forEach((rule, index) => {
    if (!isRecord(rule)) return;
    const label = ruleLabel(index);
    if (typeof rule.id === 'string') {
      if (seen.has(rule.id)) issues.push({ path: `${label}.id`, message: `duplicate rule id ${rule.id}` });
      seen.add(rule.id);
    }
    if (!isRecord(rule.when) || (rule.score !== 'fit' && rule.score !== 'engagement')) return;
    issues.push(...conditionIssues({ score: rule.score, when: rule.when }, `${label}.when`));
    if (rule.cap !== undefined && ruleKind({ score: rule.score, when: rule.when }) !== 'event') {
      issues.push({ path: `${label}.cap`, message: 'caps limit how often an event adds points; only engagement rules that look at `event` can have one' });
    }
  });

  if (isRecord(input) && isRecord(input.grades)) {
    const grades = input.grades;
    for (const [higher, lower] of [['A', 'B'], ['B', 'C'], ['C', 'D']] as const) {
      const [above, below] = [grades[higher], grades[lower]];
      if (typeof above === 'number' && typeof below === 'number' && below > above) {
        issues.push({ path: `grades.${lower}`, message: `must not be above grade ${higher}'s minimum (${above})` });
      }
    }
  }
  if (isRecord(input) && isRecord(input.mql) && typeof input.mql.minScore === 'number' && typeof input.mql.recycleBelowScore === 'number' && input.mql.recycleBelowScore > input.mql.minScore) {
    issues.push({ path: 'mql.recycleBelowScore', message: `must not be above mql.minScore (${input.mql.minScore}), or a lead would recycle while qualifying` });
  }

  if (parsed.success && issues.length === 0) return { valid: true, ruleset: parsed.data as Ruleset, issues: [] };
  return { valid: false, issues };
}

function issuePath(issue: z.core.$ZodIssue, ruleLabel: (index: number) => string): string {
  const [head, index, ...rest] = issue.path.map(String);
  if (head === 'rules' && index !== undefined && /^\d+$/.test(index)) return [ruleLabel(Number(index)), ...rest].join('.');
  return issue.path.length ? issue.path.map(String).join('.') : '(ruleset)';
}

function conditionIssues(rule: { score: 'fit' | 'engagement'; when: Record<string, unknown> }, path: string): RulesetIssue[] {
  try {
    validatePattern(rule.when);
  } catch (error) {
    if (error instanceof PatternError) return [{ path: error.path ? `${path}.${error.path}` : path, message: error.message.replace(/^[^:]*: /, '') }];
    throw error;
  }
  const kind = ruleKind(rule);
  const allowed = ROOTS_BY_KIND[kind];
  const issues: RulesetIssue[] = [];
  for (const root of conditionRoots(rule.when)) {
    if (allowed.includes(root)) continue;
    const why =
      kind === 'profile' && root in FIELDS
        ? `a fit rule sees only \`lead\`, so a condition on \`${root}\` never matches; make it an engagement rule`
        : kind === 'event' && root === 'activity'
          ? 'an engagement rule that looks at `event` sees `event` and `lead`; `activity` belongs in a rule of its own'
          : `\`${root}\` is nothing a rule can look at; use ${allowed.map((name) => `\`${name}\``).join(' or ')}`;
    issues.push({ path: `${path}.${root}`, message: why });
  }
  issues.push(...neverMatching(rule.when, path));
  return issues;
}

/**
 * Paths whose condition no input can satisfy: unknown fields, type mismatches, empty ranges. `roots`
 * says what each top-level name holds; `fields` is what the current level holds (undefined at the top).
 */
export function neverMatching(
  pattern: Record<string, unknown>,
  path: string,
  roots: ConditionFields = FIELDS,
  fields: Readonly<Record<string, FieldSpec>> | undefined = undefined,
): RulesetIssue[] {
  const issues: RulesetIssue[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const fieldPath = `${path}.${key}`;
    if (key === '$or') {
      if (Array.isArray(spec)) spec.forEach((branch, index) => isRecord(branch) && issues.push(...neverMatching(branch, `${path}.$or[${index}]`, roots, fields)));
      continue;
    }
    const isRoot = fields === undefined;
    const declared: FieldSpec = isRoot ? 'object' : (fields[key] ?? 'any');
    const type: FieldType = typeof declared === 'string' ? declared : 'object';
    if (!isRoot && fields !== ANY_FIELDS && !(key in fields)) {
      issues.push({ path: fieldPath, message: `unknown field \`${key}\`; known fields: ${Object.keys(fields).join(', ')}` });
      continue;
    }
    if (isRecord(spec)) {
      if (type !== 'object' && type !== 'any') issues.push({ path: fieldPath, message: `\`${key}\` holds a ${type}, not an object, so nested conditions never match` });
      else issues.push(...neverMatching(spec, fieldPath, roots, isRoot ? roots[key] : typeof declared === 'string' ? ANY_FIELDS : declared));
      continue;
    }
    if (!Array.isArray(spec)) continue;
    const reasons = spec.map((value) => whyNeverMatches(value, type)).filter((reason): reason is string => reason !== undefined);
    if (reasons.length === spec.length) issues.push({ path: fieldPath, message: `never matches: ${[...new Set(reasons)].join('; ')}` });
  }
  return issues;
}

const ANY_FIELDS: Readonly<Record<string, FieldType>> = new Proxy({}, { get: () => 'any', has: () => true });

function whyNeverMatches(value: unknown, type: FieldType): string | undefined {
  if (typeof value === 'string' && type === 'number') return `"${value}" is text but the field holds a number`;
  if (typeof value === 'number' && type === 'string') return `${value} is a number but the field holds text`;
  if (!isRecord(value)) return undefined;
  const [operator, argument] = Object.entries(value)[0] ?? [];
  if (operator === undefined) return undefined;
  if (STRING_OPERATORS.includes(operator) && type === 'number') return `${operator} compares text but the field holds a number`;
  if (operator === 'numeric') {
    if (type === 'string') return 'numeric compares numbers but the field holds text';
    if (Array.isArray(argument) && emptyRange(argument)) return `the range ${JSON.stringify(argument)} contains no number`;
  }
  return undefined;
}

/** Whether `numeric` comparisons such as [">", 10, "<", 5] exclude every number. */
function emptyRange(comparisons: readonly unknown[]): boolean {
  let low = -Infinity;
  let lowOpen = false;
  let high = Infinity;
  let highOpen = false;
  for (let index = 0; index < comparisons.length; index += 2) {
    const operator = comparisons[index];
    const bound = comparisons[index + 1];
    if (typeof bound !== 'number') return false;
    if ((operator === '>' || operator === '>=' || operator === '=') && (bound > low || (bound === low && operator === '>'))) [low, lowOpen] = [bound, operator === '>'];
    if ((operator === '<' || operator === '<=' || operator === '=') && (bound < high || (bound === high && operator === '<'))) [high, highOpen] = [bound, operator === '<'];
  }
  return low > high || (low === high && (lowOpen || highOpen));
}
