import type { EventPattern } from '../pattern';
import { compilePattern } from '../pattern';
import type { Rule, RuleKind, Ruleset } from './ruleset';
import { ruleKind } from './ruleset';

const MS_PER_DAY = 86_400_000;
/** Distinct event types whose rule lists are kept; types come from the events, so the cache is bounded. */
const TYPES_KEPT = 256;

export interface PreparedRule {
  readonly rule: Rule;
  /** The rule's place in the ruleset: sums run in this order so every path adds the same numbers alike. */
  readonly index: number;
  readonly kind: RuleKind;
  readonly matches: (input: unknown) => boolean;
  /** The cap period in milliseconds, for capped event rules with a period. */
  readonly periodMs?: number;
}

/**
 * A ruleset ready to score with: every condition compiled once, each rule's kind known, and event
 * rules listed per event type. A rule whose condition names `event.type` outside any `$or` cannot
 * match an event of another type (its fields all have to match), so an event is tried only against
 * the rules its type can satisfy, in ruleset order.
 */
export class PreparedRuleset {
  readonly rules: readonly PreparedRule[];
  /** Fit and activity rules, in ruleset order. */
  readonly profileRules: readonly PreparedRule[];
  readonly activityRules: readonly PreparedRule[];
  readonly byId: ReadonlyMap<string, PreparedRule>;
  private readonly eventRules: readonly { readonly rule: PreparedRule; readonly typeMatches?: (input: unknown) => boolean }[];
  private readonly eventRulesByType = new Map<string, readonly PreparedRule[]>();

  constructor(readonly ruleset: Ruleset) {
    this.rules = ruleset.rules.map((rule, index) => {
      const kind = ruleKind(rule);
      const periodDays = kind === 'event' ? rule.cap?.periodDays : undefined;
      return { rule, index, kind, matches: compilePattern(rule.when), ...(periodDays ? { periodMs: periodDays * MS_PER_DAY } : {}) };
    });
    this.profileRules = this.rules.filter((prepared) => prepared.kind === 'profile');
    this.activityRules = this.rules.filter((prepared) => prepared.kind === 'activity');
    this.byId = new Map(this.rules.map((prepared) => [prepared.rule.id, prepared]));
    this.eventRules = this.rules
      .filter((prepared) => prepared.kind === 'event')
      .map((prepared) => {
        const typeCondition = typeConditionOf(prepared.rule.when);
        return typeCondition ? { rule: prepared, typeMatches: compilePattern({ type: typeCondition }) } : { rule: prepared };
      });
  }

  /** The event rules an event of this type may match, in ruleset order. */
  eventRulesFor(type: unknown): readonly PreparedRule[] {
    if (typeof type !== 'string') return this.eventRulesMatching(type);
    const known = this.eventRulesByType.get(type);
    if (known) return known;
    const rules = this.eventRulesMatching(type);
    if (this.eventRulesByType.size < TYPES_KEPT) this.eventRulesByType.set(type, rules);
    return rules;
  }

  private eventRulesMatching(type: unknown): PreparedRule[] {
    const input = { type };
    return this.eventRules.filter(({ typeMatches }) => !typeMatches || typeMatches(input)).map(({ rule }) => rule);
  }
}

/** The `event.type` condition every match of the rule has to meet, if it has one. */
function typeConditionOf(when: EventPattern): unknown[] | undefined {
  const event = Object.hasOwn(when, 'event') ? when.event : undefined;
  if (!event || typeof event !== 'object' || Array.isArray(event)) return undefined;
  const type = Object.hasOwn(event, 'type') ? (event as Record<string, unknown>).type : undefined;
  return Array.isArray(type) ? type : undefined;
}

const preparedRulesets = new WeakMap<Ruleset, PreparedRuleset>();

/** The prepared form of a ruleset, made once per ruleset object. */
export function prepare(ruleset: Ruleset): PreparedRuleset {
  const known = preparedRulesets.get(ruleset);
  if (known) return known;
  const prepared = new PreparedRuleset(ruleset);
  preparedRulesets.set(ruleset, prepared);
  return prepared;
}
