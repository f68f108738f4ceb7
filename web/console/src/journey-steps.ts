import type { JourneyDefinition, JourneyDefinitionInput } from '../../../src/domain/journeys/definition';
import { successors } from '../../../src/domain/journeys/validate';

/**
 * A journey draft's steps as the visual editor changes them: adding a step after one or on a
 * branching step's arm, deleting one (re-pointing the steps that led to it), replacing one. Plain
 * data in, plain data out, so the draft stays the JSON the API checks.
 */

export type Definition = JourneyDefinitionInput;
export type Step = Definition['steps'][number];
export type StepType = Step['type'];
/** A step's fields by name, for the inputs that read and write them whatever its type. */
export type Fields = Record<string, unknown>;
export type Path = readonly (string | number)[];
export type Issue = { readonly field: string; readonly message: string };

export const STEP_TYPES = ['send_email', 'wait', 'wait_for_event', 'branch', 'split', 'update_lead', 'notify', 'webhook', 'exit'] as const satisfies readonly StepType[];
/** The types that go on to one step (`next`, else the next in the list): a step can be added after them. */
export const FLOWING: readonly StepType[] = ['send_email', 'wait', 'update_lead', 'notify', 'webhook'];

export const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether the visual editor can show a definition: steps it can draw, each with an id and a known
 * type (and a split its arms). Anything else in it may be wrong: the API says what, by path.
 */
export function drawable(value: unknown): value is Definition {
  if (!isObject(value) || !Array.isArray(value.steps) || value.steps.length === 0) return false;
  return value.steps.every((step) => isObject(step) && typeof step.id === 'string' && (STEP_TYPES as readonly unknown[]).includes(step.type) && (step.type !== 'split' || (Array.isArray(step.arms) && step.arms.every(isObject))));
}

export const fieldsOf = (step: Step): Fields => step as Fields;

export function setAt(value: Fields, path: Path, next: unknown): Fields {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy: Fields | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const child = (copy as Fields)[head] ?? {};
  (copy as Fields)[head] = rest.length ? setAt(child as Fields, rest, next) : next;
  return copy as Fields;
}

export function withoutKey(value: Fields, key: string): Fields {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

/** A new step of a type, going on to `target` wherever it has a way on. */
function blankStep(type: StepType, id: string, target: string): Step {
  switch (type) {
    case 'send_email':
      return { id, type, subscription: 'newsletter', template: { subject: '', html: '<p>Hello {{ lead.firstName | "there" }}</p>' } };
    case 'wait':
      return { id, type, duration: { days: 1 } };
    case 'wait_for_event':
      return { id, type, event: { event: { type: ['email_click'] } }, timeout: { days: 3 }, onEvent: target, onTimeout: target };
    case 'branch':
      return { id, type, where: { lead: { country: ['ID'] } }, onTrue: target, onFalse: target };
    case 'split':
      return { id, type, arms: [{ name: 'a', percent: 50, next: target }, { name: 'b', percent: 50, next: target }] };
    case 'update_lead':
      return { id, type };
    case 'notify':
      return { id, type, to: 'owner', message: '' };
    case 'webhook':
      return { id, type, webhookId: '' };
    case 'exit':
      return { id, type };
  }
}

const freeId = (steps: readonly Step[], type: StepType) => {
  const taken = new Set(steps.map((step) => step.id));
  let number = 1;
  while (taken.has(`${type.replace('_', '-')}-${number}`)) number += 1;
  return `${type.replace('_', '-')}-${number}`;
};

/** Where a new step goes: after a step that goes on to one, or on one way on (an arm) of a step that branches. */
export type Place = { readonly after: number } | { readonly index: number; readonly field: Path };

/** The definition with a step of `type` added at `place`, the ways on re-pointed through it; and its index. */
export function addStep(definition: Definition, place: Place, type: StepType): { definition: Definition; index: number } {
  const steps = [...definition.steps];
  const id = freeId(steps, type);
  if ('after' in place) {
    const before = fieldsOf(steps[place.after] as Step);
    const named = typeof before.next === 'string' ? before.next : undefined;
    const created = blankStep(type, id, named ?? steps[place.after + 1]?.id ?? '');
    // Placed right after it, the new step is where it went on by default; one it named, the new step names.
    steps[place.after] = (named ? { ...before, next: id } : before) as Step;
    steps.splice(place.after + 1, 0, named && FLOWING.includes(type) ? ({ ...fieldsOf(created), next: named } as Step) : created);
    return { definition: { ...definition, steps }, index: place.after + 1 };
  }
  const branching = fieldsOf(steps[place.index] as Step);
  let target: unknown = branching;
  for (const part of place.field) target = (target as Fields)[part];
  const created = blankStep(type, id, String(target ?? ''));
  steps[place.index] = setAt(branching, place.field, id) as Step;
  // A branching step never goes on by default, so placing the new one after it changes no other way on.
  steps.splice(place.index + 1, 0, FLOWING.includes(type) ? ({ ...fieldsOf(created), next: String(target ?? '') } as Step) : created);
  return { definition: { ...definition, steps }, index: place.index + 1 };
}

/** The steps a step goes on to, as the engine reads them. */
const waysOn = (definition: Definition, index: number) => successors(definition as JourneyDefinition, index);

/** Why a step cannot be deleted, with the steps it concerns. */
export type Refusal =
  | { readonly reason: 'only' }
  | { readonly reason: 'dead-end' | 'branches'; readonly from: readonly string[] }
  | { readonly reason: 'first'; readonly to: string };

/**
 * The definition without a step, the steps that led to it re-pointed to where it went on; or why it
 * cannot go: the only step, a step others (or the entry, `from` empty) lead to while it goes on to
 * none or to several, or a first step whose way on is not the step after it.
 */
export function deleteStep(definition: Definition, index: number): { definition: Definition } | { refused: Refusal } {
  const steps = definition.steps;
  const step = steps[index] as Step;
  if (steps.length === 1) return { refused: { reason: 'only' } };
  const onward = [...new Set(waysOn(definition, index).map((way) => way.stepId))];
  const leading = steps.flatMap((_, from) => (from === index ? [] : waysOn(definition, from).filter((way) => way.stepId === step.id).map((way) => ({ from, field: way.field }))));
  const from = [...new Set(leading.map((way) => steps[way.from]?.id ?? ''))];
  if ((leading.length > 0 || index === 0) && onward.length !== 1) return { refused: { reason: onward.length === 0 ? 'dead-end' : 'branches', from } };
  const [to] = onward;
  if (index === 0 && to !== steps[1]?.id) return { refused: { reason: 'first', to: to ?? '' } };
  const relinked = steps.map((one, at) => {
    const ways = leading.filter((way) => way.from === at);
    if (ways.length === 0 || to === undefined) return one;
    // A way on by default (no `next` named) goes to the step after the deleted one once it is gone.
    return ways.reduce((changed, way) => (way.field[0] === 'next' && fieldsOf(changed).next === undefined && to === steps[index + 1]?.id ? changed : (setAt(fieldsOf(changed), way.field, to) as Step)), one);
  });
  return { definition: { ...definition, steps: relinked.filter((_, at) => at !== index) } };
}

/** The definition with step `index` replaced; a new id for it, the ways on that named it name it still. */
export function replaceStep(definition: Definition, index: number, next: Fields): Definition {
  const renamed = definition.steps[index]?.id;
  const steps = definition.steps.map((one, at) => (at === index ? (next as Step) : one));
  if (typeof next.id !== 'string' || renamed === undefined || next.id === renamed) return { ...definition, steps };
  const relinked = steps.map((one, at) => waysOn(definition, at).reduce((changed, way) => (way.stepId === renamed && (way.field[0] !== 'next' || fieldsOf(changed).next !== undefined) ? (setAt(fieldsOf(changed), way.field, next.id) as Step) : changed), one));
  return { ...definition, steps: relinked };
}

/** The issues of each step by its index, with their path inside the step (`template.subject`, `` for the step as a whole). */
export function issuesByStep(issues: readonly Issue[]): ReadonlyMap<number, readonly Issue[]> {
  const byStep = new Map<number, Issue[]>();
  for (const issue of issues) {
    const match = /^steps[.[](\d+)\]?(?:\.(.*))?$/.exec(issue.field);
    if (!match) continue;
    const index = Number(match[1]);
    byStep.set(index, [...(byStep.get(index) ?? []), { field: (match[2] ?? '').replace(/\[(\d+)\]/g, '.$1'), message: issue.message }]);
  }
  return byStep;
}

