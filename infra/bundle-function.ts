/**
 * `node --import tsx infra/bundle-function.ts <entry> <folder>`: writes a function's bundle to
 * `<folder>/index.mjs` (and its source map) with esbuildOptionsFor, the options `npm run bench`
 * measures. `cdk deploy` runs it for each function (LeadflowFunction): CDK bundles synchronously,
 * and esbuild runs plugins only in its asynchronous API, hence a process of its own.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { esbuildOptionsFor } from './function-bundling';

const [entry, folder] = process.argv.slice(2);
if (!entry || !folder) throw new Error('usage: node --import tsx infra/bundle-function.ts <entry> <folder>');
await build({ ...esbuildOptionsFor(entry, join(folder, 'index.mjs')), logLevel: 'warning' });
