import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkKeyRing, type KeyRing } from '../domain/consent/signed-token';

/**
 * The key ring as the secret holds it: `{ "current": "k2", "k1": "<old secret>", "k2": "<secret>" }`.
 * Rotating is adding a key and pointing `current` at it; links signed with older keys keep working
 * until their key is removed.
 */
export function keyRingFromSecret(secretString: string): KeyRing {
  const { current, ...keys } = JSON.parse(secretString) as Record<string, unknown>;
  if (typeof current !== 'string') throw new Error('Signing-key secret has no "current" key id');
  const strings = Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return checkKeyRing({ current, keys: strings });
}

/** Reads a secret once per cold start and parses it; a failed read is retried by the next call. */
export function cachedSecret<T>(client: SecretsManagerClient, secretId: string, parse: (secretString: string) => T): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= client
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .then(({ SecretString }) => parse(SecretString ?? ''))
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
    return loading;
  };
}
