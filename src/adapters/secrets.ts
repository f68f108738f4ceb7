import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { checkKeyRing, type KeyRing } from '../domain/consent/signed-token';
import { readConfig } from '../config';

/**
 * The key ring as the secret holds it: `{ "current": "k2", "k1": "<old secret>", "k2": "<secret>" }`.
 * Rotating is adding a key and pointing `current` at it; links signed with older keys keep working
 * until their key is removed.
 */
export function keyRingFromSecret(secretString: string): KeyRing {
  let ring: unknown;
  try {
    ring = JSON.parse(secretString);
  } catch {
    // JSON.parse's own message quotes the text it failed on: the secret would reach the logs.
    throw new Error('Signing-key secret is not JSON');
  }
  if (typeof ring !== 'object' || ring === null || Array.isArray(ring)) throw new Error('Signing-key secret is not a JSON object');
  const { current, ...keys } = ring as Record<string, unknown>;
  if (typeof current !== 'string') throw new Error('Signing-key secret has no "current" key id');
  const strings = Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return checkKeyRing({ current, keys: strings });
}

/** Secrets are read again after this long (the variable Powertools Parameters read, kept; its default of 5 s would read them on nearly every invocation). */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

const secretMaxAgeSeconds = () =>
  readConfig({ POWERTOOLS_PARAMETERS_MAX_AGE: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_SECRET_MAX_AGE_SECONDS) }).POWERTOOLS_PARAMETERS_MAX_AGE;

/**
 * A secret kept for `maxAgeSeconds`, then read again: a key added to the ring reaches warm functions
 * within that time. Parsed (and so validated) after each read that brings a new value; concurrent
 * callers share one read; a failed read is retried by the next call. One GetSecretValue call and a
 * time, where Powertools Parameters' SecretsProvider was 3 KiB of every bundle for the same cache.
 */
export function cachedSecret<T>(client: SecretsManagerClient, secretId: string, parse: (secretString: string) => T, maxAgeSeconds = secretMaxAgeSeconds()): () => Promise<T> {
  let parsed: { readonly from: string; readonly value: T; readonly readAt: number } | undefined;
  let reading: Promise<T> | undefined;
  const read = async () => {
    if (parsed && Date.now() - parsed.readAt < maxAgeSeconds * 1000) return parsed.value;
    const { SecretString: secretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof secretString !== 'string') throw new Error(`Secret ${secretId} holds no text`);
    parsed = { from: secretString, value: parsed?.from === secretString ? parsed.value : parse(secretString), readAt: Date.now() };
    return parsed.value;
  };
  return () => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}

/**
 * The forms' CAPTCHA secret keys as the secret holds them: `{ "<secretName>": "<secret key>" }`; a
 * form's definition names its key, never the secret itself.
 */
export function captchaSecretsFromSecret(secretString: string): ReadonlyMap<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error('Form CAPTCHA secret is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('Form CAPTCHA secret is not a JSON object');
  return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
