/**
 * The small path language a generic chat source is configured with: property names joined by dots,
 * with `[n]` for an array element (`data.messages[0].text`). Each step reads an own property only, so
 * a path can never reach Object.prototype, and names that would (`__proto__`, `constructor`,
 * `prototype`) are refused when the path is configured.
 */
const STEP = /^(?:[A-Za-z_$][A-Za-z0-9_$-]{0,63})(?:\[\d{1,4}\])*$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_STEPS = 12;

export type PathStep = string | number;

/** Why a path cannot be used, or undefined for a good one. */
export function jsonPathProblem(path: string): string | undefined {
  const names = path.split('.');
  if (path === '' || names.length > MAX_STEPS) return `must be 1-${MAX_STEPS} property names joined by dots, such as data.conversation.id`;
  for (const name of names) {
    if (!STEP.test(name)) return `"${name}" must be a property name (letters, digits, _, $ or -) optionally followed by [index]`;
    if (FORBIDDEN.has(name.replace(/\[.*$/, ''))) return `"${name}" is not an allowed property name`;
  }
  return undefined;
}

/** The steps of a path already checked with jsonPathProblem. */
export function pathSteps(path: string): PathStep[] {
  return path.split('.').flatMap((name) => {
    const [property = '', ...indexes] = name.split('[');
    return [property, ...indexes.map((index) => Number(index.slice(0, -1)))];
  });
}

/** The value a path leads to in parsed JSON, or undefined when any step is missing. */
export function valueAt(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const step of pathSteps(path)) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return undefined;
      current = current[step];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
