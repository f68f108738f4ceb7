import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const domain = join(root, 'src/domain');

/** Packages the domain may use: validation, parsing and Node's own pure utilities. Everything else is infrastructure. */
const ALLOWED_PACKAGES = ['zod', 'ipaddr.js', 'node:crypto', 'node:util'];

const sourceFiles = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** Module specifiers of static imports, re-exports and dynamic imports, as the compiler reads them. */
const specifiersIn = (source: string) => ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);

/** What a domain file imports that the domain may not depend on: a path outside src/domain, or an unlisted package. */
const forbiddenImports = (file: string, source: string): string[] =>
  specifiersIn(source).filter((specifier) => {
    if (specifier.startsWith('.')) return relative(domain, resolve(dirname(file), specifier)).startsWith('..');
    return !ALLOWED_PACKAGES.includes(specifier);
  });

describe('the domain depends on nothing outside itself', () => {
  it('no file under src/domain imports the manifest, adapters, HTTP plumbing, use cases or an AWS SDK', () => {
    const offences = sourceFiles(domain).flatMap((file) =>
      forbiddenImports(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(root, file)} imports ${specifier}`),
    );
    expect(offences).toEqual([]);
  });

  it('catches the imports it forbids', () => {
    const file = join(domain, 'scoring/ruleset.ts');
    const source = [
      "import type { EventPattern } from '../../../manifest/types';",
      "import { LeadStore } from '../../adapters/lead-store';",
      "import { PutEventsCommand } from '@aws-sdk/client-eventbridge';",
      "const lazy = await import('../../http/errors');",
      "import { z } from 'zod';",
      "import { matchesPattern } from '../pattern';",
    ].join('\n');
    expect(forbiddenImports(file, source)).toEqual(['../../../manifest/types', '../../adapters/lead-store', '@aws-sdk/client-eventbridge', '../../http/errors']);
  });
});
