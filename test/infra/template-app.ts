import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/leadflow-app';
import { CDK_OUT_ROOT_VARIABLE } from '../global-setup';

/** The context cdk.json gives the app at every `npx cdk synth` and `deploy` (its feature flags). */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> =
  (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};

export interface TemplateAppOptions {
  /**
   * Whether synthesis runs aws-cdk-lib's own CloudFormation validation of the templates, as `cdk
   * synth` does. Off unless a test asks: starting its engine is most of the first synthesis's CPU in
   * a process (about 10 of 13 s for the whole app), and test/infra/cloudformation-validation.test.ts
   * validates every template the others read.
   */
  readonly cloudFormationValidation?: boolean;
}

/**
 * An app for template assertions, with cdk.json's context as the CLI gives it. Its functions and
 * console are not bundled (their code does not matter to a template), and it synthesizes into a
 * folder of its own under the run's, which the run's teardown removes: by default CDK makes a new
 * temporary folder for each app and nobody removes it (about 25 MB each, a dozen a run).
 */
export function templateApp(context: Record<string, unknown> = {}, { cloudFormationValidation = false }: TemplateAppOptions = {}): App {
  const root = process.env[CDK_OUT_ROOT_VARIABLE] ?? tmpdir();
  return new App({
    outdir: mkdtempSync(join(root, 'cdk-')),
    builtinCloudFormationValidation: cloudFormationValidation,
    context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] },
  });
}

/** The app as `cdk synth -c …` builds it for eu-west-1: the edge option needs the target region at synth. */
export function appInRegion(context: Record<string, unknown>, options?: TemplateAppOptions): ReturnType<typeof buildApp> {
  return buildApp(templateApp(context, options), { account: '123456789012', region: 'eu-west-1' });
}

/** Kept on the process, not the module: the files of a worker share it, each with module state of its own. */
const DEFAULT_APP = Symbol.for('leadflow.test.defaultTemplateApp');
interface DefaultAppHolder {
  [DEFAULT_APP]?: ReturnType<typeof buildApp>;
}

/**
 * The default app (no settings of its own), built and synthesized once per worker process for the files that only
 * read its templates: a build and synth of it is 3-4 s of CPU, and Template.fromStack synthesizes an app
 * once. A test that adds to an app or needs its synthesis to run again builds its own with templateApp.
 */
export function defaultTemplateApp(): ReturnType<typeof buildApp> {
  const holder = globalThis as DefaultAppHolder;
  holder[DEFAULT_APP] ??= buildApp(templateApp());
  return holder[DEFAULT_APP];
}
