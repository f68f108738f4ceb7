import type { defaultProvider as defaultCredentialChain } from '@aws-sdk/credential-provider-node';
import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in every function bundle (infra/function-bundling.ts).
 * Lambda hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, the first link of the SDK's default chain; the rest of that chain (SSO, ini files,
 * credential processes, web identity, container and instance metadata) is never reached there, yet
 * bundled it brings two nested STS/SSO clients and the XML and query protocols: 135 KB. The local
 * runtime gives each function credentials the same way (local/function-environment.ts).
 *
 * The chain keeps the credentials it found (they carry no expiry in Lambda's environment, which does
 * not change while the process lives), so the environment is read once, not on every request; a read
 * that finds none is not kept, and fails each call as the chain does. A forced refresh reads it again.
 */
export const defaultProvider: typeof defaultCredentialChain = (init) => {
  const fromEnvironment = fromEnv(init);
  let read: ReturnType<typeof fromEnvironment> | undefined;
  return (options) => {
    if (options?.forceRefresh) read = undefined;
    read ??= fromEnvironment().catch((error: unknown) => {
      read = undefined;
      throw error;
    });
    return read;
  };
};
