import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
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
