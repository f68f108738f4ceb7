/**
 * Stands in for `@smithy/core`'s loader of `~/.aws/config` and `~/.aws/credentials` in every function
 * bundle (infra/bundle-plugins.ts): a Lambda function has no such files, so the SDK's settings come
 * from the environment and the client's defaults, as they do there with the loader (which finds no
 * file and gives empty sections). The credentials were already the environment's only
 * (environment-credentials.ts). The loader and its ini parser are 3 KB.
 */
export const CONFIG_PREFIX_SEPARATOR = '.';

export const loadSharedConfigFiles = async (): Promise<{ configFile: Record<string, never>; credentialsFile: Record<string, never> }> => ({
  configFile: {},
  credentialsFile: {},
});
