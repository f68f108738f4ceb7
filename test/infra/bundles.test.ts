import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFor } from '../../infra/function-bundling';
import { manifest } from '../../manifest/manifest';

/** The bundle each function ships with, as `cdk deploy` builds it; its inputs by path, in bytes. */
async function deployedBundle(entry: string) {
  const result = await build({ ...esbuildOptionsFor(entry, 'out/handler.mjs', 'external'), write: false, metafile: true, logLevel: 'silent' });
  const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint);
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  return { bytes: output.bytes, inputs: Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path) };
}

describe('function bundles as deployed', () => {
  it.each(manifest.functions.map((spec) => [spec.name, spec.entry]))('%s is at most 300 KB, with no SDK code and only the English zod locale', async (_, entry) => {
    const bundle = await deployedBundle(entry);
    expect(bundle.inputs.filter((path) => path.includes('/@aws-sdk/'))).toEqual([]);
    // `import { z } from 'zod'` makes `z` a value, and with it every one of zod's 64 locales (258 KB): import `* as z`.
    expect(bundle.inputs.filter((path) => /\/zod\/.*\/locales\//.test(path)).map((path) => path.replace(/.*\/locales\//, ''))).toEqual(['en.js']);
    expect(bundle.bytes).toBeLessThanOrEqual(300 * 1024);
  });
});
