import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { CliError } from './errors';

/** A file's text; one that cannot be read is refused with the reason (ENOENT, EACCES, ...). */
export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** A JSON or YAML file (rulesets, segments, routing), parsed; malformed files are refused with the reason. */
export async function readDataFile(file: string): Promise<unknown> {
  const text = await readTextFile(file);
  try {
    return ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid ${extname(file).slice(1).toUpperCase() || 'JSON'}: ${(error as Error).message}`);
  }
}

/** A file refused with every problem found in it, each at its place: `pricing.yaml: 2 problem(s)`, then `  where.lead.industy: ...` a line. */
export const fileProblems = (file: string, problems: readonly { readonly at: string; readonly message: string }[]): CliError =>
  new CliError([`${file}: ${problems.length} problem(s)`, ...problems.map((problem) => `  ${problem.at}: ${problem.message}`)].join('\n'));

/**
 * A JSON or YAML file read through `schema`: its value, or every problem refused at its path before
 * anything is sent (`whole` names a problem of the whole value, which has no path).
 */
export async function readCheckedFile<Value>(
  file: string,
  schema: { safeParse(value: unknown): { success: true; data: Value } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } },
  whole: string,
): Promise<Value> {
  const result = schema.safeParse(await readDataFile(file));
  if (!result.success) throw fileProblems(file, result.error.issues.map((issue) => ({ at: issue.path.join('.') || whole, message: issue.message })));
  return result.data;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `stored` with the fields `read` (the same value read through its schema) has, in its order: what the schema takes, none of its defaults. */
function inOrderOf(read: unknown, stored: unknown): unknown {
  if (Array.isArray(stored)) return stored.map((item, index) => inOrderOf(Array.isArray(read) ? read[index] : undefined, item));
  if (!isRecord(stored) || !isRecord(read)) return stored;
  return Object.fromEntries(Object.keys(read).filter((name) => Object.hasOwn(stored, name)).map((name) => [name, inOrderOf(read[name], stored[name])]));
}

/**
 * What the API holds (a journey's draft, a ruleset, a form, a segment) as a YAML file to keep in git and
 * push back: only the fields its schema takes, in the order the schema lists them (the table keeps a
 * map's fields in no order), and none of the defaults reading it through the schema adds. Something
 * the schema no longer reads is written as it is.
 */
export function asDataFile(stored: unknown, schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }): string {
  const read = schema.safeParse(stored);
  return stringify(read.success ? inOrderOf(read.data, stored) : stored).trimEnd();
}
