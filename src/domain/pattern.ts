/** An event pattern (EventBridge content filtering), as JSON: the language of rules, segments and bus subscriptions. */
export type EventPattern = { readonly [field: string]: unknown };

/**
 * One matcher for every condition in the product (scoring rules, segments, the local event bus),
 * with Amazon EventBridge content-filtering semantics: fields AND together, the values of a leaf
 * array OR together, an array in the input matches when any element does (for a nested pattern,
 * when one element matches all of it).
 */
export class PatternError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '(pattern)'}: ${message}`);
    this.name = 'PatternError';
  }
}

type Matcher = (value: unknown, present: boolean) => boolean;
type Compiled = (input: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function compileNumeric(spec: unknown, path: string): Matcher {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) {
    throw new PatternError(path, 'numeric takes one or two comparisons, e.g. [">", 0, "<=", 5]');
  }
  const comparisons: ((value: number) => boolean)[] = [];
  for (let index = 0; index < spec.length; index += 2) {
    const operator = spec[index];
    const bound = spec[index + 1];
    if (typeof bound !== 'number') throw new PatternError(path, 'numeric bounds must be numbers');
    switch (operator) {
      case '=': comparisons.push((value) => value === bound); break;
      case '>': comparisons.push((value) => value > bound); break;
      case '>=': comparisons.push((value) => value >= bound); break;
      case '<': comparisons.push((value) => value < bound); break;
      case '<=': comparisons.push((value) => value <= bound); break;
      default: throw new PatternError(path, `unknown numeric comparison ${JSON.stringify(operator)}`);
    }
  }
  if (spec.length === 4) {
    // A range: a lower bound then an upper one, which must leave room between them.
    const [low, lowBound, high, highBound] = spec as [unknown, number, unknown, number];
    if (!['>', '>='].includes(String(low)) || !['<', '<='].includes(String(high))) {
      throw new PatternError(path, 'a numeric range is a lower bound (> or >=) then an upper bound (< or <=)');
    }
    if (lowBound > highBound || (lowBound === highBound && (low === '>' || high === '<'))) {
      throw new PatternError(path, `the range ${JSON.stringify(spec)} contains no number`);
    }
  }
  return (value) => typeof value === 'number' && comparisons.every((compare) => compare(value));
}

/** `*` matches any run of characters; `\*` is a literal star. */
function wildcardRegExp(spec: unknown, path: string): RegExp {
  if (typeof spec !== 'string') throw new PatternError(path, 'wildcard takes a string');
  if (spec.includes('**')) throw new PatternError(path, 'wildcard may not contain consecutive *');
  const source = spec
    .split(/(\\\*|\*)/)
    .map((part) => (part === '*' ? '.*' : part === '\\*' ? '\\*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

function ipv4ToBigInt(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((sum, part) => (sum << 8n) + BigInt(part), 0n);
}

function ipv6ToBigInt(address: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(address)) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  if (!groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function compileCidr(spec: unknown, path: string): Matcher {
  if (typeof spec !== 'string' || !spec.includes('/')) throw new PatternError(path, 'cidr takes a block such as "10.0.0.0/24"');
  const [network = '', bitsText = ''] = spec.split('/');
  const v4 = ipv4ToBigInt(network);
  const width = v4 === undefined ? 128 : 32;
  const base = v4 ?? ipv6ToBigInt(network);
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > width) throw new PatternError(path, `invalid cidr ${spec}`);
  const shift = BigInt(width - bits);
  return (value) => {
    if (typeof value !== 'string') return false;
    const address = width === 32 ? ipv4ToBigInt(value) : ipv6ToBigInt(value);
    return address !== undefined && address >> shift === base >> shift;
  };
}

const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

/** prefix / suffix take a string or `{ "equals-ignore-case": string }`. */
function compileAffix(kind: 'prefix' | 'suffix', spec: unknown, path: string): Matcher {
  const ignoreCase = isObject(spec);
  const affix = ignoreCase ? spec['equals-ignore-case'] : spec;
  if (typeof affix !== 'string' || (ignoreCase && Object.keys(spec).length !== 1)) {
    throw new PatternError(path, `${kind} takes a string or { "equals-ignore-case": string }`);
  }
  const wanted = ignoreCase ? affix.toLowerCase() : affix;
  return (value) => {
    if (typeof value !== 'string') return false;
    const candidate = ignoreCase ? value.toLowerCase() : value;
    return kind === 'prefix' ? candidate.startsWith(wanted) : candidate.endsWith(wanted);
  };
}

function compileAnythingBut(spec: unknown, path: string): Matcher {
  let excluded: Matcher;
  if (isObject(spec)) {
    const [operator, ...others] = Object.keys(spec);
    if (!operator || others.length) throw new PatternError(path, 'anything-but takes one operator');
    const operand = spec[operator];
    if (operator === 'prefix' || operator === 'suffix') {
      // A set of prefixes or suffixes, as EventBridge takes: anything but a value starting (ending) with any of them.
      const affixes = (Array.isArray(operand) ? operand : [operand]).map((item) => {
        if (item === '') throw new PatternError(path, `anything-but ${operator} may not be empty`);
        return compileAffix(operator, item, path);
      });
      excluded = (value, present) => affixes.some((affix) => affix(value, present));
    }
    else if (operator === 'wildcard') {
      const patterns = (Array.isArray(operand) ? operand : [operand]).map((item) => wildcardRegExp(item, path));
      excluded = (value) => typeof value === 'string' && patterns.some((pattern) => pattern.test(value));
    } else if (operator === 'equals-ignore-case') {
      const values = (Array.isArray(operand) ? operand : [operand]).map((item) => {
        if (typeof item !== 'string') throw new PatternError(path, 'equals-ignore-case takes strings');
        return item.toLowerCase();
      });
      excluded = (value) => typeof value === 'string' && values.includes(value.toLowerCase());
    } else throw new PatternError(path, `unsupported anything-but operator "${operator}"`);
  } else {
    const values = Array.isArray(spec) ? spec : [spec];
    if (!(values.every((item) => typeof item === 'string') || values.every((item) => typeof item === 'number'))) {
      throw new PatternError(path, 'anything-but takes strings or numbers, not both');
    }
    excluded = (value) => (values as readonly unknown[]).includes(value);
  }
  // A missing field is not "anything but" a value: EventBridge requires the field to be present.
  return (value, present) => present && !excluded(value, present);
}

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'numeric', 'anything-but', 'exists', 'wildcard', 'cidr'] as const;

function compileLeafValue(spec: unknown, path: string): { matcher: Matcher; exists?: boolean } {
  if (spec === null || typeof spec === 'string' || typeof spec === 'number' || typeof spec === 'boolean') {
    return { matcher: (value, present) => present && value === spec };
  }
  if (!isObject(spec)) throw new PatternError(path, 'a value must be a string, number, boolean, null or an operator object');
  const [operator, ...others] = Object.keys(spec);
  if (!operator || others.length) throw new PatternError(path, 'an operator object holds exactly one operator');
  const operand = spec[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return { matcher: compileAffix(operator, operand, path) };
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') throw new PatternError(path, 'equals-ignore-case takes a string');
      const wanted = operand.toLowerCase();
      return { matcher: (value) => lower(value) === wanted };
    }
    case 'numeric':
      return { matcher: compileNumeric(operand, path) };
    case 'anything-but':
      return { matcher: compileAnythingBut(operand, path) };
    case 'wildcard': {
      const pattern = wildcardRegExp(operand, path);
      return { matcher: (value) => typeof value === 'string' && pattern.test(value) };
    }
    case 'cidr':
      return { matcher: compileCidr(operand, path) };
    case 'exists':
      if (typeof operand !== 'boolean') throw new PatternError(path, 'exists takes true or false');
      return { matcher: (value, present) => present === operand && (!operand || !isObject(value)), exists: operand };
    default:
      throw new PatternError(path, `unsupported operator "${operator}" (supported: ${OPERATORS.join(', ')})`);
  }
}

function compileLeaf(spec: readonly unknown[], path: string): Compiled {
  if (spec.length === 0) throw new PatternError(path, 'a value list may not be empty');
  const matchers = spec.map((item, index) => compileLeafValue(item, `${path}[${index}]`).matcher);
  return (input) => {
    const present = input !== undefined;
    if (Array.isArray(input)) {
      if (input.length === 0) return matchers.some((matcher) => matcher(undefined, false));
      return input.some((element) => matchers.some((matcher) => matcher(element, true)));
    }
    return matchers.some((matcher) => matcher(input, present));
  };
}

function compileObject(pattern: Record<string, unknown>, path: string): Compiled {
  const fields: [string, Compiled][] = [];
  const alternatives: Compiled[][] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const fieldPath = join(path, key);
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2 || !spec.every(isObject)) {
        throw new PatternError(fieldPath, '$or takes an array of at least two patterns');
      }
      alternatives.push(spec.map((option, index) => compileObject(option, `${fieldPath}[${index}]`)));
    } else if (Array.isArray(spec)) {
      fields.push([key, compileLeaf(spec, fieldPath)]);
    } else if (isObject(spec)) {
      const nested = compileObject(spec, fieldPath);
      fields.push([key, (input) => nested(input)]);
    } else {
      throw new PatternError(fieldPath, 'must be an array of values or a nested pattern object');
    }
  }
  if (fields.length === 0 && alternatives.length === 0) throw new PatternError(path, 'a pattern may not be empty');
  const matchRecord = (input: unknown) => {
    const record = isObject(input) ? input : {};
    return (
      // Own properties only: a pattern naming `constructor` must not find Object's constructor on every input.
      fields.every(([key, match]) => match(Object.hasOwn(record, key) ? record[key] : undefined)) &&
      alternatives.every((options) => options.some((option) => option(input)))
    );
  };
  // A nested pattern meeting an array (of objects, or arrays of them) matches when one element
  // matches it whole: every field from the same element, as EventBridge does.
  return (input) => (Array.isArray(input) ? input.flat(Infinity).some((element) => isObject(element) && matchRecord(element)) : matchRecord(input));
}

const compiledPatterns = new WeakMap<EventPattern, Compiled>();

/** Compiles a pattern once (regular expressions included); throws PatternError naming the path at fault. */
export function compilePattern(pattern: EventPattern): Compiled {
  const cached = compiledPatterns.get(pattern);
  if (cached) return cached;
  if (!isObject(pattern)) throw new PatternError('', 'a pattern must be an object');
  const compiled = compileObject(pattern, '');
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

/** Throws PatternError naming the path for malformed patterns and operators this matcher does not implement. */
export function validatePattern(pattern: EventPattern): void {
  compilePattern(pattern);
}

export function matchesPattern(pattern: EventPattern, input: unknown): boolean {
  return compilePattern(pattern)(input);
}

/** Operators a pattern uses, so a consumer can say at start-up which ones it relies on. */
export function operatorsIn(pattern: EventPattern): string[] {
  const found = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$or' || (OPERATORS as readonly string[]).includes(key)) found.add(key);
        visit(value);
      }
    }
  };
  visit(pattern);
  return [...found].sort();
}
