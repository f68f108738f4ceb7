import type { Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The esbuild plugins every function bundle is built with (infra/function-bundling.ts). Each one
 * rewrites a dependency's module so that esbuild can leave out what a function never runs; none
 * changes what the code does when it runs. Their effect is measured by `npm run bench -- functions`
 * and held by test/infra/bundles.test.ts.
 */

/**
 * An AWS SDK client's `schemas_0.js` declares every shape of every operation of its service, as
 * arrays whose traits are objects with computed keys (`{ [_h]: ["POST", "/v2/email/outbound-emails"] }`,
 * `_h` a string constant of the same file). esbuild keeps any object with a computed key, since
 * turning the key into a property name could run code, and with it every shape the object refers to:
 * 47 KB of SES's 106 KB for a function that calls SendEmail only. With the constants written in as
 * literal keys, esbuild keeps the shapes of the commands a function sends, and their errors.
 */
const sdkSchemasWithLiteralKeys: Plugin = {
  name: 'sdk-schemas-with-literal-keys',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const strings = new Map([...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name, literal]) => [name, literal]));
      return { contents: source.replace(/\[(_\w+)\]:/g, (key, name: string) => (strings.has(name) ? `${strings.get(name)}:` : key)), loader: 'js' };
    });
  },
};

/**
 * A client's runtime configuration imports its whole `package.json` (2 KB: scripts, dependencies,
 * descriptions) for one field, the version it puts in the User-Agent header.
 */
const sdkClientVersionOnly: Plugin = {
  name: 'sdk-client-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async ({ path }) => {
      const { version } = JSON.parse(await readFile(path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/** The zod modules that only turn schemas into JSON Schema, and the exports that build a method at schema creation. */
const ZOD_JSON_SCHEMA_MODULES = /[\\/]zod[\\/]v4[\\/]core[\\/](?:json-schema-processors|to-json-schema)\.js$/;
const ZOD_JSON_SCHEMA_METHOD_FACTORIES = new Set(['createToJSONSchemaMethod', 'createStandardJSONSchemaMethod']);

/**
 * zod 4's classic schemas give every schema a `toJSONSchema()` method and a JSON Schema processor,
 * which keeps zod's whole JSON Schema generator (16 KB) in every bundle. No function produces JSON
 * Schema (api-docs derives OpenAPI with zod-to-openapi, which walks the schemas itself), so in a bundle
 * those modules become functions that throw, named as a call would see them. Schema creation still
 * builds its methods (the factories return the throwing function); a zod version that imports
 * something else from these modules fails the build instead of a function at run time.
 */
const zodWithoutJsonSchema: Plugin = {
  name: 'zod-without-json-schema',
  setup(build) {
    build.onLoad({ filter: ZOD_JSON_SCHEMA_MODULES }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const names = [...source.matchAll(/^export (?:const|function) (\w+)/gm), ...source.matchAll(/^export \{ \w+ as (\w+) \};$/gm)].map(([, name]) => name);
      const stubs = names.map((name) => `export const ${name} = ${ZOD_JSON_SCHEMA_METHOD_FACTORIES.has(name ?? '') ? '() => unavailable' : 'unavailable'};`);
      return {
        contents: [
          'const unavailable = () => { throw new Error("leadflow function bundles leave out zod\'s JSON Schema generation: no function produces JSON Schema (infra/bundle-plugins.ts)"); };',
          ...stubs,
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

const SDK_REPLACEMENTS = fileURLToPath(new URL('./sdk-replacements/', import.meta.url));
/** `@smithy/core` modules (by path under its `dist-es`) and the file of infra/sdk-replacements/ that stands in for each. */
const SMITHY_CORE_REPLACEMENTS: Readonly<Record<string, string>> = {
  'submodules/checksum/sha256/Sha256Js.js': 'node-crypto-sha256.ts',
  'submodules/config/config-resolver/regionConfig/getInstanceMetadataRegion.js': 'region-from-environment.ts',
  'submodules/config/shared-ini-file-loader/loadSharedConfigFiles.js': 'no-shared-config-files.ts',
  'submodules/endpoints/middleware-endpoint/service-customizations/s3.js': 'no-s3-endpoints.ts',
};

/**
 * Replaces `@smithy/core` modules that only run outside Lambda (each replacement says why). They are
 * imported by relative paths inside the package, which esbuild's `alias` (used for whole packages in
 * function-bundling.ts) cannot reach.
 */
const smithyCoreOutsideLambda: Plugin = {
  name: 'smithy-core-outside-lambda',
  setup(build) {
    build.onLoad({ filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/](?:checksum|config|endpoints)[\\/].*\.js$/ }, async ({ path }) => {
      const module = path.replaceAll('\\', '/').split('/@smithy/core/dist-es/')[1] ?? '';
      const replacement = Object.hasOwn(SMITHY_CORE_REPLACEMENTS, module) ? SMITHY_CORE_REPLACEMENTS[module] : undefined;
      if (!replacement) return undefined;
      return { contents: await readFile(join(SDK_REPLACEMENTS, replacement), 'utf8'), loader: 'ts', resolveDir: SDK_REPLACEMENTS };
    });
  },
};

export const FUNCTION_BUNDLE_PLUGINS: readonly Plugin[] = [sdkSchemasWithLiteralKeys, sdkClientVersionOnly, zodWithoutJsonSchema, smithyCoreOutsideLambda];
