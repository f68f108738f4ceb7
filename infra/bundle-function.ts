/**
 * `node --import tsx infra/bundle-function.ts <entry> <folder>`: writes a function's bundle to
 * `<folder>/index.mjs` (and its source map) with bundleFunction: byte for byte what `npm run bench`
 * measures (bundleFunctions).
 * `cdk deploy` runs it for each function (LeadflowFunction): CDK bundles synchronously, and esbuild
 * runs plugins and swc minifies only in their asynchronous APIs, hence a process of its own.
 */
import { join } from 'node:path';
import { bundleFunction } from './function-bundling';

const [entry, folder] = process.argv.slice(2);
if (!entry || !folder) throw new Error('usage: node --import tsx infra/bundle-function.ts <entry> <folder>');
await bundleFunction(entry, join(folder, 'index.mjs'));
