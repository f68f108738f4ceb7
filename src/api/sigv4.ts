import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Authorise } from './client';

/**
 * Signs each request with SigV4 for API Gateway (`execute-api`), as admin routes in AWS require, with
 * the AWS credential chain (environment, profile, SSO, instance role) unless credentials are given.
 */
export function sigV4(region: string, credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'] = defaultProvider()): Authorise {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Hash.bind(null, 'sha256') });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      ...(body ? { body } : {}),
    });
    return signed.headers;
  };
}
