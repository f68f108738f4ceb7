import type { BuildOptions } from 'esbuild';

/**
 * How every function is bundled: by `cdk deploy` (LeadflowFunction) and by `npm run bench`, which
 * measures what deploy ships. No CDK imports here, so the bench does not load aws-cdk-lib.
 */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: true,
  /**
   * Lambda runs Node.js 22. esbuild emits the very same code for node20 (checked for every function),
   * where the bench imports the bundles: one bundle runs on both.
   */
  target: 'node22',
  /**
   * ESM first: a package without an `exports` map (zod-to-openapi) otherwise resolves to its CommonJS
   * build, and through it a second, CommonJS copy of what it requires.
   */
  mainFields: ['module', 'main'],
  // Some dependencies are CommonJS and call require(); ESM bundles need it defined.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  /**
   * The Node.js 22 runtime provides the AWS SDK v3: a function imports the clients it calls from there,
   * and its bundle holds no SDK code. (The bench also measures the bundles with the SDK inside.)
   */
  externalModules: ['@aws-sdk/*'],
  /**
   * Powertools' batch parser reaches these only for an `innerSchema` with a `transformer`; leadflow's
   * consumers give a whole record `schema` (src/adapters/sqs-records.ts), so they are never loaded.
   * Bundled, they would bring zod in as one object and, with it, all 64 of its locales.
   */
  unreachableModules: ['@aws-lambda-powertools/parser/helpers', '@aws-lambda-powertools/parser/helpers/*', '@aws-lambda-powertools/parser/schemas/*'],
} as const;

/** The same bundle as esbuild options, for tools that build it without CDK; `sdk: 'bundled'` puts the SDK inside. */
export function esbuildOptionsFor(entry: string, outfile: string, sdk: 'external' | 'bundled'): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: FUNCTION_BUNDLING.minify,
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    external: [...(sdk === 'external' ? FUNCTION_BUNDLING.externalModules : []), ...FUNCTION_BUNDLING.unreachableModules],
  };
}
