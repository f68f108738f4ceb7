/**
 * Stands in for `@smithy/core`'s S3 endpoint customizations in every function bundle
 * (infra/bundle-plugins.ts). Endpoint resolution calls them only for an S3 client, and no leadflow
 * function has one (test/infra/bundles.test.ts lists the clients each may carry).
 */
const noS3Client = (): never => {
  throw new Error('leadflow function bundles leave out S3 endpoint rules: no function calls S3 (infra/sdk-replacements/no-s3-endpoints.ts)');
};

export const resolveParamsForS3 = async (): Promise<never> => noS3Client();
export const isDnsCompatibleBucketName = noS3Client;
export const isArnBucketName = noS3Client;
export const DOT_PATTERN = /\./;
export const S3_HOSTNAME_PATTERN = /^(.+\.)?s3(-fips)?(\.dualstack)?[.-]([a-z0-9-]+)\./;
