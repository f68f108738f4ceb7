import type { Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import type ts from 'typescript';

/**
 * The esbuild plugins every function bundle is built with (infra/function-bundling.ts). Each one
 * rewrites a module (a dependency's, or leadflow's own) so that esbuild can leave out what a function never runs; none
 * changes what the code does when it runs (api-docs' document is generated when the bundle is built instead of at its
 * first request: the same document). Their effect is measured by `npm run bench -- functions`
 * and held by test/infra/bundles.test.ts.
 */

/**
 * The operations leadflow's functions send, by client: every `*Command` module a function bundle
 * carries (test/infra/bundles.test.ts fails on one missing here). DynamoDB's DescribeEndpoints comes
 * with the client's endpoint discovery, which is off: it is never sent, and declares no error of its own.
 */
export const SDK_OPERATIONS_SENT: Readonly<Record<string, readonly string[]>> = {
  'client-dynamodb': ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'DescribeEndpoints', 'GetItem', 'PutItem', 'Query', 'Scan', 'TransactWriteItems', 'UpdateItem'],
  'client-eventbridge': ['PutEvents'],
  'client-sesv2': ['SendEmail'],
  'client-sqs': ['ChangeMessageVisibility', 'GetQueueUrl'],
  'client-scheduler': ['CreateSchedule', 'DeleteSchedule', 'UpdateSchedule'],
  'client-secrets-manager': ['GetSecretValue'],
  'client-cognito-identity-provider': [
    'AdminAddUserToGroup',
    'AdminCreateUser',
    'AdminDisableUser',
    'AdminEnableUser',
    'AdminListGroupsForUser',
    'AdminRemoveUserFromGroup',
    'ListUsers',
    'ListUsersInGroup',
  ],
};

/**
 * The errors a client's operations can return, as each command's type declaration lists them
 * (`@throws {@link ConditionalCheckFailedException}`): the service's model, from which the SDK is generated.
 */
async function errorsOf(clientFolder: string, operations: readonly string[]): Promise<Set<string>> {
  const declarations = await Promise.all(operations.map((operation) => readFile(join(clientFolder, 'dist-types', 'commands', `${operation}Command.d.ts`), 'utf8')));
  return new Set(declarations.flatMap((declaration) => [...declaration.matchAll(/@throws \{@link (\w+)\}/g)].map(([, name]) => name ?? '')));
}

/**
 * Two rewrites of an AWS SDK client's `schemas_0.js`, which declares every shape and error of its service:
 *
 * - Its shapes are arrays whose traits are objects with computed keys (`{ [_h]: ["POST", "/v2/email/outbound-emails"] }`,
 *   `_h` a string constant of the same file). esbuild keeps any object with a computed key, since
 *   turning the key into a property name could run code, and with it every shape the object refers to:
 *   47 KB of SES's 106 KB for a function that calls SendEmail only. With the constants written in as
 *   literal keys, esbuild keeps the shapes of the commands a function sends, and their errors.
 * - It registers a class for every error of the service, so each is kept. A response is only ever an
 *   error its operation declares (an undeclared one would still throw, as the service's base exception
 *   under the error's name, which is all leadflow reads of an error it does not expect: src/adapters/dynamo-errors.ts
 *   tells errors apart by name). The registrations of errors that no operation of SDK_OPERATIONS_SENT
 *   declares go: DynamoDB's backup, export, import, global-table and table-management errors, SQS's
 *   batch and purge errors, and so on (7.6 KB in every function with a table).
 */
const sdkSchemasOfOperationsSent: Plugin = {
  name: 'sdk-schemas-of-operations-sent',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const strings = new Map([...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name, literal]) => [name, literal]));
      const withLiteralKeys = source.replace(/\[(_\w+)\]:/g, (key, name: string) => (strings.has(name) ? `${strings.get(name)}:` : key));
      const clientFolder = join(dirname(path), '..', '..');
      const client = basename(clientFolder);
      const operations = Object.hasOwn(SDK_OPERATIONS_SENT, client) ? SDK_OPERATIONS_SENT[client] : undefined;
      if (!operations) return { contents: withLiteralKeys, loader: 'js' };
      const errors = await errorsOf(clientFolder, operations);
      const contents = withLiteralKeys.replace(/^\w+_registry\.registerError\((\w+)\$, \1\);$/gm, (registration, error: string) =>
        errors.has(error) || error.endsWith('ServiceException') ? registration : '',
      );
      return { contents, loader: 'js' };
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

type TypeScriptCompiler = typeof ts;
let compiler: Promise<TypeScriptCompiler> | undefined;
/**
 * The TypeScript compiler, loaded by the first build that marks a module: loading it takes about 1.4 s
 * of CPU, which every process importing these plugins paid at import, `npm start` and each local
 * stack of the tests included, though they build only when their kept bundles are out of date.
 */
const typescriptCompiler = () => (compiler ??= import('typescript').then((module) => module.default));

/** The project's folder: only its own modules' schemas are marked. */
const PROJECT_FOLDER = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where a module-level constant's initializer calls zod to build a schema: `z.object(...)`, the
 * `.check(...)` that adds a refinement, leadflow's `preprocess(...)` (src/domain/preprocess.ts). Not
 * `z.config`, which installs the messages, and nothing inside a function, which runs only when called.
 */
function schemaBuildingCalls(ts: TypeScriptCompiler, file: ts.SourceFile): number[] {
  const starts: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const zodFunction = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'z' && callee.name.text !== 'config';
      const refinement = ts.isPropertyAccessExpression(callee) && callee.name.text === 'check';
      const preprocess = ts.isIdentifier(callee) && callee.text === 'preprocess';
      if (zodFunction || refinement || preprocess) starts.push(node.getStart(file));
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) if (declaration.initializer) visit(declaration.initializer);
  }
  return [...new Set(starts)].sort((a, b) => b - a);
}

/**
 * esbuild drops a module-level constant nobody reads only if building its value has no side effects,
 * and a call has them unless marked `/* @__PURE__ *\/`. zod marks its own functions, but leadflow's
 * schemas call them through `z.` and refine them with `.check(...)`, a method call esbuild must keep:
 * so every schema of every module a function imports stayed in its bundle, read or not (capture-form
 * kept the care settings', sales reasons' and shared API schemas of the modules it imports). Building a schema has no effect
 * but the schema (and its metadata, which the OpenAPI document reads from schemas it reaches), so
 * this marks the zod calls of module-level constants in leadflow's own code as pure: a schema no
 * code of the function reads goes, one it reads stays as it was. Expression statements and function
 * bodies are left alone.
 */
const leadflowSchemasPure: Plugin = {
  name: 'leadflow-schemas-pure',
  setup(build) {
    build.onLoad({ filter: /[\\/](?:src|functions|manifest)[\\/].*\.ts$/ }, async ({ path }) => {
      if (/[\\/]node_modules[\\/]/.test(path) || !path.startsWith(PROJECT_FOLDER)) return undefined;
      const source = await readFile(path, 'utf8');
      return { contents: withSchemasMarkedPure(await typescriptCompiler(), path, source), loader: 'ts' };
    });
  },
};

/**
 * Each module's marked source, by path, for as long as the process runs: the bundles test and the bench
 * build all 51 functions in one process, and most modules are in many of them. Parsing a module with
 * the TypeScript compiler was most of the Node side of a build (about 0.25 s a function); a module
 * whose source changed is marked afresh.
 */
const markedSources = new Map<string, { readonly source: string; readonly contents: string }>();
function withSchemasMarkedPure(ts: TypeScriptCompiler, path: string, source: string): string {
  const marked = markedSources.get(path);
  if (marked?.source === source) return marked.contents;
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  let contents = source;
  for (const start of schemaBuildingCalls(ts, file)) contents = `${contents.slice(0, start)}/* @__PURE__ */ ${contents.slice(start)}`;
  markedSources.set(path, { source, contents });
  return contents;
}

/**
 * lib-dynamodb declares no `sideEffects`, so each of its paginators, made at module level by a call
 * (`paginateScan = createPaginator(...)`), stayed in every function with a table, read or not, and
 * with it the command it pages: ScanCommand (0.6 KB) in functions that may not Scan. Making a
 * paginator has no effect but the paginator, so the call is marked pure: one nobody reads goes.
 */
const documentPaginatorsPure: Plugin = {
  name: 'document-paginators-pure',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]lib-dynamodb[\\/]dist-es[\\/]pagination[\\/]\w+Paginator\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      return { contents: source.replace(/= createPaginator\(/g, '= /* @__PURE__ */ createPaginator('), loader: 'js' };
    });
  },
};

/** What each of lib-dynamodb's commands does on every call, and what it does once resolved per class. */
const DOCUMENT_COMMAND_RESOLUTION = {
  method: 'resolveMiddleware(clientStack, configuration, options) {',
  handler: 'return async () => handler(this.clientCommand);',
  methodAfresh: 'resolveAfresh(clientStack, configuration, options) {',
  handlerOfAnyCommand: 'return async (command) => handler(command.clientCommand);',
};

/**
 * Resolving a client's middleware stack (a sort and copy of its some 30 entries into a chain of
 * closures) is what the SDK's `cacheMiddleware` does once per command class; the functions' other
 * clients use it (src/adapters/clients.ts). lib-dynamodb refuses it for the document client, whose
 * commands, the functions' most frequent calls, each resolved the stack twice on every call (their
 * own copy, then the DynamoDB command's), because the handler a command resolves sends that very
 * command's input. Here each command class's handler sends the input of the command it is given
 * (the document command's `clientCommand`, as before), so the base class resolves it once per client
 * and command class and every later command of that class reuses it, as `cacheMiddleware` does: the
 * marshalling middleware it adds reads only the class's key nodes and the client's options, and a call
 * with options (an abort signal) is resolved afresh. A lib-dynamodb whose commands read otherwise
 * fails the build.
 */
const documentCommandsResolvedOnce: Plugin = {
  name: 'document-commands-resolved-once',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]lib-dynamodb[\\/]dist-es[\\/](?:commands[\\/]\w+Command|baseCommand[\\/]DynamoDBDocumentClientCommand)\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const { method, handler, methodAfresh, handlerOfAnyCommand } = DOCUMENT_COMMAND_RESOLUTION;
      if (basename(path) === 'DynamoDBDocumentClientCommand.js') {
        const classStart = 'export class DynamoDBDocumentClientCommand extends $Command {';
        if (!source.includes(classStart)) throw new Error(`${path}: lib-dynamodb's base command is not declared as infra/bundle-plugins.ts expects`);
        return {
          contents: source.replace(
            classStart,
            [
              'const resolvedByClientStack = new WeakMap();',
              classStart,
              '    resolveMiddleware(clientStack, configuration, options) {',
              '        if (options !== undefined) return this.resolveAfresh(clientStack, configuration, options);',
              '        if (!resolvedByClientStack.has(clientStack)) resolvedByClientStack.set(clientStack, new Map());',
              '        const resolved = resolvedByClientStack.get(clientStack);',
              '        if (!resolved.has(this.constructor)) resolved.set(this.constructor, this.resolveAfresh(clientStack, configuration));',
              '        return resolved.get(this.constructor);',
              '    }',
            ].join('\n'),
          ),
          loader: 'js',
        };
      }
      if (source.split(method).length !== 2 || source.split(handler).length !== 2) {
        throw new Error(`${path}: lib-dynamodb's command does not resolve its middleware as infra/bundle-plugins.ts expects`);
      }
      return { contents: source.replace(method, methodAfresh).replace(handler, handlerOfAnyCommand), loader: 'js' };
    });
  },
};

/** Where the SDK makes a client's signer: in both branches of its default `signer`, on every request. */
const SIGNER_MADE_PER_REQUEST =
  /const params = \{\s*\.\.\.config,\s*credentials: config\.credentials,\s*region: config\.signingRegion,\s*service: config\.signingName,\s*sha256,\s*uriEscapePath: signingEscapePath,\s*\};\s*const SignerCtor = config\.signerConstructor \|\| SignatureV4;\s*return new SignerCtor\(params\);/g;

/**
 * A client's default `signer` (`@aws-sdk/core`'s resolveAwsSdkSigV4Config) made a new SigV4 signer for
 * every request, from a copy of the client's whole configuration (some 60 members); a signer keeps
 * nothing between the requests it signs (the signing keys are cached by its module). Here the client
 * makes it once and again only if its credential provider is replaced: the signing region and name it
 * is made with are the client's, which the SDK settles at the first request and keeps. Each request is
 * signed as before, with the credentials, region and date of that request.
 */
const sdkSignerMadeOnce: Plugin = {
  name: 'sdk-signer-made-once',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]httpAuthSchemes[\\/]aws_sdk[\\/]resolveAwsSdkSigV4Config\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (source.match(SIGNER_MADE_PER_REQUEST)?.length !== 2) throw new Error(`${path}: the SDK does not make its signer as infra/bundle-plugins.ts expects`);
      const signerOf = [
        'const signers = new WeakMap();',
        'function signerOf(config, sha256, uriEscapePath) {',
        '    let made = signers.get(config);',
        '    if (made?.credentials !== config.credentials) signers.set(config, (made = { credentials: config.credentials, signer: new (config.signerConstructor || SignatureV4)({',
        '        ...config, credentials: config.credentials, region: config.signingRegion, service: config.signingName, sha256, uriEscapePath }) }));',
        '    return made.signer;',
        '}',
      ];
      return { contents: [source.replace(SIGNER_MADE_PER_REQUEST, 'return signerOf(config, sha256, signingEscapePath);'), ...signerOf].join('\n'), loader: 'js' };
    });
  },
};

/**
 * Where the SDK copies a client's whole configuration (45-51 members in leadflow's clients) into a new
 * object on every call, by `@smithy/core` module: the copy each middleware hands on, and what stands in
 * for it.
 */
const CONFIGURATION_COPIED_PER_CALL: Readonly<Record<string, readonly (readonly [copy: string, view: string])[]>> = {
  'schemaSerializationMiddleware.js': [['{\n        ...config,\n        ...context,\n        endpoint,\n    }', 'configurationView(config, context, { endpoint })']],
  'schemaDeserializationMiddleware.js': [['{\n            ...config,\n            ...context,\n        }', 'configurationView(config, context)']],
  'endpointMiddleware.js': [['{ ...config }', 'configurationView(config)']],
  'getEndpointFromInstructions.js': [['Object.assign(endpointParams, clientConfig);', 'for (const name in clientConfig) endpointParams[name] = clientConfig[name];']],
};

/**
 * Three middlewares of every call (the request's serialization, the response's deserialization, the
 * endpoint's resolution) copied the client's configuration, with the call's context over it, into a new
 * object: 9% of send-campaign's thread's busy time in a profile of `npm run bench -- campaign`, their
 * own time alone (docs/performance.md). What they hand on instead is a view: an object whose prototype
 * is the configuration and whose own members are the context's (and the middleware's additions), so every
 * member reads as it did from the copy, and a write (the endpoint resolution sets `endpoint` and
 * `isCustomEndpoint` when the environment names one) lands on the view, as it landed on the copy, never
 * on the configuration. What reads the view reads members by name; the one place that copied a whole
 * configuration on (the endpoint parameters of a client that declares none) copies the view's
 * inherited members too, as it copied the copy's. A `@smithy/core` whose middlewares copy otherwise
 * fails the build.
 */
const sdkConfigurationNotCopiedPerCall: Plugin = {
  name: 'sdk-configuration-not-copied-per-call',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/](?:schema[\\/]middleware[\\/]schema(?:Des|S)erializationMiddleware|endpoints[\\/]middleware-endpoint[\\/](?:endpointMiddleware|adaptors[\\/]getEndpointFromInstructions))\.js$/ },
      async ({ path }) => {
        const replacements = CONFIGURATION_COPIED_PER_CALL[basename(path)] ?? [];
        let contents = await readFile(path, 'utf8');
        for (const [copy, view] of replacements) {
          if (contents.split(copy).length !== 2) throw new Error(`${path}: the SDK does not copy its configuration as infra/bundle-plugins.ts expects`);
          contents = contents.replace(copy, view);
        }
        if (replacements.some(([, view]) => view.startsWith('configurationView('))) {
          contents += ['', 'function configurationView(config, ...over) {', '    return Object.assign(Object.create(config), ...over);', '}'].join('\n');
        }
        return { contents, loader: 'js' };
      },
    );
  },
};

const SDK_REPLACEMENTS = fileURLToPath(new URL('./sdk-replacements/', import.meta.url));
/** SDK modules (by package and path under its `dist-es`) and the file of infra/sdk-replacements/ that stands in for each. */
const SDK_MODULE_REPLACEMENTS: Readonly<Record<string, string>> = {
  '@aws-sdk/core/submodules/client/middleware-logger/loggerMiddleware.js': 'no-sdk-log-entries.ts',
  '@smithy/core/submodules/checksum/md5/Md5Js.js': 'node-crypto-md5.ts',
  '@smithy/core/submodules/checksum/sha256/Sha256Js.js': 'node-crypto-sha256.ts',
  '@smithy/core/submodules/client/smithy-client/schemaLogFilter.js': 'no-sdk-log-entries.ts',
  '@smithy/core/submodules/config/config-resolver/regionConfig/getInstanceMetadataRegion.js': 'region-from-environment.ts',
  '@smithy/core/submodules/config/shared-ini-file-loader/loadSharedConfigFiles.js': 'no-shared-config-files.ts',
  '@smithy/core/submodules/endpoints/middleware-endpoint/service-customizations/s3.js': 'no-s3-endpoints.ts',
  '@smithy/core/submodules/retry/util-retry/AdaptiveRetryStrategy.js': 'standard-retries-only.ts',
  '@smithy/core/submodules/serde/util-stream/sdk-stream-mixin.browser.js': 'node-streams-only.ts',
  '@smithy/core/submodules/serde/util-stream/stream-collector.browser.js': 'node-streams-only.ts',
  '@smithy/signature-v4/HeaderFormatter.js': 'no-event-stream-signing.ts',
};

/**
 * The files the replacements name, by package and file name: esbuild calls the plugin only for these,
 * not for each of the SDK's some 400 modules a function bundles.
 */
const REPLACED_SDK_MODULE_FILES = new RegExp(
  `[\\\\/](?:@smithy[\\\\/](?:core|signature-v4)|@aws-sdk[\\\\/]core)[\\\\/]dist-es[\\\\/](?:.*[\\\\/])?(?:${[...new Set(Object.keys(SDK_MODULE_REPLACEMENTS).map((module) => basename(module).replaceAll('.', '\\.')))].join('|')})$`,
);

/**
 * Replaces SDK modules that never run in leadflow's functions in Lambda (each replacement says why).
 * They are imported by relative paths inside their packages, which esbuild's `alias` (used for whole
 * packages in function-bundling.ts) cannot reach.
 */
const sdkModulesNeverRun: Plugin = {
  name: 'sdk-modules-never-run',
  setup(build) {
    build.onLoad({ filter: REPLACED_SDK_MODULE_FILES }, async ({ path }) => {
      const module = path.replaceAll('\\', '/').replace(/.*\/node_modules\/(@[^/]+\/[^/]+)\/dist-es\//, '$1/');
      const replacement = Object.hasOwn(SDK_MODULE_REPLACEMENTS, module) ? SDK_MODULE_REPLACEMENTS[module] : undefined;
      if (!replacement) return undefined;
      return { contents: await readFile(join(SDK_REPLACEMENTS, replacement), 'utf8'), loader: 'ts', resolveDir: SDK_REPLACEMENTS };
    });
  },
};

/**
 * The SDK's partition table names each of its 55 regions with a description for people ("Europe
 * (Ireland)"), 1.8 KB of every bundle. Endpoint resolution reads a region's partition by the region's
 * name and uses the partition's outputs (DNS suffix, FIPS and dual-stack support): no client's
 * endpoint rules read a description. The regions stay, each with no attributes, so a region resolves
 * to the partition and endpoint it did (test/infra/bundles.test.ts compares them with the SDK's own).
 */
const sdkPartitionsWithoutDescriptions: Plugin = {
  name: 'sdk-partitions-without-descriptions',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]util-endpoints[\\/]lib[\\/]aws[\\/]partitions\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      return { contents: source.replace(/\{\s*"description": "[^"\\\n]*"\s*\}/g, '{}'), loader: 'js' };
    });
  },
};

/**
 * api-docs serves the OpenAPI document of every route. Generated at run time, its bundle carried the
 * whole manifest, every route's schema and zod-to-openapi (300 KiB besides the SDK, and growing with
 * each route). functions/api-docs/document.ts is replaced in the bundle by the document generated here,
 * at build time, from the same sources: compressed with Brotli (the compact JSON is over 300 KiB; about
 * a tenth of that compressed) and decompressed by node:zlib on the first request, once per container.
 */
const openApiDocumentAtBuildTime: Plugin = {
  name: 'openapi-document-at-build-time',
  setup(build) {
    build.onLoad({ filter: /[\\/]functions[\\/]api-docs[\\/]document\.ts$/ }, async () => {
      const { openApiDocument } = await import('../src/api/openapi');
      const compressed = brotliCompressSync(JSON.stringify(openApiDocument()), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY } });
      return {
        contents: [
          "import { brotliDecompressSync } from 'node:zlib';",
          `const compressed = ${JSON.stringify(compressed.toString('base64'))};`,
          'let body;',
          "export const openApiDocumentBody = () => (body ??= brotliDecompressSync(Buffer.from(compressed, 'base64')).toString('utf8'));",
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * What the local runtime's bundles are built with (local/function-bundles.ts): all but the OpenAPI
 * document made at build time, which would take seconds of every local start (importing the OpenAPI
 * generator, generating, compressing) for a document api-docs' worker makes on its first request.
 */
export const LOCAL_RUNTIME_BUNDLE_PLUGINS: readonly Plugin[] = [
  leadflowSchemasPure,
  sdkSchemasOfOperationsSent,
  sdkClientVersionOnly,
  zodWithoutJsonSchema,
  sdkModulesNeverRun,
  sdkPartitionsWithoutDescriptions,
  documentCommandsResolvedOnce,
  documentPaginatorsPure,
  sdkSignerMadeOnce,
  sdkConfigurationNotCopiedPerCall,
];

/** In order: the first plugin whose `onLoad` returns a module's contents decides them (leadflowSchemasPure loads every project module). */
export const FUNCTION_BUNDLE_PLUGINS: readonly Plugin[] = [openApiDocumentAtBuildTime, ...LOCAL_RUNTIME_BUNDLE_PLUGINS];
