import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What each folder may import: the architecture as the code must keep it. The domain is pure (no AWS,
 * no HTTP, no deployment model); use cases depend on the domain and on ports they declare, never on
 * an adapter; adapters implement those ports; handlers wire adapters into use cases; the manifest is
 * the deployment model that the CDK stack (infra/) and the developer runtime (local/) are built from;
 * web/ is what runs in visitors' browsers, served by a function.
 */
type Layer =
  | 'src/domain'
  | 'src/app'
  | 'src/adapters'
  | 'src/api'
  | 'src/http'
  | 'src/config'
  | 'manifest'
  | 'functions'
  | 'functions/routes'
  | 'infra'
  | 'local'
  | 'cli'
  | 'bench'
  | 'web'
  | 'web/console';

interface Rule {
  readonly imports: readonly Layer[];
  /** Packages (npm names or node: built-ins) the layer may import. */
  readonly packages: RegExp;
}

const ANY_PACKAGE = /./;
const RULES: Readonly<Record<Layer, Rule>> = {
  'src/domain': { imports: ['src/domain'], packages: /^(zod|ipaddr\.js|node:(crypto|util))$/ },
  'src/app': { imports: ['src/domain', 'src/app', 'src/config'], packages: /^(zod|node:crypto|@aws-lambda-powertools\/logger)$/ },
  'src/adapters': { imports: ['src/domain', 'src/adapters', 'src/config', 'manifest'], packages: ANY_PACKAGE },
  // The OpenAPI document is derived from the manifest's route declarations; the client signs with SigV4.
  'src/api': { imports: ['src/domain', 'src/api', 'src/http', 'manifest'], packages: /^(zod|@asteasolutions\/zod-to-openapi|@aws-sdk\/credential-provider-node|@smithy\/.+|node:.+)$/ },
  'src/http': { imports: ['src/domain', 'src/api', 'src/http', 'manifest'], packages: /^(zod|@middy\/.+|@aws-lambda-powertools\/logger|aws-lambda|node:.+)$/ },
  'src/config': { imports: ['src/config'], packages: /^zod$/ },
  // The manifest takes each HTTP function's route declarations, never its handler.
  manifest: { imports: ['manifest', 'src/domain', 'src/http', 'functions/routes'], packages: /^(zod)$/ },
  functions: { imports: ['functions', 'functions/routes', 'src/domain', 'src/app', 'src/adapters', 'src/api', 'src/http', 'src/config', 'manifest', 'web'], packages: ANY_PACKAGE },
  /** A function's route declarations and the schemas beside them: what the manifest, OpenAPI and clients read. */
  'functions/routes': { imports: ['functions/routes', 'src/domain', 'src/api', 'src/http'], packages: /^zod$/ },
  // src/api: api-docs' bundle carries the OpenAPI document, generated when it is built (infra/bundle-plugins.ts).
  infra: { imports: ['infra', 'manifest', 'src/domain', 'src/api'], packages: ANY_PACKAGE },
  // The local runtime runs the functions bundled as a deployment bundles them (infra/function-bundling.ts).
  local: { imports: ['local', 'infra', 'manifest', 'src/domain', 'src/adapters', 'src/config', 'src/http'], packages: ANY_PACKAGE },
  cli: { imports: ['cli', 'manifest', 'functions/routes', 'src/domain', 'src/api', 'src/http', 'src/adapters', 'src/config'], packages: ANY_PACKAGE },
  // The bench bundles the functions as a deployment does.
  bench: { imports: ['bench', 'local', 'infra', 'manifest', 'src/domain', 'src/adapters', 'src/app', 'src/api', 'web'], packages: ANY_PACKAGE },
  // What runs in visitors' browsers: no package (it must stay small and make no third-party request); esbuild builds it.
  web: { imports: ['web'], packages: /^(esbuild|node:(fs|url))$/ },
  // The console (a single-page app, built by Vite): the typed client and the route declarations with their schemas, nothing that runs in Lambda;
  // yaml reads a starter journey (journeys/*.yaml) in a chunk loaded only when a marketer picks one.
  'web/console': {
    imports: ['web/console', 'functions/routes', 'src/api', 'src/domain', 'src/http'],
    packages: /^(react|react-dom|react-router|@tanstack\/react-query|chart\.js|react-chartjs-2|zod|yaml|vite|@vitejs\/plugin-react|node:url)$/,
  },
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The layer a project file belongs to, or undefined for files no rule covers (tests, config). */
function layerOf(file: string): Layer | undefined {
  const [top, second] = file.split('/');
  if (top === 'src' && second) {
    const layer = `src/${second.replace(/\.ts$/, '')}`;
    return layer in RULES ? (layer as Layer) : undefined;
  }
  if (top === 'functions' && /^(routes|schemas)(\.ts)?$/.test(file.split('/')[2] ?? '')) return 'functions/routes';
  if (top === 'web' && second === 'console') return 'web/console';
  return top && top in RULES ? (top as Layer) : undefined;
}

interface ImportEdge {
  readonly from: string;
  /** A project path (relative to the root, without extension) or a package name. */
  readonly to: string;
  readonly inProject: boolean;
}

/** The package an import names: `@scope/name`, `name`, or the `node:` built-in. */
const packageName = (specifier: string) =>
  specifier.startsWith('node:') ? specifier : specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every import of a source file, static or dynamic with a literal specifier, as TypeScript reads them. */
function importsOf(file: string, source: string): ImportEdge[] {
  return ts.preProcessFile(source, true, true).importedFiles.map(({ fileName: specifier }) => {
    const inProject = specifier.startsWith('.');
    return { from: file, to: inProject ? normalize(join(dirname(file), specifier)) : packageName(specifier), inProject };
  });
}

/** The imports that break RULES, each as `from -> to`. Another function's folder counts as a break too. */
function violations(edges: readonly ImportEdge[]): string[] {
  const broken: string[] = [];
  for (const edge of edges) {
    const fromLayer = layerOf(edge.from);
    if (!fromLayer) continue;
    const rule = RULES[fromLayer];
    if (edge.inProject) {
      const toLayer = layerOf(edge.to);
      if (!toLayer || !rule.imports.includes(toLayer)) broken.push(`${edge.from} -> ${edge.to}`);
      else if (fromLayer.startsWith('functions') && toLayer.startsWith('functions') && edge.from.split('/')[1] !== edge.to.split('/')[1]) broken.push(`${edge.from} -> ${edge.to}`);
    } else if (!rule.packages.test(edge.to)) {
      broken.push(`${edge.from} -> ${edge.to}`);
    }
  }
  return broken;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.parentPath.includes('/dist'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

describe('the architecture', () => {
  const files = ['src', 'manifest', 'functions', 'infra', 'local', 'cli', 'bench', 'web'].flatMap(sourceFiles);
  const edges = files.flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));

  it('reads the imports of every layer', () => {
    const layers = new Set(files.map(layerOf));
    expect([...layers].sort()).toEqual(Object.keys(RULES).sort());
    expect(edges.length).toBeGreaterThan(300);
  });

  it('keeps each folder to what it may import', () => {
    expect(violations(edges)).toEqual([]);
  });

  /**
   * What Lambda runs declares its schemas with zod mini: a function bundles only the schema types and
   * checks it uses (about 35 KiB of zod), where classic zod's methods bring all of it (about 80 KiB).
   * `zod/v4/core` gives the error class, without the namespace object that would bring every locale;
   * `zod/v4/locales/en.js` the English messages (src/api/messages.ts). docs/performance.md says more.
   */
  it('declares runtime schemas with zod mini, imported as one namespace', () => {
    const zodImports = files
      .filter((file) => /^(src|functions|manifest)\//.test(file))
      .flatMap((file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import (.+) from '(zod[^']*)';$/gm)].map(([line, names, specifier]) => ({ file, line, names, specifier })));
    expect(zodImports.length).toBeGreaterThan(50);
    const allowed = (names = '', specifier = '') =>
      (specifier === 'zod/mini' && /^(type )?\* as z$/.test(names)) || (specifier === 'zod/v4/core' && names === '{ $ZodError }') || (specifier === 'zod/v4/locales/en.js' && names === 'en');
    expect(zodImports.filter(({ names, specifier }) => !allowed(names, specifier)).map(({ file, line }) => `${file}: ${line}`)).toEqual([]);
  });

  it('finds an import that breaks a rule', () => {
    const source = "import { x } from '../adapters/lead-store';\nimport type { y } from '../../manifest/types';\nimport { z } from '@aws-sdk/client-sesv2';\n";
    expect(violations(importsOf('src/domain/lead.ts', source))).toEqual([
      'src/domain/lead.ts -> src/adapters/lead-store',
      'src/domain/lead.ts -> manifest/types',
      'src/domain/lead.ts -> @aws-sdk/client-sesv2',
    ]);
    expect(violations(importsOf('functions/get-lead/handler.ts', "import { a } from '../score-lead/handler';\nimport { b } from '../score-lead/routes';\nimport { c } from './routes';"))).toEqual([
      'functions/get-lead/handler.ts -> functions/score-lead/handler',
      'functions/get-lead/handler.ts -> functions/score-lead/routes',
    ]);
    expect(violations(importsOf('manifest/manifest.ts', "import { a } from '../functions/get-lead/routes';\nimport { b } from '../functions/get-lead/handler';"))).toEqual([
      'manifest/manifest.ts -> functions/get-lead/handler',
    ]);
    expect(violations(importsOf('src/app/audience.ts', "import { a } from '../domain/lead';\nimport * as z from 'zod/mini';"))).toEqual([]);
  });
});
