import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CDK_OUT_ROOT_VARIABLE } from '../global-setup';

/**
 * An app for template assertions. Its functions and console are not bundled (their code does not
 * matter to a template), and it synthesizes into a folder of its own under the run's, which the
 * run's teardown removes: by default CDK makes a new temporary folder for each app and nobody removes
 * it (about 25 MB each, a dozen a run).
 */
export function templateApp(context: Record<string, unknown> = {}): App {
  const root = process.env[CDK_OUT_ROOT_VARIABLE] ?? tmpdir();
  return new App({ outdir: mkdtempSync(join(root, 'cdk-')), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
}
