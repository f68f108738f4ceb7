/**
 * Stands in for `@smithy/core`'s instance-metadata region lookup in every function bundle
 * (infra/bundle-plugins.ts). The SDK asks EC2's instance metadata service for the region only when
 * neither AWS_REGION nor a config file names one; Lambda always sets AWS_REGION (and
 * AWS_EXECUTION_ENV, with which the defaults mode does not ask either). Without a region the client
 * then fails with the SDK's own "Region is missing".
 */
export const getInstanceMetadataRegion = async (): Promise<string | undefined> => undefined;
