import type * as z from 'zod/mini';
import { PatternError, validatePattern } from '../pattern';
import { segmentIssues } from '../segments/segment';
import { JourneyDefinition, defaultNext, type Step, type StepId } from './definition';
import { isKnownTimeZone } from './local-time';

/** One problem of a journey, at its path (`steps.3.onTrue`, `goal.where.lead.stage`). */
export interface JourneyIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

export type JourneyValidation = { readonly valid: true; readonly definition: JourneyDefinition } | { readonly valid: false; readonly issues: JourneyIssue[] };

/** What validation needs to know beyond the definition: the stored templates it may name. */
export interface KnownReferences {
  /** Stored template ids; absent: template references are not checked (offline validation). */
  readonly templateIds?: ReadonlySet<string>;
}

const isWait = (step: Step) => step.type === 'wait' || step.type === 'wait_for_event';

/** The steps a step can lead to, each with the field that names it. */
export function successors(definition: Pick<JourneyDefinition, 'steps'>, index: number): { field: (string | number)[]; stepId: StepId }[] {
  const step = definition.steps[index] as Step;
  const fallThrough = (named: StepId | undefined) => {
    const target = named ?? defaultNext(definition, index);
    return target ? [{ field: ['next'], stepId: target }] : [];
  };
  switch (step.type) {
    case 'branch': return [{ field: ['onTrue'], stepId: step.onTrue }, { field: ['onFalse'], stepId: step.onFalse }];
    case 'wait_for_event': return [{ field: ['onEvent'], stepId: step.onEvent }, { field: ['onTimeout'], stepId: step.onTimeout }];
    case 'split': return step.arms.map((arm, armIndex) => ({ field: ['arms', armIndex, 'next'], stepId: arm.next }));
    case 'exit': return [];
    default: return fallThrough(step.next);
  }
}

function patternProblem(pattern: Record<string, unknown>, path: (string | number)[]): JourneyIssue[] {
  try {
    validatePattern(pattern);
    return [];
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    return [{ path: [...path, ...(error.path ? error.path.split('.') : [])], message: error.message.replace(/^[^:]*: /, '') }];
  }
}

/** The condition problems of a `where`, at `path`: what segments refuse (unknown fields, impossible conditions). */
const conditionProblems = (where: Record<string, unknown>, path: (string | number)[]): JourneyIssue[] =>
  segmentIssues({ where }).map((issue) => ({ path: [...path, ...issue.path.slice(1)], message: issue.message }));

/**
 * Branches whose outcome the path to them already decided: the same condition taken (or not) by an
 * enclosing branch, or a condition that always holds. Each such branch has an arm no lead can take.
 * The walk follows every path from the first step, carrying what each branch on it decided.
 */
function decidedBranches(definition: JourneyDefinition, indexOf: ReadonlyMap<string, number>): { reachable: Set<number>; issues: JourneyIssue[] } {
  const reachable = new Set<number>();
  const issues = new Map<string, JourneyIssue>();
  const seen = new Set<string>();
  const pending: { index: number; facts: ReadonlyMap<string, boolean> }[] = [{ index: 0, facts: new Map() }];
  while (pending.length) {
    const { index, facts } = pending.pop() as { index: number; facts: ReadonlyMap<string, boolean> };
    const visit = `${index}|${[...facts].map(([key, value]) => `${key}=${value}`).sort().join('&')}`;
    if (seen.has(visit) || seen.size > 10_000) continue;
    seen.add(visit);
    reachable.add(index);
    const step = definition.steps[index] as Step;
    for (const { field, stepId } of successors(definition, index)) {
      const target = indexOf.get(stepId);
      if (target === undefined) continue;
      let nextFacts = facts;
      if (step.type === 'branch') {
        const key = JSON.stringify(step.where);
        const taking = field[0] === 'onTrue';
        const known = facts.get(key) ?? (Object.keys(step.where).length === 0 ? true : undefined);
        if (known !== undefined && known !== taking) {
          issues.set(`${index}.${field[0]}`, { path: ['steps', index, String(field[0])], message: `this arm is never taken: ${known ? 'the condition always holds here' : 'the condition never holds here'} (decided by an earlier branch or empty)` });
          continue;
        }
        nextFacts = new Map([...facts, [key, taking]]);
      }
      pending.push({ index: target, facts: nextFacts });
    }
  }
  return { reachable, issues: [...issues.values()] };
}

/** Cycles of steps with no wait in them: a lead would run them forever within one delivery. */
function loopsWithoutWait(definition: JourneyDefinition, indexOf: ReadonlyMap<string, number>): JourneyIssue[] {
  const state = new Map<number, 'open' | 'done'>();
  const issues: JourneyIssue[] = [];
  const visit = (index: number, trail: number[]) => {
    state.set(index, 'open');
    for (const { field, stepId } of successors(definition, index)) {
      const target = indexOf.get(stepId);
      if (target === undefined || isWait(definition.steps[target] as Step)) continue;
      if (state.get(target) === 'open') {
        const cycle = [...trail.slice(trail.indexOf(target)), index].map((member) => (definition.steps[member] as Step).id);
        issues.push({ path: ['steps', index, ...field], message: `loops back to ${stepId} without a wait: ${[...new Set(cycle)].join(' -> ')} -> ${stepId}` });
      } else if (!state.has(target)) visit(target, [...trail, index]);
    }
    state.set(index, 'done');
  };
  definition.steps.forEach((step, index) => {
    if (!state.has(index) && !isWait(step)) visit(index, []);
  });
  return issues;
}

/** Everything wrong with a parsed journey, each problem at its path. */
export function journeyIssues(definition: JourneyDefinition, known: KnownReferences = {}): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  const indexOf = new Map<string, number>();
  definition.steps.forEach((step, index) => {
    if (indexOf.has(step.id)) issues.push({ path: ['steps', index, 'id'], message: `step id ${step.id} is used twice` });
    else indexOf.set(step.id, index);
  });
  if (!isKnownTimeZone(definition.timeZone)) issues.push({ path: ['timeZone'], message: `${definition.timeZone} is not an IANA time zone` });
  if (definition.entry.kind === 'event') issues.push(...patternProblem(definition.entry.pattern, ['entry', 'pattern']));
  if (definition.goal) issues.push(...conditionProblems(definition.goal.where, ['goal', 'where']));

  definition.steps.forEach((step, index) => {
    for (const { field, stepId } of successors(definition, index)) {
      if (!indexOf.has(stepId)) issues.push({ path: ['steps', index, ...field], message: `names no step: ${stepId}` });
    }
    switch (step.type) {
      case 'branch':
        issues.push(...conditionProblems(step.where, ['steps', index, 'where']));
        if (step.onTrue === step.onFalse) issues.push({ path: ['steps', index, 'onFalse'], message: 'both arms lead to the same step: the branch decides nothing' });
        break;
      case 'wait_for_event':
        issues.push(...patternProblem(step.event, ['steps', index, 'event']));
        break;
      case 'split': {
        const total = step.arms.reduce((sum, arm) => sum + arm.percent, 0);
        if (total !== 100) issues.push({ path: ['steps', index, 'arms'], message: `percentages add up to ${total}, not 100` });
        const names = step.arms.map((arm) => arm.name);
        names.forEach((name, armIndex) => names.indexOf(name) !== armIndex && issues.push({ path: ['steps', index, 'arms', armIndex, 'name'], message: `arm name ${name} is used twice` }));
        break;
      }
      case 'send_email':
        if (known.templateIds && 'templateId' in step.template && !known.templateIds.has(step.template.templateId)) {
          issues.push({ path: ['steps', index, 'template', 'templateId'], message: `no stored template ${step.template.templateId}` });
        }
        break;
      case 'update_lead':
        if (!step.attributes && !step.stage && !step.subscription) issues.push({ path: ['steps', index], message: 'changes nothing: give attributes, stage or subscription' });
        break;
      default:
        break;
    }
  });
  if (issues.length) return issues;

  const { reachable, issues: branchIssues } = decidedBranches(definition, indexOf);
  issues.push(...branchIssues);
  definition.steps.forEach((step, index) => {
    if (!reachable.has(index)) issues.push({ path: ['steps', index], message: `step ${step.id} can never be reached from the first step` });
  });
  issues.push(...loopsWithoutWait(definition, indexOf));
  return issues;
}

function zodIssues(error: z.core.$ZodError): JourneyIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)), message: issue.message }));
}

/** Parses and checks a journey from a file or a request: the definition, or every problem with its path. */
export function validateJourney(input: unknown, known: KnownReferences = {}): JourneyValidation {
  const parsed = JourneyDefinition.safeParse(input);
  if (!parsed.success) return { valid: false, issues: zodIssues(parsed.error) };
  const issues = journeyIssues(parsed.data, known);
  return issues.length ? { valid: false, issues } : { valid: true, definition: parsed.data };
}

/** `steps.3.onTrue` */
export const issuePath = (issue: JourneyIssue) => issue.path.join('.') || '(journey)';
