/**
 * Stands in for `@smithy/core`'s AdaptiveRetryStrategy (and the client-side rate limiter it brings,
 * 3.3 KB) in every function bundle (infra/bundle-plugins.ts). A client takes it only when its retry
 * mode is `adaptive`, from AWS_RETRY_MODE or a config file; Lambda sets neither (config files are
 * left out: no-shared-config-files.ts) and leadflow's clients name no mode, so they retry in the
 * standard mode. Naming `adaptive` fails every call with this error rather than silently retrying
 * without the rate limiter it asked for.
 */
export class AdaptiveRetryStrategy {
  constructor() {
    throw new Error('leadflow function bundles retry in the standard mode only: unset AWS_RETRY_MODE=adaptive (infra/sdk-replacements/standard-retries-only.ts)');
  }
}
