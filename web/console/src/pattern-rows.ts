import { type Fields, isObject } from './journey-steps';

/**
 * Event properties and lead attributes as rows of key, operator and value, read out of and written
 * into the JSON the API takes. A pattern's fields AND together and the values of one field's list OR
 * together (src/domain/pattern.ts), so rows naming the same property are that property's list, in
 * order, and rows naming different ones must all match. A pattern the rows cannot show (a matcher
 * they lack, a key with a dot) reads as `undefined`: the editor keeps it as JSON then.
 */

export const OPERATORS = ['is', 'is-number', 'is-not', 'starts-with', '>', '>=', '<', '<=', 'between', 'exists', 'absent'] as const;
export type Operator = (typeof OPERATORS)[number];
/** A row as typed: `value` (and `upTo` for a range) are text until written into a pattern. */
export interface Row {
  readonly key: string;
  readonly operator: Operator;
  readonly value: string;
  readonly upTo: string;
}
/** Why a row is left out of the pattern until the marketer fixes it. */
export type RowProblem = 'name' | 'number' | 'clash';

const COMPARISONS = ['>', '>=', '<', '<='] as const;
const isComparison = (value: unknown): value is (typeof COMPARISONS)[number] => (COMPARISONS as readonly unknown[]).includes(value);
const row = (key: string, operator: Operator, value = '', upTo = ''): Row => ({ key, operator, value, upTo });

export const blankRow = (): Row => row('', 'is');
/** Whether the operator reads a value, and a second one. */
export const takesValue = (operator: Operator) => operator !== 'exists' && operator !== 'absent';
export const takesNumber = (operator: Operator) => operator === 'is-number' || operator === 'between' || isComparison(operator);

/** One element of a field's list as a row, or `undefined` when no row says it. */
function rowOf(key: string, matcher: unknown): Row | undefined {
  if (typeof matcher === 'string') return row(key, 'is', matcher);
  if (typeof matcher === 'number' && Number.isFinite(matcher)) return row(key, 'is-number', String(matcher));
  if (!isObject(matcher)) return undefined;
  const [name, ...others] = Object.keys(matcher);
  if (name === undefined || others.length > 0) return undefined;
  const operand = matcher[name];
  switch (name) {
    case 'prefix':
      return typeof operand === 'string' ? row(key, 'starts-with', operand) : undefined;
    case 'anything-but':
      return typeof operand === 'string' ? row(key, 'is-not', operand) : undefined;
    case 'exists':
      return typeof operand === 'boolean' ? row(key, operand ? 'exists' : 'absent') : undefined;
    case 'numeric': {
      if (!Array.isArray(operand) || !operand.every((part, at) => (at % 2 ? typeof part === 'number' && Number.isFinite(part) : true))) return undefined;
      const [operator, bound, upper, upperBound] = operand;
      if (operand.length === 2 && isComparison(operator)) return row(key, operator, String(bound));
      if (operand.length === 4 && operator === '>=' && upper === '<=') return row(key, 'between', String(bound), String(upperBound));
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A pattern's fields (nested ones by dotted key) as rows; `undefined` when one cannot be a row. */
export function rowsOf(pattern: unknown, prefix = ''): Row[] | undefined {
  if (pattern === undefined && !prefix) return [];
  if (!isObject(pattern)) return undefined;
  const rows: Row[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '' || key.includes('.')) return undefined;
    const named = prefix + key;
    const inner = isObject(value) ? (Object.keys(value).length ? rowsOf(value, `${named}.`) : undefined) : Array.isArray(value) && value.length ? value.map((matcher) => rowOf(named, matcher)) : undefined;
    if (!inner || inner.some((one) => one === undefined)) return undefined;
    rows.push(...(inner as Row[]));
  }
  return rows;
}

/** Sets an own property whatever its name: `__proto__` typed as a key stays a key the API then names. */
const put = (target: Fields, key: string, value: unknown) => Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

const numberIn = (typed: string) => (typed.trim() === '' ? undefined : Number(typed));

/**
 * The matcher a row writes, or why it cannot write one yet. Apart, not one value: a row matching the
 * text "number" or "name" writes that text.
 */
function matcherOf(one: Row): { readonly matcher: unknown } | { readonly problem: RowProblem } {
  const value = numberIn(one.value);
  if (takesNumber(one.operator) && (value === undefined || !Number.isFinite(value))) return { problem: 'number' };
  switch (one.operator) {
    case 'is':
      return { matcher: one.value };
    case 'is-number':
      return { matcher: value };
    case 'is-not':
      return { matcher: { 'anything-but': one.value } };
    case 'starts-with':
      return { matcher: { prefix: one.value } };
    case 'exists':
      return { matcher: { exists: true } };
    case 'absent':
      return { matcher: { exists: false } };
    case 'between': {
      const upTo = numberIn(one.upTo);
      return upTo === undefined || !Number.isFinite(upTo) ? { problem: 'number' } : { matcher: { numeric: ['>=', value, '<=', upTo] } };
    }
    default:
      return { matcher: { numeric: [one.operator, value] } };
  }
}

/**
 * The pattern the rows write, and the rows left out of it by index with why: a row without a
 * property name (or with an empty part in a dotted one), a number that is not one, or a property
 * that is both a value and holds others (`plan` and `plan.tier`).
 */
export function patternOf(rows: readonly Row[]): { readonly pattern: Fields; readonly problems: ReadonlyMap<number, RowProblem> } {
  const pattern: Fields = {};
  const problems = new Map<number, RowProblem>();
  rows.forEach((one, index) => {
    const path = one.key.split('.').map((part) => part.trim());
    if (path.some((part) => part === '')) return problems.set(index, 'name');
    const written = matcherOf(one);
    if ('problem' in written) return problems.set(index, written.problem);
    let parent = pattern;
    for (const part of path.slice(0, -1)) {
      if (!Object.hasOwn(parent, part)) put(parent, part, {});
      const child = parent[part];
      if (!isObject(child)) return problems.set(index, 'clash');
      parent = child;
    }
    const last = path[path.length - 1] as string;
    if (!Object.hasOwn(parent, last)) put(parent, last, []);
    const list = parent[last];
    if (!Array.isArray(list)) return problems.set(index, 'clash');
    list.push(written.matcher);
  });
  return { pattern, problems };
}

/** An event pattern over `{ event: { type, properties } }` as the types it takes and its property rows, or `undefined` when it holds more than those. */
export function eventPatternParts(pattern: unknown): { readonly types: string[]; readonly rows: Row[] } | undefined {
  if (!isObject(pattern) || Object.keys(pattern).some((key) => key !== 'event')) return undefined;
  const event = pattern.event ?? {};
  if (!isObject(event) || Object.keys(event).some((key) => key !== 'type' && key !== 'properties')) return undefined;
  const types = event.type ?? [];
  if (!Array.isArray(types) || !types.every((type) => typeof type === 'string')) return undefined;
  const rows = rowsOf(event.properties);
  return rows && { types: [...types], rows };
}

/** The event pattern of types (any type when none) and property rows, with the rows it left out. */
export function eventPatternOf(types: readonly string[], rows: readonly Row[]): { readonly pattern: Fields; readonly problems: ReadonlyMap<number, RowProblem> } {
  const { pattern: properties, problems } = patternOf(rows);
  return { pattern: { event: { ...(types.length ? { type: [...types] } : {}), ...(Object.keys(properties).length ? { properties } : {}) } }, problems };
}

/** How an attribute's value is typed: text, a number, or true / false. */
export const ATTRIBUTE_KINDS = ['text', 'number', 'true', 'false'] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];
export interface AttributeRow {
  readonly key: string;
  readonly kind: AttributeKind;
  readonly value: string;
}

/** The attributes an update_lead step sets, as rows; `undefined` when a value is none the step takes. */
export function attributeRowsOf(attributes: unknown): AttributeRow[] | undefined {
  if (attributes === undefined) return [];
  if (!isObject(attributes)) return undefined;
  const rows = Object.entries(attributes).map(([key, value]): AttributeRow | undefined =>
    typeof value === 'string' ? { key, kind: 'text', value } : typeof value === 'number' && Number.isFinite(value) ? { key, kind: 'number', value: String(value) } : typeof value === 'boolean' ? { key, kind: value ? 'true' : 'false', value: '' } : undefined,
  );
  return rows.every((one) => one !== undefined) ? (rows as AttributeRow[]) : undefined;
}

/** The attributes the rows set, and the rows left out by index: without a name, a number that is not one, or a name an earlier row sets. */
export function attributesOf(rows: readonly AttributeRow[]): { readonly attributes: Fields; readonly problems: ReadonlyMap<number, RowProblem> } {
  const attributes: Fields = {};
  const problems = new Map<number, RowProblem>();
  rows.forEach((one, index) => {
    const key = one.key.trim();
    if (!key) return problems.set(index, 'name');
    const number = numberIn(one.value);
    if (one.kind === 'number' && (number === undefined || !Number.isFinite(number))) return problems.set(index, 'number');
    if (Object.hasOwn(attributes, key)) return problems.set(index, 'clash');
    put(attributes, key, one.kind === 'text' ? one.value : one.kind === 'number' ? number : one.kind === 'true');
  });
  return { attributes, problems };
}
