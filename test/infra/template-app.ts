import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/leadflow-app';
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

/** Kept on the process, not the module: the files of a worker share it, each with module state of its own. */
const DEFAULT_APP = Symbol.for('leadflow.test.defaultTemplateApp');
interface DefaultAppHolder {
  [DEFAULT_APP]?: ReturnType<typeof buildApp>;
}

/**
 * The default app (no context), built and synthesized once per worker process for the files that only
 * read its templates: a build and synth of it is 2-3 s of CPU, and Template.fromStack synthesizes an app
 * once. A test that adds to an app or needs its synthesis to run again builds its own with templateApp.
 */
export function defaultTemplateApp(): ReturnType<typeof buildApp> {
  const holder = globalThis as DefaultAppHolder;
  holder[DEFAULT_APP] ??= buildApp(templateApp());
  return holder[DEFAULT_APP];
}
