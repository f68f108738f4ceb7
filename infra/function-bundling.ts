import { transform } from '@swc/core';
import { build, type BuildOptions, type Metafile, type OutputFile, type Plugin } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_BUNDLE_PLUGINS, LOCAL_RUNTIME_BUNDLE_PLUGINS } from './bundle-plugins';

/** Where `cdk deploy` runs esbuild, and the folder the aliases below are relative to. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * How every function is bundled: by `cdk deploy` (LeadflowFunction, through infra/bundle-function.ts)
 * with `bundleFunction` below, and by `npm run bench` and the test of the bundles, which measure what
 * deploy ships, all functions at once with `bundleFunctions`. No CDK imports here, so the bench does
 * not load aws-cdk-lib.
 */
export const FUNCTION_BUNDLING = {
  minify: true,
  /**
   * esbuild's bundle is minified a second time by swc, which compresses harder than esbuild does
   * (inlining, dead branches, shorter forms across the whole module): 4-5 % off every function (docs/performance.md,
   * "Second minifier pass"). Top level included: a function's bundle is an ES module of its own.
   */
  secondMinifier: {
    module: true,
    toplevel: true,
    compress: { passes: 2, toplevel: true },
    mangle: { toplevel: true },
    format: { comments: false },
  },
  sourceMap: true,
  /**
   * The source map holds where each line came from, not the sources' text: a stack trace needs only
   * the first. With the text, score-lead's map was 1.86 MB against 0.54 MB without (2026-12-01,
   * docs/performance.md).
   */
  sourcesContent: false,
  /**
   * Imported first by every function (`sourceMappedStackTraces` below): stack traces in its logs name
   * the TypeScript sources, the map read when the first trace is written. Not `--enable-source-maps`,
   * under which Node reads and parses the whole map at every cold start: a cold import took 93-98 ms
   * of CPU with the flag and 69-79 ms without it here (score-lead, ingest-events, alert-sales; 2026-12-01).
   */
  stackTraces: './infra/injected/source-mapped-stack-traces.ts',
  /**
   * Lambda runs Node.js 22. esbuild emits the very same code for node20 (checked for every function),
   * where the bench imports the bundles: one bundle runs on both.
   */
  target: 'node22',
  /**
   * The only comments esbuild would keep are Powertools' coverage hints (`v8 ignore next -- @preserve`),
   * gathered at the end of each bundle: no dependency a function bundles has a licence comment.
   */
  legalComments: 'none',
  /**
   * ESM first: a package without an `exports` map otherwise resolves to its CommonJS build, and through
   * it a second, CommonJS copy of what it requires (zod-to-openapi did, while api-docs' bundle carried it).
   */
  mainFields: ['module', 'main'],
  // Some dependencies are CommonJS and call require(); ESM bundles need it defined.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  /**
   * The AWS SDK goes inside each bundle, tree-shaken to the clients and commands the function calls,
   * so a function runs the SDK version its tests ran and starts faster: a cold import took 53-77 ms of
   * CPU with the SDK inside, 181-224 ms loading it from node_modules as the Lambda runtime supplies it
   * (CommonJS, each client with all its commands and every protocol), `npm run bench -- functions`.
   * These SDK modules are replaced by what a function in Lambda needs of them (paths relative to
   * PROJECT_ROOT; each file says why).
   */
  sdkReplacements: {
    '@aws-sdk/credential-provider-node': './infra/sdk-replacements/environment-credentials.ts',
    '@aws-sdk/signature-v4-multi-region': './infra/sdk-replacements/sigv4-only.ts',
    '@smithy/core/event-streams': './infra/sdk-replacements/no-event-streams.ts',
    '@aws-sdk/endpoint-cache': './infra/sdk-replacements/no-endpoint-discovery-cache.ts',
  },
  /**
   * Powertools' batch parser reaches these only for an `innerSchema` with a `transformer`; leadflow's
   * consumers give a whole record `schema` (src/adapters/sqs-records.ts), so they are never loaded.
   * Bundled, they would bring zod in as one object and, with it, all 64 of its locales.
   */
  unreachableModules: ['@aws-lambda-powertools/parser/helpers', '@aws-lambda-powertools/parser/helpers/*', '@aws-lambda-powertools/parser/schemas/*'],
} as const;

/**
 * How esbuild bundles a function, with the plugins of infra/bundle-plugins.ts. `sdk: 'external'`
 * bundles it instead as it would be with the SDK left to the Lambda runtime (the bench compares the two).
 */
function bundlingOptions(sdk: 'bundled' | 'external', plugins: readonly Plugin[] = FUNCTION_BUNDLE_PLUGINS): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    target: FUNCTION_BUNDLING.target,
    legalComments: FUNCTION_BUNDLING.legalComments,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    ...(sdk === 'bundled' ? { alias: { ...FUNCTION_BUNDLING.sdkReplacements } } : {}),
    external: [...(sdk === 'external' ? ['@aws-sdk/*'] : []), ...FUNCTION_BUNDLING.unreachableModules],
    plugins: [sourceMappedStackTraces, ...plugins],
  };
}

/**
 * Each entry point becomes a module that imports FUNCTION_BUNDLING.stackTraces, then re-exports the
 * entry: ES modules run in import order, so the traces are mapped before the function's own code runs.
 * Not esbuild's `inject`, which imports the file into every module, and where a bundle has CommonJS
 * modules, wraps it to be started from each of them (1.5 KB more of the SDK's share of alert-sales).
 */
const sourceMappedStackTraces: Plugin = {
  name: 'source-mapped-stack-traces',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'entry-point' ? { path: resolve(args.resolveDir, args.path), namespace: 'function-entry' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'function-entry' }, (args) => ({
      contents: `import ${JSON.stringify(resolve(PROJECT_ROOT, FUNCTION_BUNDLING.stackTraces))};\nexport * from ${JSON.stringify(args.path)};\n`,
      resolveDir: PROJECT_ROOT,
      loader: 'ts',
    }));
  },
};

/**
 * The functions as the local runtime runs them (local/function-bundles.ts): each entry bundled as
 * deploy bundles it, SDK replacements and plugins included (but the OpenAPI document's: see
 * LOCAL_RUNTIME_BUNDLE_PLUGINS), in one build for all, where the modules
 * several entries share are chunks of their own (each parsed once), and not minified. `entryPoints`
 * maps each output's path under `outdir`, without extension, to its entry; every output is an `.mjs`
 * ES module with its source map beside it. Returns esbuild's metafile: its inputs are the files the
 * build read, by path relative to PROJECT_ROOT.
 */
export async function bundleForLocalRuntime(entryPoints: Readonly<Record<string, string>>, outdir: string): Promise<Metafile> {
  const result = await build({
    ...bundlingOptions('bundled', LOCAL_RUNTIME_BUNDLE_PLUGINS),
    entryPoints: { ...entryPoints },
    outdir,
    splitting: true,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/**
 * Writes a function's bundle as `cdk deploy` ships it to `outfile` (and its source map beside it):
 * esbuild's bundle with `bundlingOptions`, then minified again by swc, the source map carried through
 * both to the TypeScript sources. Returns its size and esbuild's metafile, which tells what each input
 * added before the second pass.
 */
export async function bundleFunction(entry: string, outfile: string, sdk: 'bundled' | 'external' = 'bundled'): Promise<{ bytes: number; metafile: Metafile }> {
  const result = await build({ ...bundlingOptions(sdk), entryPoints: [entry], outfile, minify: FUNCTION_BUNDLING.minify, write: false, metafile: true, logLevel: 'warning' });
  const bytes = await writeMinifiedAgain(result.outputFiles, outfile, entry);
  return { bytes, metafile: result.metafile };
}

/** What esbuild's bundle of one function holds before the second minifier pass: each input by path (relative to PROJECT_ROOT), with the bytes it added. */
export type FunctionBundleOutput = Metafile['outputs'][string];

/**
 * Every function of `entries` (its name to its entry) bundled as bundleFunction bundles it, written to
 * `<outdir>/<name>/index.mjs`, from one esbuild build: without code splitting esbuild writes each entry's
 * output as a build of that entry alone would (the test of the bundles compares one with what
 * `cdk deploy` ships), but parses the modules the functions share (the SDK, zod, the domain) once
 * instead of once per function (esbuild took 11.9 s for all 56 here, 1.2 s for one). Returns, by name, the bundle's path,
 * its size as shipped and what esbuild's metafile says of its output.
 */
export async function bundleFunctions(
  entries: Readonly<Record<string, string>>,
  outdir: string,
  sdk: 'bundled' | 'external' = 'bundled',
): Promise<Record<string, { outfile: string; bytes: number; output: FunctionBundleOutput }>> {
  const entryPoints = Object.fromEntries(Object.entries(entries).map(([name, entry]) => [`${name}/index`, entry]));
  const result = await build({ ...bundlingOptions(sdk), entryPoints, outdir, outExtension: { '.js': '.mjs' }, minify: FUNCTION_BUNDLING.minify, write: false, metafile: true, logLevel: 'warning' });
  const outputs = Object.entries(result.metafile.outputs);
  const bundles: Record<string, { outfile: string; bytes: number; output: FunctionBundleOutput }> = {};
  // swc minifies on libuv's four threads: more at once only holds more bundles in memory.
  const names = Object.keys(entries);
  const minifyNext = async (): Promise<void> => {
    const name = names.shift();
    if (name === undefined) return;
    const outfile = resolve(PROJECT_ROOT, outdir, name, 'index.mjs');
    const [, output] = outputs.find(([path]) => resolve(PROJECT_ROOT, path) === outfile) ?? [];
    if (!output) throw new Error(`esbuild wrote no bundle for ${entries[name]}`);
    const bytes = await writeMinifiedAgain(result.outputFiles, outfile, entries[name] ?? name);
    bundles[name] = { outfile, bytes, output };
    return minifyNext();
  };
  await Promise.all(Array.from({ length: 4 }, minifyNext));
  return bundles;
}

/**
 * The second minifier pass: swc minifies esbuild's bundle of `entry` (among `files`, with its source
 * map) and writes it to `outfile`, the source map carried through both to the TypeScript sources. The
 * bundle's size as shipped.
 */
async function writeMinifiedAgain(files: readonly OutputFile[], outfile: string, entry: string): Promise<number> {
  // esbuild names its outputs by absolute path; `outfile` is relative to where it ran, if not absolute.
  const bundlePath = resolve(PROJECT_ROOT, outfile);
  const bundle = files.find((file) => file.path === bundlePath);
  const sourceMap = files.find((file) => file.path === `${bundlePath}.map`);
  if (!bundle || !sourceMap) throw new Error(`esbuild wrote no bundle with a source map for ${entry}`);
  const minified = await transform(bundle.text, {
    swcrc: false,
    configFile: false,
    filename: basename(outfile),
    isModule: true,
    minify: true,
    sourceMaps: true,
    inputSourceMap: sourceMap.text,
    jsc: { parser: { syntax: 'ecmascript' }, target: 'esnext', minify: FUNCTION_BUNDLING.secondMinifier },
  });
  if (!minified.map) throw new Error(`swc returned no source map for ${entry}`);
  const code = `${minified.code}\n//# sourceMappingURL=${basename(outfile)}.map\n`;
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, code);
  writeFileSync(`${outfile}.map`, minified.map);
  return Buffer.byteLength(code);
}
