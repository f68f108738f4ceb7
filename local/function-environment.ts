import { environmentFor, type DeploymentSettings } from '../manifest/environment';
import type { FunctionSpec, Manifest } from '../manifest/types';

/** The runtime infra/leadflow-function.ts deploys every function on, as Lambda names it in AWS_EXECUTION_ENV. */
const LAMBDA_RUNTIME = 'AWS_Lambda_nodejs22.x';

/**
 * What the Lambda runtime itself sets in every function's environment, beside the variables of the
 * function's configuration (its credentials come from its role; locally the stack supplies them).
 */
export function lambdaRuntimeVariables(fn: FunctionSpec, region: string, taskRoot: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: LAMBDA_RUNTIME,
    AWS_LAMBDA_FUNCTION_NAME: `leadflow-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/leadflow-${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: 'index.handler',
  };
}

/**
 * Settings from the environment `npm start` (or a test) runs in that every local function also gets:
 * Powertools' own (log level, metrics, the secrets' cache age), which a deployment would put in the
 * function's configuration, and the settings tests shorten (nothing sets them in AWS): CLAIM_STALE_SECONDS,
 * with which the crash test sees a crashed holder's claim taken over, HELD_CLAIM_FIRST_WAIT_SECONDS,
 * SUBSCRIPTION_TYPES_MAX_AGE_SECONDS and ERASURE_SWEEP_DELAY_SECONDS, with which the shared test stack
 * (test/integration/shared-stack-environment.ts) waits less for a duplicate's retry, sees an edit of the
 * subscription types at once and an erasure's sweep within seconds, and SCHEDULE_SOONEST_SECONDS, with
 * which the campaign crash test sees the sends its kill cut off settled within seconds. Anything else
 * of that environment stays out, as in Lambda.
 */
const PASSED_THROUGH = ['CLAIM_STALE_SECONDS', 'HELD_CLAIM_FIRST_WAIT_SECONDS', 'SUBSCRIPTION_TYPES_MAX_AGE_SECONDS', 'ERASURE_SWEEP_DELAY_SECONDS', 'SCHEDULE_SOONEST_SECONDS'];
const isPassedThrough = (name: string) => name.startsWith('POWERTOOLS_') || PASSED_THROUGH.includes(name);

export interface LocalFunctionEnvironmentOptions {
  readonly manifest: Manifest;
  readonly settings: DeploymentSettings;
  readonly region: string;
  /** Where the handlers' code is: the project root. */
  readonly taskRoot: string;
  /** Credentials, the stand-ins' AWS_ENDPOINT_URL_* and Powertools' defaults: the same for every function. */
  readonly localAws: Readonly<Record<string, string>>;
  /** The environment the stack was started in. */
  readonly host: NodeJS.ProcessEnv;
}

/**
 * Exactly the environment `fn` gets in AWS (the runtime's variables and what its manifest entry
 * grants it, `environmentFor`), with the local credentials and endpoints in place of its role's and
 * AWS's. No variable of another function or of the developer's shell reaches it, so a function that
 * reads a variable its manifest entry does not give it fails locally as it would in Lambda.
 */
export function localFunctionEnvironment(fn: FunctionSpec, options: LocalFunctionEnvironmentOptions): Record<string, string> {
  const passedThrough = Object.entries(options.host).filter((entry): entry is [string, string] => isPassedThrough(entry[0]) && entry[1] !== undefined);
  return {
    ...lambdaRuntimeVariables(fn, options.region, options.taskRoot),
    ...options.localAws,
    ...Object.fromEntries(passedThrough),
    // Last, so the function's own configuration wins over a setting of the same name from the shell.
    ...environmentFor(fn, options.manifest, options.settings),
  };
}
